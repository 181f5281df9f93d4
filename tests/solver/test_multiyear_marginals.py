"""Marginal values of a multi-year plan, per year: what Rp1 million more of a village's own money,
or of a pool, in one year buys; each checked against the plan re-solved with that money raised."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import village

import scenarios
from models import Problem, Status, VillageTable
from solver import solve
from solver.context import RunContext
from solver.multiyear import prepare_years
from solver.multiyear.model import solve_years_block
from solver.solve import _canonical

PREMIUM = {"code": "JKK-JKM", "monthly_premium_idr": 10_000, "value": 1.0}  # Rp120,000 a year
JHT = {"code": "JKK-JKM-JHT", "monthly_premium_idr": 30_000, "value": 1.6}


def years_problem(pools: list[float], **fields: Any) -> Problem:
    villages = [
        village(1, {"farmers": 300, "fishers": 40}, dana_desa=400_000_000, priority=1.5),
        village(2, {"farmers": 120}, dana_desa=200_000_000),
        village(3, {"fishers": 90, "traders": 60}, dana_desa=100_000_000, enrolled={"fishers": 10}),
    ]
    fields.setdefault("packages", [PREMIUM, JHT])
    fields.setdefault("group_weights", {"fishers": 2.0})
    return Problem(
        table=VillageTable(groups=["farmers", "fishers", "traders"], villages=villages),
        scenario=scenarios.scenario_from_dict(
            {
                "budget": {"dana_desa_share": 0.03},
                "fiscal_year": 2026,
                "targets": {"min_coverage": 0.1},
                "multi_year": {"years": 3, "dana_desa_growth": ["10%", "-20%"], "apbd_pool_idr": pools},
                **fields,
            }
        ),
    )


POOLS = [5_000_000, 2_000_000, 8_000_000]


def _step(range_idr: float | None) -> float:
    """A change inside the range over which the rate holds (a row that does not bind: any)."""
    return 1_000_000.0 if not range_idr else min(1_000_000.0, range_idr / 2)


def test_village_marginals_per_year_equal_the_lp_re_solved_with_that_years_money_raised() -> None:
    problem = years_problem(POOLS)
    plan = solve(problem)
    assert plan.status == Status.optimal and plan.marginals_from == "lp"
    years = prepare_years(_canonical(problem))
    run = RunContext()
    base = solve_years_block(years, run)[2]
    assert base == pytest.approx(plan.objective, rel=1e-7)  # the order of preference's slack
    codes = [v.village_code for v in _canonical(problem).table.villages]
    checked = 0
    for vy in plan.village_years:
        assert vy.marginal_value_per_million is not None
        step = _step(vy.marginal_range_idr)
        raised = prepare_years(_canonical(problem))
        raised.cap_dd[vy.year - 1, codes.index(vy.village_code)] += step
        after = solve_years_block(raised, run)[2]
        assert after is not None and base is not None
        assert (after - base) / step * 1e6 == pytest.approx(vy.marginal_value_per_million, rel=1e-6, abs=1e-9)
        checked += vy.marginal_value_per_million > 1e-9
    assert checked >= 3  # money binds somewhere, so some rates are not zero


def test_pool_marginals_per_year_equal_the_plan_re_solved_with_that_years_pool_raised() -> None:
    plan = solve(years_problem(POOLS))
    assert [(p.year, p.fiscal_year, p.pool_idr) for p in plan.pool_years] == [
        (1, 2026, 5_000_000),
        (2, 2027, 2_000_000),
        (3, 2028, 8_000_000),
    ]
    rates = []
    for pool in plan.pool_years:
        assert pool.marginal_value_per_million is not None
        step = _step(pool.marginal_range_idr)
        pools = list(POOLS)
        pools[pool.year - 1] += step
        raised = solve(years_problem(pools))
        assert raised.objective is not None and plan.objective is not None
        # each plan within the order of preference's slack (1e-8 of the objective) of its LP
        assert (raised.objective - plan.objective) / step * 1e6 == pytest.approx(
            pool.marginal_value_per_million, rel=1e-4, abs=1e-4
        )
        rates.append(pool.marginal_value_per_million)
    # year 1's pool is not all spent (year 2's smaller pool can keep only so many workers), so more
    # of it buys nothing; year 2's money keeps workers funded in two years, year 3's in one
    assert rates[0] == 0 and rates[1] > rates[2] > 0


def test_whole_number_plans_give_the_relaxations_marginals() -> None:
    plan = solve(years_problem(POOLS, integer=True))
    assert plan.status == Status.optimal and plan.marginals_from == "lp_relaxation"
    assert plan.pool_years and all(
        p.marginal_value_per_million is not None and np.isfinite(p.marginal_value_per_million)
        for p in plan.pool_years
    )
