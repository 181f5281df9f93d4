"""Plan against actual: achievement per village and kecamatan, who is behind, money per source.

Definitions (README "Plan against actual"):

- expected to date = planned x through_month / horizon_months (the plan's pro-rata share);
- achievement = actual / planned; pace = actual / expected to date;
- a village is behind when it has a plan (planned > 0) and actual < expected to date;
- a worker enrolled in month m has been paid for months m..through_month (spent) and stays funded
  for the months left (committed), each month at its package's premium (`premium_cost_idr`);
  where the report gives no package (or no group), the plan's mix of packages for that village
  and group (else for the village, else the cheapest package) prices the worker;
- money is taken as the planner pays: dana desa first (up to s[v] x dana desa), then ADD (up to
  add_share x ADD), then the kabupaten's APBD pool; spent first, then committed;
- left = budget - spent; free = left - committed: what new enrolments may use in the months left.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from models import (
    NOT_REPORTED,
    Actuals,
    ActualsComparison,
    ActualsTotals,
    InputIssue,
    KecamatanActual,
    Plan,
    Scenario,
    ScenarioError,
    SourceMoney,
    VillageActual,
    VillagePlan,
    VillageTable,
)

_EPS = 1e-9


def refuse_rules_priced(scenario: Scenario) -> None:
    """Plan against actual prices the months already paid at each package's typed premium: a
    package priced by the contribution rules (its premium changes by month, sector and who pays)
    is refused, naming the package, rather than priced wrongly."""
    issues = [InputIssue(field=f"packages.{i}.monthly_premium_idr",
                         message=f"package '{p.code}' is priced by the contribution rules; plan "
                                 "against actual needs its monthly premium typed")
              for i, p in enumerate(scenario.packages) if p.monthly_premium_idr is None]
    if issues:
        raise ScenarioError(issues)


def premium_cost_idr(scenario: Scenario, package: str, first_month: int, months: int) -> float:
    """What one worker in `package` costs from month `first_month` of the horizon for `months`
    months: the one place premiums are priced over time (at the package's typed premium; see
    `refuse_rules_priced`)."""
    if months <= 0:
        return 0.0
    premium = next(p.monthly_premium_idr for p in scenario.packages if p.code == package)
    assert premium is not None, "refuse_rules_priced first"
    return premium * months


def pool_key(scenario: Scenario, kabupaten: str) -> str:
    """The pool a village draws on: its kabupaten's, or the one pool of the table."""
    return kabupaten if isinstance(scenario.budget.apbd_pool_idr, dict) else ""


def pool_budget_idr(scenario: Scenario, key: str) -> float:
    pool = scenario.budget.apbd_pool_idr
    return float(pool.get(key, 0.0)) if isinstance(pool, dict) else float(pool)


@dataclass
class VillageMoney:
    """One village's year: caps, and what its actual enrolments spent and still commit."""

    cap_dana_desa_idr: float
    cap_add_idr: float
    spent: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])  # dana desa, ADD, pool
    committed: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])

    def pay(self, spent_idr: float, committed_idr: float) -> None:
        """Dana desa first, then ADD, then the pool: the spent premiums, then the committed."""
        caps = [self.cap_dana_desa_idr, self.cap_add_idr]
        for amount, into in ((spent_idr, self.spent), (committed_idr, self.committed)):
            # whole rupiah, rounded up: a re-plan never counts on money already paid
            amount = float(math.ceil(amount - 1e-6))
            for source in (0, 1):
                used = self.spent[source] + self.committed[source]
                take = min(amount, max(0.0, caps[source] - used))
                into[source] += take
                amount -= take
            into[2] += amount

    @property
    def free_dana_desa_idr(self) -> float:
        return self.cap_dana_desa_idr - self.spent[0] - self.committed[0]

    @property
    def free_add_idr(self) -> float:
        return self.cap_add_idr - self.spent[1] - self.committed[1]


def _mix(plan_village: VillagePlan, group: str, scenario: Scenario) -> dict[str, float]:
    """The packages that price a worker whose package is not reported: the plan's for the group,
    else the plan's for the village, else the cheapest."""
    if group != NOT_REPORTED:
        of_group = {p: n for p, n in plan_village.enrollments.get(group, {}).items() if n > 0}
        if of_group:
            return of_group
    of_village: dict[str, float] = defaultdict(float)
    for packages in plan_village.enrollments.values():
        for package, n in packages.items():
            if n > 0:
                of_village[package] += n
    if of_village:
        return dict(of_village)
    cheapest = min(scenario.packages, key=lambda p: (p.monthly_premium_idr, p.code))
    return {cheapest.code: 1.0}


def worker_cost_idr(
    scenario: Scenario, plan_village: VillagePlan, group: str, package: str, first_month: int, months: int
) -> float:
    """One reported worker's premiums for `months` months from `first_month`."""
    if package != NOT_REPORTED:
        return premium_cost_idr(scenario, package, first_month, months)
    mix = _mix(plan_village, group, scenario)
    weight = sum(mix.values())
    return sum(n * premium_cost_idr(scenario, p, first_month, months) for p, n in mix.items()) / weight


def village_money(
    table: VillageTable, scenario: Scenario, plan: Plan, actuals: Actuals
) -> tuple[dict[str, VillageMoney], dict[str, dict[str, int]]]:
    """Per village code: its money for the year, and its actual new enrolments by group."""
    horizon = scenario.horizon_months
    through = actuals.through_month
    by_code = {v.village_code: v for v in plan.villages}
    money: dict[str, VillageMoney] = {}
    for village in table.villages:
        share = scenario.budget.dana_desa_share if village.max_share is None else village.max_share
        money[village.village_code] = VillageMoney(
            share * village.dana_desa_idr, scenario.budget.add_share * village.add_idr
        )
    actual: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    spent: dict[str, float] = defaultdict(float)
    committed: dict[str, float] = defaultdict(float)
    for row in actuals.rows:
        planned = by_code[row.village_code]
        for group, packages in row.enrollments.items():
            for package, n in packages.items():
                actual[row.village_code][group] += n
                spent[row.village_code] += n * worker_cost_idr(
                    scenario, planned, group, package, row.month, through - row.month + 1
                )
                committed[row.village_code] += n * worker_cost_idr(
                    scenario, planned, group, package, through + 1, horizon - through
                )
    for code in spent:
        money[code].pay(spent[code], committed[code])
    return money, {code: dict(groups) for code, groups in actual.items()}


def _share(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > _EPS else None


def compare(table: VillageTable, scenario: Scenario, plan: Plan, actuals: Actuals) -> ActualsComparison:
    """The plan against what was enrolled through `actuals.through_month`."""
    refuse_rules_priced(scenario)
    horizon = scenario.horizon_months
    through = actuals.through_month
    money, actual = village_money(table, scenario, plan, actuals)
    villages: list[VillageActual] = []
    for planned in plan.villages:
        code = planned.village_code
        groups = actual.get(code, {})
        done = sum(groups.values())
        expected = planned.new_enrollments * through / horizon
        m = money[code]
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
                behind=planned.new_enrollments > _EPS and done < expected - _EPS,
                gap_to_date=max(0.0, expected - done),
                spent_dana_desa_idr=m.spent[0],
                spent_add_idr=m.spent[1],
                spent_apbd_idr=m.spent[2],
                committed_idr=sum(m.committed),
                budget_dana_desa_idr=m.cap_dana_desa_idr,
                budget_add_idr=m.cap_add_idr,
                free_dana_desa_idr=m.free_dana_desa_idr,
                free_add_idr=m.free_add_idr,
            )
        )
    sources = _sources(table, scenario, plan, money)
    return ActualsComparison(
        scenario_name=scenario.name,
        through_month=through,
        horizon_months=horizon,
        months_remaining=horizon - through,
        start=actuals.start,
        groups=list(table.groups),
        totals=_totals(villages, sources),
        villages=villages,
        kecamatan=_kecamatan(villages),
        sources=sources,
    )


def _kecamatan(villages: list[VillageActual]) -> list[KecamatanActual]:
    parts: dict[tuple[str, str], list[VillageActual]] = {}
    for village in villages:
        parts.setdefault((village.kabupaten, village.kecamatan), []).append(village)
    rows = []
    for (kabupaten, kecamatan), members in parts.items():
        planned = sum(v.planned for v in members)
        expected = sum(v.expected_to_date for v in members)
        done = sum(v.actual for v in members)
        rows.append(
            KecamatanActual(
                kecamatan=kecamatan,
                kabupaten=kabupaten,
                villages=len(members),
                villages_behind=sum(v.behind for v in members),
                planned=planned,
                expected_to_date=expected,
                actual=done,
                achievement=_share(done, planned),
                pace=_share(done, expected),
                spent_idr=sum(v.spent_dana_desa_idr + v.spent_add_idr + v.spent_apbd_idr for v in members),
                committed_idr=sum(v.committed_idr for v in members),
            )
        )
    return rows


def _sources(
    table: VillageTable, scenario: Scenario, plan: Plan, money: dict[str, VillageMoney]
) -> list[SourceMoney]:
    planned = {v.village_code: v for v in plan.villages}
    rows = []
    for index, (source, planned_of) in enumerate(
        (("dana_desa", "spend_dana_desa_idr"), ("add", "spend_add_idr"))
    ):
        budget = sum((m.cap_dana_desa_idr, m.cap_add_idr)[index] for m in money.values())
        spent = sum(m.spent[index] for m in money.values())
        committed = sum(m.committed[index] for m in money.values())
        rows.append(
            SourceMoney(
                source=source,
                budget_idr=budget,
                planned_idr=sum(getattr(v, planned_of) for v in plan.villages),
                spent_idr=spent,
                left_idr=budget - spent,
                committed_idr=committed,
                free_idr=budget - spent - committed,
            )
        )
    pools: dict[str, list[str]] = {}
    for village in table.villages:
        pools.setdefault(pool_key(scenario, village.kabupaten), []).append(village.village_code)
    for key, codes in pools.items():
        budget = pool_budget_idr(scenario, key)
        spent = sum(money[c].spent[2] for c in codes)
        committed = sum(money[c].committed[2] for c in codes)
        rows.append(
            SourceMoney(
                source="apbd_pool",
                kabupaten=key,
                budget_idr=budget,
                planned_idr=sum(planned[c].spend_apbd_idr for c in codes if c in planned),
                spent_idr=spent,
                left_idr=budget - spent,
                committed_idr=committed,
                free_idr=budget - spent - committed,
            )
        )
    return rows


def _totals(villages: list[VillageActual], sources: list[SourceMoney]) -> ActualsTotals:
    planned = sum(v.planned for v in villages)
    expected = sum(v.expected_to_date for v in villages)
    done = sum(v.actual for v in villages)
    return ActualsTotals(
        villages=len(villages),
        villages_behind=sum(v.behind for v in villages),
        planned=planned,
        expected_to_date=expected,
        actual=done,
        achievement=_share(done, planned),
        pace=_share(done, expected),
        spent_idr=sum(s.spent_idr for s in sources),
        committed_idr=sum(s.committed_idr for s in sources),
        free_idr=sum(s.free_idr for s in sources),
    )
