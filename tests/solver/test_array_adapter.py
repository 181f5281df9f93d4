"""Our hand-off of the model to HiGHS (arrays) against PuLP's own adapter (term by term)."""

from __future__ import annotations

import numpy as np
import pulp
import pytest
from conftest import CHEAP, JHT, problem, village

from solver.data import prepare
from solver.model import build_model
from solver.run import ArrayHiGHS, run_highs
from solver.solution import solver_model


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


def _small_data(packages: list[dict], integer: bool = False):
    rng = np.random.default_rng(11)
    villages = [village(i + 1, {"farmers": int(rng.integers(0, 60)), "fishers": int(rng.integers(0, 9))},
                        dana_desa=float(rng.uniform(1e8, 6e8)), kabupaten=f"K{i % 2}")
                for i in range(12)]
    return prepare(problem(villages, packages=packages, integer=integer,
                           budget={"dana_desa_share": 0.02, "apbd_pool_idr": {"K0": 3e7, "K1": 1e7}},
                           targets={"min_coverage": 0.1}))


def test_the_solve_hands_pulp_no_rows_but_the_problem_still_writes_the_whole_model(tmp_path) -> None:
    for packages in ([CHEAP, JHT], [CHEAP]):  # with one package the group caps are upper bounds
        data = _small_data(packages)
        model = build_model(data)
        stats = run_highs(model, 10.0, mip=False)
        assert stats.status.value == "optimal"
        assert model.prob._model.num_constraints == 0  # HiGHS had the arrays; PuLP built no row
        highs = solver_model(model)
        assert model.prob.numConstraints() == highs.getNumRow()

        # read back from PuLP's own files, the model is the one HiGHS solved
        model.prob.writeMPS(str(tmp_path / "model.mps"))
        model.prob.writeLP(str(tmp_path / "model.lp"))
        assert model.prob._model.num_constraints == highs.getNumRow()
        _, again = pulp.LpProblem.fromMPS(str(tmp_path / "model.mps"), sense=model.prob.sense)
        again.solve(pulp.HiGHS(msg=False))
        assert again.objective.value() == pytest.approx(highs.getInfo().objective_function_value,
                                                        rel=1e-9)
        rows_in_lp = [line for line in (tmp_path / "model.lp").read_text().splitlines()
                      if line.startswith("_C")]
        assert len(rows_in_lp) == highs.getNumRow()


def test_rows_recorded_after_reading_the_problem_keep_their_ids() -> None:
    data = _small_data([CHEAP, JHT])
    model = build_model(data)
    rows_before = model.prob.numConstraints()
    assert len(model.prob.constraints()) == rows_before  # hands PuLP the rows so far
    more = model.prob.record_rows(model.rows[0])
    assert more[0] == rows_before and len(more) == len(model.rows[0][3])
    assert len(model.prob.constraints()) == rows_before + len(more)
    assert [c.id for c in model.prob.constraints()] == list(range(rows_before + len(more)))
