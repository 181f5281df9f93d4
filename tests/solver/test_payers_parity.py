"""Premiums by who pays, at parity with the one-year model: the even sharing, marginal values,
remedies that are solved to hold, and the floors-first fallback at the time limit.

Priced by the rules for one month of April 2026: a worker costs Rp8,400 from dana desa or ADD and
Rp16,800 from the APBD pool.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import rules_problem, village

from models import Problem, Remedy, Status, VillageTable
from solver import solve
from solver.levers import remedy_scenario
from solver.remedies import SHARE_STEP, TARGET_STEP
from solver.run import RunResult

MILLION = 1_000_000


def _by_code(plan: Any) -> dict[str, dict[str, dict[str, float]]]:
    return {v.village_code: v.enrollments for v in plan.villages}


# --- the even sharing ----------------------------------------------------------------------------


def test_equally_valued_villages_share_the_pool_evenly() -> None:
    # each village's own Rp84,000 buys its 10 workers; the pool's Rp168,000 buys 10 more, which
    # two identical villages share 5 and 5 (a vertex of the LP would give one of them all 10)
    villages = [village(i, {"farmers": 30}, dana_desa=84_000) for i in (1, 2)]
    plan = solve(rules_problem(villages, budget={"dana_desa_share": 1.0, "apbd_pool_idr": 168_000}))
    assert plan.status == Status.optimal and plan.check is not None and plan.check.ok
    assert plan.objective == pytest.approx(30.0)
    assert plan.preferred
    new = [v.enrollments["farmers"]["JKK-JKM"] for v in plan.villages]
    assert new == pytest.approx([15.0, 15.0])
    assert [v.spend_apbd_idr for v in plan.villages] == pytest.approx([84_000, 84_000])


def _mixed(order: list[int], groups_reversed: bool) -> Problem:
    rng = np.random.default_rng(3)
    rows = [
        village(
            i,
            {"farmers": int(rng.integers(5, 40)), "fishers": int(rng.integers(5, 40))},
            dana_desa=float(rng.integers(1, 20)) * 8_400,
            kabupaten=f"K{i % 2}",
        )
        for i in range(1, 9)
    ]
    rows = [rows[i] for i in order]
    problem = rules_problem(
        rows,
        budget={"dana_desa_share": 1.0, "apbd_pool_idr": {"K0": 200_000, "K1": 150_000}},
        targets={"min_coverage": 0.1},
    )
    groups = problem.table.groups[::-1] if groups_reversed else problem.table.groups
    return Problem(
        table=VillageTable(groups=groups, villages=problem.table.villages), scenario=problem.scenario
    )


def test_shuffled_rows_and_columns_give_the_same_plan() -> None:
    problem = _mixed(list(range(8)), False)
    base = solve(problem)
    shuffled = solve(_mixed([5, 2, 7, 0, 3, 6, 1, 4], True))
    assert base.status == shuffled.status == Status.optimal and base.preferred
    assert shuffled.objective == pytest.approx(base.objective, rel=1e-9)
    a, b = _by_code(base), _by_code(shuffled)
    assert a.keys() == b.keys()
    for code in a:
        for group in ("farmers", "fishers"):
            assert b[code][group]["JKK-JKM"] == pytest.approx(a[code][group]["JKK-JKM"], abs=1e-6)
    # equally valued groups of one village are enrolled in the same share where the money is short
    uninsured = {v.village_code: v.uninsured for v in problem.table.villages}
    for v in base.villages:
        if v.spend_apbd_idr > 0 and v.coverage_after < 1 - 1e-9:
            shares = [v.enrollments[g]["JKK-JKM"] / u for g, u in uninsured[v.village_code].items() if u]
            assert max(shares) - min(shares) <= 1e-6


# --- marginal values -----------------------------------------------------------------------------


def _marginal_problem(dana_desa_1: float = 5e6, pool: float = 3e6) -> Problem:
    villages = [
        village(1, {"farmers": 2000}, dana_desa=dana_desa_1, priority=2.0, kabupaten="A"),
        village(2, {"farmers": 1500, "fishers": 200}, dana_desa=4e6, kabupaten="A"),
        village(3, {"farmers": 10}, dana_desa=5e6, kabupaten="A"),
    ]  # cap not spent
    return rules_problem(
        villages,
        group_weights={"fishers": 2.0},
        budget={"dana_desa_share": 1.0, "apbd_pool_idr": {"A": pool}},
    )


def test_a_villages_marginal_value_is_what_one_more_million_of_its_cap_buys() -> None:
    base = solve(_marginal_problem())
    raised = solve(_marginal_problem(dana_desa_1=5e6 + MILLION))
    assert base.status == raised.status == Status.optimal
    assert base.marginals_from == "lp"
    v = base.villages[0]
    assert v.marginal_value_per_million is not None and v.marginal_value_per_million > 0
    assert raised.objective - base.objective == pytest.approx(v.marginal_value_per_million, rel=1e-6)
    assert raised.totals.new_enrollments - base.totals.new_enrollments == pytest.approx(
        v.marginal_enrollments_per_million, rel=1e-6
    )
    assert base.villages[2].marginal_value_per_million == pytest.approx(0.0, abs=1e-9)


def test_a_pools_marginal_value_and_its_billion_are_what_re_solves_give() -> None:
    base = solve(_marginal_problem())
    plus_million = solve(_marginal_problem(pool=3e6 + MILLION))
    plus_billion = solve(_marginal_problem(pool=3e6 + 1e9))
    [pool] = base.pools
    assert pool.marginal_value_per_million is not None and pool.marginal_value_per_million > 0
    assert plus_million.objective - base.objective == pytest.approx(pool.marginal_value_per_million, rel=1e-6)
    assert pool.plus_billion_objective == pytest.approx(plus_billion.objective, rel=1e-9)
    assert pool.plus_billion_gain == pytest.approx(plus_billion.objective - base.objective, rel=1e-6)
    assert pool.plus_billion_enrollments == pytest.approx(
        plus_billion.totals.new_enrollments - base.totals.new_enrollments, rel=1e-6
    )


# --- remedies ------------------------------------------------------------------------------------


def _short_problem(pool: float, integer: bool) -> Problem:
    # the floor asks 5 of 10 workers; own money pays 1 (Rp8,400), the pool the other 4 at Rp16,800
    villages = [
        village(1, {"farmers": 10}, dana_desa=84_000, kabupaten="A"),
        village(2, {"farmers": 4}, dana_desa=1e6, kabupaten="A"),
    ]
    return rules_problem(
        villages,
        budget={"dana_desa_share": 0.1, "apbd_pool_idr": {"A": pool}},
        targets={"min_coverage": 0.5},
        integer=integer,
    )


def _status_at(p: Problem, remedy: Remedy, value: float) -> Status:
    scenario = remedy_scenario(p, remedy.lever, value, remedy.kabupaten, remedy.group)
    return solve(Problem(table=p.table, scenario=scenario)).status


@pytest.mark.parametrize("integer", [False, True])
@pytest.mark.parametrize("pool", [40_000, 10_000])  # passes the cheapest-premium check / fails it
def test_remedies_of_a_payers_scenario_are_solved_to_hold(pool: float, integer: bool) -> None:
    p = _short_problem(pool, integer)
    plan = solve(p)
    assert plan.status == Status.infeasible
    by_lever = {r.lever: r for r in plan.remedies}
    assert {"apbd_pool", "dana_desa_share", "min_coverage"} <= by_lever.keys()
    pool_remedy = by_lever["apbd_pool"]
    assert pool_remedy.needed == pytest.approx(4 * 16_800) and pool_remedy.exact
    assert pool_remedy.money_for == "floors"
    [explained] = plan.explanations
    assert explained.kabupaten == "A" and explained.shortfall_idr == pytest.approx(4 * 16_800 - pool)
    # the village's own Rp8,400 pays one worker at its premium; the pool pays 4 at its own
    [short] = plan.short_villages
    assert short.village_code == "32.16.01.2001" and short.workers_needed == 5
    assert (short.cost_idr, short.shortfall_idr) == pytest.approx((8_400 + 4 * 16_800, 4 * 16_800))
    assert explained.villages == [short]
    assert by_lever["add_share"].needed is None  # no village has ADD
    for remedy in plan.remedies:
        if remedy.needed is None:
            continue
        # applied, every remedy has a plan; a continuous one is the least (one step short has none),
        # a whole-number one is where the MIP proves the LP's edge, else marked not exact
        assert _status_at(p, remedy, remedy.needed) == Status.optimal
        assert remedy.exact or integer
        if not remedy.exact:
            continue
        step = {
            "apbd_pool": 1.0,
            "dana_desa_share": SHARE_STEP,
            "add_share": SHARE_STEP,
            "min_coverage": SHARE_STEP,
        }[remedy.lever]
        short = remedy.needed - step if remedy.lever != "min_coverage" else remedy.needed + step
        assert _status_at(p, remedy, short) == Status.infeasible


def test_a_payers_target_remedy_is_the_most_the_money_reaches() -> None:
    # own money buys 10 + 5 at Rp8,400, the pool's Rp100,000 buys 5.952 more at Rp16,800
    villages = [village(1, {"farmers": 30}, dana_desa=84_000), village(2, {"farmers": 30}, dana_desa=42_000)]
    p = rules_problem(
        villages,
        budget={"dana_desa_share": 1.0, "apbd_pool_idr": 100_000},
        targets={"min_new_enrollments": 25},
    )
    plan = solve(p)
    assert plan.status == Status.infeasible
    target = next(r for r in plan.remedies if r.lever == "min_new_enrollments")
    assert target.needed == pytest.approx(np.floor((15 + 100_000 / 16_800) / TARGET_STEP) * TARGET_STEP)
    assert _status_at(p, target, target.needed) == Status.optimal
    assert _status_at(p, target, target.needed + TARGET_STEP) == Status.infeasible
    pool = next(r for r in plan.remedies if r.lever == "apbd_pool")
    assert pool.needed == pytest.approx(10 * 16_800) and pool.money_for == "target"
    assert "floor" not in pool.message and "for the target" in pool.message


# --- the fallback --------------------------------------------------------------------------------


def _stopped(*args: Any, **kwargs: Any) -> RunResult:
    return RunResult(status=Status.time_limit, has_solution=False, seconds=0.0, detail="Time limit")


@pytest.mark.parametrize("integer", [False, True])
def test_a_payers_block_the_time_limit_cuts_short_gets_a_checked_fallback(
    monkeypatch: Any, integer: bool
) -> None:
    monkeypatch.setattr("solver.payers.run_highs", _stopped)
    rng = np.random.default_rng(11)
    villages = [
        village(
            i,
            {"farmers": int(rng.integers(10, 60)), "fishers": int(rng.integers(0, 20))},
            dana_desa=float(rng.integers(5, 40)) * 8_400,
            kabupaten=f"K{i % 3}",
        )
        for i in range(1, 31)
    ]
    p = rules_problem(
        villages,
        budget={"dana_desa_share": 1.0, "apbd_pool_idr": {f"K{k}": 300_000 for k in range(3)}},
        targets={"min_coverage": 0.2, "group_min_coverage": {"fishers": 0.3}, "min_new_enrollments": 400},
        integer=integer,
    )
    plan = solve(p)
    assert plan.status == Status.time_limit
    assert plan.check is not None and plan.check.ok and plan.has_targets
    assert plan.fallback_blocks
    assert plan.totals is not None and plan.totals.new_enrollments >= 400 - 1e-9
    for v in plan.villages:
        assert v.coverage_after >= 0.2 - 1e-9
    assert sum(plan.new_by_source.values()) == pytest.approx(plan.totals.new_enrollments)
    assert plan.lp_bound is not None and plan.lp_bound >= plan.objective - 1e-6
