"""Reading numbers the way Indonesian tables write them, a whole column at a time.

Three kinds of column:

- ``rupiah``: ``1580000000``, ``1.580.000.000``, ``Rp1.580.000.000``, ``Rp 1.580.000.000,00``,
  ``1,580,000,000``, ``Rp1.580.000.000,-``. Dots are thousands separators when they group digits
  by three (so ``1.580`` is one thousand five hundred and eighty rupiah); otherwise a dot is a
  decimal point.
- ``count``: the same forms without the currency, and the value must be a whole number
  (``1.234`` is 1234 workers, ``12.5`` is refused).
- ``decimal``: shares and weights; ``0.5``, ``0,5``, ``1.5``, ``30%``. A dot is always a decimal
  point.

Cells that are already numbers (from XLSX or JSON) are taken as they are: only text is parsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

Kind = Literal["rupiah", "count", "decimal"]

_SCI = r"\d+(?:\.\d+)?[eE][+-]?\d+"
_PLAIN = r"\d+(?:\.\d+)?|\.\d+"
_DOT_THOUSANDS = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?"  # 1.580.000.000,00
_COMMA_THOUSANDS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?"  # 1,580,000,000.00
_COMMA_DECIMAL = r"\d+,\d+"  # 1580000000,5 or 0,5


@dataclass(frozen=True)
class ParsedColumn:
    """One column read as numbers. ``values`` is NaN where the cell is empty or invalid."""

    values: np.ndarray  # float64
    empty: np.ndarray  # bool: nothing written
    invalid: np.ndarray  # bool: written, but not a number of this kind
    negative: np.ndarray  # bool: a number below zero
    fractional: np.ndarray  # bool: a count that is not a whole number


def _cell_kinds(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the cells that are numbers already and of the cells that are text."""
    inferred = pd.api.types.infer_dtype(values, skipna=False)
    if inferred in ("string", "empty"):
        n = len(values)
        return np.zeros(n, dtype=bool), np.ones(n, dtype=bool)
    is_number = values.map(
        lambda v: isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)
    ).to_numpy(dtype=bool)
    is_text = values.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    return is_number, is_text


def _parse_patterns(text: pd.Series, kind: Kind) -> np.ndarray:
    """Signed values of cells that need the written forms untangled (NaN when none fits)."""
    cleaned = text
    if kind != "decimal":
        # the currency, spaces used as thousands separators, and the ",-" of "Rp1.500,-"
        cleaned = cleaned.str.replace(r"[\s\u00a0]+", "", regex=True)
        cleaned = cleaned.str.replace(r"(?i)^([+-]?)(?:rp|idr)\.?", r"\1", regex=True)
        cleaned = cleaned.str.replace(r"[,.]-$", "", regex=True)
    sign = np.where(cleaned.str.startswith("-").to_numpy(dtype=bool), -1.0, 1.0)
    cleaned = cleaned.str.replace(r"^[+-]", "", regex=True)
    percent = np.zeros(len(cleaned), dtype=bool)
    if kind == "decimal":
        percent = cleaned.str.endswith("%").to_numpy(dtype=bool)
        cleaned = cleaned.str.removesuffix("%").str.strip()
        canonical = np.where(
            cleaned.str.fullmatch(_COMMA_DECIMAL).to_numpy(dtype=bool),
            cleaned.str.replace(",", ".", regex=False),
            np.where(cleaned.str.fullmatch(f"{_PLAIN}|{_SCI}").to_numpy(dtype=bool), cleaned, ""),
        )
    else:
        dot_thousands = cleaned.str.fullmatch(_DOT_THOUSANDS).to_numpy(dtype=bool)
        comma_thousands = cleaned.str.fullmatch(_COMMA_THOUSANDS).to_numpy(dtype=bool)
        comma_decimal = cleaned.str.fullmatch(_COMMA_DECIMAL).to_numpy(dtype=bool)
        plain = cleaned.str.fullmatch(f"{_PLAIN}|{_SCI}").to_numpy(dtype=bool)
        # order matters: "1.580" groups by three, so it is thousands before it is a decimal
        canonical = np.select(
            [dot_thousands, comma_thousands, comma_decimal, plain],
            [
                cleaned.str.replace(".", "", regex=False).str.replace(",", ".", regex=False),
                cleaned.str.replace(",", "", regex=False),
                cleaned.str.replace(",", ".", regex=False),
                cleaned,
            ],
            default="",
        )
    numbers = pd.to_numeric(pd.Series(canonical, dtype=object), errors="coerce")
    values = numbers.to_numpy(dtype=float) * sign
    return np.where(percent, values / 100.0, values)


def _parse_text(text: np.ndarray, kind: Kind) -> np.ndarray:
    """Signed values of non-empty text cells, NaN where the text is not a number of this kind.

    Most cells are plain numbers: numpy and pandas read those at C speed. Only the rest go
    through the regular expressions."""
    values = np.full(len(text), np.nan)
    # numpy would read "1_000" as 1000: such cells go through the strict patterns
    simple = np.strings.find(text, "_") < 0
    if kind != "decimal":
        # a dot or comma may be a thousands separator: those cells need the patterns, except one
        # dot not followed by exactly three characters, which can only be a decimal point (as in
        # 700520000.0, how spreadsheets and pandas write whole rupiah)
        dots = np.strings.count(text, ".")
        no_comma = np.strings.find(text, ",") < 0
        after_dot = np.strings.str_len(text) - np.strings.rfind(text, ".") - 1
        simple &= no_comma & ((dots == 0) | ((dots == 1) & (after_dot != 3)))
    simple_at = np.flatnonzero(simple)
    try:
        fast_values = text[simple_at].astype(np.float64)
    except ValueError:  # some cell is not a plain number: let pandas mark which
        fast = pd.to_numeric(pd.Series(text[simple_at], dtype=object), errors="coerce")
        fast_values = fast.to_numpy(dtype=float)
    ok = np.isfinite(fast_values)
    values[simple_at[ok]] = fast_values[ok]
    slow = ~simple
    slow[simple_at[~ok]] = True
    if slow.any():
        values[slow] = _parse_patterns(pd.Series(text[slow], dtype=object), kind)
    values[~np.isfinite(values)] = np.nan
    return values


# text in which some cell is not a plain number for Python's float(): anything but digits, a
# point, an exponent and a sign (spaces, `_`, commas, `Rp`, `%`); for rupiah and counts also a
# point followed by exactly three characters, which groups thousands (`1.580`)
_NOT_PLAIN = re.compile(r"[^0-9.eE+\-\n]")
_THOUSANDS_POINT = re.compile(r"\.[^.\n]{3}(?:\n|$)")


def _plain_column(cells: np.ndarray, kind: Kind) -> tuple[np.ndarray, np.ndarray] | None:
    """Values and the empty mask of a column of text cells that are all plain numbers or empty,
    read at C speed; None when some cell needs the written forms untangled."""
    empty = cells == ""
    written = cells[~empty]
    joined = "\n".join(written)
    if _NOT_PLAIN.search(joined) or (kind != "decimal" and _THOUSANDS_POINT.search(joined)):
        return None
    try:
        parsed = written.astype(np.float64)
    except ValueError:  # e.g. "1e" or "+-1": the patterns say which cells
        return None
    if not np.isfinite(parsed).all():
        return None
    values = np.full(len(cells), np.nan)
    values[~empty] = parsed
    return values, empty


def parse_numbers(column: pd.Series, kind: Kind) -> ParsedColumn:
    """Read one column of a table as numbers of the given kind."""
    n = len(column)
    values = np.full(n, np.nan)
    invalid = np.zeros(n, dtype=bool)
    empty = np.zeros(n, dtype=bool)
    plain = None
    if pd.api.types.infer_dtype(column, skipna=False) == "string":
        plain = _plain_column(column.to_numpy(dtype=object), kind)
    if plain is not None:  # most columns of a CSV: every cell a plain number, or empty
        values, empty = plain
        return _finished(values, empty, invalid, kind)
    is_number, is_text = _cell_kinds(column)

    text_at = np.flatnonzero(is_text)
    if len(text_at):
        text = np.strings.strip(np.asarray(column.to_numpy(dtype=object)[text_at], dtype=np.str_))
        blank = text == ""
        empty[text_at[blank]] = True
        written_at = text_at[~blank]
        parsed = _parse_text(text[~blank], kind)
        values[written_at] = parsed
        invalid[written_at] = np.isnan(parsed)

    if is_number.any():
        number_at = np.flatnonzero(is_number)
        raw = column.to_numpy(dtype=object)[number_at].astype(float)
        values[number_at] = raw
        empty[number_at[np.isnan(raw)]] = True  # a NaN cell is an empty one
        invalid[number_at[np.isinf(raw)]] = True

    # None (JSON null) is empty; anything else that is neither a number nor text is invalid
    other_at = np.flatnonzero(~(is_number | is_text))
    if len(other_at):
        nulls = column.iloc[other_at].isna().to_numpy(dtype=bool)
        empty[other_at[nulls]] = True
        invalid[other_at[~nulls]] = True

    return _finished(values, empty, invalid, kind)


def _finished(values: np.ndarray, empty: np.ndarray, invalid: np.ndarray, kind: Kind) -> ParsedColumn:
    n = len(values)
    values[invalid | empty] = np.nan
    finite = np.isfinite(values)
    negative = np.zeros(n, dtype=bool)
    negative[finite] = values[finite] < 0
    fractional = np.zeros(n, dtype=bool)
    if kind == "count":
        fractional[finite] = values[finite] != np.round(values[finite])
    return ParsedColumn(values=values, empty=empty, invalid=invalid, negative=negative, fractional=fractional)


def cell_text(column: pd.Series) -> pd.Series:
    """A column as trimmed text: numbers as written (3216012001, not 3216012001.0), None as ""."""
    inferred = pd.api.types.infer_dtype(column, skipna=False)
    if inferred == "string":
        text = np.asarray(column.to_numpy(dtype=object), dtype=np.str_)
        return pd.Series(np.strings.strip(text), index=column.index, dtype=object)

    def as_text(value: object) -> str:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()

    return column.map(as_text).astype(str)
