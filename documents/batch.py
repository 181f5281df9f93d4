"""`python -m documents.batch`: compile batches of letters in a process of their own, the batches
pickled on stdin by `documents.letters`, the PDFs pickled back on stdout.

Typst's Python binding keeps every compile's memoized work for the life of the process (it never
evicts its cache), about 2 MB a letter; a national book of 83,762 letters compiled in one process
would not fit in memory. Each batch process ends with its batches, and its memory with it.
"""

from __future__ import annotations

import pickle
import sys


def main() -> None:
    from documents.letters import render_batch

    parts = pickle.load(sys.stdin.buffer)  # written by our own parent process
    pickle.dump([render_batch(*part) for part in parts], sys.stdout.buffer)


if __name__ == "__main__":
    main()
