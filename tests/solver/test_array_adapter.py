"""Our hand-off of the model to HiGHS (arrays) against PuLP's own adapter (term by term)."""

from __future__ import annotations

import numpy as np
import pulp
import pytest
from conftest import CHEAP, JHT, problem, village

from solver.data import prepare
from solver.model import build_model
from solver.run import ArrayHiGHS


@pytest.mark.parametrize("objective", ["max_protection", "min_cost"])
@pytest.mark.parametrize("mip", [False, True])
def test_same_model_same_optimum(objective: str, mip: bool) -> None:
    rng = np.random.default_rng(7)
    villages = [village(i + 1, {"farmers": int(rng.integers(0, 90)), "fishers": int(rng.integers(0, 20)),
                                "village_officials": int(rng.integers(1, 15))},
                        dana_desa=float(rng.uniform(1e8, 9e8)), kabupaten=f"K{i % 3}",
                        priority=float(rng.uniform(0.5, 2)))
                for i in range(30)]
    data = prepare(problem(villages, packages=[CHEAP, JHT], objective=objective, integer=mip,
                           budget={"dana_desa_share": 0.02, "apbd_pool_idr": {"K0": 5e7, "K1": 0, "K2": 1e7}},
                           targets={"min_coverage": 0.1, "min_new_enrollments": 40,
                                    "group_min_coverage": {"village_officials": 1.0}}))
    theirs = build_model(data, mip=mip)
    theirs.prob.solve(pulp.HiGHS(msg=False))
    ours = build_model(data, mip=mip)
    ours.prob.solve(ArrayHiGHS(ours, msg=False))
    highs_theirs, highs_ours = theirs.prob.solverModel, ours.prob.solverModel
    assert highs_theirs.getNumCol() == highs_ours.getNumCol()
    assert highs_theirs.getNumRow() == highs_ours.getNumRow()
    assert highs_ours.getInfo().objective_function_value == pytest.approx(
        highs_theirs.getInfo().objective_function_value, rel=1e-9)
    if not mip:
        assert np.allclose(highs_ours.getSolution().row_dual, highs_theirs.getSolution().row_dual,
                           atol=1e-7)
