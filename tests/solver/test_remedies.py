"""The way out of infeasibility: each remedy has a plan at its value and none one step short."""

from __future__ import annotations

import pytest
from conftest import C_CHEAP, JHT, problem, village

from models import Problem, Remedy, Status
from solver import solve
from solver.levers import remedy_scenario
from solver.remedies import SHARE_STEP, TARGET_STEP


def _step(remedy: Remedy, integer: bool = False) -> float:
    if remedy.lever == "min_new_enrollments":
        return 1.0 if integer else TARGET_STEP
    return 1.0 if remedy.lever == "apbd_pool" else SHARE_STEP


def _solve_at(p: Problem, remedy: Remedy, value: float) -> Status:
    scenario = remedy_scenario(p, remedy.lever, value, remedy.kabupaten, remedy.group)
    return solve(Problem(table=p.table, scenario=scenario)).status


def _verify(p: Problem, remedy: Remedy) -> None:
    assert remedy.needed is not None
    assert _solve_at(p, remedy, remedy.needed) == Status.optimal
    money = remedy.lever in ("apbd_pool", "dana_desa_share", "add_share")
    step = _step(remedy, p.scenario.integer)
    short = remedy.needed - step if money else remedy.needed + step
    assert _solve_at(p, remedy, short) == Status.infeasible


def _floor_problem() -> Problem:
    villages = [
        village(1, {"farmers": 100}, dana_desa=2e8, add=1e8, kabupaten="Bekasi"),
        village(2, {"farmers": 300, "fishers": 50}, dana_desa=3e8, add=2e8, kabupaten="Bekasi"),
        village(3, {"fishers": 80}, dana_desa=1e8, kabupaten="Karawang"),
        village(4, {"farmers": 40}, dana_desa=5e8, kabupaten="Karawang"),
    ]
    return problem(
        villages,
        packages=[JHT, {"code": "JKK-JKM", "monthly_premium_idr": 16800}],
        budget={
            "dana_desa_share": 0.03,
            "add_share": 0.01,
            "apbd_pool_idr": {"Bekasi": 5_000_000, "Karawang": 1_000_000},
        },
        targets={"min_coverage": 0.4, "group_min_coverage": {"fishers": 0.6}},
    )


def test_every_remedy_is_feasible_at_its_value_and_not_one_step_short():
    p = _floor_problem()
    plan = solve(p)
    assert plan.status == Status.infeasible
    assert plan.remedies
    levers = {r.lever for r in plan.remedies}
    assert {"dana_desa_share", "add_share", "min_coverage", "group_min_coverage"} <= levers
    for remedy in plan.remedies:
        if remedy.needed is not None:
            _verify(p, remedy)


def test_a_pool_remedy_per_short_kabupaten_when_one_alone_is_short():
    villages = [
        village(1, {"farmers": 100}, kabupaten="Bekasi"),
        village(2, {"farmers": 100}, kabupaten="Karawang"),
    ]
    p = problem(
        villages, budget={"apbd_pool_idr": {"Bekasi": 0, "Karawang": 0}}, targets={"min_coverage": 0.5}
    )
    plan = solve(p)
    pools = [r for r in plan.remedies if r.lever == "apbd_pool"]
    # each kabupaten needs 50 workers paid by its pool; neither alone suffices
    assert {r.kabupaten for r in pools} == {"Bekasi", "Karawang"}
    assert all(r.needed is None for r in pools)
    # the figure has its own field, not only the message
    assert all(r.needed_with_others_met == pytest.approx(50 * C_CHEAP) for r in pools)
    assert all(r.money_for == "floors" and "Rp10,080,000" in r.message for r in pools)
    # and it holds: both pools at their figure give a plan
    both = problem(
        villages,
        budget={"apbd_pool_idr": {r.kabupaten: r.needed_with_others_met for r in pools}},
        targets={"min_coverage": 0.5},
    )
    assert solve(both).status == Status.optimal


def test_no_floor_talk_where_there_are_no_floors():
    # no floors, a target neither kabupaten's pool reaches alone: A's villages hold 60 workers,
    # B's own money and pool buy 99.2; the target of 165 needs more than either pool can give
    villages = [
        village(1, {"farmers": 60}, dana_desa=1e8, kabupaten="A"),
        village(2, {"farmers": 100}, dana_desa=1e8, kabupaten="B"),
    ]
    p = problem(
        villages,
        budget={"dana_desa_share": 0.1, "apbd_pool_idr": {"A": 10_000_000, "B": 10_000_000}},
        targets={"min_new_enrollments": 165},
    )
    plan = solve(p)
    assert plan.status == Status.infeasible
    assert not [r for r in plan.remedies if r.lever == "apbd_pool"]  # no pool alone suffices
    assert all("floor" not in r.message for r in plan.remedies)
    [target] = [r for r in plan.remedies if r.lever == "min_new_enrollments"]
    assert target.needed == pytest.approx(159.2063, abs=1e-9)
    _verify(p, target)


def test_a_pool_remedy_says_what_its_money_is_for():
    # Bekasi's villages need Rp2,016,000 from the pool for their floors; the target asks 5 more
    # workers beyond the floors, Rp1,008,000 more
    villages = [
        village(1, {"farmers": 40}, kabupaten="Bekasi"),
        village(2, {"farmers": 20}, kabupaten="Bekasi"),
    ]
    floors = problem(villages, budget={"apbd_pool_idr": {"Bekasi": 0}}, targets={"min_coverage": 0.25})
    both = problem(
        villages,
        budget={"apbd_pool_idr": {"Bekasi": 0}},
        targets={"min_coverage": 0.25, "min_new_enrollments": 20},
    )
    target = problem(villages, budget={"apbd_pool_idr": {"Bekasi": 0}}, targets={"min_new_enrollments": 20})
    for p, needed, money_for, words in (
        (floors, 15 * C_CHEAP, "floors", "for the floors."),
        (both, 20 * C_CHEAP, "floors_and_target", "for the floors and the target."),
        (target, 20 * C_CHEAP, "target", "for the target."),
    ):
        [pool] = [r for r in solve(p).remedies if r.lever == "apbd_pool"]
        assert pool.needed == pytest.approx(needed) and pool.money_for == money_for
        assert pool.message.endswith(words)
        _verify(p, pool)


def test_pool_remedy_is_the_shortfall_to_the_rupiah():
    villages = [
        village(1, {"village_officials": 10}, kabupaten="Bekasi"),
        village(2, {"village_officials": 10}, dana_desa=1e9, kabupaten="Bekasi"),
    ]
    p = problem(
        villages,
        budget={"dana_desa_share": 0.03, "apbd_pool_idr": {"Bekasi": 1_000_000}},
        targets={"group_min_coverage": {"village_officials": 1.0}},
    )
    plan = solve(p)
    [pool] = [r for r in plan.remedies if r.lever == "apbd_pool"]
    assert pool.needed == pytest.approx(10 * C_CHEAP)
    _verify(p, pool)
    # village 1 has no dana desa: no share helps it
    [share] = [r for r in plan.remedies if r.lever == "dana_desa_share"]
    assert share.needed is None
    assert "1 of the 1 short villages have no dana desa" in share.message
    assert [s.village_code for s in plan.short_villages] == ["32.16.01.2001"]


def test_target_remedies():
    villages = [village(i, {"farmers": 100}, dana_desa=1e8) for i in range(1, 4)]
    p = problem(
        villages, budget={"dana_desa_share": 0.1, "apbd_pool_idr": 2e6}, targets={"min_new_enrollments": 250}
    )
    plan = solve(p)
    assert plan.status == Status.infeasible
    by_lever = {r.lever: r for r in plan.remedies}
    # Rp10 million each buys 49.6032 workers; the pool 9.9206 more: 158.7302 in all, and a
    # continuous plan's target is a continuous figure (to 0.0001 of a worker, rounded down)
    target = by_lever["min_new_enrollments"]
    assert target.needed == pytest.approx(158.7301, abs=1e-9)
    assert "158.7301" in target.message
    for lever in ("min_new_enrollments", "apbd_pool", "dana_desa_share"):
        _verify(p, by_lever[lever])


def test_every_short_village_is_listed_not_only_the_first_hundred():
    villages = [village(i, {"farmers": 10}, dana_desa=1e8) for i in range(1, 151)]
    p = problem(villages, budget={"dana_desa_share": 0.01}, targets={"min_coverage": 1.0})
    plan = solve(p)
    assert len(plan.explanations[0].villages) == 100
    assert len(plan.short_villages) == 150
    [share] = [r for r in plan.remedies if r.lever == "dana_desa_share"]
    assert share.needed == pytest.approx(0.02016)
    _verify(p, share)


def _whole(p: Problem) -> Problem:
    return Problem(table=p.table, scenario=p.scenario.model_copy(update={"integer": True}))


def test_whole_number_floor_remedies_hold_when_solved():
    p = _whole(_floor_problem())
    plan = solve(p)
    assert plan.status == Status.infeasible
    assert {"dana_desa_share", "add_share", "min_coverage", "group_min_coverage"} <= {
        r.lever for r in plan.remedies
    }
    for remedy in plan.remedies:
        assert remedy.exact
        if remedy.needed is not None:
            _verify(p, remedy)


def test_whole_number_target_remedies_count_the_pools_completions():
    # Rp10 million a village buys 49 whole workers and leaves Rp121,600 each; Rp2 million of pool
    # completes three villages' 50th worker (Rp80,000 each) and buys 8 more whole ones: 158
    villages = [village(i, {"farmers": 100}, dana_desa=1e8) for i in range(1, 4)]
    p = problem(
        villages,
        budget={"dana_desa_share": 0.1, "apbd_pool_idr": 2e6},
        targets={"min_new_enrollments": 250},
        integer=True,
    )
    plan = solve(p)
    assert plan.status == Status.infeasible
    by_lever = {r.lever: r for r in plan.remedies}
    assert by_lever["min_new_enrollments"].needed == 3 * 49 + 3 + 8
    for lever in ("min_new_enrollments", "apbd_pool", "dana_desa_share"):
        assert by_lever[lever].exact
        _verify(p, by_lever[lever])


@pytest.mark.parametrize("seed", range(30))
def test_the_most_whole_workers_the_money_buys_is_what_a_solve_reaches(seed: int):
    # random small tables: the target at the count is met by a whole-number plan, one more is not
    import numpy as np

    from solver.data import prepare
    from solver.explain import max_new_enrollments

    rng = np.random.default_rng(seed)
    villages = [
        village(
            i,
            {"farmers": int(rng.integers(0, 40)), "fishers": int(rng.integers(0, 20))},
            dana_desa=float(rng.integers(0, 60)) * 1e6,
            add=float(rng.integers(0, 30)) * 1e6,
            kabupaten=str(rng.choice(["Bekasi", "Karawang"])),
        )
        for i in range(1, int(rng.integers(2, 9)))
    ]
    pools = {v.kabupaten: float(rng.integers(0, 3_000_000)) for v in villages}
    floor = float(rng.choice([0.0, 0.1, 0.3]))
    base = problem(
        villages,
        budget={"dana_desa_share": 0.05, "add_share": 0.1, "apbd_pool_idr": pools},
        targets={"min_coverage": floor},
        integer=True,
    )
    if solve(base).status != Status.optimal:
        return  # the floors alone are short: the target is not what this test is about
    most = max_new_enrollments(prepare(base))

    def with_target(target: float) -> Status:
        scenario = base.scenario.model_copy(
            update={"targets": base.scenario.targets.model_copy(update={"min_new_enrollments": target})}
        )
        return solve(Problem(table=base.table, scenario=scenario)).status

    assert with_target(most) == Status.optimal
    assert with_target(most + 1) == Status.infeasible
