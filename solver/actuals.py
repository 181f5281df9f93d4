"""Plan against actual: achievement per village and kecamatan, who is behind, money per source.

Definitions (README "Plan against actual"):

- expected to date = planned x through_month / horizon_months (the plan's pro-rata share);
- achievement = actual / planned; pace = actual / expected to date;
- a village is behind when it has a plan (planned > 0) and actual < expected to date;
- a worker enrolled in month m has been paid for months m..through_month (spent) and stays funded
  for the months left (committed), each month at that month's premium of its package, for its
  group's sector and the source that pays (`Premiums`: a typed premium is the same every month;
  the contribution rules' premiums come from the scenario's resolved schedule); where the report
  gives no package (or no group), the plan's mix of packages and groups for that village (else
  the village's uninsured workers and the cheapest package) prices the worker;
- money is taken as the planner pays, month by month from the plan's first: each month's
  premiums from dana desa first (up to s[v] x dana desa), at dana desa's premiums, then ADD (up
  to add_share x ADD), at ADD's, then the kabupaten's APBD pool, at the pool's; the months
  through `through_month` are spent, the months after them committed; each source's spent and
  committed in whole rupiah, rounded up;
- left = budget - spent; free = left - committed: what new enrolments may use in the months left.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

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
from models.rules import FundingSource

_EPS = 1e-9
# the order in which a village's money pays its premiums
SOURCES = (FundingSource.dana_desa, FundingSource.add, FundingSource.apbd_pool)
DANA_DESA, ADD, POOL = 0, 1, 2
SECTORS = ("general", "transport")  # the contribution rules' sectors


class Premiums:
    """Each month's premium of each package for a sector and the source that pays: the one place
    plan against actual prices premiums over time. A typed premium is the same every month, sector
    and source; a package priced by the contribution rules takes the scenario's resolved schedule
    (`scenarios.rules.resolve`), and ScenarioError names a package whose months are not resolved."""

    def __init__(self, scenario: Scenario) -> None:
        self.horizon = scenario.horizon_months
        self.group_sectors = dict(scenario.group_sectors)
        self._typed = {
            p.code: p.monthly_premium_idr for p in scenario.packages if p.monthly_premium_idr is not None
        }
        index = {month: i for i, month in enumerate(scenario.months())}
        self._months: dict[tuple[str, str, FundingSource], list[float | None]] = {}
        for premium in scenario.premium_schedule:
            if premium.month not in index or premium.sector is None or premium.source is None:
                continue
            key = (premium.package, premium.sector, premium.source)
            self._months.setdefault(key, [None] * self.horizon)[index[premium.month]] = premium.premium_idr
        issues = [
            InputIssue(
                field=f"packages.{i}",
                message=f"package '{p.code}' is priced by the contribution rules, but "
                "its monthly premiums are not resolved for the plan's months",
            )
            for i, p in enumerate(scenario.packages)
            if p.monthly_premium_idr is None and not self._resolved(p.code)
        ]
        if issues:
            raise ScenarioError(issues)
        self.package_index = {p.code: i for i, p in enumerate(scenario.packages)}
        self._table: np.ndarray | None = None
        self.cheapest = min(
            scenario.packages, key=lambda p: (self.cost(p.code, 1, self.horizon), p.code)
        ).code

    def table(self) -> np.ndarray:
        """Every premium as an array (month, package, sector, source), in `SECTORS` and `SOURCES`
        order."""
        if self._table is None:
            self._table = np.array(
                [
                    [
                        [[self.month(package, m, sector, source) for source in SOURCES] for sector in SECTORS]
                        for package in self.package_index
                    ]
                    for m in range(1, self.horizon + 1)
                ],
                dtype=float,
            )
        return self._table

    def _resolved(self, package: str) -> bool:
        return all(
            None not in self._months.get((package, sector, source), [None])
            for sector in SECTORS
            for source in SOURCES
        )

    def sector(self, group: str) -> str:
        return self.group_sectors.get(group, "general")

    def month(
        self,
        package: str,
        month: int,
        sector: str = "general",
        source: FundingSource = FundingSource.dana_desa,
    ) -> float:
        """One worker's premium in month `month` of the horizon (1 = the plan's first)."""
        typed = self._typed.get(package)
        if typed is not None:
            return typed
        premium = self._months[(package, sector, source)][month - 1]
        assert premium is not None
        return premium

    def cost(
        self,
        package: str,
        first_month: int,
        months: int,
        sector: str = "general",
        source: FundingSource = FundingSource.dana_desa,
    ) -> float:
        """One worker's premiums for `months` months from `first_month` (within the horizon)."""
        last = min(self.horizon, first_month + months - 1)
        return float(sum(self.month(package, m, sector, source) for m in range(first_month, last + 1)))


def premium_cost_idr(
    scenario: Scenario,
    package: str,
    first_month: int,
    months: int,
    sector: str = "general",
    source: FundingSource = FundingSource.dana_desa,
) -> float:
    """What one worker in `package` costs from month `first_month` of the horizon for `months`
    months, in `sector`, paid by `source`."""
    if months <= 0:
        return 0.0
    return Premiums(scenario).cost(package, first_month, months, sector, source)


def pool_key(scenario: Scenario, kabupaten: str) -> str:
    """The pool a village draws on: its kabupaten's, or the one pool of the table."""
    return kabupaten if isinstance(scenario.budget.apbd_pool_idr, dict) else ""


def pool_budget_idr(scenario: Scenario, key: str) -> float:
    pool = scenario.budget.apbd_pool_idr
    return float(pool.get(key, 0.0)) if isinstance(pool, dict) else float(pool)


def _whole(amount: float, room: float = math.inf) -> float:
    """Rupiah rounded up (a re-plan never counts on money already paid), within `room`."""
    return min(float(math.ceil(amount - 1e-6)), room) if amount > 0 else 0.0


@dataclass
class VillageMoney:
    """One village's year: caps, and what its actual enrolments spent and still commit."""

    cap_dana_desa_idr: float
    cap_add_idr: float
    spent: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])  # dana desa, ADD, pool
    committed: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])

    def pay(self, bills: np.ndarray, through_month: int) -> None:
        """Each month's premiums, `bills[m - 1]` = what they cost if dana desa, ADD or the pool pays
        them all: from dana desa first, then ADD, then the pool, month by month; the months
        through `through_month` spent, the months after them committed."""
        caps = (self.cap_dana_desa_idr, self.cap_add_idr)
        used = [0.0, 0.0]
        spent, committed = [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]
        for month, bill in enumerate(bills.tolist(), start=1):
            into = spent if month <= through_month else committed
            unpaid = 1.0  # the share of the month's workers not yet paid for
            for source in (DANA_DESA, ADD):
                if unpaid <= _EPS or bill[source] <= 0:
                    continue
                share = min(unpaid, max(0.0, caps[source] - used[source]) / bill[source])
                into[source] += share * bill[source]
                used[source] += share * bill[source]
                unpaid -= share
            if unpaid > _EPS:
                into[POOL] += unpaid * bill[POOL]
        for source in (DANA_DESA, ADD):
            self.spent[source] = _whole(spent[source], caps[source])
            self.committed[source] = _whole(committed[source], caps[source] - self.spent[source])
        self.spent[POOL], self.committed[POOL] = _whole(spent[POOL]), _whole(committed[POOL])

    @property
    def free_dana_desa_idr(self) -> float:
        return self.cap_dana_desa_idr - self.spent[0] - self.committed[0]

    @property
    def free_add_idr(self) -> float:
        return self.cap_add_idr - self.spent[1] - self.committed[1]


def _weights(
    plan_village: VillagePlan | None, uninsured: dict[str, int], group: str, package: str, premiums: Premiums
) -> dict[tuple[str, str], float]:
    """The (group, package) mix that prices a reported count: as reported; a missing package at
    the plan's packages for the group, else for the village, else the cheapest; a missing group at
    the plan's groups for the village, else as its uninsured workers are."""
    planned = {
        (g, p): n
        for g, packages in (plan_village.enrollments.items() if plan_village else [])
        for p, n in packages.items()
        if n > 0
    }
    if group != NOT_REPORTED:
        if package != NOT_REPORTED:
            return {(group, package): 1.0}
        of_group = {(g, p): n for (g, p), n in planned.items() if g == group}
        if of_group:
            return of_group
        of_village: dict[tuple[str, str], float] = defaultdict(float)
        for (_, p), n in planned.items():
            of_village[(group, p)] += n
        return dict(of_village) or {(group, premiums.cheapest): 1.0}
    if planned:
        if package == NOT_REPORTED:
            return planned
        by_group: dict[tuple[str, str], float] = defaultdict(float)
        for (g, _), n in planned.items():
            by_group[(g, package)] += n
        return dict(by_group)
    chosen = premiums.cheapest if package == NOT_REPORTED else package
    return {(g, chosen): float(n) for g, n in uninsured.items() if n > 0} or {("", chosen): 1.0}


def _bills(units: list[tuple[int, float, dict[tuple[str, str], float]]], premiums: Premiums) -> np.ndarray:
    """Each month's premiums of a village's reported workers if dana desa, ADD or the pool paid them
    all, (months, 3); a unit is (month enrolled, workers, its (group, package) mix)."""
    table = premiums.table()
    starting = np.zeros(table.shape[:3])  # workers starting each month, by package and sector
    for first, n, mix in units:
        weight = sum(mix.values())
        for (group, package), w in mix.items():
            starting[first - 1, premiums.package_index[package], SECTORS.index(premiums.sector(group))] += (
                n * w / weight
            )
    return np.einsum("mps,mpsk->mk", starting.cumsum(axis=0), table)


def village_money(
    table: VillageTable, scenario: Scenario, plan: Plan, actuals: Actuals
) -> tuple[dict[str, VillageMoney], dict[str, dict[str, int]]]:
    """Per village code: its money for the year, and its actual new enrolments by group."""
    premiums = Premiums(scenario)
    by_code = {v.village_code: v for v in plan.villages}
    money: dict[str, VillageMoney] = {}
    uninsured: dict[str, dict[str, int]] = {}
    for village in table.villages:
        share = scenario.budget.dana_desa_share if village.max_share is None else village.max_share
        money[village.village_code] = VillageMoney(
            share * village.dana_desa_idr, scenario.budget.add_share * village.add_idr
        )
        uninsured[village.village_code] = dict(village.uninsured)
    actual: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    units: dict[str, list[tuple[int, float, dict[tuple[str, str], float]]]] = defaultdict(list)
    for row in actuals.rows:
        code = row.village_code
        for group, packages in row.enrollments.items():
            for package, n in packages.items():
                actual[code][group] += n
                if n:
                    mix = _weights(by_code.get(code), uninsured[code], group, package, premiums)
                    units[code].append((row.month, float(n), mix))
    for code, reported in units.items():
        money[code].pay(_bills(reported, premiums), actuals.through_month)
    return money, {code: dict(groups) for code, groups in actual.items()}


def _share(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > _EPS else None


def compare(table: VillageTable, scenario: Scenario, plan: Plan, actuals: Actuals) -> ActualsComparison:
    """The plan against what was enrolled through `actuals.through_month`."""
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
