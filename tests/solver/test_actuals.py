"""Plan against actual by hand, and re-plans that keep every actual enrolment funded and never
spend money already spent."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models import (
    NOT_REPORTED,
    Actuals,
    ActualsRow,
    Plan,
    Scenario,
    Status,
    Village,
    VillagePlan,
    VillageTable,
)
from models.rules import FundingSource
from solver.actuals import compare, premium_cost_idr
from solver.replan import check_replan, replan, replan_problem, spread

SCENARIO = Scenario.model_validate(
    {
        "name": "hand",
        "horizon_months": 12,
        "packages": [
            {"code": "A", "monthly_premium_idr": 10_000},
            {"code": "B", "monthly_premium_idr": 20_000},
        ],
        "budget": {"dana_desa_share": 0.1, "add_share": 0.5, "apbd_pool_idr": 1_000_000},
        "integer": True,
    }
)


def _table() -> VillageTable:
    def village(code: str, kecamatan: str, dd: float, add: float) -> Village:
        return Village(
            village_code=code,
            village_name=f"Desa {code[-4:]}",
            kecamatan=kecamatan,
            dana_desa_idr=dd,
            add_idr=add,
            uninsured={"farmers": 50, "traders": 40},
            enrolled={"farmers": 5, "traders": 0},
        )

    return VillageTable(
        groups=["farmers", "traders"],
        villages=[
            village("32.16.01.2001", "Kec A", 1_200_000, 200_000),
            village("32.16.01.2002", "Kec A", 2_400_000, 0),
            village("32.16.02.2001", "Kec B", 600_000, 0),
        ],
    )


def _plan() -> Plan:
    def planned(code: str, kecamatan: str, enrollments: dict[str, dict[str, float]]) -> VillagePlan:
        new = sum(n for p in enrollments.values() for n in p.values())
        return VillagePlan(
            village_code=code,
            village_name=f"Desa {code[-4:]}",
            kecamatan=kecamatan,
            kabupaten="",
            new_enrollments=new,
            enrollments=enrollments,
            spend_dana_desa_idr=0,
            spend_add_idr=0,
            spend_apbd_idr=0,
            spend_total_idr=0,
            workers_enrolled_before=5,
            workers_total=95,
            coverage_before=5 / 95,
            coverage_after=(5 + new) / 95,
        )

    return Plan(
        status=Status.optimal,
        objective=1.0,
        objective_name="max_protection",
        scenario_name="hand",
        groups=["farmers", "traders"],
        packages=["A", "B"],
        villages=[
            planned("32.16.01.2001", "Kec A", {"farmers": {"A": 12}}),
            planned("32.16.01.2002", "Kec A", {"traders": {"A": 2, "B": 2}}),
            planned("32.16.02.2001", "Kec B", {}),
        ],
    )


def _actuals() -> Actuals:
    return Actuals(
        source="hand.csv",
        through_month=6,
        rows=[
            ActualsRow(village_code="32.16.01.2001", month=1, enrollments={"farmers": {"A": 2}}),
            ActualsRow(village_code="32.16.01.2001", month=3, enrollments={"farmers": {NOT_REPORTED: 1}}),
            ActualsRow(village_code="32.16.01.2002", month=2, enrollments={"traders": {NOT_REPORTED: 3}}),
        ],
    )


def test_premium_cost_is_premium_times_months() -> None:
    assert premium_cost_idr(SCENARIO, "B", 7, 6) == 120_000
    assert premium_cost_idr(SCENARIO, "A", 13, 0) == 0


def test_plan_against_actual_by_hand() -> None:
    result = compare(_table(), SCENARIO, _plan(), _actuals())
    first, second, third = result.villages
    # 12 planned: 6 expected by month 6; 3 enrolled
    assert (first.expected_to_date, first.actual, first.achievement, first.pace) == (6, 3, 0.25, 0.5)
    assert first.behind and first.gap_to_date == 3
    # paid: 2 x 10,000 x 6 months + 1 x 10,000 x 4 months (from month 3) = 160,000: the dana desa
    # cap of 120,000 first, then 40,000 of ADD; the 6 months left: 3 x 10,000 x 6 = 180,000
    assert (first.spent_dana_desa_idr, first.spent_add_idr, first.spent_apbd_idr) == (120_000, 40_000, 0)
    assert first.committed_idr == 180_000
    assert (first.free_dana_desa_idr, first.free_add_idr) == (0, 0)
    # traders without a package are priced at the plan's mix: (2 x 10,000 + 2 x 20,000) / 4
    assert (second.expected_to_date, second.actual, second.pace, second.behind) == (2, 3, 1.5, False)
    assert second.spent_dana_desa_idr == 3 * 15_000 * 5
    assert second.committed_idr == 3 * 15_000 * 6
    assert second.free_dana_desa_idr == 0
    assert (third.planned, third.achievement, third.behind, third.free_dana_desa_idr) == (
        0,
        None,
        False,
        60_000,
    )

    kec_a, kec_b = result.kecamatan
    assert (kec_a.planned, kec_a.expected_to_date, kec_a.actual, kec_a.villages_behind) == (16, 8, 6, 1)
    assert kec_a.achievement == pytest.approx(6 / 16) and kec_a.pace == pytest.approx(0.75)
    assert kec_b.achievement is None

    money = {s.source: s for s in result.sources}
    dana_desa, add, pool = money["dana_desa"], money["add"], money["apbd_pool"]
    assert (dana_desa.budget_idr, dana_desa.spent_idr, dana_desa.committed_idr) == (420_000, 345_000, 15_000)
    assert (dana_desa.left_idr, dana_desa.free_idr) == (75_000, 60_000)
    assert (add.budget_idr, add.spent_idr, add.committed_idr, add.free_idr) == (100_000, 40_000, 60_000, 0)
    # what the villages' own money cannot carry: 120,000 + 255,000 from the pool
    assert (pool.spent_idr, pool.committed_idr, pool.free_idr) == (0, 375_000, 625_000)
    assert result.totals.villages_behind == 1 and result.months_remaining == 6


def test_spread_follows_the_weights_within_capacity() -> None:
    assert spread(5, {"a": 1.0, "b": 1.0}, {"a": 10, "b": 1}) == {"a": 4, "b": 1}
    assert spread(3, {"a": 0.0, "b": 0.0}, {"a": 2, "b": 1}) == {"a": 2, "b": 1}


def test_replan_keeps_every_actual_enrolment_funded_and_spends_no_spent_money() -> None:
    table, plan, actuals = _table(), _plan(), _actuals()
    new_plan, problem = replan(table, SCENARIO, plan, actuals)
    assert new_plan.status == Status.optimal and new_plan.has_targets
    basis = new_plan.replan
    assert basis is not None and basis.check is not None and basis.check.ok
    assert problem.scenario.horizon_months == 6 and basis.months_remaining == 6
    derived = {v.village_code: v for v in problem.table.villages}
    assert derived["32.16.01.2001"].enrolled == {"farmers": 8, "traders": 0}
    assert derived["32.16.01.2001"].uninsured == {"farmers": 47, "traders": 40}
    assert derived["32.16.01.2002"].enrolled == {"farmers": 5, "traders": 3}
    comparison = compare(table, SCENARIO, plan, actuals)
    spent = {v.village_code: v for v in comparison.villages}
    for village in table.villages:
        new = next(v for v in new_plan.villages if v.village_code == village.village_code)
        old = spent[village.village_code]
        # the village's year: what was paid + what the actual enrolments still need + the re-plan
        assert new.spend_dana_desa_idr <= old.free_dana_desa_idr + 1
        assert new.spend_add_idr <= old.free_add_idr + 1
    pool = next(s for s in comparison.sources if s.source == "apbd_pool")
    assert sum(v.spend_apbd_idr for v in new_plan.villages) <= pool.free_idr + 1
    assert new_plan.totals is not None and new_plan.totals.new_enrollments > 0
    # new enrolments now cost 6 months of premium
    assert min(new_plan.villages[2].enrollments.get("farmers", {"A": 0}).values()) >= 0


def test_the_replan_check_catches_spending_beyond_what_is_left() -> None:
    table, plan, actuals = _table(), _plan(), _actuals()
    new_plan, problem = replan(table, SCENARIO, plan, actuals)
    _, by_group, money, free_pools = replan_problem(table, SCENARIO, plan, actuals)
    tampered = new_plan.model_copy(deep=True)
    tampered.villages[0].spend_dana_desa_idr += 5_000  # the first village's dana desa is all used
    check = check_replan(table, SCENARIO, problem, by_group, money, free_pools, tampered)
    assert not check.ok and "32.16.01.2001: dana desa" in check.violations[0]
    tampered = new_plan.model_copy(deep=True)
    problem.table.villages[0].enrolled["farmers"] -= 1  # an actual enrolment dropped
    check = check_replan(table, SCENARIO, problem, by_group, money, free_pools, tampered)
    assert not check.ok and "farmers enrolled 2 of 3 actual" in check.violations[0]


def test_actual_enrolments_beyond_the_pool_make_the_replan_infeasible() -> None:
    poor = SCENARIO.model_copy(
        update={"budget": SCENARIO.budget.model_copy(update={"apbd_pool_idr": 100_000.0})}
    )
    new_plan, _ = replan(_table(), poor, _plan(), _actuals())
    assert new_plan.status == Status.infeasible and not new_plan.has_targets
    explanation = new_plan.explanations[0]
    assert explanation.constraint == "actuals_committed"
    assert explanation.shortfall_idr == pytest.approx(375_000 - 100_000)


def test_more_actual_enrolments_than_uninsured_workers_are_refused() -> None:
    from models import ActualsError

    actuals = Actuals(
        through_month=6,
        rows=[ActualsRow(village_code="32.16.02.2001", month=1, enrollments={"traders": {"A": 41}})],
    )
    with pytest.raises(ActualsError, match="41 new traders enrolments; it had 40 uninsured"):
        replan(_table(), SCENARIO, _plan(), actuals)


def test_no_month_left_to_replan_is_refused() -> None:
    from models import ActualsError

    actuals = _actuals().model_copy(update={"through_month": 12})
    with pytest.raises(ActualsError, match="no month is left"):
        replan(_table(), SCENARIO, _plan(), actuals)


@settings(max_examples=25, deadline=None)
@given(
    counts=st.lists(
        st.tuples(st.integers(0, 2), st.integers(1, 6), st.integers(0, 12), st.sampled_from(["A", "B", ""])),
        min_size=1,
        max_size=4,  # at most 48 of a village's 50 uninsured farmers
    ),
    through=st.integers(6, 11),
)
def test_every_replan_keeps_the_actuals_funded_within_the_money_left(
    counts: list[tuple[int, int, int, str]], through: int
) -> None:
    """Whatever was enrolled, the re-plan is infeasible (the pool cannot carry the actuals) or
    leaves every actual enrolment enrolled and spends, per village and source, no more than the
    year's money minus what was paid and committed."""
    table, plan = _table(), _plan()
    codes = [v.village_code for v in table.villages]
    rows: dict[tuple[str, int], dict[str, dict[str, int]]] = {}
    for village, month, n, package in counts:
        if n:
            group = rows.setdefault((codes[village], month), {}).setdefault("farmers", {})
            group[package] = group.get(package, 0) + n
    if not rows:
        return
    actuals = Actuals(
        through_month=through,
        rows=[ActualsRow(village_code=code, month=month, enrollments=e) for (code, month), e in rows.items()],
    )
    new_plan, problem = replan(table, SCENARIO, plan, actuals)
    if new_plan.status == Status.infeasible:
        assert new_plan.explanations[0].constraint == "actuals_committed"
        return
    assert new_plan.has_targets and new_plan.replan is not None and new_plan.replan.check is not None
    assert new_plan.replan.check.ok
    comparison = compare(table, SCENARIO, plan, actuals)
    before = {v.village_code: v for v in table.villages}
    after = {v.village_code: v for v in problem.table.villages}
    for village in comparison.villages:
        code = village.village_code
        assert after[code].enrolled["farmers"] - before[code].enrolled["farmers"] == village.actual
        new = next(v for v in new_plan.villages if v.village_code == code)
        paid = village.spent_dana_desa_idr + new.spend_dana_desa_idr
        assert paid <= village.budget_dana_desa_idr + 1
        assert village.spent_add_idr + new.spend_add_idr <= village.budget_add_idr + 1
        # and what stays committed for the actual enrolments is not spent again
        assert new.spend_dana_desa_idr <= village.free_dana_desa_idr + 1
        assert new.spend_add_idr <= village.free_add_idr + 1
    pool = next(s for s in comparison.sources if s.source == "apbd_pool")
    assert pool.spent_idr + pool.committed_idr + sum(v.spend_apbd_idr for v in new_plan.villages) <= (
        pool.budget_idr + 1
    )


def _ruled(**changes: object) -> Scenario:
    """A scenario priced by the contribution rules, resolved as `desaplan` reads it."""
    from scenarios.rules import resolve

    body = {
        "name": "ruled",
        "fiscal_year": 2026,
        "start_month": 1,
        "horizon_months": 12,
        "packages": [{"code": "JKK-JKM", "declared_income_idr": 1_000_000}],
        "budget": {"dana_desa_share": 0.1, "apbd_pool_idr": 1_000_000},
        "integer": True,
        **changes,
    }
    return resolve(Scenario.model_validate(body))


def _ruled_table(*villages: tuple[str, float]) -> VillageTable:
    return VillageTable(
        groups=["farmers", "transport"],
        villages=[
            Village(
                village_code=code,
                village_name=f"Desa {code[-4:]}",
                kecamatan="Kec A",
                dana_desa_idr=dd,
                uninsured={"farmers": 10, "transport": 10},
            )
            for code, dd in villages
        ],
    )


def _ruled_plan(table: VillageTable) -> Plan:
    return Plan(
        status=Status.optimal,
        objective=1.0,
        objective_name="max_protection",
        scenario_name="ruled",
        groups=list(table.groups),
        packages=["JKK-JKM"],
        villages=[
            VillagePlan(
                village_code=v.village_code,
                village_name=v.village_name,
                kecamatan=v.kecamatan,
                kabupaten="",
                new_enrollments=4,
                enrollments={"farmers": {"JKK-JKM": 2}, "transport": {"JKK-JKM": 2}},
                spend_dana_desa_idr=0,
                spend_add_idr=0,
                spend_apbd_idr=0,
                spend_total_idr=0,
                workers_enrolled_before=0,
                workers_total=20,
                coverage_before=0,
                coverage_after=0.2,
            )
            for v in table.villages
        ],
    )


def test_rules_priced_months_by_sector_and_source_across_1_april_2026() -> None:
    """JKK-JKM at the lowest tier: Rp16,800 a month; PP 50/2025 halves it to Rp8,400 for the
    village's own money from April 2026 (transport from January 2026); the APBD pool always pays
    Rp16,800."""
    scenario = _ruled()
    assert premium_cost_idr(scenario, "JKK-JKM", 2, 4) == 16_800 * 2 + 8_400 * 2  # Feb-May, general
    assert premium_cost_idr(scenario, "JKK-JKM", 2, 4, "transport") == 8_400 * 4
    assert premium_cost_idr(scenario, "JKK-JKM", 2, 4, "general", FundingSource.apbd_pool) == 16_800 * 4
    assert premium_cost_idr(scenario, "JKK-JKM", 2, 4, "transport", FundingSource.add) == 8_400 * 4

    # village 1: dana desa cap 0.1 x 2,000,000 = 200,000; village 2 (a kelurahan) has none
    table = _ruled_table(("32.16.01.2001", 2_000_000), ("32.16.01.2002", 0))
    actuals = Actuals(
        through_month=5,
        rows=[
            ActualsRow(
                village_code="32.16.01.2001",
                month=2,
                enrollments={"farmers": {"JKK-JKM": 2}, "transport": {NOT_REPORTED: 1}},
            ),
            ActualsRow(village_code="32.16.01.2002", month=3, enrollments={"farmers": {"JKK-JKM": 1}}),
        ],
    )
    first, second = compare(table, scenario, _ruled_plan(table), actuals).villages
    # February to May, from dana desa: 2 farmers x (16,800 + 16,800 + 8,400 + 8,400) and
    # 1 transport worker x 4 x 8,400
    assert (first.spent_dana_desa_idr, first.spent_add_idr, first.spent_apbd_idr) == (
        2 * 50_400 + 33_600,
        0,
        0,
    )
    # the months left at 3 x 8,400 = 25,200 a month: June and July from dana desa (50,400), August
    # with the 15,200 left of the cap (15,200 / 25,200 of the workers), the rest of August and
    # September to December from the pool at 3 x 16,800 = 50,400 a month
    assert first.free_dana_desa_idr == 0
    assert first.committed_idr == 65_600 + 20_000 + 4 * 50_400
    # the kelurahan's farmer: the pool from March, Rp16,800 every month
    assert (second.spent_dana_desa_idr, second.spent_apbd_idr) == (0, 3 * 16_800)
    assert second.committed_idr == 7 * 16_800
    pool = next(
        s for s in compare(table, scenario, _ruled_plan(table), actuals).sources if s.source == "apbd_pool"
    )
    assert (pool.spent_idr, pool.committed_idr) == (50_400, 20_000 + 201_600 + 117_600)
    assert pool.free_idr == 1_000_000 - 50_400 - 339_200


def test_a_replan_from_august_2026_pays_the_reduced_months_left() -> None:
    """Through July: one farmer since January paid 3 x 16,800 + 4 x 8,400 = 84,000 and commits
    5 x 8,400 = 42,000 for August to December. A dana desa cap of 210,000 leaves 84,000: two new
    farmers at 5 x 8,400; the pool's 84,000 pays one at 5 x 16,800."""
    scenario = _ruled(budget={"dana_desa_share": 0.1, "apbd_pool_idr": 84_000})
    table = _ruled_table(("32.16.01.2001", 2_100_000))
    actuals = Actuals(
        through_month=7,
        rows=[ActualsRow(village_code="32.16.01.2001", month=1, enrollments={"farmers": {"JKK-JKM": 1}})],
    )
    comparison = compare(table, scenario, _ruled_plan(table), actuals)
    village = comparison.villages[0]
    assert (village.spent_dana_desa_idr, village.committed_idr) == (84_000, 42_000)
    new_plan, problem = replan(table, scenario, _ruled_plan(table), actuals)
    assert problem.scenario.months() == ["2026-08", "2026-09", "2026-10", "2026-11", "2026-12"]
    package = problem.scenario.packages[0]
    assert problem.scenario.cost_idr(package, "general", FundingSource.dana_desa) == 5 * 8_400
    assert problem.scenario.cost_idr(package, "transport", FundingSource.dana_desa) == 5 * 8_400
    assert problem.scenario.cost_idr(package, "general", FundingSource.apbd_pool) == 5 * 16_800
    assert new_plan.status == Status.optimal and new_plan.replan is not None
    assert new_plan.replan.check is not None and new_plan.replan.check.ok
    assert new_plan.months == problem.scenario.months()
    assert {p.month for p in new_plan.premiums} == set(new_plan.months)
    replanned = new_plan.villages[0]
    assert replanned.new_enrollments == 3
    assert (replanned.spend_dana_desa_idr, replanned.spend_apbd_idr) == (84_000, 84_000)
    assert new_plan.new_by_source == {"dana_desa": 2, "add": 0, "apbd_pool": 1}


@settings(max_examples=25, deadline=None)
@given(
    counts=st.lists(
        st.tuples(
            st.integers(0, 1),
            st.sampled_from(["farmers", "transport", ""]),
            st.integers(1, 6),
            st.integers(0, 3),
            st.sampled_from(["JKK-JKM", "JKK-JKM-JHT", ""]),
        ),
        min_size=1,
        max_size=3,  # at most 9 of a group's 10 uninsured workers
    ),
    through=st.integers(2, 11),
    pool=st.sampled_from([0, 150_000, 1_000_000]),
)
def test_every_rules_priced_replan_keeps_the_actuals_funded_within_the_money_left(
    counts: list[tuple[int, str, int, int, str]], through: int, pool: int
) -> None:
    """The same promise where the premiums change in April 2026 and differ by sector and by who
    pays: the re-plan is infeasible (the pool cannot carry the actuals) or every actual enrolment
    stays enrolled and no source pays more than the year's money minus what was spent and
    committed, to the rupiah."""
    scenario = _ruled(
        packages=[
            {"code": "JKK-JKM", "declared_income_idr": 1_000_000},
            {"code": "JKK-JKM-JHT", "declared_income_idr": 1_000_000, "value": 1.3},
        ],
        budget={"dana_desa_share": 0.1, "add_share": 0.5, "apbd_pool_idr": pool},
    )
    table = _ruled_table(("32.16.01.2001", 2_000_000), ("32.16.01.2002", 0))
    table.villages[1].add_idr = 300_000
    plan = _ruled_plan(table)
    codes = [v.village_code for v in table.villages]
    rows: dict[tuple[str, int], dict[str, dict[str, int]]] = {}
    for village, group, month, n, package in counts:
        if n and month <= through:
            cell = rows.setdefault((codes[village], month), {}).setdefault(group, {})
            cell[package] = cell.get(package, 0) + n
    if not rows:
        return
    actuals = Actuals(
        through_month=through,
        rows=[ActualsRow(village_code=code, month=month, enrollments=e) for (code, month), e in rows.items()],
    )
    comparison = compare(table, scenario, plan, actuals)
    new_plan, problem = replan(table, scenario, plan, actuals)
    assert problem.scenario.months() == scenario.months()[through:]
    if new_plan.status == Status.infeasible:
        assert new_plan.explanations[0].constraint == "actuals_committed"
        return
    assert new_plan.has_targets and new_plan.replan is not None and new_plan.replan.check is not None
    assert new_plan.replan.check.ok
    after = {v.village_code: v for v in problem.table.villages}
    for village in comparison.villages:
        assert sum(after[village.village_code].enrolled.values()) == village.actual
        new = next(v for v in new_plan.villages if v.village_code == village.village_code)
        assert village.spent_dana_desa_idr + new.spend_dana_desa_idr <= village.budget_dana_desa_idr + 1
        assert village.spent_add_idr + new.spend_add_idr <= village.budget_add_idr + 1
        assert new.spend_dana_desa_idr <= village.free_dana_desa_idr + 1
        assert new.spend_add_idr <= village.free_add_idr + 1
    money = next(s for s in comparison.sources if s.source == "apbd_pool")
    new_pool = sum(v.spend_apbd_idr for v in new_plan.villages)
    assert money.spent_idr + money.committed_idr + new_pool <= pool + 1


def test_a_rules_priced_scenario_without_its_months_resolved_is_refused_by_name() -> None:
    from models import ScenarioError

    unresolved = Scenario.model_validate(
        {
            **SCENARIO.model_dump(mode="json", exclude={"packages", "rules", "premium_schedule"}),
            "fiscal_year": 2026,
            "start_month": 4,
            "horizon_months": 9,
            "packages": [{"code": "JKK-JKM", "declared_income_idr": 1_000_000}],
        }
    )
    for act in (
        lambda: compare(_table(), unresolved, _plan(), _actuals()),
        lambda: replan_problem(_table(), unresolved, _plan(), _actuals()),
    ):
        with pytest.raises(ScenarioError) as refused:
            act()
        assert refused.value.issues[0].field == "packages.0"
        assert "'JKK-JKM'" in refused.value.issues[0].message
