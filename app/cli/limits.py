"""The table limit every command that reads a village table takes: `--max-villages`, else the
service's own variable, refused at the first row past it."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from models import InputError, InputIssue

if TYPE_CHECKING:
    from scenarios.limits import ReadLimits

MAX_VILLAGES_VARIABLE = "DESAPLAN_MAX_VILLAGES"  # the service's setting, the commands' default


def add_max_villages(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-villages",
        type=int,
        default=None,
        help=f"refuse a table of more villages, before reading past them (default "
        f"${MAX_VILLAGES_VARIABLE}, else 200,000)",
    )


def read_limits(args: argparse.Namespace) -> ReadLimits:
    """The readers' limits of a command: `--max-villages`, else the service's variable."""
    from scenarios.limits import ReadLimits

    given, field = args.max_villages, "--max-villages"
    if given is None and os.environ.get(MAX_VILLAGES_VARIABLE, "").strip():
        given, field = os.environ[MAX_VILLAGES_VARIABLE].strip(), MAX_VILLAGES_VARIABLE
    if given is None:
        return ReadLimits()
    try:
        rows = int(given)
    except ValueError:
        rows = 0
    if rows <= 0:
        raise InputError(
            [InputIssue(field=field, message=f"'{given}' is not a whole number above 0")],
            title="The options were refused",
        )
    return ReadLimits().with_max_rows(rows)
