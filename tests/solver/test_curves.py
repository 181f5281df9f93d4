"""Budget-outcome curves: points equal separate solves, breakpoints are the curve's true kinks."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import C_CHEAP, JHT, problem, village

import scenarios
from models import Lever, LeverKind, Problem, Scenario, SolveOptions, Status
from scenarios import examples
from solver import solve
from solver.curves import sweep
from solver.levers import scenario_at


def _bekasi(integer: bool = False) -> Problem:
    table = scenarios.read_villages(examples.BEKASI_VILLAGES)
    scenario = scenarios.read_scenario(examples.bekasi_scenarios()["add_pool_floor20"])
    return Problem(table=table, scenario=scenario.model_copy(update={"integer": integer}))


def _separate(p: Problem, lever: Lever, value: float, options: SolveOptions | None = None):
    return solve(Problem(table=p.table, scenario=scenario_at(p, lever, value)), options)


def _on_curve(curve, value: float) -> float:
    """The exact curve's objective at `value`, through its vertices."""
    vertices = [
        (q.lever_value, q.objective)
        for q in curve.points
        if q.objective is not None and q.status == "optimal"
    ]
    ts, fs = zip(*vertices, strict=True)
    return float(np.interp(value, ts, fs))


@pytest.mark.parametrize(
    ("kind", "values"),
    [
        (LeverKind.add_share, [0.0, 0.16, 0.17, 0.2, 0.3]),
        (LeverKind.apbd_pool, [0.0, 1.2e9, 1.5e9, 3e9, 2e10]),
        (LeverKind.dana_desa_share, [0.0, 0.01, 0.05]),
        (LeverKind.min_coverage, [0.0, 0.1, 0.2, 0.21]),
    ],
)
def test_points_equal_separate_solves(kind, values):
    p = _bekasi()
    lever = Lever(kind=kind)
    curve = sweep(p, lever, values)
    assert curve.exact
    for value in values:
        point = next(q for q in curve.points if q.lever_value == value)
        plan = _separate(p, lever, value)
        assert point.status == plan.status.value
        if plan.status == Status.optimal:
            assert point.check_ok
            assert point.objective == pytest.approx(plan.objective, rel=1e-6)
            assert point.new_enrollments == pytest.approx(plan.totals.new_enrollments, rel=1e-5)
            assert point.spend_apbd_idr == pytest.approx(plan.totals.spend_apbd_idr, rel=1e-5, abs=10)


def test_breakpoints_against_a_fine_sampled_sweep():
    p = _bekasi()
    lever = Lever(kind=LeverKind.apbd_pool)
    curve = sweep(p, lever, [1.3e9, 4e9])
    assert curve.feasible_from is not None and 1.3e9 < curve.feasible_from < 4e9
    fine = list(np.linspace(curve.feasible_from, 4e9, 21))
    sampled = sweep(p, lever, fine, breakpoints=False)
    assert not sampled.exact
    for q in sampled.points:
        assert q.status == "optimal"
        assert q.objective == pytest.approx(_on_curve(curve, q.lever_value), rel=1e-6)
    # and the curve truly bends at its breakpoints: concave, slopes falling
    slopes = [q.slope_right for q in curve.points if q.slope_right is not None]
    assert all(a >= b - 1e-9 * max(1, abs(a)) for a, b in zip(slopes, slopes[1:], strict=False))


def test_breakpoints_of_add_share_against_samples():
    p = _bekasi()
    lever = Lever(kind=LeverKind.add_share)
    curve = sweep(p, lever, [0.0, 0.3])
    assert len(curve.breakpoints) > 10
    for value in np.linspace(curve.feasible_from, 0.3, 7):
        plan = _separate(p, lever, float(value))
        assert plan.objective == pytest.approx(_on_curve(curve, float(value)), rel=1e-6)


def test_one_village_bends_where_its_money_covers_everyone():
    # 100 farmers at Rp201,600 need Rp20,160,000: with Rp1 billion of dana desa, at 2.016%
    villages = [village(1, {"farmers": 100}, dana_desa=1e9)]
    p = problem(villages, budget={"dana_desa_share": 0.01})
    curve = sweep(p, Lever(kind=LeverKind.dana_desa_share), [0.0, 0.05])
    assert curve.breakpoints == [pytest.approx(100 * C_CHEAP / 1e9, rel=1e-9)]
    assert curve.saturated_from == pytest.approx(100 * C_CHEAP / 1e9, rel=1e-9)
    assert curve.saturation_reason == "every uninsured worker is enrolled"
    start = curve.points[0]
    assert start.slope_right == pytest.approx(1e9 / C_CHEAP, rel=1e-9)
    assert start.marginal_value_per_million == pytest.approx(1e6 / C_CHEAP, rel=1e-9)


def test_feasible_from_is_the_least_pool_with_a_plan():
    villages = [village(1, {"farmers": 100}), village(2, {"farmers": 50}, dana_desa=1e8)]
    p = problem(
        villages,
        packages=[JHT, {"code": "JKK-JKM", "monthly_premium_idr": 16800}],
        budget={"dana_desa_share": 0.05, "apbd_pool_idr": 0},
        targets={"min_coverage": 0.3},
    )
    lever = Lever(kind=LeverKind.apbd_pool)
    curve = sweep(p, lever, [0, 2e7])
    assert curve.feasible_from == pytest.approx(30 * C_CHEAP, rel=1e-9)
    assert _separate(p, lever, curve.feasible_from).status == Status.optimal
    assert _separate(p, lever, curve.feasible_from - 1).status == Status.infeasible
    assert curve.points[0].status == "infeasible"
    at = curve.points[1]
    assert at.kind == "feasible_from" and at.slope_right is not None and at.slope_right > 0
    assert at.marginal_value_per_million == pytest.approx(at.slope_right * 1e6)


def test_a_whole_number_curve_finds_where_a_plan_starts_not_only_its_first_point_with_one():
    villages = [village(1, {"farmers": 100}), village(2, {"farmers": 50}, dana_desa=1e8)]
    p = problem(
        villages,
        packages=[JHT, {"code": "JKK-JKM", "monthly_premium_idr": 16800}],
        budget={"dana_desa_share": 0.05, "apbd_pool_idr": 0},
        targets={"min_coverage": 0.3},
    )
    p = p.model_copy(update={"scenario": p.scenario.model_copy(update={"integer": True})})
    lever = Lever(kind=LeverKind.apbd_pool)
    curve = sweep(p, lever, [0, 2e7])
    assert not curve.exact
    # the edge is solved as a point of its own, the least whole rupiah with a plan
    assert [q.kind for q in curve.points] == ["sampled", "feasible_from", "sampled"]
    assert curve.feasible_from == pytest.approx(30 * C_CHEAP, abs=1)
    assert _separate(p, lever, curve.feasible_from).status == Status.optimal
    assert _separate(p, lever, curve.feasible_from - 1).status == Status.infeasible


def test_whole_number_curves_are_sampled_and_equal_separate_solves():
    p = _bekasi(integer=True)
    lever = Lever(kind=LeverKind.apbd_pool)
    values = [1.5e9, 2.5e9]
    # a gap HiGHS's branch and bound closes at once: at Rp2.5 billion it cannot close the default
    # millionth within its share of the time, and a plan the time limit stops depends on timing
    options = SolveOptions(gap_rel=1e-4)
    curve = sweep(p, lever, values, options)
    assert not curve.exact
    for value, point in zip(values, curve.points, strict=True):
        assert point.objective == pytest.approx(_separate(p, lever, value, options).objective, rel=1e-9)


def test_premium_lever_is_sampled():
    p = _bekasi()
    lever = Lever(kind=LeverKind.premium, package="JKK-JKM")
    curve = sweep(p, lever, [12000, 16800])
    assert not curve.exact
    assert curve.points[1].objective == pytest.approx(solve(p).objective, rel=1e-9)
    assert curve.points[0].objective > curve.points[1].objective


def test_a_pool_swept_down_to_nothing_is_a_checked_plan_at_every_point():
    # a scenario that needs no pool: at Rp0 the warm re-solve keeps its pool columns, and the
    # point is still the checked plan a separate solve gives
    table = scenarios.read_villages(examples.BEKASI_VILLAGES)
    scenario = Scenario.model_validate(
        {
            "packages": [
                {"code": "JKK-JKM", "monthly_premium_idr": 16800},
                {"code": "JKK-JKM-JHT", "monthly_premium_idr": 36800, "value": 1.3},
            ],
            "budget": {"dana_desa_share": 0.03, "apbd_pool_idr": 5e8},
        }
    )
    p = Problem(table=table, scenario=scenario)
    lever = Lever(kind=LeverKind.apbd_pool)

    curve = sweep(p, lever, [0.0, 2.5e11, 5e11])

    sampled = [q for q in curve.points if q.kind == "sampled"]
    assert [q.status for q in sampled] == ["optimal"] * 3 and all(q.check_ok for q in sampled)
    assert sampled[0].spend_apbd_idr == 0
    assert sampled[0].objective == pytest.approx(_separate(p, lever, 0.0).objective, rel=1e-9)
