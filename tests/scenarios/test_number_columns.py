"""A column whose cells are all plain numbers (or empty) is read at C speed; it must read exactly
as the cell-by-cell rules read the same text, for every kind of column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scenarios.numbers import _parse_text, _plain_column, parse_numbers

# the characters a plain number is written with, and a few forms that are not plain
PLAIN_TEXT = st.text(alphabet="0123456789.eE+-", max_size=12)
NUMBERS = st.one_of(
    st.integers(min_value=-(10**17), max_value=10**17).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.decimals(min_value=-(10**6), max_value=10**6, places=3, allow_nan=False).map(str),
    st.sampled_from(["", "1.580", "12.5", "1e3", "-7", ".5", "0.953", "1.", "+3"]),
)
CELLS = st.one_of(
    st.lists(NUMBERS, min_size=1, max_size=40),
    st.lists(st.one_of(NUMBERS, PLAIN_TEXT), min_size=1, max_size=40),
)


@pytest.mark.parametrize("kind", ["rupiah", "count", "decimal"])
@given(cells=CELLS)
def test_the_column_path_reads_as_the_cell_rules(kind: str, cells: list[str]) -> None:
    column = np.asarray(cells, dtype=object)

    plain = _plain_column(column, kind)  # type: ignore[arg-type]

    if plain is None:
        return  # the cell rules read it: nothing to compare
    values, empty = plain
    assert empty.tolist() == [cell == "" for cell in cells]
    written = np.asarray([cell for cell in cells if cell], dtype=np.str_)
    expected = _parse_text(written, kind) if len(written) else np.array([])  # type: ignore[arg-type]
    np.testing.assert_array_equal(values[~empty], expected)


def test_thousands_points_and_spaces_still_take_the_rules() -> None:
    column = pd.Series(["1.580", "2500", "", "1.500.000"], dtype=object)

    parsed = parse_numbers(column, "rupiah")

    assert parsed.values[[0, 1, 3]].tolist() == [1580.0, 2500.0, 1_500_000.0]
    assert parsed.empty.tolist() == [False, False, True, False]
    assert parse_numbers(pd.Series(["1.580", "0.5"], dtype=object), "decimal").values.tolist() == [1.58, 0.5]
    assert _plain_column(np.asarray([" 12", "3"], dtype=object), "count") is None
    assert parse_numbers(pd.Series([" 12", "3"], dtype=object), "count").values.tolist() == [12.0, 3.0]


def test_a_number_too_large_for_a_float_is_invalid() -> None:
    parsed = parse_numbers(pd.Series(["1e400", "5"], dtype=object), "rupiah")

    assert parsed.invalid.tolist() == [True, False]
