import sys

from bench import main

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
