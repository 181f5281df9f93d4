"""`prepare` reads the counts of every group the same way, whether each village holds every group
in the table's order (a table read from a file) or not (villages made one by one)."""

from __future__ import annotations

import numpy as np
from conftest import problem, village

import scenarios
from scenarios.examples import BEKASI_VILLAGES
from solver import prepare


def test_counts_in_another_order_or_missing_are_read_by_group() -> None:
    villages = [
        village(1, {"farmers": 5, "traders": 7}, dana_desa=1e9, enrolled={"traders": 2, "farmers": 1}),
        village(2, {"traders": 3, "farmers": 4}, dana_desa=1e9),
        village(3, {"farmers": 6}, dana_desa=1e9, enrolled={"farmers": 9}),
    ]
    data = prepare(problem(villages))
    assert data.groups == ["farmers", "traders"]
    assert data.uninsured.tolist() == [[5.0, 7.0], [4.0, 3.0], [6.0, 0.0]]
    assert data.enrolled.tolist() == [[1.0, 2.0], [0.0, 0.0], [9.0, 0.0]]


def test_a_table_read_from_a_file_gives_each_villages_own_counts() -> None:
    table = scenarios.read_villages(BEKASI_VILLAGES)
    data = prepare(problem(table.villages))
    expected = [[v.uninsured[g] for g in table.groups] for v in table.villages]
    assert data.groups == table.groups
    assert np.array_equal(data.uninsured, np.array(expected, dtype=float))
    assert np.array_equal(
        data.enrolled, np.array([[v.enrolled[g] for g in table.groups] for v in table.villages])
    )
