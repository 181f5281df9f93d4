"""Plans a district can defend: the order of preference, the same plan in any order, exact verdicts
for whole workers, and never a plan that breaks a constraint at the time limit."""

from __future__ import annotations

import importlib
import random

import highspy
import numpy as np
import pytest
from conftest import C_CHEAP, CHEAP, JHT, problem, village
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_properties import feasible_problems

import scenarios
from bench import reference
from models import PlanCheck, Problem, SolveOptions, Status, VillageTable
from scenarios.examples import BEKASI_VILLAGES, bekasi_scenarios
from solver import solve
from solver.run import RunResult

solve_module = importlib.import_module("solver.solve")  # the module, not its function

# permuted tables give the same plan to this many workers (the even-sharing QP is solved by an
# interior point method to 1e-10; counts here are below 10,000)
PERMUTATION_TOL = 1e-5


def _permuted(p: Problem, seed: int) -> Problem:
    rng = random.Random(seed)
    villages = list(p.table.villages)
    rng.shuffle(villages)
    groups = list(p.table.groups)
    rng.shuffle(groups)
    return Problem(table=VillageTable(groups=groups, villages=villages), scenario=p.scenario)


def _by_code(plan) -> dict[str, dict[str, dict[str, float]]]:
    return {v.village_code: v.enrollments for v in plan.villages}


def _assert_same_plan(a, b) -> None:
    assert a.status == b.status
    if a.objective is not None:
        assert b.objective == pytest.approx(a.objective, rel=1e-9, abs=1e-9)
    first, second = _by_code(a), _by_code(b)
    assert first.keys() == second.keys()
    for code, groups in first.items():
        for group, packages in groups.items():
            for package, count in packages.items():
                assert second[code][group][package] == pytest.approx(count, abs=PERMUTATION_TOL), (
                    code,
                    group,
                    package,
                )
    spend = {v.village_code: v.spend_apbd_idr for v in b.villages}
    for v in a.villages:
        assert spend[v.village_code] == pytest.approx(v.spend_apbd_idr, abs=1.0)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(feasible_problems(), st.integers(0, 10**6), st.booleans())
def test_the_order_of_rows_and_group_columns_does_not_change_the_plan(
    p: Problem, seed: int, priced: bool
) -> None:
    # through the pool's price decomposition too, where it applies (one pool, no target)
    options = SolveOptions(price_pool_min_villages=1 if priced else 2_000)
    _assert_same_plan(solve(p, options), solve(_permuted(p, seed), options))


def test_bekasi_with_its_group_columns_reversed_gives_the_same_plan() -> None:
    table = scenarios.read_villages(BEKASI_VILLAGES)
    reversed_table = VillageTable(groups=table.groups[::-1], villages=table.villages[::-1])
    for path in bekasi_scenarios().values():
        scenario = scenarios.read_scenario(path)
        for integer in (True, False):
            s = scenario.model_copy(update={"integer": integer})
            _assert_same_plan(
                solve(Problem(table=table, scenario=s)), solve(Problem(table=reversed_table, scenario=s))
            )


def test_equally_valued_groups_share_in_proportion_to_their_uninsured_workers() -> None:
    p = problem(
        [village(1, {"farmers": 300, "traders": 100}, dana_desa=1e9)],
        budget={"dana_desa_share": 40 * C_CHEAP / 1e9},
    )
    plan = solve(p)
    got = plan.villages[0].enrollments
    assert plan.preferred
    assert got["farmers"]["JKK-JKM"] == pytest.approx(30, abs=1e-6)
    assert got["traders"]["JKK-JKM"] == pytest.approx(10, abs=1e-6)


def test_equal_villages_share_the_pool_evenly() -> None:
    villages = [village(i, {"farmers": 100}, dana_desa=0.0, kabupaten="A") for i in (1, 2, 3)]
    plan = solve(problem(villages, budget={"apbd_pool_idr": {"A": 30 * C_CHEAP}}))
    assert [v.new_enrollments for v in plan.villages] == pytest.approx([10, 10, 10], abs=1e-6)


def test_a_desa_pays_from_its_own_dana_desa_before_the_pool_across_villages() -> None:
    # either desa could enrol the one worker the target asks for; only desa 2 has dana desa
    villages = [village(1, {"farmers": 50}, dana_desa=0.0), village(2, {"farmers": 50}, dana_desa=1e9)]
    plan = solve(
        problem(
            villages,
            objective="min_cost",
            integer=True,
            budget={"dana_desa_share": 50 * C_CHEAP / 1e9, "apbd_pool_idr": 1e9},
            targets={"min_new_enrollments": 50},
        )
    )
    assert plan.status == Status.optimal
    assert plan.totals.spend_apbd_idr == 0
    assert plan.villages[1].new_enrollments == 50


def _reference_face(p: Problem):
    """The contract's model built independently: its optimum, then the least pool money on the
    optimal face, then the fewest rupiah on that face."""
    frame = scenarios.villages_frame(p.table)
    lp = reference.build_lp(frame, p.scenario.model_dump(mode="json"))
    h = reference.to_highs(lp)
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    optimum = h.getInfo().objective_function_value
    n, G, P = lp.n_villages, lp.n_groups, lp.n_packages
    n_cols = len(lp.cost)
    cols = np.arange(n_cols, dtype=np.int32)

    def hold(cost: np.ndarray, value: float, maximize: bool) -> None:
        nz = np.nonzero(cost)[0].astype(np.int32)
        slack = 1e-9 * max(1.0, abs(value))
        lower, upper = (value - slack, highspy.kHighsInf) if maximize else (-highspy.kHighsInf, value + slack)
        h.addRow(lower, upper, len(nz), nz, cost[nz])

    def minimise(cost: np.ndarray) -> float:
        h.changeObjectiveSense(highspy.ObjSense.kMinimize)
        h.changeColsCost(n_cols, cols, cost)
        h.run()
        assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        return h.getInfo().objective_function_value

    hold(lp.cost, optimum, lp.maximize)
    pool = np.zeros(n_cols)
    pool[n * G * P + 2 * n : n * G * P + 3 * n] = 1.0
    least_pool = minimise(pool)
    hold(pool, least_pool, maximize=False)
    rupiah = np.zeros(n_cols)
    rupiah[n * G * P : n * G * P + 3 * n] = 1.0
    fewest = minimise(rupiah)
    return optimum, least_pool, fewest


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(feasible_problems())
def test_each_step_of_the_order_of_preference_matches_a_second_lp_on_the_face(p: Problem) -> None:
    s = p.scenario.model_copy(update={"integer": False})
    p = Problem(table=p.table, scenario=s)
    # the reference's second LP holds the face with a row HiGHS cannot take at a pool of 1e-58
    # rupiah (a float the strategy draws, no rupiah a planner types): pools of a rupiah or more
    pool = s.budget.apbd_pool_idr
    assume(isinstance(pool, dict) or pool == 0 or pool >= 1)
    plan = solve(p)
    assert plan.status == Status.optimal and plan.preferred
    optimum, least_pool, fewest = _reference_face(p)
    assert plan.objective == pytest.approx(optimum, rel=1e-7, abs=1e-6)
    # whole rupiah in the plan: at most a rupiah per village from the exact figures
    slack = len(plan.villages) + 1e-7 * max(1.0, least_pool)
    assert plan.totals.spend_apbd_idr <= least_pool + slack
    assert plan.totals.spend_total_idr <= fewest + len(plan.villages) + 1e-7 * fewest


def test_three_desa_and_a_small_pool_reach_a_whole_number_target() -> None:
    # each desa's cap pays 1.5 premiums; the pool tops up desa 1 to a second worker: 4 in all
    villages = [village(i, {"farmers": 10}, dana_desa=30_240_000) for i in (1, 2, 3)]
    plan = solve(
        problem(
            villages,
            objective="min_cost",
            integer=True,
            budget={"dana_desa_share": 0.01, "apbd_pool_idr": 100_800},
            targets={"min_new_enrollments": 4},
        )
    )
    assert plan.status == Status.optimal
    assert plan.totals.new_enrollments == 4 and plan.check.ok
    assert plan.totals.spend_apbd_idr <= 100_800


def _mip_is_infeasible(p: Problem) -> bool:
    frame = scenarios.villages_frame(p.table)
    lp = reference.build_lp(frame, p.scenario.model_dump(mode="json"))
    h = reference.to_highs(lp)
    n_x = lp.n_villages * lp.n_groups * lp.n_packages
    h.changeColsIntegrality(n_x, np.arange(n_x, dtype=np.int32), np.full(n_x, highspy.HighsVarType.kInteger))
    h.run()
    status = h.getModelStatus()
    assert status in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kInfeasible)
    return status == highspy.HighsModelStatus.kInfeasible


@st.composite
def small_whole_number_problems(draw: st.DrawFn) -> Problem:
    n = draw(st.integers(1, 4))
    villages = [
        village(
            i + 1,
            {"farmers": draw(st.integers(0, 6)), "fishers": draw(st.integers(0, 3))},
            enrolled={"farmers": draw(st.integers(0, 2))},
            dana_desa=draw(st.integers(0, 40)) * C_CHEAP / 4 / 0.01,
            kabupaten=draw(st.sampled_from(["A", "B"])),
        )
        for i in range(n)
    ]
    kab = sorted({v.kabupaten for v in villages})
    pool = draw(
        st.one_of(st.integers(0, 12).map(lambda k: k * C_CHEAP / 3), st.just({k: C_CHEAP * 0.7 for k in kab}))
    )
    targets = {
        "min_coverage": draw(st.sampled_from([0.0, 0.3, 0.6])),
        "min_new_enrollments": draw(st.integers(0, 12)),
    }
    if draw(st.booleans()):
        targets["group_min_coverage"] = {"fishers": draw(st.sampled_from([0.5, 1.0]))}
    return problem(
        villages,
        packages=[CHEAP, JHT],
        integer=True,
        objective=draw(st.sampled_from(["max_protection", "min_cost"])),
        budget={"dana_desa_share": 0.01, "apbd_pool_idr": pool},
        targets=targets,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_whole_number_problems())
def test_whole_number_scenarios_are_infeasible_exactly_when_the_mip_proves_it(p: Problem) -> None:
    plan = solve(p)
    assert plan.status in (Status.optimal, Status.infeasible)
    assert (plan.status == Status.infeasible) == _mip_is_infeasible(p)
    if plan.status == Status.optimal:
        assert plan.check.ok


# --- the time limit ------------------------------------------------------------------------------


def _large_problem(n: int = 300, **scenario) -> Problem:
    rng = np.random.default_rng(7)
    villages = [
        village(
            i,
            {"farmers": int(rng.integers(50, 400)), "fishers": int(rng.integers(0, 80))},
            dana_desa=float(rng.uniform(5e8, 2e9)),
            kabupaten=f"K{i % 5}",
        )
        for i in range(1, n + 1)
    ]
    scenario.setdefault(
        "budget", {"dana_desa_share": 0.02, "apbd_pool_idr": {f"K{k}": 2e8 for k in range(5)}}
    )
    scenario.setdefault("targets", {"min_coverage": 0.05})
    return problem(villages, packages=[CHEAP, JHT], **scenario)


def _stopped(*args, **kwargs) -> RunResult:
    return RunResult(status=Status.time_limit, has_solution=False, seconds=0.0, detail="Time limit")


@pytest.mark.parametrize("integer", [False, True])
def test_blocks_the_time_limit_cuts_short_get_a_checked_fallback(monkeypatch, integer: bool) -> None:
    monkeypatch.setattr("solver.block.run_highs", _stopped)
    plan = solve(_large_problem(integer=integer))
    assert plan.status == Status.time_limit
    assert plan.check.ok and plan.has_targets
    assert len(plan.fallback_blocks) == 5 and "K0" in " ".join(plan.fallback_blocks)
    assert plan.lp_bound is not None and plan.lp_bound >= plan.objective
    coverage = [v.coverage_after for v in plan.villages]
    assert min(coverage) >= 0.05 - 1e-9  # the floors hold


def test_no_plan_when_even_the_fallback_cannot_meet_the_target(monkeypatch) -> None:
    monkeypatch.setattr("solver.block.run_highs", _stopped)
    monkeypatch.setattr("solver.fallback.fallback_plan", lambda data: None)
    plan = solve(_large_problem())
    assert plan.status == Status.time_limit and not plan.villages and not plan.has_targets
    assert "time limit" in plan.message


def test_a_tiny_time_limit_on_a_large_table_gives_a_checked_plan_or_none() -> None:
    p = _large_problem(n=3000, budget={"dana_desa_share": 0.02, "apbd_pool_idr": 5e9})
    plan = solve(p, SolveOptions(time_limit_s=0.05, price_pool_min_villages=500))
    assert plan.status == Status.time_limit
    if plan.villages:
        assert plan.check.ok and plan.has_targets
    else:
        assert not plan.has_targets


def test_a_plan_that_fails_its_check_is_an_error_with_no_targets(monkeypatch) -> None:
    def broken(*args, **kwargs) -> PlanCheck:
        return PlanCheck(
            ok=False,
            tolerance=1e-6,
            max_violation=0.5,
            violations=["4. pool #0: Rp603,425,458 used > Rp47,000,000"],
        )

    monkeypatch.setattr(solve_module, "check_plan", broken)
    plan = solve(_large_problem(n=20))
    assert plan.status == Status.error and not plan.has_targets
    assert "Rp603,425,458" in plan.message
    assert plan.villages  # kept, so the violations can be read against them


def test_the_price_decomposition_at_its_iteration_cap_is_not_called_optimal(monkeypatch) -> None:
    monkeypatch.setattr("solver.pool_price._MAX_ITERATIONS", 1)
    p = _large_problem(n=600, budget={"dana_desa_share": 0.01, "apbd_pool_idr": 3e9}, targets={})
    plan = solve(p, SolveOptions(price_pool_min_villages=100))
    assert plan.status == Status.time_limit and plan.check.ok
    exact = solve(p, SolveOptions(price_pool_min_villages=10**9))
    # the Lagrangian bound is a true bound, not the plan's own objective
    assert plan.lp_bound >= exact.objective - 1e-6 * exact.objective
    assert plan.objective <= exact.objective + 1e-6 * exact.objective


def test_figures_a_planner_reads_right() -> None:
    villages = [
        village(1, {"farmers": 0}, dana_desa=1e9),  # no informal workers at all
        village(2, {"farmers": 7}, dana_desa=1e9),
    ]
    plan = solve(problem(villages, budget={"dana_desa_share": 0.5, "apbd_pool_idr": 0}))
    empty, full = plan.villages
    assert empty.coverage_before is None and empty.coverage_after is None
    assert full.coverage_after == pytest.approx(1.0)
    for v in plan.villages:  # whole rupiah, and no pool dust where there is no pool
        assert v.spend_apbd_idr == 0 and float(v.spend_total_idr).is_integer()


def _without_timings(plan) -> dict:
    return {k: v for k, v in plan.model_dump().items() if not k.endswith("_seconds")}


def _solve_counting_passes(p: Problem, monkeypatch: pytest.MonkeyPatch, skip: bool):
    """The plan, and how many LP passes of the order of preference HiGHS ran; without `skip`,
    every pass runs even where its measure is constant on the face (the order as first written)."""
    preference = importlib.import_module("solver.preference")
    runs = []
    minimise = preference._minimise
    with monkeypatch.context() as patch:
        patch.setattr(preference, "_minimise", lambda *a, **k: runs.append(1) or minimise(*a, **k))
        if not skip:
            patch.setattr(preference, "_pool_money_constant", lambda *a: lambda face: False)
            patch.setattr(preference, "_budgets_held", lambda *a: False)
        plan = solve(p)
    return plan, len(runs)


def test_passes_that_cannot_move_the_plan_are_skipped_and_the_plan_is_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # every village spends all its money, and both pools bind: the pool money and the rupiah are
    # fixed on the optimal face, so passes 2 and 3 have nothing to choose
    villages = [
        village(
            i,
            {"farmers": 40 + 7 * i, "traders": 30, "fishers": 5 * i},
            dana_desa=2e8 + 1e7 * i,
            kabupaten="AB"[i % 2],
            priority=1 + i / 10,
        )
        for i in range(1, 9)
    ]
    p = problem(
        villages,
        packages=[CHEAP, JHT],
        budget={"dana_desa_share": 0.01, "apbd_pool_idr": {"A": 3e6, "B": 2e6}},
        targets={"min_coverage": 0.05},
    )
    skipping, runs_skipping = _solve_counting_passes(p, monkeypatch, skip=True)
    every, runs_every = _solve_counting_passes(p, monkeypatch, skip=False)
    assert skipping.status == Status.optimal and skipping.preferred
    assert runs_every == 4 and runs_skipping == 0  # two blocks, two passes each
    assert _without_timings(skipping) == _without_timings(every)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(feasible_problems())
def test_skipping_passes_never_changes_a_plan(monkeypatch: pytest.MonkeyPatch, p: Problem) -> None:
    skipping, runs_skipping = _solve_counting_passes(p, monkeypatch, skip=True)
    every, runs_every = _solve_counting_passes(p, monkeypatch, skip=False)
    assert runs_skipping <= runs_every
    assert _without_timings(skipping) == _without_timings(every)
