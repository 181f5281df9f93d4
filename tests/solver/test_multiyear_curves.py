"""Budget-outcome curves of a multi-year plan: each point the plan `solve` gives at that value."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import village

import scenarios
from models import Lever, LeverKind, Problem, Status, VillageTable
from solver import solve
from solver.curves import sweep
from solver.levers import scenario_at

PREMIUM = {"code": "JKK-JKM", "monthly_premium_idr": 10_000, "value": 1.0}  # Rp120,000 a year


def years_problem(**fields: Any) -> Problem:
    villages = [
        village(1, {"farmers": 200, "fishers": 50}, dana_desa=300_000_000, kabupaten="Kabupaten Bekasi"),
        village(2, {"farmers": 150}, dana_desa=100_000_000, kabupaten="Kabupaten Bekasi"),
        village(3, {"fishers": 120}, dana_desa=200_000_000, kabupaten="Kabupaten Karawang"),
    ]
    fields.setdefault("packages", [PREMIUM])
    return Problem(
        table=VillageTable(groups=["farmers", "fishers"], villages=villages),
        scenario=scenarios.scenario_from_dict(fields),
    )


def test_a_dana_desa_curve_over_three_years_is_each_years_plan() -> None:
    problem = years_problem(
        budget={"dana_desa_share": 0.03},
        group_weights={"fishers": 2.0},
        multi_year={"years": 3, "dana_desa_growth": ["10%", "-30%"], "min_coverage": ["0%", "10%", "20%"]},
    )
    values = [0.01, 0.02, 0.05, 0.1, 0.2]
    curve = sweep(problem, Lever(kind=LeverKind.dana_desa_share), values)
    assert not curve.exact and "3 years" in curve.message
    assert [p.lever_value for p in curve.points] == values
    feasible = [p for p in curve.points if p.status == Status.optimal.value]
    assert curve.feasible_from == feasible[0].lever_value
    assert curve.points[0].status == Status.infeasible.value  # 1% cannot pay year 3's floor
    for point in curve.points:
        alone = solve(
            Problem(
                table=problem.table,
                scenario=scenario_at(problem, Lever(kind=LeverKind.dana_desa_share), point.lever_value),
            )
        )
        assert point.status == alone.status.value
        if alone.status == Status.optimal:
            assert point.objective == pytest.approx(alone.objective, rel=1e-12)
            assert point.check_ok and alone.totals is not None
            assert point.spend_total_idr == pytest.approx(alone.totals.spend_total_idr)
    objectives = [p.objective for p in feasible]
    assert objectives == sorted(objectives)  # more money never protects fewer
    # per Rp1 million more of dana desa over the three years (the share moves every year's money)
    left, right = feasible[0], feasible[1]
    assert left.objective is not None and right.objective is not None
    money = (300e6 + 100e6 + 200e6) * (1 + 1.1 + 1.1 * 0.7)
    assert left.marginal_value_per_million == pytest.approx(
        (right.objective - left.objective) / ((right.lever_value - left.lever_value) * money) * 1e6
    )


def test_a_pool_given_per_year_moves_every_years_pool_of_the_kabupaten() -> None:
    pools = [{"Kabupaten Bekasi": 1e6, "Kabupaten Karawang": 2e6}] * 3
    problem = years_problem(budget={"dana_desa_share": 0.01}, multi_year={"years": 3, "apbd_pool_idr": pools})
    lever = Lever(kind=LeverKind.apbd_pool, kabupaten="Kabupaten Karawang")
    curve = sweep(problem, lever, [0, 5e6, 2e7])
    for point in curve.points:
        plan = solve(Problem(table=problem.table, scenario=scenario_at(problem, lever, point.lever_value)))
        assert [p.pool_idr for p in plan.pool_years if p.kabupaten == "Kabupaten Karawang"] == [
            point.lever_value
        ] * 3 or point.lever_value == 0
        assert point.objective == pytest.approx(plan.objective, rel=1e-12)
    assert curve.points[0].objective < curve.points[1].objective < curve.points[2].objective
