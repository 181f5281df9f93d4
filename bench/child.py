"""The entry point of one measured run in a fresh process: `python -m bench.child KIND ...`
(see bench.runs)."""

import sys

from bench.runs import main

# the guard matters: the solver's worker processes (spawn) import this module again
if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
