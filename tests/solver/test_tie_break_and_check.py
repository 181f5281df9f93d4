"""Tie-break between equally good plans, and our own check of a plan."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import C_CHEAP, CHEAP, problem, village

from models import SolveOptions, Status
from solver import solve
from solver.block import solve_block
from solver.check import check_plan
from solver.context import RunContext
from solver.data import prepare
from solver.extract import split_sources

SAME_VALUE_DEARER = {"code": "DEAR", "monthly_premium_idr": 30000, "value": 1.0}


def test_equal_value_packages_tie_break_to_the_fewest_rupiah():
    plan = solve(
        problem(
            [village(1, {"farmers": 10}, dana_desa=1e9)],
            packages=[SAME_VALUE_DEARER, CHEAP],
            budget={"dana_desa_share": 0.5},
        )
    )
    assert plan.objective == pytest.approx(10)
    assert plan.villages[0].enrollments["farmers"]["JKK-JKM"] == pytest.approx(10)
    assert plan.totals.spend_total_idr == pytest.approx(10 * C_CHEAP)


def test_zero_weight_groups_are_not_bought_for_nothing():
    plan = solve(
        problem(
            [village(1, {"farmers": 10, "traders": 10}, dana_desa=1e9)],
            group_weights={"traders": 0.0},
            budget={"dana_desa_share": 0.5},
        )
    )
    assert plan.villages[0].enrollments["traders"]["JKK-JKM"] == pytest.approx(0)
    assert plan.totals.spend_total_idr == pytest.approx(10 * C_CHEAP)


def test_pool_is_spent_last_even_when_it_could_pay_everything():
    plan = solve(
        problem(
            [village(1, {"farmers": 10}, dana_desa=1e9, add=1e9)],
            budget={"dana_desa_share": 0.001, "add_share": 0.001, "apbd_pool_idr": 1e12},
        )
    )
    v = plan.villages[0]
    assert v.spend_dana_desa_idr == pytest.approx(1e6)
    assert v.spend_add_idr == pytest.approx(1e6)
    assert v.spend_apbd_idr == pytest.approx(10 * C_CHEAP - 2e6)


def test_tie_break_keeps_the_optimum():
    p = problem(
        [
            village(i, {"farmers": 50 + i, "fishers": 7 * i}, dana_desa=2e8 * i, priority=i)
            for i in range(1, 8)
        ],
        packages=[CHEAP, SAME_VALUE_DEARER],
        budget={"dana_desa_share": 0.02, "apbd_pool_idr": 5e7},
    )
    with_tb = solve(p)
    without = solve(p, SolveOptions(tie_break=False))
    assert with_tb.objective == pytest.approx(without.objective, rel=1e-9)
    assert with_tb.totals.spend_total_idr <= without.totals.spend_total_idr + 1e-3


def test_check_finds_a_plan_that_breaks_caps_pools_and_floors():
    p = problem(
        [village(1, {"farmers": 10}, dana_desa=1e7, kabupaten="A")],
        budget={"dana_desa_share": 0.1, "apbd_pool_idr": {"A": 1e5}},
        targets={"min_coverage": 0.5},
    )
    data = prepare(p)
    good = solve_block(data, RunContext(SolveOptions(time_limit_s=10))).x
    assert check_plan(data, good, *split_sources(data, good), 1e-6).ok

    too_many = good.copy()
    too_many[0, 0, 0] = 11  # more than the 10 uninsured; also costs more than cap + pool
    check = check_plan(data, too_many, *split_sources(data, too_many), 1e-6)
    assert not check.ok
    assert any(text.startswith("1.") for text in check.violations)
    assert any(text.startswith("4.") for text in check.violations)

    too_few = np.zeros_like(good)
    check = check_plan(data, too_few, *split_sources(data, too_few), 1e-6)
    assert not check.ok and any(text.startswith("5.") for text in check.violations)


def test_time_limit_is_a_status_not_an_error():
    villages = [
        village(
            i,
            {"farmers": 100 + i % 50, "fishers": i % 7, "traders": 50},
            dana_desa=1e9,
            priority=1 + (i % 13) / 7,
        )
        for i in range(1, 2500)
    ]
    plan = solve(
        problem(
            villages,
            integer=True,
            budget={"dana_desa_share": 0.01, "apbd_pool_idr": 1e9},
            targets={"min_coverage": 0.05},
        ),
        SolveOptions(time_limit_s=0.001, integer_method="mip"),
    )
    assert plan.status == Status.time_limit
    assert plan.message
