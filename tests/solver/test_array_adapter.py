"""The solve's arrays (handed to HiGHS) against the model of record (PuLP's public API, its files)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pulp
import pytest
from conftest import CHEAP, JHT, RULES_PACKAGE, problem, rules_problem, village

import scenarios
from models import Problem, VillageTable
from solver.data import prepare
from solver.model import BuiltModel, build_model, to_problem, write_model
from solver.multiyear import prepare_years
from solver.multiyear.model import build_years_model
from solver.payers import build_payer_model
from solver.run import run_highs
from solver.solution import solver_model


def _solve_both(model: BuiltModel, mip: bool) -> tuple[Any, pulp.LpProblem]:
    """HiGHS on the arrays, and PuLP's own HiGHS adapter on the PuLP problem."""
    run_highs(model, 30.0, mip=mip)
    ours = solver_model(model)
    theirs = to_problem(model)
    theirs.solve(pulp.HiGHS(msg=False, mip=mip))
    return ours, theirs


def _same_lp(model: BuiltModel, mip: bool = False) -> None:
    ours, theirs = _solve_both(model, mip)
    highs_theirs = theirs.solverModel
    assert highs_theirs.getNumCol() == ours.getNumCol() == model.n_x + model.n_z
    assert highs_theirs.getNumRow() == ours.getNumRow() == model.n_rows
    assert ours.getInfo().objective_function_value == pytest.approx(
        highs_theirs.getInfo().objective_function_value, rel=1e-9
    )
    if not mip:
        assert np.allclose(ours.getSolution().row_dual, highs_theirs.getSolution().row_dual, atol=1e-7)
    # the same matrix, bounds and costs, read back from both HiGHS instances
    a, b = ours.getLp(), highs_theirs.getLp()
    assert np.array_equal(a.col_cost_, b.col_cost_)
    assert np.array_equal(a.col_upper_, b.col_upper_) and np.array_equal(a.col_lower_, b.col_lower_)
    assert np.array_equal(a.row_lower_, b.row_lower_) and np.array_equal(a.row_upper_, b.row_upper_)
    assert np.array_equal(a.a_matrix_.value_, b.a_matrix_.value_)
    assert np.array_equal(a.a_matrix_.index_, b.a_matrix_.index_)
    assert np.array_equal(a.a_matrix_.start_, b.a_matrix_.start_)


@pytest.mark.parametrize("objective", ["max_protection", "min_cost"])
@pytest.mark.parametrize("mip", [False, True])
def test_the_model_of_record_is_the_lp_highs_solves(objective: str, mip: bool) -> None:
    rng = np.random.default_rng(7)
    villages = [
        village(
            i + 1,
            {
                "farmers": int(rng.integers(0, 90)),
                "fishers": int(rng.integers(0, 20)),
                "village_officials": int(rng.integers(1, 15)),
            },
            dana_desa=float(rng.uniform(1e8, 9e8)),
            kabupaten=f"K{i % 3}",
            priority=float(rng.uniform(0.5, 2)),
        )
        for i in range(30)
    ]
    data = prepare(
        problem(
            villages,
            packages=[CHEAP, JHT],
            objective=objective,
            integer=mip,
            budget={"dana_desa_share": 0.02, "apbd_pool_idr": {"K0": 5e7, "K1": 0, "K2": 1e7}},
            targets={
                "min_coverage": 0.1,
                "min_new_enrollments": 40,
                "group_min_coverage": {"village_officials": 1.0},
            },
        )
    )
    model = build_model(data, mip=mip)
    _same_lp(model, mip)
    if mip:
        theirs = to_problem(model)
        assert {v.cat for v in theirs.variables() if v.name.startswith("x_")} == {pulp.LpInteger}
        assert {v.cat for v in theirs.variables() if v.name.startswith("z_")} == {pulp.LpContinuous}


def test_a_priced_pool_with_one_package_keeps_its_bounds_in_the_model_of_record() -> None:
    data = _small_data([CHEAP])  # one package: the group caps are upper bounds, not rows
    model = build_model(data, pool_price=0.3)
    assert np.isfinite(model.col_upper).all()
    _same_lp(model)


def test_the_payers_model_of_record_is_the_lp_highs_solves() -> None:
    rng = np.random.default_rng(3)
    villages = [
        village(
            i,
            {
                "farmers": int(rng.integers(1, 40)),
                "transport": int(rng.integers(0, 40)),
                "village_officials": int(rng.integers(1, 5)),
            },
            dana_desa=float(rng.integers(50_000, 400_000)),
            add=float(rng.integers(0, 100_000)),
            kabupaten="AB"[i % 2],
        )
        for i in range(1, 9)
    ]
    prob = rules_problem(
        villages,
        packages=[RULES_PACKAGE],
        budget={"dana_desa_share": 1.0, "add_share": 0.5, "apbd_pool_idr": {"A": 300_000.0, "B": 90_000.0}},
    )
    model = build_payer_model(prepare(prob))
    assert len(model.accounts) >= 2 and model.built.n_rows
    _same_lp(model.built)


def test_the_multiyear_model_of_record_is_the_lp_highs_solves() -> None:
    villages = [
        village(
            i, {"farmers": 20 + 7 * i, "fishers": 3 * i}, dana_desa=2_000_000.0 * i, kabupaten="AB"[i % 2]
        )
        for i in range(1, 7)
    ]
    groups = list(dict.fromkeys(g for v in villages for g in v.uninsured))
    prob = Problem(
        table=VillageTable(groups=groups, villages=villages),
        scenario=scenarios.scenario_from_dict(
            {
                "packages": [{"code": "JKK-JKM", "monthly_premium_idr": 10_000, "value": 1.0}],
                "budget": {"dana_desa_share": 0.5, "apbd_pool_idr": {"A": 3e6, "B": 1e6}},
                "targets": {"min_coverage": 0.2},
                "multi_year": {"years": 3, "dana_desa_growth": "10%"},
            }
        ),
    )
    model = build_years_model(prepare_years(prob))
    assert model.built.n_z and model.built.n_rows  # the pool pays through z
    _same_lp(model.built)


def _small_data(packages: list[dict], integer: bool = False):
    rng = np.random.default_rng(11)
    villages = [
        village(
            i + 1,
            {"farmers": int(rng.integers(0, 60)), "fishers": int(rng.integers(0, 9))},
            dana_desa=float(rng.uniform(1e8, 6e8)),
            kabupaten=f"K{i % 2}",
        )
        for i in range(12)
    ]
    return prepare(
        problem(
            villages,
            packages=packages,
            integer=integer,
            budget={"dana_desa_share": 0.02, "apbd_pool_idr": {"K0": 3e7, "K1": 1e7}},
            targets={"min_coverage": 0.1},
        )
    )


@pytest.mark.parametrize("packages", [[CHEAP, JHT], [CHEAP]])
def test_the_written_model_read_back_by_pulp_is_the_model_highs_solved(
    tmp_path: Path, packages: list[dict]
) -> None:
    model = build_model(_small_data(packages))
    stats = run_highs(model, 10.0, mip=False)
    assert stats.status.value == "optimal"
    highs = solver_model(model)

    mps = write_model(model, tmp_path / "model.mps")
    lp = write_model(model, tmp_path / "model.lp")
    _, again = pulp.LpProblem.fromMPS(str(mps), sense=pulp.LpMaximize)
    assert again.numVariables() == highs.getNumCol() and again.numConstraints() == highs.getNumRow()
    again.solve(pulp.HiGHS(msg=False))
    assert again.objective.value() == pytest.approx(highs.getInfo().objective_function_value, rel=1e-9)
    rows_in_lp = [line for line in lp.read_text().splitlines() if re.match(r"_C\d+:", line)]
    assert len(rows_in_lp) == highs.getNumRow()


def test_a_model_is_written_only_as_mps_or_lp(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="plan.json: the model is written as .mps or .lp"):
        write_model(build_model(_small_data([CHEAP])), tmp_path / "plan.json")
    assert not (tmp_path / "plan.json").exists()


def test_the_solver_uses_pulp_through_its_public_api_only() -> None:
    private = re.compile(r"_rustcore|core\._internal|\._model\b|\._expr\b")
    solver_dir = Path(__file__).resolve().parents[2] / "solver"
    found = [
        f"{path.relative_to(solver_dir)}:{n}"
        for path in sorted(solver_dir.rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if private.search(line)
    ]
    assert found == []
