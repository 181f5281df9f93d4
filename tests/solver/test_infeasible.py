"""Infeasible scenarios are answers: which villages, which floor, how many rupiah short."""

from __future__ import annotations

import pytest
from conftest import C_CHEAP, JHT, problem, village

from models import SolveOptions, Status
from solver import solve
from solver.block import solve_block
from solver.context import RunContext
from solver.data import prepare


def _solver_agrees_infeasible(p) -> None:
    """HiGHS itself, without our money checks, finds no plan either."""
    result = solve_block(prepare(p), RunContext(SolveOptions(time_limit_s=30)))
    assert result.status == Status.infeasible


def test_kelurahan_without_money_cannot_meet_officials_floor():
    villages = [
        village(1, {"village_officials": 10}, kabupaten="Bekasi"),  # no dana desa, no pool
        village(2, {"village_officials": 10}, dana_desa=1e9, kabupaten="Bekasi"),
    ]
    p = problem(
        villages,
        budget={"dana_desa_share": 0.03, "apbd_pool_idr": {"Bekasi": 1_000_000}},
        targets={"group_min_coverage": {"village_officials": 1.0}},
    )
    plan = solve(p)
    assert plan.status == Status.infeasible
    assert plan.objective is None and plan.villages == []
    [why] = plan.explanations
    assert why.constraint == "coverage_floors"
    assert why.kabupaten == "Bekasi"
    [short] = why.villages
    assert short.village_code == "32.16.01.2001"
    assert short.workers_needed == 10
    assert short.cost_idr == pytest.approx(10 * C_CHEAP)
    assert short.own_budget_idr == 0
    assert short.shortfall_idr == pytest.approx(10 * C_CHEAP)
    # the pool holds Rp1,000,000 of the Rp2,016,000 needed
    assert why.shortfall_idr == pytest.approx(10 * C_CHEAP - 1_000_000)
    assert "Rp1,016,000" in why.message and "Rp1,000,000" in why.message
    _solver_agrees_infeasible(p)


def test_pool_that_covers_the_shortfalls_makes_it_feasible():
    villages = [
        village(1, {"village_officials": 10}, kabupaten="Bekasi"),
        village(2, {"village_officials": 10}, dana_desa=1e9, kabupaten="Bekasi"),
    ]
    p = problem(
        villages,
        budget={"dana_desa_share": 0.03, "apbd_pool_idr": {"Bekasi": 10 * C_CHEAP}},
        targets={"group_min_coverage": {"village_officials": 1.0}},
    )
    plan = solve(p)
    assert plan.status == Status.optimal
    assert plan.pools[0].spent_idr == pytest.approx(10 * C_CHEAP)


def test_coverage_floor_shortfall_counts_enrolled_workers_and_cheapest_package():
    # 50% of 200 workers with 40 enrolled: 60 new at Rp201,600 (not the JHT price) = Rp12,096,000
    villages = [village(1, {"farmers": 160}, enrolled={"farmers": 40}, dana_desa=1e8)]
    p = problem(
        villages,
        packages=[JHT, {"code": "JKK-JKM", "monthly_premium_idr": 16800}],
        budget={"dana_desa_share": 0.1},
        targets={"min_coverage": 0.5},
    )
    plan = solve(p)
    assert plan.status == Status.infeasible
    short = plan.explanations[0].villages[0]
    assert short.workers_needed == 60
    assert short.cost_idr == pytest.approx(60 * C_CHEAP)
    assert short.shortfall_idr == pytest.approx(60 * C_CHEAP - 1e7)
    assert plan.explanations[0].shortfall_idr == pytest.approx(60 * C_CHEAP - 1e7)
    _solver_agrees_infeasible(p)


def test_table_target_beyond_the_money_says_how_far_short():
    villages = [
        village(1, {"farmers": 1000}, dana_desa=100 * C_CHEAP),
        village(2, {"farmers": 1000}, dana_desa=50 * C_CHEAP),
    ]
    p = problem(
        villages,
        budget={"dana_desa_share": 1.0, "apbd_pool_idr": 30 * C_CHEAP},
        targets={"min_new_enrollments": 200},
    )
    plan = solve(p)
    assert plan.status == Status.infeasible
    [why] = plan.explanations
    assert why.constraint == "min_new_enrollments"
    # 100 + 50 + 30 = 180 workers can be paid: 20 short
    assert why.shortfall_idr == pytest.approx(20 * C_CHEAP)
    assert "180" in why.message and "200" in why.message
    _solver_agrees_infeasible(p)


def test_table_target_beyond_the_uninsured_workers():
    plan = solve(
        problem(
            [village(1, {"farmers": 10}, dana_desa=1e12)],
            budget={"dana_desa_share": 1.0},
            targets={"min_new_enrollments": 11},
        )
    )
    assert plan.status == Status.infeasible
    assert "more than the 10 uninsured workers" in plan.explanations[0].message


def test_target_capacity_limits_where_pool_money_can_go():
    # the pool could pay 100 workers but village 1 has only 5 uninsured left after its own money
    villages = [
        village(1, {"farmers": 10}, dana_desa=5 * C_CHEAP, kabupaten="A"),
        village(2, {"farmers": 100}, dana_desa=0, kabupaten="B"),
    ]
    p = problem(
        villages,
        budget={"dana_desa_share": 1.0, "apbd_pool_idr": {"A": 100 * C_CHEAP}},
        targets={"min_new_enrollments": 11},
    )
    plan = solve(p)
    assert plan.status == Status.infeasible
    assert plan.explanations[0].shortfall_idr == pytest.approx(1 * C_CHEAP)
    _solver_agrees_infeasible(p)
