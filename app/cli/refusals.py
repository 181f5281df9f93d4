"""How the command ends: its exit statuses, and one way of refusing input.

Every command family refuses bad input the same way: the problem said on stderr (an
`InputError` names its file, row, column or field; a file that cannot be read, its name and
why) and exit status 2."""

from __future__ import annotations

import sys

from models import InputError

EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT, EXIT_INFEASIBLE, EXIT_NO_PLAN, EXIT_CHECK_FAILED = 0, 1, 2, 3, 4, 5


def refused(exc: InputError | OSError) -> int:
    """Say why the input was refused, on stderr; the exit status for bad input."""
    if isinstance(exc, InputError):
        print(exc.describe(), file=sys.stderr)
    else:
        print(f"desaplan: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
    return EXIT_BAD_INPUT
