"""HiGHS's stops are named in PuLP's words without loading PuLP: the names and values are PuLP's."""

from __future__ import annotations

import pulp

from solver.model import GE, LE
from solver.run import _S


def test_the_stop_names_are_pulps() -> None:
    assert {s.name: s.value for s in _S} == {s.name: s.value for s in pulp.LpSolveStatus}


def test_the_row_senses_are_pulps() -> None:
    assert (pulp.LpConstraintLE, pulp.LpConstraintGE) == (LE, GE)
