"""The cost of fairness: the scenario solved with every floor, and without each floor family.

Families: the coverage floor (`min_coverage`), the group floors (`group_min_coverage`) and the
table-wide target (`min_new_enrollments`). Each variant drops one family and keeps the others, so
the difference to the plan with every floor is what that family costs; `scenarios.compare`
turns the pairs into tables.
"""

from __future__ import annotations

from models import Plan, Problem, Scenario, SolveOptions
from solver.solve import solve

WITH_EVERY_FLOOR = "with every floor"


def floor_variants(scenario: Scenario) -> list[tuple[str, Scenario]]:
    """(label, scenario without one floor family) for each family the scenario has."""
    targets = scenario.targets
    variants: list[tuple[str, dict[str, object]]] = []
    if targets.min_coverage > 0:
        variants.append(("coverage floor", {"min_coverage": 0.0}))
    if any(share > 0 for share in targets.group_min_coverage.values()):
        variants.append(("group floors", {"group_min_coverage": {}}))
    if targets.min_new_enrollments > 0:
        variants.append(("table-wide target", {"min_new_enrollments": 0}))
    return [
        (label, scenario.model_copy(update={"targets": targets.model_copy(update=change)}))
        for label, change in variants
    ]


def without_each_floor(problem: Problem, options: SolveOptions | None = None) -> list[tuple[str, Plan]]:
    """The plan with every floor first, then ("<family>", the plan without that family)."""
    plans = [(WITH_EVERY_FLOOR, solve(problem, options))]
    for label, scenario in floor_variants(problem.scenario):
        plans.append((label, solve(Problem.model_construct(table=problem.table, scenario=scenario), options)))
    return plans
