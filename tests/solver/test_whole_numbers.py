"""Whole-number plans are the proven whole-number optimum wherever HiGHS can prove it in time;
`optimal` only for a proven optimum, and a plan the time limit cut short carries its gap."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import CHEAP, JHT, problem, village

import scenarios
import solver.block as block
from app.i18n import speaker
from app.i18n.summary import time_limit_lines
from models import IntegerMethod, Method, Problem, SolveOptions, Status
from scenarios.examples import BEKASI_VILLAGES, bekasi_scenarios
from solver import solve
from solver.context import RunContext
from solver.data import prepare
from solver.rounding import round_and_repair
from solver.run import run_highs


def _bekasi(slug: str) -> Problem:
    return Problem(
        table=scenarios.read_villages(BEKASI_VILLAGES),
        scenario=scenarios.read_scenario(bekasi_scenarios()[slug]),
    )


def test_the_bekasi_officials_plan_is_the_whole_number_optimum() -> None:
    plan = solve(_bekasi("dd3_officials"))

    assert plan.status == Status.optimal and plan.check is not None and plan.check.ok
    assert plan.objective == pytest.approx(48_782.0, abs=1e-6)  # the rounded LP gave 48,781.75
    assert plan.method == Method.mip and "proved" in plan.message
    counts = [n for v in plan.villages for by_package in v.enrollments.values() for n in by_package.values()]
    assert all(float(n).is_integer() for n in counts)


def _small(seed: int) -> Problem:
    """Four villages, two packages, a pool: a table where rounding the LP falls short."""
    rng = np.random.default_rng(seed)
    villages = [
        village(
            i,
            {"farmers": int(rng.integers(1, 9)), "fishers": int(rng.integers(0, 6))},
            dana_desa=float(rng.integers(5, 40)) * 1e6,
            priority=float(rng.integers(1, 4)),
            kabupaten="K",
        )
        for i in range(1, 5)
    ]
    return problem(
        villages,
        packages=[CHEAP, JHT],
        integer=True,
        group_weights={"fishers": 2.5},
        budget={"dana_desa_share": 0.05, "apbd_pool_idr": float(rng.integers(0, 5)) * 1e5},
    )


@pytest.mark.parametrize("seed", [1, 44, 48])
def test_where_rounding_falls_short_the_plan_is_the_mip_optimum(seed: int) -> None:
    p = _small(seed)
    data = prepare(p)
    lp = solve(p.model_copy(update={"scenario": p.scenario.model_copy(update={"integer": False})}))
    x_lp = np.array(
        [
            [[v.enrollments[g][k] for k in data.packages] for g in data.groups]
            for v in sorted(lp.villages, key=lambda v: v.village_code)
        ]
    )
    rounded = round_and_repair(data, x_lp)
    assert rounded is not None

    plan = solve(p)
    by_mip = solve(p, SolveOptions(integer_method=IntegerMethod.mip))

    assert plan.status == Status.optimal and plan.check is not None and plan.check.ok
    assert plan.objective == pytest.approx(by_mip.objective, abs=1e-9)
    assert plan.objective > float((rounded * data.objective_coef()).sum()) + 0.1


def test_a_rounded_plan_that_reaches_the_bound_needs_no_branch_and_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_mip(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("mip"):
            raise AssertionError("branch and bound ran for a plan the LP bound already proves")
        return run_highs(*args, **kwargs)

    monkeypatch.setattr(block, "run_highs", no_mip)
    plan = solve(_bekasi("min_cost_19000"))

    assert plan.status == Status.optimal and plan.method == Method.lp_rounded
    assert plan.objective == pytest.approx(3_830_400_000.0)


def test_a_plan_branch_and_bound_could_not_prove_says_its_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    def short_mip(model: Any, time_limit_s: float, *args: Any, **kwargs: Any) -> Any:
        # HiGHS's branch and bound stopped by its own time limit long before it could prove
        # anything (it needs seconds here), as a block's share of a short limit would
        return run_highs(model, 0.01 if kwargs.get("mip") else time_limit_s, *args, **kwargs)

    monkeypatch.setattr(block, "run_highs", short_mip)
    plan = solve(_bekasi("dd3_officials"), run=RunContext(SolveOptions()))

    assert plan.status == Status.time_limit and plan.check is not None and plan.check.ok
    assert plan.objective is not None and plan.lp_bound is not None
    assert plan.objective <= 48_782.0 < plan.lp_bound
    assert plan.gap_to_lp_bound == pytest.approx((plan.lp_bound - plan.objective) / plan.lp_bound)
    assert plan.gap_to_lp_bound > 0 and "within" in plan.message and "best bound" in plan.message
    said = " ".join(time_limit_lines(plan, speaker("id")))
    assert "dari batas terbaik" in said and "%" in said
