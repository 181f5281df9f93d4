"""Re-plan the rest of the horizon from what happened: `replan(table, scenario, plan, actuals)`.

The re-plan is a new problem derived from the old one, solved by `solver.solve`:

- every actual enrolment moves from uninsured to enrolled (counts reported without a group are
  spread over the village's groups as its plan spread them, then as its uninsured workers are);
- the premiums already paid are gone, and the actual enrolments' premiums for the months left are
  committed first, from each village's dana desa, then ADD, then its APBD pool, each at its own
  premiums (`solver.actuals.village_money`);
- what is left free becomes the re-plan's money: each village's dana desa and ADD at a share of 1,
  each pool what is free of it; the horizon is the months left (a scenario with a calendar starts
  the month after the actuals, and packages priced by the contribution rules keep those months'
  premiums); the enrolment target is what the actual enrolments have not met yet.

Then `check_replan` checks the re-plan against the old figures: every actual enrolment is enrolled,
and per village and source new spend + spent + committed stays within the year's caps (per pool:
within the pool). A re-plan whose check fails is `error`.
"""

from __future__ import annotations

import math

from models import (
    NOT_REPORTED,
    Actuals,
    ActualsError,
    Explanation,
    InputIssue,
    Plan,
    PlanCheck,
    Problem,
    ReplanBasis,
    Scenario,
    SolveOptions,
    Status,
    Village,
    VillageTable,
)
from solver.actuals import VillageMoney, pool_budget_idr, pool_key, village_money
from solver.multiyear import refuse_multi_year
from solver.solve import solve

RUPIAH_TOLERANCE = 1.0  # the plan's sources are whole rupiah, each rounded once


def spread(n: int, weights: dict[str, float], capacity: dict[str, int]) -> dict[str, int]:
    """`n` workers over groups in proportion to `weights`, within each group's `capacity`; what
    the weights cannot place goes in proportion to the capacity left. Ties by group name."""
    given = dict.fromkeys(capacity, 0)
    left = n
    for basis in (weights, {g: float(c) for g, c in capacity.items()}):
        while left > 0:
            room = {g: capacity[g] - given[g] for g in capacity}
            active = {g: w for g, w in basis.items() if w > 0 and room.get(g, 0) > 0}
            if not active:
                break
            total = sum(active.values())
            shares = {g: left * w / total for g, w in active.items()}
            whole = {g: min(int(shares[g]), room[g]) for g in active}
            if sum(whole.values()) == 0:
                for g in sorted(active, key=lambda g: (-shares[g], g))[:left]:
                    given[g] += 1
                    left -= 1
                continue
            for g, k in whole.items():
                given[g] += k
                left -= k
    if left > 0:
        raise ActualsError(
            [InputIssue(message=f"{n:,} reported enrolments do not fit the village's uninsured workers")]
        )
    return given


def actual_by_group(
    table: VillageTable, plan: Plan, actual: dict[str, dict[str, int]]
) -> dict[str, dict[str, int]]:
    """Each village's actual enrolments per group of the table, counts without a group spread."""
    planned = {v.village_code: v for v in plan.villages}
    result: dict[str, dict[str, int]] = {}
    for village in table.villages:
        reported = actual.get(village.village_code, {})
        known = {g: reported.get(g, 0) for g in table.groups}
        unknown = reported.get(NOT_REPORTED, 0)
        for group in table.groups:
            if known[group] > village.uninsured.get(group, 0):
                raise ActualsError(
                    [
                        InputIssue(
                            file=table.source,
                            column=group,
                            message=f"village {village.village_code} reports {known[group]:,} new {group} "
                            f"enrolments; it had {village.uninsured.get(group, 0):,} uninsured",
                        )
                    ]
                )
        if unknown:
            plan_village = planned.get(village.village_code)
            weights = {
                g: float(sum(plan_village.enrollments.get(g, {}).values())) if plan_village else 0.0
                for g in table.groups
            }
            room = {g: village.uninsured.get(g, 0) - known[g] for g in table.groups}
            for g, k in spread(unknown, weights, room).items():
                known[g] += k
        result[village.village_code] = known
    return result


def _free_pools(table: VillageTable, scenario: Scenario, money: dict[str, VillageMoney]) -> dict[str, float]:
    free: dict[str, float] = {}
    for village in table.villages:
        key = pool_key(scenario, village.kabupaten)
        free.setdefault(key, pool_budget_idr(scenario, key))
        free[key] -= sum((money[village.village_code].spent[2], money[village.village_code].committed[2]))
    return free


def replan_problem(
    table: VillageTable, scenario: Scenario, plan: Plan, actuals: Actuals
) -> tuple[Problem, dict[str, dict[str, int]], dict[str, VillageMoney], dict[str, float]]:
    """The rest of the horizon as a problem of its own; with the actual enrolments per village and
    group, each village's money and each pool's free money (negative: the actual enrolments cost
    more than it has)."""
    refuse_multi_year(scenario, "this one-year re-plan (`replan` re-plans a multi-year plan)")
    months_left = scenario.horizon_months - actuals.through_month
    if months_left < 1:
        raise ActualsError(
            [
                InputIssue(
                    field="through_month",
                    message=f"the actuals run through month {actuals.through_month} of a "
                    f"{scenario.horizon_months}-month plan: no month is left to re-plan",
                )
            ]
        )
    money, reported = village_money(table, scenario, plan, actuals)
    by_group = actual_by_group(table, plan, reported)
    free_pools = _free_pools(table, scenario, money)
    villages = []
    for village in table.villages:
        done = by_group[village.village_code]
        m = money[village.village_code]
        villages.append(
            Village.model_validate(
                {
                    **village.model_dump(),
                    "uninsured": {g: village.uninsured.get(g, 0) - done[g] for g in table.groups},
                    "enrolled": {g: village.enrolled.get(g, 0) + done[g] for g in table.groups},
                    "dana_desa_idr": max(0.0, math.floor(m.free_dana_desa_idr + 1e-6)),
                    "add_idr": max(0.0, math.floor(m.free_add_idr + 1e-6)),
                    "max_share": None,
                }
            )
        )
    body = scenario.model_dump(mode="json")
    body["name"] = f"{scenario.name} (re-plan after month {actuals.through_month})"
    body["horizon_months"] = months_left
    months = scenario.months()
    if months:
        # the months left, from the month after the actuals, at the premiums the rules give them
        first = months[actuals.through_month]
        body["fiscal_year"], body["start_month"] = int(first[:4]), int(first[5:])
        body["premium_schedule"] = [
            p for p in body["premium_schedule"] if p["month"] is None or p["month"] >= first
        ]
    body["budget"]["dana_desa_share"] = 1.0
    body["budget"]["add_share"] = 1.0
    pools = {key: max(0.0, math.floor(free + 1e-6)) for key, free in free_pools.items()}
    if isinstance(scenario.budget.apbd_pool_idr, dict):
        body["budget"]["apbd_pool_idr"] = pools
    else:
        body["budget"]["apbd_pool_idr"] = pools.get("", 0.0)
    target = scenario.targets.min_new_enrollments
    body["targets"]["min_new_enrollments"] = max(0.0, target - actuals.total)
    derived = VillageTable(
        groups=list(table.groups),
        villages=villages,
        source=f"{table.source or 'villages'} after {actuals.source or 'actuals'}",
    )
    return Problem(table=derived, scenario=Scenario.model_validate(body)), by_group, money, free_pools


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
    """The re-plan of the months left, checked; and the problem it solved."""
    problem, by_group, money, free_pools = replan_problem(table, scenario, plan, actuals)
    basis = ReplanBasis(
        source_plan=source_plan,
        source_plan_sha256=source_plan_sha256,
        actuals=actuals.source or "actuals",
        actuals_sha256=actuals_sha256,
        through_month=actuals.through_month,
        horizon_months_before=scenario.horizon_months,
        months_remaining=problem.scenario.horizon_months,
        actual_enrollments=actuals.total,
        spent_dana_desa_idr=sum(m.spent[0] for m in money.values()),
        spent_add_idr=sum(m.spent[1] for m in money.values()),
        spent_apbd_idr=sum(m.spent[2] for m in money.values()),
        committed_dana_desa_idr=sum(m.committed[0] for m in money.values()),
        committed_add_idr=sum(m.committed[1] for m in money.values()),
        committed_apbd_idr=sum(m.committed[2] for m in money.values()),
        free_dana_desa_idr=sum(v.dana_desa_idr for v in problem.table.villages),
        free_add_idr=sum(v.add_idr for v in problem.table.villages),
        free_apbd_idr=sum(max(0.0, f) for f in free_pools.values()),
    )
    short = {key: -free for key, free in free_pools.items() if free < -RUPIAH_TOLERANCE}
    if short:
        return _overcommitted(problem, basis, short), problem
    new_plan = solve(problem, options)
    new_plan.replan = basis
    if new_plan.has_targets:
        basis.check = check_replan(table, scenario, problem, by_group, money, free_pools, new_plan)
        if not basis.check.ok:
            new_plan.status = Status.error
            new_plan.check = basis.check
            new_plan.message = "the re-plan failed its check: " + "; ".join(basis.check.violations[:3])
    return new_plan, problem


def _overcommitted(problem: Problem, basis: ReplanBasis, short: dict[str, float]) -> Plan:
    explanations = [
        Explanation(
            constraint="actuals_committed",
            message=(
                f"The actual enrolments need Rp{shortfall:,.0f} more from the APBD pool"
                + (f" of {key}" if key else "")
                + " than it has left to stay funded to the end of the horizon."
            ),
            kabupaten=key or None,
            shortfall_idr=shortfall,
        )
        for key, shortfall in short.items()
    ]
    return Plan(
        status=Status.infeasible,
        objective=None,
        objective_name=problem.scenario.objective.value,
        scenario_name=problem.scenario.name,
        message=explanations[0].message,
        integer=problem.scenario.integer,
        explanations=explanations,
        groups=list(problem.table.groups),
        packages=[p.code for p in problem.scenario.packages],
        replan=basis,
    )


def check_replan(
    table: VillageTable,
    scenario: Scenario,
    problem: Problem,
    by_group: dict[str, dict[str, int]],
    money: dict[str, VillageMoney],
    free_pools: dict[str, float],
    new_plan: Plan,
) -> PlanCheck:
    """Every actual enrolment stays enrolled, and no source pays beyond the year's money: per
    village, new spend + spent + committed <= its cap, per pool <= the pool."""
    violations: list[str] = []
    worst = 0.0
    derived = {v.village_code: v for v in problem.table.villages}
    for village in table.villages:
        after = derived[village.village_code]
        for group in table.groups:
            kept = after.enrolled.get(group, 0) - village.enrolled.get(group, 0)
            if kept != by_group[village.village_code][group]:
                violations.append(
                    f"{village.village_code}: {group} enrolled {kept} of "
                    f"{by_group[village.village_code][group]} actual"
                )
                worst = max(worst, 1.0)
    pools: dict[str, float] = {}
    for planned in new_plan.villages:
        m = money[planned.village_code]
        for name, new, cap, used in (
            ("dana desa", planned.spend_dana_desa_idr, m.cap_dana_desa_idr, m.spent[0] + m.committed[0]),
            ("ADD", planned.spend_add_idr, m.cap_add_idr, m.spent[1] + m.committed[1]),
        ):
            over = new + used - cap
            if over > RUPIAH_TOLERANCE:
                violations.append(f"{planned.village_code}: {name} over its cap by Rp{over:,.0f}")
                worst = max(worst, over)
        key = pool_key(scenario, planned.kabupaten)
        pools[key] = pools.get(key, 0.0) + planned.spend_apbd_idr
    for key, new in pools.items():
        over = new - free_pools.get(key, 0.0)
        if over > RUPIAH_TOLERANCE:
            violations.append(f"APBD pool {key or ''}: over by Rp{over:,.0f}".replace("  ", " "))
            worst = max(worst, over)
    return PlanCheck(
        ok=not violations, tolerance=RUPIAH_TOLERANCE, max_violation=worst, violations=violations[:20]
    )
