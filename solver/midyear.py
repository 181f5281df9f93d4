"""Plan against actual and the re-plan, for a one-year or a multi-year plan: the entries the
public surface declares, each choosing the model of its scenario."""

from __future__ import annotations

from models import Actuals, ActualsComparison, Plan, Problem, Scenario, SolveOptions, VillageTable
from solver import actuals as one_year_actuals
from solver import replan as one_year_replan
from solver.multiyear import actuals as years
from solver.multiyear import is_multi_year


def compare(table: VillageTable, scenario: Scenario, plan: Plan, actuals: Actuals) -> ActualsComparison:
    """The plan against what was enrolled through `actuals.through_month` (a multi-year plan's
    months run over every year, each paid from its own year's money)."""
    if is_multi_year(scenario):
        return years.compare_years(table, scenario, plan, actuals)
    return one_year_actuals.compare(table, scenario, plan, actuals)


def replan(
    table: VillageTable,
    scenario: Scenario,
    plan: Plan,
    actuals: Actuals,
    options: SolveOptions | None = None,
    source_plan: str = "plan.json",
    source_plan_sha256: str | None = None,
    actuals_sha256: str | None = None,
) -> tuple[Plan, Problem]:
    """The re-plan of the months left, checked; and the problem it solved (a multi-year plan's:
    the rest of its current year and every year after it)."""
    chosen = years.replan_multi_year if is_multi_year(scenario) else one_year_replan.replan
    return chosen(
        table,
        scenario,
        plan,
        actuals,
        options,
        source_plan=source_plan,
        source_plan_sha256=source_plan_sha256,
        actuals_sha256=actuals_sha256,
    )
