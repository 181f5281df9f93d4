"""An infeasible multi-year plan: which year falls short, and the least change that makes every
year feasible, each year's change naming its year; applied, the plan exists."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import village

import scenarios
from app.i18n import speaker
from app.i18n.summary import explanation_lines, remedy_texts
from models import Problem, Status, VillageTable
from solver import solve

PREMIUM = {"code": "JKK-JKM", "monthly_premium_idr": 10_000, "value": 1.0}  # Rp120,000 a year


def years_problem(villages: list[Any], **fields: Any) -> Problem:
    groups = list(dict.fromkeys(g for v in villages for g in v.uninsured))
    fields.setdefault("packages", [PREMIUM])
    return Problem(
        table=VillageTable(groups=groups, villages=villages), scenario=scenarios.scenario_from_dict(fields)
    )


# one village, 100 uninsured farmers, Rp10,000,000 of dana desa (share 100%) in years 1 and 2,
# Rp6,000,000 in year 3 (growth 0%, then -40%): year 3's floor of 80% asks for 80 workers funded
# (Rp9,600,000), Rp3,600,000 more than its money. Years 1 and 2 (floors 0% and 10%) are fine.
VILLAGES = [village(1, {"farmers": 100}, dana_desa=10_000_000, kabupaten="Kabupaten Bekasi")]
MULTI = {"years": 3, "dana_desa_growth": ["0%", "-40%"], "min_coverage": ["0%", "10%", "80%"]}


def test_the_short_year_is_named_and_its_pool_remedy_applied_gives_a_plan() -> None:
    pools = [{"Kabupaten Bekasi": 0}, {"Kabupaten Bekasi": 0}, {"Kabupaten Bekasi": 1_000_000}]
    plan = solve(
        years_problem(
            VILLAGES,
            budget={"dana_desa_share": 1.0},
            fiscal_year=2026,
            multi_year={**MULTI, "apbd_pool_idr": pools},
        )
    )
    assert plan.status == Status.infeasible
    assert [(e.year, e.fiscal_year) for e in plan.explanations] == [(3, 2028)]
    assert plan.explanations[0].shortfall_idr == pytest.approx(2_600_000)
    # the village short in 2028: 80 workers (Rp9,600,000) against its Rp6,000,000
    assert [(s.year, s.workers_needed, s.shortfall_idr) for s in plan.short_villages] == [(3, 80, 3_600_000)]
    pool = [r for r in plan.remedies if r.lever == "apbd_pool"]
    assert [(r.year, r.fiscal_year, r.kabupaten, r.current, r.needed, r.exact) for r in pool] == [
        (3, 2028, "Kabupaten Bekasi", 1_000_000, 3_600_000, True)
    ]
    floor = next(r for r in plan.remedies if r.lever == "min_coverage")
    # Rp7,000,000 with the pool: 58.33 workers of 100
    assert (floor.year, floor.current, floor.needed) == (3, 0.8, 0.583333)
    share = next(r for r in plan.remedies if r.lever == "dana_desa_share")
    assert share.year is None and share.needed is None  # 100% already: no share is enough

    # the summary names the year, in Indonesian through the catalogue
    say = speaker("id")
    assert explanation_lines(plan, "id")[0].strip().startswith("Tahun ke-3 (2028):")
    assert any(
        t.startswith("Tahun ke-3 (2028): ") and "Rp3.600.000" in t for t in remedy_texts(plan.remedies, say)
    )

    # the remedy applied: year 3's pool at the figure gives a plan; a rupiah less does not
    pools[2] = {"Kabupaten Bekasi": pool[0].needed}
    fixed = solve(
        years_problem(
            VILLAGES,
            budget={"dana_desa_share": 1.0},
            fiscal_year=2026,
            multi_year={**MULTI, "apbd_pool_idr": pools},
        )
    )
    assert fixed.status == Status.optimal and fixed.check is not None and fixed.check.ok
    assert fixed.years[2].funded >= 80
    pools[2] = {"Kabupaten Bekasi": pool[0].needed - 1}
    short = solve(
        years_problem(
            VILLAGES,
            budget={"dana_desa_share": 1.0},
            fiscal_year=2026,
            multi_year={**MULTI, "apbd_pool_idr": pools},
        )
    )
    assert short.status == Status.infeasible

    # the floor remedy applied
    lowered = {
        **MULTI,
        "min_coverage": ["0%", "10%", floor.needed],
        "apbd_pool_idr": [{"Kabupaten Bekasi": 0}, {"Kabupaten Bekasi": 0}, {"Kabupaten Bekasi": 1_000_000}],
    }
    assert (
        solve(years_problem(VILLAGES, budget={"dana_desa_share": 1.0}, multi_year=lowered)).status
        == Status.optimal
    )


def test_a_pool_grown_from_the_budget_gets_the_least_year_one_pool_for_every_year() -> None:
    """A pool of Rp1,000,000 in year 1 grown 10% a year (Rp1,210,000 in year 3): year 3 needs
    Rp3,600,000, so year 1's pool must be Rp3,600,000 / 1.21 = Rp2,975,206.6, rounded up."""
    plan = solve(
        years_problem(
            VILLAGES,
            budget={"dana_desa_share": 1.0, "apbd_pool_idr": 1_000_000},
            multi_year={**MULTI, "pool_growth": "10%"},
        )
    )
    assert plan.status == Status.infeasible
    grown = plan.remedies[0]
    assert (grown.lever, grown.year, grown.current, grown.needed) == ("apbd_pool", None, 1_000_000, 2_975_207)
    yearly = next(r for r in plan.remedies if r.lever == "apbd_pool" and r.year == 3)
    assert yearly.needed == 3_600_000
    fixed = solve(
        years_problem(
            VILLAGES,
            budget={"dana_desa_share": 1.0, "apbd_pool_idr": grown.needed},
            multi_year={**MULTI, "pool_growth": "10%"},
        )
    )
    assert fixed.status == Status.optimal


def test_a_share_for_every_year_and_the_target_of_the_short_year() -> None:
    """Dana desa at 50%: Rp5,000,000 in years 1-2, Rp3,000,000 in year 3; targets of 10, 20 and 40
    workers by each year: year 3 can fund 25. The share that makes every year pass: 40 workers x
    Rp120,000 = Rp4,800,000 in year 3 = 80% of its Rp6,000,000; the target of year 3: 25."""
    multi = {"years": 3, "dana_desa_growth": ["0%", "-40%"], "min_new_enrollments": [10, 20, 40]}
    plan = solve(years_problem(VILLAGES, budget={"dana_desa_share": 0.5}, integer=True, multi_year=multi))
    assert plan.status == Status.infeasible
    assert [e.year for e in plan.explanations] == [3]
    share = next(r for r in plan.remedies if r.lever == "dana_desa_share")
    assert share.year is None and share.needed == pytest.approx(0.8)
    target = next(r for r in plan.remedies if r.lever == "min_new_enrollments")
    assert (target.year, target.current, target.needed) == (3, 40, 25)
    for scenario in (
        {"budget": {"dana_desa_share": share.needed}, "multi_year": multi},
        {
            "budget": {"dana_desa_share": 0.5},
            "multi_year": {**multi, "min_new_enrollments": [10, 20, target.needed]},
        },
    ):
        assert solve(years_problem(VILLAGES, integer=True, **scenario)).status == Status.optimal


def test_where_only_keeping_the_workers_funded_fails_the_remedies_come_from_the_lp() -> None:
    """Every year's money alone meets the target of 10, but not together: 2026's pool is in
    Bekasi, 2027's in Karawang, so the 10 enrolled in Bekasi in 2026 cannot be kept in 2027. The
    least change of a year's pool: Rp1,200,000 for Bekasi in 2027, or for Karawang in 2026."""
    villages = [
        village(1, {"farmers": 20}, kabupaten="Kabupaten Bekasi"),
        village(2, {"farmers": 20}, kabupaten="Kabupaten Karawang"),
    ]
    pools = [
        {"Kabupaten Bekasi": 1_200_000, "Kabupaten Karawang": 0},
        {"Kabupaten Bekasi": 0, "Kabupaten Karawang": 1_200_000},
    ]
    multi = {"years": 2, "apbd_pool_idr": pools, "min_new_enrollments": [10, 10]}
    plan = solve(years_problem(villages, fiscal_year=2026, multi_year=multi))
    assert plan.status == Status.infeasible
    assert [e.constraint for e in plan.explanations] == ["solver"]
    pool = {(r.year, r.kabupaten): r.needed for r in plan.remedies if r.lever == "apbd_pool"}
    assert pool == {(2, "Kabupaten Bekasi"): 1_200_000, (1, "Kabupaten Karawang"): 1_200_000}
    for (year, kabupaten), needed in pool.items():
        changed = [dict(p) for p in pools]
        changed[year - 1][kabupaten] = needed
        fixed = solve(years_problem(villages, multi_year={**multi, "apbd_pool_idr": changed}))
        assert fixed.status == Status.optimal and fixed.check is not None and fixed.check.ok
        changed[year - 1][kabupaten] = needed - 1
        short = solve(years_problem(villages, multi_year={**multi, "apbd_pool_idr": changed}))
        assert short.status == Status.infeasible


def test_the_bekasi_example_short_in_2028_gets_a_pool_that_is_enough_in_whole_workers() -> None:
    """The Bekasi 2026-2028 example with a floor of 25% in 2028 and dana desa 40% down that year:
    every year's money checks name 2028; in whole workers kept funded from 2026, the money checks'
    figure is not enough, so the remedy is stepped on until the plan exists there, and says so.
    Applied, the plan exists."""
    import json

    from scenarios.examples import BEKASI_MULTIYEAR_2026_2028, BEKASI_VILLAGES

    table = scenarios.read_villages(BEKASI_VILLAGES)
    body = json.loads(BEKASI_MULTIYEAR_2026_2028.read_text())
    body["multi_year"].update({"min_coverage": ["0%", "5%", "25%"], "dana_desa_growth": ["3%", "-40%"]})
    plan = solve(Problem(table=table, scenario=scenarios.scenario_from_dict(body)))
    assert plan.status == Status.infeasible
    assert [e.year for e in plan.explanations] == [3]
    pool = next(r for r in plan.remedies if r.lever == "apbd_pool" and r.year == 3)
    assert pool.needed is not None and pool.fiscal_year == 2028
    shortfall = plan.explanations[0].shortfall_idr or 0.0
    if not pool.exact:  # more than the money checks' figure, and the message gives the figure
        assert pool.needed > pool.current + shortfall
        assert "a plan exists there" in pool.message
    pools = [1.5e9, 1.5e9 * 1.05, pool.needed]
    body["multi_year"].pop("pool_growth")
    body["multi_year"]["apbd_pool_idr"] = pools
    fixed = solve(Problem(table=table, scenario=scenarios.scenario_from_dict(body)))
    assert fixed.status == Status.optimal and fixed.check is not None and fixed.check.ok
