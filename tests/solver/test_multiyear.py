"""Multi-year plans with continuity: every worker enrolled stays funded in the later years."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import village
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scenarios
from models import Problem, ScenarioError, SolveOptions, Status, VillageTable
from solver import solve
from solver.check import check_years
from solver.context import RunContext
from solver.multiyear import paid_by_source, prepare_years
from solver.multiyear.data import accounts_of
from solver.multiyear.model import solve_years_block

PREMIUM = {"code": "JKK-JKM", "monthly_premium_idr": 10_000, "value": 1.0}  # Rp120,000 a year


def years_problem(villages: list[Any], **fields: Any) -> Problem:
    groups = list(dict.fromkeys(g for v in villages for g in v.uninsured))
    fields.setdefault("packages", [PREMIUM])
    return Problem(
        table=VillageTable(groups=groups, villages=villages), scenario=scenarios.scenario_from_dict(fields)
    )


def test_two_years_where_continuity_binds() -> None:
    """One village, 100 uninsured farmers, Rp120,000 a worker a year (Rp10,000 x 12 months).
    Year 1: dana desa Rp10,000,000 (share 100%) would pay 83 workers; year 2 has half the money
    (growth -50%), Rp5,000,000, which keeps at most 41 whole workers (41 x 120,000 = 4,920,000;
    42 would cost 5,040,000). Every worker enrolled in year 1 must still be paid in year 2, so
    year 1 may enrol only what year 2 can keep: x1 = 41, x2 = 0. The objective counts worker-years:
    2 x1 + x2 = 82 (the LP: 2 x 41.67 = 83.33). Year 1 spends Rp4,920,000 of its Rp10,000,000."""
    problem = years_problem(
        [village(1, {"farmers": 100}, dana_desa=10_000_000)],
        budget={"dana_desa_share": 1.0},
        integer=True,
        multi_year={"years": 2, "dana_desa_growth": "-50%"},
    )
    plan = solve(problem)
    assert plan.status == Status.optimal and plan.check is not None and plan.check.ok
    assert plan.objective == pytest.approx(82.0)
    assert plan.lp_bound == pytest.approx(2 * 5_000_000 / 120_000)
    assert [(y.new_enrollments, y.funded) for y in plan.years] == [(41, 41), (0, 41)]
    assert [y.spend_dana_desa_idr for y in plan.years] == [4_920_000, 4_920_000]
    assert [y.cap_dana_desa_idr for y in plan.years] == [10_000_000, 5_000_000]
    assert plan.villages[0].new_enrollments == 41
    assert plan.villages[0].spend_dana_desa_idr == 9_840_000  # both years
    assert [vy.funded_by for vy in plan.village_years] == [{"farmers": {"JKK-JKM": 41}}] * 2


def test_rising_money_enrols_in_year_two_up_to_the_group_cap() -> None:
    """The same village with 50% more money in year 2 (Rp15,000,000, 125 workers): year 1 enrols
    83 (Rp9,960,000), year 2 the 17 uninsured left (funded 100, Rp12,000,000): 2 x 83 + 17 = 183."""
    problem = years_problem(
        [village(1, {"farmers": 100}, dana_desa=10_000_000)],
        budget={"dana_desa_share": 1.0},
        integer=True,
        multi_year={"years": 2, "dana_desa_growth": "50%"},
    )
    plan = solve(problem)
    assert plan.status == Status.optimal and plan.check is not None and plan.check.ok
    assert plan.objective == pytest.approx(183.0)
    assert [(y.new_enrollments, y.funded) for y in plan.years] == [(83, 83), (17, 100)]
    assert [y.spend_dana_desa_idr for y in plan.years] == [9_960_000, 12_000_000]


def test_the_pool_of_each_year_and_a_rising_floor() -> None:
    """Two villages of 10 farmers, no money of their own, one pool of Rp1,200,000 in year 1 and
    Rp2,400,000 in year 2 (10 and 20 workers at Rp120,000); the floor is 0% then 50%. The most
    worker-years: 10 enrolled in year 1 and kept, 10 more in year 2 (2 x 10 + 10 = 30), and each
    village has at least 5 workers in year 2."""
    villages = [village(1, {"farmers": 10}), village(2, {"farmers": 10})]
    problem = years_problem(
        villages,
        integer=True,
        multi_year={
            "years": 2,
            "apbd_pool_idr": ["Rp1.200.000", "Rp2.400.000"],
            "min_coverage": ["0%", "50%"],
        },
    )
    plan = solve(problem)
    assert plan.status == Status.optimal and plan.check is not None and plan.check.ok
    assert plan.objective == pytest.approx(30.0)
    assert [y.funded for y in plan.years] == [10, 20]
    assert [y.spend_apbd_idr for y in plan.years] == [1_200_000, 2_400_000]
    second = [vy.funded for vy in plan.village_years if vy.year == 2]
    assert min(second) >= 5


def test_one_year_block_is_the_one_year_plan() -> None:
    villages = [
        village(1, {"farmers": 40, "fishers": 30}, dana_desa=9_000_000),
        village(2, {"farmers": 25}, dana_desa=2_000_000),
    ]
    fields: dict[str, Any] = {
        "budget": {"dana_desa_share": 0.5, "apbd_pool_idr": 3_000_000},
        "group_weights": {"fishers": 2.0},
        "integer": True,
    }
    today = solve(years_problem(villages, **fields))
    one = solve(years_problem(villages, **fields, multi_year={"years": 1}))
    assert one.objective == today.objective
    assert one.model_dump(
        exclude={"build_seconds", "solve_seconds", "check_seconds", "total_seconds"}
    ) == today.model_dump(exclude={"build_seconds", "solve_seconds", "check_seconds", "total_seconds"})
    assert not one.years and not one.village_years


def test_the_check_catches_a_worker_dropped_in_year_two() -> None:
    problem = years_problem(
        [village(1, {"farmers": 100}, dana_desa=10_000_000)],
        budget={"dana_desa_share": 1.0},
        integer=True,
        multi_year={"years": 2, "dana_desa_growth": "-50%"},
    )
    years = prepare_years(problem)
    status, x, *_ = solve_years_block(years, RunContext(SolveOptions()))
    assert status == Status.optimal and x is not None
    by_source, y, w, z = paid_by_source(years, accounts_of(years), x)
    new = x.sum(axis=0)
    funded = by_source.sum(axis=0)
    assert check_years(years, new, funded, by_source, y, w, z, 1e-6).ok

    dropped = by_source.copy()
    dropped[0, 0, 0, 0, 1] -= 1  # year 2 pays for one worker fewer than were enrolled
    y2 = y.copy()
    y2[1] -= 120_000
    check = check_years(years, new, dropped.sum(axis=0), dropped, y2, w, z, 1e-6)
    assert not check.ok
    assert any(v.startswith("continuity") for v in check.violations)


def test_rules_priced_years_straddle_april_2026_and_january_2027() -> None:
    """JKK-JKM at the lowest tier (JKK Rp10,000 + JKM Rp6,800 = Rp16,800 a month). Year 1 is
    April to December 2026, 9 months; the village pays PP 50/2025's 50% in every sector:
    9 x 8,400 = 75,600; the pool pays in full: 9 x 16,800 = 151,200. Year 2 is 2027: outside
    transport the reduction has ended, 12 x 16,800 = 201,600; transport keeps it January to
    March: 3 x 8,400 + 9 x 16,800 = 176,400; the pool 201,600."""
    villages = [village(1, {"farmers": 50, "transport": 50}, dana_desa=1_000_000_000)]
    problem = years_problem(
        villages,
        fiscal_year=2026,
        start_month=4,
        packages=[{"code": "JKK-JKM", "declared_income_idr": "Rp1.000.000"}],
        budget={"dana_desa_share": "1%", "apbd_pool_idr": "Rp1.000.000"},
        multi_year={"years": 2},
        integer=True,
    )
    assert problem.scenario.horizon_months == 9 and problem.scenario.year_months() == [9, 12]
    years = prepare_years(problem)
    farmers, transport = years.base.groups.index("farmers"), years.base.groups.index("transport")
    dana_desa, pool = 0, 2
    assert years.cost[dana_desa, 0, farmers, 0] == 75_600
    assert years.cost[dana_desa, 0, transport, 0] == 75_600
    assert years.cost[pool, 0, farmers, 0] == 151_200
    assert years.cost[dana_desa, 1, farmers, 0] == 201_600
    assert years.cost[dana_desa, 1, transport, 0] == 176_400
    assert years.cost[pool, 1, transport, 0] == 201_600
    plan = solve(problem)
    assert plan.status == Status.optimal and plan.check is not None and plan.check.ok
    assert plan.months[0] == "2026-04" and plan.months[-1] == "2027-12" and len(plan.months) == 21
    # Rp10,000,000 of dana desa a year: year 2 keeps at most 10,000,000 / 176,400 = 56 transport
    # workers, and year 1 enrols only what year 2 can keep
    second = plan.years[1]
    assert second.spend_dana_desa_idr <= 10_000_000 and plan.years[0].funded == second.funded


@pytest.mark.parametrize(
    "multi_year, field",
    [
        ({"years": 0}, "multi_year.years"),
        ({"years": 11}, "multi_year.years"),
        ({"years": 3, "min_coverage": [0.1, 0.2]}, "multi_year.min_coverage"),
        ({"years": 3, "dana_desa_growth": ["1%", "2%", "3%"]}, "multi_year.dana_desa_growth"),
        ({"years": 2, "pool_growth": "-150%"}, "multi_year.pool_growth"),
        ({"years": 2, "apbd_pool_idr": [1, -5]}, "multi_year.apbd_pool_idr"),
        ({"years": 2, "add_growth": "lots"}, "multi_year.add_growth.0"),
        ({"years": 2, "rate": 1}, "multi_year.rate"),
    ],
)
def test_bad_multi_year_fields_are_refused_by_name(multi_year: dict[str, Any], field: str) -> None:
    with pytest.raises(ScenarioError) as refused:
        scenarios.scenario_from_dict({"packages": [PREMIUM], "multi_year": multi_year})
    assert field in [issue.field for issue in refused.value.issues]


def test_a_first_year_past_december_is_refused_naming_horizon_months() -> None:
    with pytest.raises(ScenarioError) as refused:
        scenarios.scenario_from_dict(
            {"packages": [PREMIUM], "start_month": 4, "horizon_months": 12, "multi_year": {"years": 2}}
        )
    assert [issue.field for issue in refused.value.issues] == ["horizon_months"]


def test_one_shared_pool_over_many_villages_is_solved_whole() -> None:
    """At or above `price_pool_min_villages` the one-year plan prices its pool; the years' LP is
    solved whole (tests/solver/test_multiyear_large_pool.py: 2,100 villages)."""
    villages = [village(i, {"farmers": 5}, dana_desa=1_000_000) for i in range(1, 6)]
    problem = years_problem(villages, budget={"apbd_pool_idr": 1_200_000}, multi_year={"years": 2})
    plan = solve(problem, SolveOptions(price_pool_min_villages=5))
    assert plan.status == Status.optimal and plan.check is not None and plan.check.ok
    assert [y.spend_apbd_idr for y in plan.years] == [1_200_000, 1_200_000]


def test_every_years_money_short_is_explained_naming_the_year() -> None:
    problem = years_problem(
        [village(1, {"farmers": 100}, dana_desa=10_000_000)],
        budget={"dana_desa_share": 1.0},
        multi_year={"years": 2, "min_coverage": ["0%", "90%"]},
    )
    plan = solve(problem)
    assert plan.status == Status.infeasible
    assert plan.explanations and plan.explanations[0].message.startswith("Year 2")
    assert np.isclose(plan.explanations[0].shortfall_idr or 0, 90 * 120_000 - 10_000_000)


def test_steps_for_one_year_plans_refuse_a_multi_year_scenario_by_name() -> None:
    problem = years_problem(
        [village(1, {"farmers": 100}, dana_desa=10_000_000)],
        budget={"dana_desa_share": 0.5},
        multi_year={"years": 2},
    )
    from models import Actuals
    from solver.replan import replan_problem

    plan = solve(problem)
    actuals = Actuals(through_month=3, rows=[])
    with pytest.raises(ScenarioError) as refused:  # `replan` and `compare` take multi-year plans
        replan_problem(problem.table, problem.scenario, plan, actuals)
    assert refused.value.issues[0].field == "multi_year"


def _independent_optimum(
    villages: list[Any],
    cap: np.ndarray,
    pool: np.ndarray,
    cost: float,
    need: np.ndarray,
    weight: dict[str, float],
) -> float | None:
    """The multi-year LP written out again from its math with scipy's linprog (HiGHS), without any
    of desaplan's code: x[v,g,s] new enrolments (one package), z[v,t] pool money, one pool.
    max sum_{v,g,s} w[g] (T - s) x  s.t.  sum_{s} x[v,g,s] <= U;  for each v, t:
    cost sum_{g, s<=t} x[v,g,s] - z[v,t] <= cap[t,v];  sum_v z[v,t] <= pool[t];
    sum_{g, s<=t} x[v,g,s] >= need[t,v]."""
    from scipy.optimize import linprog

    groups = sorted({g for v in villages for g in v.uninsured})
    n, G, T = len(villages), len(groups), cap.shape[0]
    n_x = n * G * T
    col = lambda v, g, s: (v * G + g) * T + s  # noqa: E731
    zcol = lambda v, t: n_x + v * T + t  # noqa: E731
    c = np.zeros(n_x + n * T)
    for v in range(n):
        for g, name in enumerate(groups):
            for s in range(T):
                c[col(v, g, s)] = -weight.get(name, 1.0) * (T - s)
    rows, rhs = [], []
    for v, desa in enumerate(villages):
        for g, name in enumerate(groups):
            row = np.zeros_like(c)
            for s in range(T):
                row[col(v, g, s)] = 1
            rows.append(row)
            rhs.append(desa.uninsured.get(name, 0))
        for t in range(T):
            row = np.zeros_like(c)
            for g in range(G):
                for s in range(t + 1):
                    row[col(v, g, s)] = cost
            row[zcol(v, t)] = -1
            rows.append(row)
            rhs.append(cap[t, v])
            row = np.zeros_like(c)
            for g in range(G):
                for s in range(t + 1):
                    row[col(v, g, s)] = -1
            rows.append(row)
            rhs.append(-need[t, v])
    for t in range(T):
        row = np.zeros_like(c)
        for v in range(n):
            row[zcol(v, t)] = 1
        rows.append(row)
        rhs.append(pool[t])
    result = linprog(c, A_ub=np.array(rows), b_ub=np.array(rhs), bounds=(0, None), method="highs")
    return -float(result.fun) if result.status == 0 else None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    workers=st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=3),
    money=st.lists(st.integers(0, 60), min_size=3, max_size=3),
    years=st.integers(2, 3),
    growth=st.sampled_from(["-40%", "0%", "25%"]),
    pool=st.integers(0, 40),
    floors=st.sampled_from([None, ["0%", "10%", "20%"]]),
    integer=st.booleans(),
)
def test_every_multi_year_plan_holds_and_the_lp_is_the_independent_optimum(
    workers: list[tuple[int, int]],
    money: list[int],
    years: int,
    growth: str,
    pool: int,
    floors: list[str] | None,
    integer: bool,
) -> None:
    villages = [
        village(i + 1, {"farmers": a, "fishers": b}, dana_desa=money[i] * 120_000.0)
        for i, (a, b) in enumerate(workers)
    ]
    multi: dict[str, Any] = {"years": years, "dana_desa_growth": growth, "pool_growth": growth}
    if floors is not None:
        multi["min_coverage"] = floors[:years]
    weights = {"fishers": 2.0}
    problem = years_problem(
        villages,
        budget={"dana_desa_share": 1.0, "apbd_pool_idr": pool * 120_000},
        group_weights=weights,
        multi_year=multi,
        integer=integer,
    )
    plan = solve(problem)
    prepared = prepare_years(problem)
    lp = _independent_optimum(
        villages, prepared.cap_dd, prepared.pool[:, 0], 120_000.0, prepared.total_need, weights
    )
    if plan.status == Status.infeasible:
        assert integer or lp is None
        return
    assert plan.status == Status.optimal and plan.check is not None and plan.check.ok
    funded = [y.funded for y in plan.years]
    assert funded == sorted(funded)
    assert lp is not None
    assert plan.lp_bound == pytest.approx(lp, rel=1e-6, abs=1e-6)
    if not integer:
        assert plan.objective == pytest.approx(lp, rel=1e-6, abs=1e-6)
    else:
        assert plan.objective is not None and plan.objective <= lp + 1e-6


def test_a_year_must_keep_paying_for_an_earlier_years_floor() -> None:
    """A 50% floor in year 1 and none in year 2: the 50 workers enrolled for it stay funded in year
    2, whose Rp3,000,000 pays only 25 (Rp120,000 each): short Rp3,000,000 in year 2."""
    problem = years_problem(
        [village(1, {"farmers": 100}, dana_desa=10_000_000)],
        budget={"dana_desa_share": 1.0},
        multi_year={"years": 2, "dana_desa_growth": "-70%", "min_coverage": ["50%", "0%"]},
    )
    plan = solve(problem)
    assert plan.status == Status.infeasible
    assert plan.explanations[0].message.startswith("Year 2")
    assert plan.explanations[0].shortfall_idr == pytest.approx(50 * 120_000 - 3_000_000)


def test_a_pool_of_a_year_for_a_kabupaten_the_table_lacks_is_refused_by_name() -> None:
    villages = [village(1, {"farmers": 5}, kabupaten="Kabupaten Bekasi")]
    problem = years_problem(
        villages,
        budget={"apbd_pool_idr": {"Kabupaten Bekasi": 100}},
        multi_year={"years": 2, "apbd_pool_idr": [{"Kabupaten Bekasi": 100}, {"Kabupaten Bogor": 100}]},
    )
    with pytest.raises(ScenarioError) as refused:
        solve(problem)
    assert [i.field for i in refused.value.issues] == ["multi_year.apbd_pool_idr.1.Kabupaten Bogor"]


def test_the_check_catches_a_year_over_its_money_and_a_floor_missed_in_a_year() -> None:
    """Two years, Rp5,000,000 of dana desa in year 2 and a 40% floor from year 2: a plan that keeps
    the 83 workers year 1 could pay breaks year 2's cap; one with 30 workers misses year 2's floor."""
    problem = years_problem(
        [village(1, {"farmers": 100}, dana_desa=10_000_000)],
        budget={"dana_desa_share": 1.0},
        integer=True,
        multi_year={"years": 2, "dana_desa_growth": "-50%", "min_coverage": ["0%", "40%"]},
    )
    years = prepare_years(problem)
    shape = (1, 1, 1, 2)

    def check(first_year: int) -> list[str]:
        new = np.zeros(shape)
        new[0, 0, 0, 0] = first_year
        funded = np.cumsum(new, axis=-1)
        by_source = np.zeros((3, *shape))
        by_source[0] = funded
        y = np.array([[first_year * 120_000.0], [first_year * 120_000.0]])
        zero = np.zeros_like(y)
        result = check_years(years, new, funded, by_source, y, zero, zero, 1e-6)
        return result.violations

    assert check(41) == []
    assert any(v.startswith("3. year 2") for v in check(83))
    assert any(v.startswith("5. year 2") for v in check(30))
