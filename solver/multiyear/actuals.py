"""Plan against actual and re-plan within a multi-year plan: the months of every year, each year's
money, and the rest of the horizon re-planned keeping every enrolled worker funded to its end.

Months are months of the whole plan: month 1 is the first of year 1, and the last is December of
the last year. As for one-year plans (`solver.actuals`, `solver.replan`):

- expected to date = each year's planned new enrolments x the share of that year's months past;
- a worker enrolled in month m is paid for months m..through_month (spent) and stays funded to the
  end of the plan (committed), each month at its premium, from that month's year's money: dana desa
  first (up to the year's cap), then ADD, then the kabupaten's pool of that year;
- the re-plan is the multi-year plan of the months left: its first year the rest of the year the
  actuals end in, then the whole years left; every actual enrolment moves from uninsured to
  enrolled, and each year's money for new enrolments is that year's money less what the actual
  enrolments spent and committed in it, per village and per pool. The LP keeps its own new workers
  funded to the end (continuity), and `check_replan_years` checks, per village, pool and year, new
  spend + spent + committed within that year's money.

The re-plan's scenario (`replan_scenario.json`) says the first year's money exactly (each village's
dana desa and ADD left free, at a share of 1) and each year's pool left free; each later year's own
money in the re-plan is that year's money less the actual enrolments' premiums committed to it, per
village, which growth rates cannot say: the plan's `years` and `village_years` hold the figures.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from models import (
    Actuals,
    ActualsComparison,
    ActualsError,
    InputIssue,
    Plan,
    PlanCheck,
    Problem,
    ReplanBasis,
    Scenario,
    SolveOptions,
    SourceMoney,
    Status,
    Village,
    VillageActual,
    VillageTable,
)
from solver.actuals import (
    Premiums,
    VillageMoney,
    _bills,
    _kecamatan,
    _share,
    _totals,
    _weights,
)
from solver.multiyear.data import Years, prepare_years

RUPIAH_TOLERANCE = 1.0  # the plan's sources are whole rupiah, each rounded once


@dataclass
class YearsMoney:
    """Every village's money in every year, what its actual enrolments spent and commit."""

    years: Years  # the plan's years, in the table's order of villages
    money: dict[str, list[VillageMoney]]  # per village code, per year
    actual: dict[str, dict[str, int]]  # per village code, the actual new enrolments by group
    first: list[int]  # months of the plan before each year

    def pool_spent(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """(K,) each pool's spent and committed in year t."""
        K = len(self.years.base.pool_names)
        spent, committed = np.zeros(K), np.zeros(K)
        for i, code in enumerate(self.codes):
            k = int(self.years.base.pool_of[i])
            spent[k] += self.money[code][t].spent[2]
            committed[k] += self.money[code][t].committed[2]
        return spent, committed

    @property
    def codes(self) -> list[str]:
        return list(self.money)


def total_months(scenario: Scenario) -> int:
    return sum(scenario.year_months())


def years_money(table: VillageTable, scenario: Scenario, plan: Plan, actuals: Actuals) -> YearsMoney:
    """Each village's money in each year; the actual enrolments paid month by month from the
    money of each month's year, the months through `through_month` spent, the later committed."""
    years = prepare_years(Problem.model_construct(table=table, scenario=scenario))
    total = total_months(scenario)
    premiums = Premiums(scenario.model_copy(update={"horizon_months": total, "multi_year": None}))
    by_code = {v.village_code: v for v in plan.villages}
    first = [0, *np.cumsum(years.months).tolist()[:-1]]
    actual: dict[str, dict[str, int]] = {}
    units: dict[str, list[tuple[int, float, dict[tuple[str, str], float]]]] = {}
    uninsured = {v.village_code: dict(v.uninsured) for v in table.villages}
    for row in actuals.rows:
        for group, packages in row.enrollments.items():
            for package, n in packages.items():
                groups = actual.setdefault(row.village_code, {})
                groups[group] = groups.get(group, 0) + n
                if n:
                    mix = _weights(
                        by_code.get(row.village_code), uninsured[row.village_code], group, package, premiums
                    )
                    units.setdefault(row.village_code, []).append((row.month, float(n), mix))
    money: dict[str, list[VillageMoney]] = {}
    for i, village in enumerate(table.villages):
        code = village.village_code
        money[code] = [
            VillageMoney(float(years.cap_dd[t, i]), float(years.cap_add[t, i])) for t in range(years.T)
        ]
        if code not in units:
            continue
        bills = _bills(units[code], premiums)  # (total months, 3)
        for t in range(years.T):
            months = bills[first[t] : first[t] + years.months[t]]
            through = min(max(actuals.through_month - first[t], 0), years.months[t])
            money[code][t].pay(months, through)
    return YearsMoney(years=years, money=money, actual=actual, first=first)


def compare_years(table: VillageTable, scenario: Scenario, plan: Plan, actuals: Actuals) -> ActualsComparison:
    """The multi-year plan against what was enrolled through `actuals.through_month`."""
    held = years_money(table, scenario, plan, actuals)
    years, through = held.years, actuals.through_month
    elapsed = [
        min(max(through - held.first[t], 0), years.months[t]) / years.months[t] for t in range(years.T)
    ]
    planned_years: dict[str, float] = {}
    for vy in plan.village_years:
        planned_years[vy.village_code] = (
            planned_years.get(vy.village_code, 0.0) + vy.new_enrollments * elapsed[vy.year - 1]
        )
    villages = []
    for planned in plan.villages:
        code = planned.village_code
        groups = held.actual.get(code, {})
        done = sum(groups.values())
        expected = planned_years.get(code, 0.0)
        m = held.money[code]
        budget_dd = sum(y.cap_dana_desa_idr for y in m)
        budget_add = sum(y.cap_add_idr for y in m)
        spent = [sum(y.spent[s] for y in m) for s in range(3)]
        committed = [sum(y.committed[s] for y in m) for s in range(3)]
        villages.append(
            VillageActual(
                village_code=code,
                village_name=planned.village_name,
                kecamatan=planned.kecamatan,
                kabupaten=planned.kabupaten,
                planned=planned.new_enrollments,
                expected_to_date=expected,
                actual=done,
                planned_by_group={g: float(sum(p.values())) for g, p in planned.enrollments.items()},
                actual_by_group=groups,
                achievement=_share(done, planned.new_enrollments),
                pace=_share(done, expected),
                behind=planned.new_enrollments > 1e-9 and done < expected - 1e-9,
                gap_to_date=max(0.0, expected - done),
                spent_dana_desa_idr=spent[0],
                spent_add_idr=spent[1],
                spent_apbd_idr=spent[2],
                committed_idr=sum(committed),
                budget_dana_desa_idr=budget_dd,
                budget_add_idr=budget_add,
                free_dana_desa_idr=budget_dd - spent[0] - committed[0],
                free_add_idr=budget_add - spent[1] - committed[1],
            )
        )
    sources = _sources(held, plan)
    total = total_months(scenario)
    return ActualsComparison(
        scenario_name=scenario.name,
        through_month=through,
        horizon_months=total,
        months_remaining=total - through,
        start=actuals.start,
        groups=list(table.groups),
        totals=_totals(villages, sources),
        villages=villages,
        kecamatan=_kecamatan(villages),
        sources=sources,
    )


def _sources(held: YearsMoney, plan: Plan) -> list[SourceMoney]:
    """Each source over every year of the plan: its money, the plan's spend, spent, committed."""
    rows = []
    money = [y for years in held.money.values() for y in years]
    for s, (source, planned) in enumerate((("dana_desa", "spend_dana_desa_idr"), ("add", "spend_add_idr"))):
        budget = sum((y.cap_dana_desa_idr, y.cap_add_idr)[s] for y in money)
        spent = sum(y.spent[s] for y in money)
        committed = sum(y.committed[s] for y in money)
        rows.append(
            SourceMoney(
                source=source,
                budget_idr=budget,
                planned_idr=sum(getattr(v, planned) for v in plan.villages),
                spent_idr=spent,
                left_idr=budget - spent,
                committed_idr=committed,
                free_idr=budget - spent - committed,
            )
        )
    years = held.years
    planned_pool = {p.kabupaten: 0.0 for p in plan.pools}
    for p in plan.pools:
        planned_pool[p.kabupaten] = p.spent_idr
    for k, name in enumerate(years.base.pool_names):
        budget = float(years.pool[:, k].sum())
        spent = committed = 0.0
        for t in range(years.T):
            s_t, c_t = held.pool_spent(t)
            spent, committed = spent + float(s_t[k]), committed + float(c_t[k])
        rows.append(
            SourceMoney(
                source="apbd_pool",
                kabupaten=name,
                budget_idr=budget,
                planned_idr=planned_pool.get(name, 0.0),
                spent_idr=spent,
                left_idr=budget - spent,
                committed_idr=committed,
                free_idr=budget - spent - committed,
            )
        )
    return rows


@dataclass
class YearsReplan:
    """The rest of a multi-year plan as a problem, and the money each of its years has free."""

    problem: Problem
    by_group: dict[str, dict[str, int]]
    held: YearsMoney
    first_year: int  # the plan's year (0-based) the re-plan's first year is part of
    free_dd: np.ndarray  # (T', n) in the table's order
    free_add: np.ndarray
    free_pool: np.ndarray  # (T', K); negative: the actual enrolments cost more than it has

    def adjust(self, years: Years, villages: list[Village]) -> Years:
        """The re-plan's years with each year's money left free (canonical order of `villages`)."""
        position = {code: i for i, code in enumerate(self.held.codes)}
        order = np.array([position[v.village_code] for v in villages], dtype=np.int64)
        pool = np.maximum(np.floor(self.free_pool + 1e-6), 0.0)
        base = replace(years.base, pool_idr=pool.sum(axis=0))
        return replace(
            years, base=base, cap_dd=self.free_dd[:, order], cap_add=self.free_add[:, order], pool=pool
        )


def replan_years_problem(
    table: VillageTable, scenario: Scenario, plan: Plan, actuals: Actuals
) -> YearsReplan:
    """The months left of a multi-year plan as a problem of their own (see the module)."""
    from solver.replan import actual_by_group

    total = total_months(scenario)
    through = actuals.through_month
    if through >= total:
        raise ActualsError(
            [
                InputIssue(
                    field="through_month",
                    message=f"the actuals run through month {through} of a {total}-month plan: no month "
                    f"is left to re-plan",
                )
            ]
        )
    held = years_money(table, scenario, plan, actuals)
    years = held.years
    by_group = actual_by_group(table, plan, held.actual)
    t0 = max(t for t in range(years.T) if held.first[t] <= through)
    if held.first[t0] + years.months[t0] == through:
        t0 += 1  # the actuals end with a year: the re-plan starts with the next
    left_t0 = held.first[t0] + years.months[t0] - through
    rest = range(t0, years.T)
    free_dd = np.array(
        [[max(0.0, math.floor(held.money[c][t].free_dana_desa_idr + 1e-6)) for c in held.codes] for t in rest]
    )
    free_add = np.array(
        [[max(0.0, math.floor(held.money[c][t].free_add_idr + 1e-6)) for c in held.codes] for t in rest]
    )
    free_pool = np.array([years.pool[t] - np.add(*held.pool_spent(t)) for t in rest])

    villages = []
    for i, village in enumerate(table.villages):
        done = by_group[village.village_code]
        villages.append(
            Village.model_validate(
                {
                    **village.model_dump(),
                    "uninsured": {g: village.uninsured.get(g, 0) - done[g] for g in table.groups},
                    "enrolled": {g: village.enrolled.get(g, 0) + done[g] for g in table.groups},
                    "dana_desa_idr": float(free_dd[0, i]),
                    "add_idr": float(free_add[0, i]),
                    "max_share": None,
                }
            )
        )
    body: dict[str, Any] = scenario.model_dump(mode="json")
    body["name"] = f"{scenario.name} (re-plan after month {through})"
    body["horizon_months"] = left_t0
    body["start_month"] = 13 - left_t0
    months = scenario.months()
    if months:
        first = months[through]
        body["fiscal_year"], body["start_month"] = int(first[:4]), int(first[5:])
        body["premium_schedule"] = [
            p for p in body["premium_schedule"] if p["month"] is None or p["month"] >= first
        ]
    body["budget"]["dana_desa_share"] = 1.0
    body["budget"]["add_share"] = 1.0
    names = years.base.pool_names
    by_kabupaten = isinstance(scenario.budget.apbd_pool_idr, dict) or (
        scenario.multi_year is not None
        and scenario.multi_year.apbd_pool_idr is not None
        and isinstance(scenario.multi_year.apbd_pool_idr[0], dict)
    )
    pools: list[float | dict[str, float]] = [
        {name: max(0.0, math.floor(free + 1e-6)) for name, free in zip(names, row, strict=True)}
        if by_kabupaten
        else max(0.0, math.floor(float(row[0]) + 1e-6))
        for row in free_pool
    ]
    body["budget"]["apbd_pool_idr"] = pools[0]
    multi = scenario.multi_year
    assert multi is not None
    target = multi.min_new_enrollments or [scenario.targets.min_new_enrollments] * years.T
    body["targets"]["min_new_enrollments"] = max(0.0, target[-1] - actuals.total)
    if len(rest) > 1:
        growth = {name: multi.growth(name) for name in ("dana_desa_growth", "add_growth")}
        body["multi_year"] = {
            "years": len(rest),
            "apbd_pool_idr": pools,
            **{name: [g[t] / g[t - 1] - 1.0 for t in rest][1:] for name, g in growth.items()},
            **({"min_coverage": multi.min_coverage[t0:]} if multi.min_coverage else {}),
            **(
                {"min_new_enrollments": [max(0.0, v - actuals.total) for v in multi.min_new_enrollments[t0:]]}
                if multi.min_new_enrollments
                else {}
            ),
        }
    else:
        body["multi_year"] = None
    derived = VillageTable(
        groups=list(table.groups),
        villages=villages,
        source=f"{table.source or 'villages'} after {actuals.source or 'actuals'}",
    )
    return YearsReplan(
        problem=Problem(table=derived, scenario=Scenario.model_validate(body)),
        by_group=by_group,
        held=held,
        first_year=t0,
        free_dd=free_dd,
        free_add=free_add,
        free_pool=free_pool,
    )


def replan_years(
    table: VillageTable,
    scenario: Scenario,
    plan: Plan,
    actuals: Actuals,
    options: SolveOptions | None,
    basis: Callable[[YearsReplan], ReplanBasis],
) -> tuple[Plan, Problem]:
    """The re-plan of the months left of a multi-year plan, checked; and the problem it solved.
    `basis` makes the plan's `replan` record from the re-plan's figures."""
    from solver.context import RunContext
    from solver.multiyear.plan import solve_years
    from solver.replan import _overcommitted
    from solver.solve import _base, _canonical, _table_order, solve

    rest = replan_years_problem(table, scenario, plan, actuals)
    problem = rest.problem
    record = basis(rest)
    short: dict[str, float] = {}  # the most any year's pool is overcommitted
    for row in rest.free_pool:
        for k, free in enumerate(row.tolist()):
            if free < -RUPIAH_TOLERANCE:
                name = rest.held.years.base.pool_names[k]
                short[name] = max(short.get(name, 0.0), -free)
    if short:
        return _overcommitted(problem, record, short), problem
    if problem.scenario.multi_year is None:  # one year left: the one-year plan of its months
        new_plan = solve(problem, options)
    else:
        canonical = _canonical(problem)
        new_plan = solve_years(
            problem,
            RunContext(options),
            canonical,
            _base(problem, canonical.table),
            _table_order(problem.table, canonical.table),
            adjust=rest.adjust,
        )
    new_plan.replan = record
    if new_plan.has_targets:
        record.check = check_replan_years(table, rest, new_plan)
        if not record.check.ok:
            new_plan.status = Status.error
            new_plan.check = record.check
            new_plan.message = "the re-plan failed its check: " + "; ".join(record.check.violations[:3])
    return new_plan, problem


def check_replan_years(table: VillageTable, rest: YearsReplan, new_plan: Plan) -> PlanCheck:
    """Every actual enrolment stays enrolled; per village, pool and year of the re-plan, new spend
    + spent + committed within that year's money."""
    violations: list[str] = []
    worst = 0.0
    derived = {v.village_code: v for v in rest.problem.table.villages}
    for village in table.villages:
        after = derived[village.village_code]
        for group in table.groups:
            kept = after.enrolled.get(group, 0) - village.enrolled.get(group, 0)
            if kept != rest.by_group[village.village_code][group]:
                violations.append(
                    f"{village.village_code}: {group} enrolled {kept} of "
                    f"{rest.by_group[village.village_code][group]} actual"
                )
                worst = max(worst, 1.0)
    years, held = rest.held.years, rest.held
    spend: dict[tuple[str, int], tuple[float, float, float]] = {}
    if new_plan.village_years:
        for vy in new_plan.village_years:
            spend[(vy.village_code, rest.first_year + vy.year - 1)] = (
                vy.spend_dana_desa_idr,
                vy.spend_add_idr,
                vy.spend_apbd_idr,
            )
    else:
        for v in new_plan.villages:
            spend[(v.village_code, rest.first_year)] = (
                v.spend_dana_desa_idr,
                v.spend_add_idr,
                v.spend_apbd_idr,
            )
    K = len(years.base.pool_names)
    pools = np.zeros((years.T, K))
    position = {code: i for i, code in enumerate(held.codes)}
    for (code, t), (dd, add, apbd) in spend.items():
        m = held.money[code][t]
        for name, new, cap, used in (
            ("dana desa", dd, m.cap_dana_desa_idr, m.spent[0] + m.committed[0]),
            ("ADD", add, m.cap_add_idr, m.spent[1] + m.committed[1]),
        ):
            over = new + used - cap
            if over > RUPIAH_TOLERANCE:
                violations.append(f"{code}: {name} of year {t + 1} over its cap by Rp{over:,.0f}")
                worst = max(worst, over)
        pools[t, years.base.pool_of[position[code]]] += apbd
    for t in range(rest.first_year, years.T):
        spent, committed = held.pool_spent(t)
        for k, name in enumerate(years.base.pool_names):
            over = pools[t, k] + spent[k] + committed[k] - years.pool[t, k]
            if over > RUPIAH_TOLERANCE:
                violations.append(f"APBD pool {name} of year {t + 1}: over by Rp{over:,.0f}")
                worst = max(worst, over)
    return PlanCheck(
        ok=not violations, tolerance=RUPIAH_TOLERANCE, max_violation=worst, violations=violations[:20]
    )


def replan_multi_year(
    table: VillageTable,
    scenario: Scenario,
    plan: Plan,
    actuals: Actuals,
    options: SolveOptions | None = None,
    source_plan: str = "plan.json",
    source_plan_sha256: str | None = None,
    actuals_sha256: str | None = None,
) -> tuple[Plan, Problem]:
    """The re-plan of a multi-year plan: the rest of every year, with what it came from."""

    def years_basis(rest: YearsReplan) -> ReplanBasis:
        money = [m for years in rest.held.money.values() for m in years]
        total = total_months(scenario)
        return ReplanBasis(
            source_plan=source_plan,
            source_plan_sha256=source_plan_sha256,
            actuals=actuals.source or "actuals",
            actuals_sha256=actuals_sha256,
            through_month=actuals.through_month,
            horizon_months_before=total,
            months_remaining=total - actuals.through_month,
            actual_enrollments=actuals.total,
            spent_dana_desa_idr=sum(m.spent[0] for m in money),
            spent_add_idr=sum(m.spent[1] for m in money),
            spent_apbd_idr=sum(m.spent[2] for m in money),
            committed_dana_desa_idr=sum(m.committed[0] for m in money),
            committed_add_idr=sum(m.committed[1] for m in money),
            committed_apbd_idr=sum(m.committed[2] for m in money),
            free_dana_desa_idr=float(rest.free_dd.sum()),
            free_add_idr=float(rest.free_add.sum()),
            free_apbd_idr=float(rest.free_pool.clip(min=0).sum()),
        )

    return replan_years(table, scenario, plan, actuals, options, years_basis)
