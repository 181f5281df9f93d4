"""Plan against actual and re-plan within a multi-year plan, by hand: months of every year, each
year's money, and every enrolled worker kept funded to the plan's end."""

from __future__ import annotations

from typing import Any

import scenarios
from models import Actuals, ActualsRow, Problem, Status, Village, VillageTable
from solver import solve
from solver.midyear import compare, replan


def _table() -> VillageTable:
    return VillageTable(
        groups=["farmers"],
        villages=[
            Village(
                village_code="32.16.01.2001",
                village_name="Desa A",
                kecamatan="Kec A",
                kabupaten="Kabupaten Bekasi",
                dana_desa_idr=12_000_000,
                uninsured={"farmers": 200},
            )
        ],
    )


def _scenario(**multi: Any) -> Any:
    """Two whole years (January 2026 to December 2027) of Rp10,000 a month: Rp120,000 a worker a
    year. Dana desa at 100%: Rp12,000,000 a year, 100 workers kept funded both years."""
    return scenarios.scenario_from_dict(
        {
            "name": "two years",
            "fiscal_year": 2026,
            "start_month": 1,
            "packages": [{"code": "JKK-JKM", "monthly_premium_idr": 10_000}],
            "budget": {"dana_desa_share": 1.0},
            "integer": True,
            "multi_year": {"years": 2, **multi},
        }
    )


# 30 farmers enrolled in March 2026 (month 3); the report runs to June (month 6)
ACTUALS = Actuals(
    through_month=6,
    rows=[ActualsRow(village_code="32.16.01.2001", month=3, enrollments={"farmers": {"JKK-JKM": 30}})],
)


def test_actuals_of_year_one_against_a_two_year_plan() -> None:
    table, scenario = _table(), _scenario()
    plan = solve(Problem(table=table, scenario=scenario))
    assert [(y.new_enrollments, y.funded) for y in plan.years] == [(100, 100), (0, 100)]
    result = compare(table, scenario, plan, ACTUALS)
    assert (result.horizon_months, result.months_remaining) == (24, 18)
    village = result.villages[0]
    # 100 planned in year 1, half of its months past: 50 expected; 30 enrolled
    assert (village.planned, village.expected_to_date, village.actual) == (100, 50, 30)
    assert village.behind and village.gap_to_date == 20
    # spent March to June (4 months x 30 x Rp10,000), committed July 2026 to December 2027
    assert village.spent_dana_desa_idr == 1_200_000
    assert village.committed_idr == 30 * 10_000 * 18
    assert village.budget_dana_desa_idr == 24_000_000  # both years' caps
    assert village.free_dana_desa_idr == 24_000_000 - 1_200_000 - 5_400_000


def test_a_re_plan_of_the_months_left_keeps_every_worker_funded_to_the_end() -> None:
    """Left for new enrolments: July-December 2026, Rp12,000,000 - Rp1,200,000 spent - Rp1,800,000
    committed = Rp9,000,000 (Rp60,000 a worker for the 6 months); 2027, Rp12,000,000 - Rp3,600,000
    committed = Rp8,400,000: 70 workers kept funded. So 70 new in July 2026 (2 x 70 worker-years),
    and the 30 actual and 70 new fill 2027's money exactly."""
    table, scenario = _table(), _scenario()
    plan = solve(Problem(table=table, scenario=scenario))
    new_plan, problem = replan(table, scenario, plan, ACTUALS)
    assert new_plan.status == Status.optimal and new_plan.check is not None and new_plan.check.ok
    assert new_plan.replan is not None and new_plan.replan.check is not None
    assert new_plan.replan.check.ok
    assert problem.scenario.years == 2 and problem.scenario.start_month == 7
    assert problem.table.villages[0].enrolled == {"farmers": 30}
    assert [(y.fiscal_year, y.months, y.cap_dana_desa_idr) for y in new_plan.years] == [
        (2026, 6, 9_000_000),
        (2027, 12, 8_400_000),
    ]
    assert [(y.new_enrollments, y.funded) for y in new_plan.years] == [(70, 70), (0, 70)]
    assert new_plan.objective == 140
    basis = new_plan.replan
    assert (basis.horizon_months_before, basis.months_remaining) == (24, 18)
    assert (basis.spent_dana_desa_idr, basis.committed_dana_desa_idr) == (1_200_000, 5_400_000)
    # year 2: the re-plan's 70 and the 30 actual cost exactly the year's money
    assert new_plan.years[1].spend_dana_desa_idr + 3_600_000 == 12_000_000


def test_a_re_plan_after_year_one_plans_the_last_year_alone() -> None:
    """Actuals through December 2026 (month 12): the re-plan is 2027 alone, with 2027's money less
    the 30 actual workers' premiums (Rp3,600,000): 70 more."""
    table, scenario = _table(), _scenario()
    plan = solve(Problem(table=table, scenario=scenario))
    actuals = ACTUALS.model_copy(update={"through_month": 12})
    new_plan, problem = replan(table, scenario, plan, actuals)
    assert problem.scenario.multi_year is None and problem.scenario.fiscal_year == 2027
    assert new_plan.status == Status.optimal and new_plan.replan is not None
    assert new_plan.replan.check is not None and new_plan.replan.check.ok
    assert new_plan.totals is not None and new_plan.totals.new_enrollments == 70


def test_actual_enrolments_that_later_years_cannot_keep_are_named() -> None:
    """The pool of 2027 is Rp0 and dana desa falls 90% in 2027 (Rp1,200,000: 10 workers): the 30
    actual workers need Rp2,400,000 more in 2027 than its money; the re-plan is infeasible."""
    table, scenario = _table(), _scenario(dana_desa_growth="-90%")
    plan = solve(Problem(table=table, scenario=scenario))
    new_plan, _ = replan(table, scenario, plan, ACTUALS)
    assert new_plan.status == Status.infeasible
