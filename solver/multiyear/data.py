"""A multi-year problem as arrays: each year's money, premiums, floors and targets."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from models import (
    InputIssue,
    Problem,
    Scenario,
    ScenarioError,
)
from solver.data import SOURCES, Arrays, _floor_need, prepare

DANA_DESA, ADD, POOL = 0, 1, 2
_EPS = 1e-6


@dataclass
class Years:
    """A multi-year problem as arrays: year 1's `Arrays` and what changes by year. T years."""

    base: Arrays  # year 1 (pools: every year's together, so that `split_blocks` sees any money)
    fiscal_years: list[int | None]
    months: list[int]  # (T,) months of premiums in each year
    cap_dd: np.ndarray  # (T, n)
    cap_add: np.ndarray  # (T, n)
    pool: np.ndarray  # (T, K)
    cost: np.ndarray  # (3, T, G, P) one worker's premiums in year t, by paying source
    total_need: np.ndarray  # (T, n) funded workers the coverage floor of year t asks
    group_need: np.ndarray  # (n, G) funded workers the group floors ask, every year
    min_new: np.ndarray  # (T,) new enrolments the table must have by year t
    min_coverage: np.ndarray  # (T,)
    uniform: bool  # every source with money pays the same premiums: one own account, z for the pool

    @property
    def T(self) -> int:  # noqa: N802 - the model's own letter
        return len(self.months)

    def subset(self, villages: np.ndarray) -> Years:
        return Years(
            base=self.base.subset(villages, with_target=True),
            fiscal_years=self.fiscal_years,
            months=self.months,
            cap_dd=self.cap_dd[:, villages],
            cap_add=self.cap_add[:, villages],
            pool=self.pool,
            cost=self.cost,
            total_need=self.total_need[:, villages],
            group_need=self.group_need[villages],
            min_new=self.min_new,
            min_coverage=self.min_coverage,
            uniform=self.uniform,
        )

    def year(self, t: int) -> Arrays:
        """Year t's money, premiums (the cheapest source's) and floors as a one-year `Arrays`: what
        the exact money checks of `solver.explain` take. Year t keeps paying for every earlier
        year's floor too, so its floors are the highest of the years so far."""
        b = self.base
        need = np.maximum.accumulate(self.total_need, axis=0)[t]
        live = self.cost[:, t][self.has_money()] if self.has_money().any() else self.cost[:1, t]
        return Arrays(
            groups=b.groups,
            packages=b.packages,
            uninsured=b.uninsured,
            enrolled=b.enrolled,
            cap_dana_desa_idr=self.cap_dd[t],
            cap_add_idr=self.cap_add[t],
            priority=b.priority,
            weight=b.weight,
            value=b.value,
            cost_idr=live.min(axis=(0, 1)),
            pool_of=b.pool_of,
            pool_idr=self.pool[t],
            pool_names=b.pool_names,
            group_need=self.group_need,
            total_need=need,
            min_new=float(self.min_new[: t + 1].max()),
            objective=b.objective,
            integer=b.integer,
            min_coverage=float(self.min_coverage[t]),
            group_floor=b.group_floor,
        )

    def has_money(self) -> np.ndarray:
        """(3,) whether dana desa, ADD and the pool hold money in any year."""
        return np.array(
            [bool((self.cap_dd > 0).any()), bool((self.cap_add > 0).any()), bool((self.pool > 0).any())]
        )


def is_multi_year(scenario: Scenario) -> bool:
    return scenario.years > 1


def refuse_multi_year(scenario: Scenario, what: str) -> None:
    """A step made for one-year plans refuses a multi-year scenario, naming the field, rather than
    read its first year as the whole plan."""
    if is_multi_year(scenario):
        raise ScenarioError(
            [
                InputIssue(
                    field="multi_year",
                    message=f"{what} is for one-year plans; this scenario plans {scenario.years} years",
                )
            ]
        )


def prepare_years(problem: Problem) -> Years:
    """The arrays of every year. Year 1 is prepared as the one-year plan is (`solver.data.prepare`);
    later years grow its money by the scenario's rates, or take the pools given per year."""
    scenario = problem.scenario
    multi = scenario.multi_year
    assert multi is not None
    first_months = set(scenario.months()[: scenario.horizon_months])
    update: dict[str, object] = {
        "multi_year": None,
        "premium_schedule": [p for p in scenario.premium_schedule if p.month in first_months],
    }
    if multi.apbd_pool_idr is not None:
        # the pools given per year decide the form: per kabupaten (objects) or one table-wide pool
        by_kabupaten = [isinstance(p, dict) for p in multi.apbd_pool_idr]
        if any(by_kabupaten) and not all(by_kabupaten):
            raise ScenarioError(
                [
                    InputIssue(
                        field="multi_year.apbd_pool_idr",
                        message="give every year's pool in the same form: an object per kabupaten in "
                        "every year, or one number in every year",
                    )
                ]
            )
        update["budget"] = scenario.budget.model_copy(update={"apbd_pool_idr": multi.apbd_pool_idr[0]})
    first = scenario.model_copy(update=update)
    base = prepare(Problem.model_construct(table=problem.table, scenario=first))
    T, n, K = scenario.years, base.n, len(base.pool_idr)
    dd, add = multi.growth("dana_desa_growth"), multi.growth("add_growth")
    cap_dd = np.array(dd)[:, None] * base.cap_dana_desa_idr[None, :]
    cap_add = np.array(add)[:, None] * base.cap_add_idr[None, :]
    if multi.apbd_pool_idr is not None:
        known = set(base.pool_names)
        unknown = [
            InputIssue(
                field=f"multi_year.apbd_pool_idr.{t}.{kab}",
                message=f"no village of the table is in kabupaten '{kab}'",
            )
            for t, p in enumerate(multi.apbd_pool_idr)
            if isinstance(p, dict)
            for kab in p
            if kab not in known
        ]
        if unknown:
            raise ScenarioError(unknown)
        pool = np.array([_pools(p, base) for p in multi.apbd_pool_idr]).reshape(T, K)
    else:
        pool = np.array(multi.growth("pool_growth"))[:, None] * base.pool_idr[None, :]

    months = scenario.year_months()
    cost = _yearly_costs(scenario, base.groups, months)
    total = base.uninsured + base.enrolled
    floors = multi.min_coverage or [scenario.targets.min_coverage] * T
    total_need = np.stack(
        [_floor_need(share, total.sum(axis=1), base.enrolled.sum(axis=1), base.integer) for share in floors]
    ).reshape(T, n)
    targets = multi.min_new_enrollments or [scenario.targets.min_new_enrollments] * T
    min_new = np.array([max(0.0, math.ceil(t - 1e-9) if base.integer else t) for t in targets], dtype=float)
    base.pool_idr = pool.sum(axis=0)
    base.min_new = float(min_new.max())
    years = Years(
        base=base,
        fiscal_years=scenario.fiscal_years(),
        months=months,
        cap_dd=cap_dd,
        cap_add=cap_add,
        pool=pool,
        cost=cost,
        total_need=total_need,
        group_need=base.group_need,
        min_new=min_new,
        min_coverage=np.array(floors, dtype=float),
        uniform=False,
    )
    live = cost[years.has_money()] if years.has_money().any() else cost[:1]
    years.uniform = bool(np.all(live == live[:1]))
    return years


def _pools(pool: float | dict[str, float], base: Arrays) -> list[float]:
    if isinstance(pool, dict):
        return [float(pool.get(name, 0.0)) for name in base.pool_names]
    return [float(pool)] * len(base.pool_names)


def _yearly_costs(scenario: Scenario, groups: list[str], months: list[int]) -> np.ndarray:
    """(3, T, G, P): a typed premium x the year's months; a rules-priced package the sum of the
    rules' premium of each month of the year, for the group's sector and the paying source."""
    T, P = len(months), len(scenario.packages)
    cost = np.zeros((len(SOURCES), T, len(groups), P))
    plan_months = scenario.months()
    year_of = {}
    start = 0
    for t, count in enumerate(months):
        for m in plan_months[start : start + count]:
            year_of[m] = t
        start += count
    sectors = [scenario.group_sectors.get(g, "general") for g in groups]
    for p, package in enumerate(scenario.packages):
        if package.monthly_premium_idr is not None:
            cost[:, :, :, p] = (package.monthly_premium_idr * np.array(months, float))[None, :, None]
            continue
        found = np.zeros((len(SOURCES), T, len(groups)), dtype=np.int64)
        for premium in scenario.premium_schedule:
            if premium.package != package.code or premium.month not in year_of:
                continue
            s = SOURCES.index(premium.source)  # type: ignore[arg-type]
            t = year_of[premium.month]
            for g, sector in enumerate(sectors):
                if sector == premium.sector:
                    cost[s, t, g, p] += premium.premium_idr
                    found[s, t, g] += 1
        if np.any(found != np.array(months)[None, :, None]):
            raise ScenarioError(
                [
                    InputIssue(
                        field=f"packages.{p}",
                        message=f"package {package.code}: the rules do not price every month of the plan",
                    )
                ]
            )
    return cost


def accounts_of(years: Years) -> list[tuple[int, ...]]:
    """One own account (dana desa and ADD) when both pay the same premiums, else one each; the
    pool as an account only where it pays other premiums than the village."""
    has = years.has_money()
    accounts: list[tuple[int, ...]] = []
    if years.uniform or (
        has[DANA_DESA] and has[ADD] and np.array_equal(years.cost[DANA_DESA], years.cost[ADD])
    ):
        accounts.append((DANA_DESA, ADD))
    else:
        accounts += [(s,) for s in (DANA_DESA, ADD) if has[s]]
    if not years.uniform and has[POOL]:
        accounts.append((POOL,))
    return accounts


def _own_cap(years: Years, sources: tuple[int, ...]) -> np.ndarray:
    """(T, n) what an own account may pay each year."""
    cap = np.zeros_like(years.cap_dd)
    for s in sources:
        cap = cap + (years.cap_dd if s == DANA_DESA else years.cap_add)
    return cap
