"""Text cells a spreadsheet will not run: OWASP's rule against CSV and formula injection.

A spreadsheet takes a cell that starts with `=`, `+`, `-` or `@` (and, in some, a tab, a carriage
return or a NUL before one) as a formula: a village named `=HYPERLINK(...)` would be a live link
in the targets a village office opens. Every CSV and XLSX desaplan writes passes through
`neutralise_frame`, which puts a single quote before such a text cell (and before a text cell
that already starts with a quote, so that `restore_text` gives back exactly what was written).
Numbers are left as they are: -5 stays the number -5.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scenarios.shared_frames import shared_safe

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
_QUOTE = "'"
_RISKY_STARTS = (*FORMULA_STARTS, _QUOTE)


def neutralise_text(value: str) -> str:
    """`'` + the text when a spreadsheet could read it as a formula (or it starts with `'`)."""
    if value.startswith(FORMULA_STARTS) or value.startswith(_QUOTE):
        return _QUOTE + value
    return value


def restore_text(value: str) -> str:
    """The inverse for text desaplan wrote: `'=x` reads back as `=x`, `''x` as `'x`. A quote
    before anything else is the text's own (`'Sukamaju` stays as it is)."""
    if value.startswith(_QUOTE) and value[1:].startswith((*FORMULA_STARTS, _QUOTE)):
        return value[1:]
    return value


def neutralise_cell(value: object) -> object:
    return neutralise_text(value) if isinstance(value, str) else value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of the frame whose text cells and column names are safe to open; number
    columns are untouched (and stay numbers). A column at a time: only the cells that start
    with a formula's first character (or a quote) are touched. Made once per frame within a
    `scenarios.shared_frames.plan_files` block."""
    return shared_safe(frame, _neutralised)


def _neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    safe = frame.copy()
    for position in range(safe.shape[1]):
        column = safe.iloc[:, position]
        if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
            cells = column.to_numpy(dtype=object)
            try:
                # .str gives NaN for a cell that is not text (a number, None): those stay as they are
                risky = column.str.startswith(_RISKY_STARTS).to_numpy(dtype=object) == True  # noqa: E712
            except AttributeError:  # no text at all in the column (True and False, say)
                risky = np.array(
                    [isinstance(v, str) and v.startswith(_RISKY_STARTS) for v in cells], dtype=bool
                )
            if risky.any():
                cells = cells.copy()
                cells[risky] = [_QUOTE + value for value in cells[risky]]
            safe.isetitem(position, cells)
    safe.columns = [neutralise_cell(name) for name in safe.columns]
    return safe
