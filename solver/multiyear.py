"""Multi-year plans with continuity: years t = 1..T, each with its own money, one LP.

A worker enrolled in year s stays funded in every later year of the plan: cover lapses when the
contributions stop, and the JKM scholarship for a member's children needs years of membership. So
the decisions are new enrolments x[a,v,g,p,s] (village v, group g, package p, year s, paid by
account a), and the workers funded in year t are the cumulative F[a,v,g,p,t] = sum_{s<=t} x[a,v,g,p,s]:

    1. sum_{a,p,s} x[a,v,g,p,s] <= U[v,g]                                     (group caps, whole plan)
    2-3. sum_{g,p} c[a,t,g,p] F[a,v,g,p,t] - z[v,t] <= cap[a,v,t]       each own account, village, year
    4. sum_{v in k} (z[v,t] + sum_{g,p} c[pool,t,g,p] F[pool,v,g,p,t]) <= pool[k,t]     each pool, year
    5. sum_{a,g,p} F[a,v,g,p,t] >= min_coverage[t] (E[v] + U[v]) - E[v]                  each year
    6. sum_{a,p} F[a,v,g,p,t] >= share[g] (E[v,g] + U[v,g]) - E[v,g]                     each year
    7. sum F[., t] >= min_new_enrollments[t]                                              each year

Continuity needs no rows of its own: year t's budget rows pay for F[t], every worker enrolled by
then, so a plan cannot stop paying for one. Where every source pays the same premium (typed
premiums, or rules without a difference by payer or sector), there is one own account (dana desa
and ADD) and z[v,t] >= 0 is the pool money of village v in year t, as in the contract's model;
where the premiums differ by who pays (`solver.payers`), there is no z and each worker keeps the
account that enrolled them (a pool-funded worker stays on the pool).

Objective `max_protection`: sum_t sum priority x weight x value x F[t], worker-years of protection:
a worker covered three years counts three times, so the LP enrols early where the money allows
rather than treating a year-3 enrolment as a year-1 one. With T = 1 it is the contract's objective.
`min_cost`: the fewest rupiah over all years.

The same machinery as the one-year plan: the table in canonical order, the exact money checks of
every year (`solver.explain`, at year t's money and premiums against the floors of year t), one
block per kabupaten with a pool (`solver.blocks`), each LP solved by HiGHS, then the least APBD pool
money and the fewest rupiah among optimal plans, whole workers by rounding the cumulative counts
down and buying the floors and the best workers with the money left, and our own check of every
constraint of every year (`solver.check.check_years`). Not here: the pool's price (a single pool over
`price_pool_min_villages` villages or more is refused), marginal values and the even sharing.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
import pulp
import scipy.sparse as sp

from models import (
    Explanation,
    InputIssue,
    IntegerMethod,
    Method,
    Objective,
    Plan,
    PoolUse,
    Problem,
    Scenario,
    ScenarioError,
    Status,
    VillageYear,
    YearTotals,
)
from solver.blocks import split_blocks
from solver.check import check_years
from solver.context import RunContext
from solver.data import SOURCES, Arrays, _floor_need, prepare
from solver.explain import explain_infeasibility
from solver.extract import group_reasons, totals, village_plans, whole_rupiah
from solver.model import MONEY_UNIT_IDR, ArrayProblem, BuiltModel, _add_rows, add_variable_batch
from solver.run import held_passes, run_highs
from solver.solution import solver_model

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
        return Years(base=self.base.subset(villages, with_target=True),
                     fiscal_years=self.fiscal_years, months=self.months,
                     cap_dd=self.cap_dd[:, villages], cap_add=self.cap_add[:, villages],
                     pool=self.pool, cost=self.cost, total_need=self.total_need[:, villages],
                     group_need=self.group_need[villages], min_new=self.min_new,
                     min_coverage=self.min_coverage, uniform=self.uniform)

    def year(self, t: int) -> Arrays:
        """Year t's money, premiums (the cheapest source's) and floors as a one-year `Arrays`: what
        the exact money checks of `solver.explain` take. Year t keeps paying for every earlier
        year's floor too, so its floors are the highest of the years so far."""
        b = self.base
        need = np.maximum.accumulate(self.total_need, axis=0)[t]
        live = self.cost[:, t][self.has_money()] if self.has_money().any() else self.cost[:1, t]
        return Arrays(groups=b.groups, packages=b.packages, uninsured=b.uninsured,
                      enrolled=b.enrolled, cap_dana_desa_idr=self.cap_dd[t],
                      cap_add_idr=self.cap_add[t], priority=b.priority, weight=b.weight,
                      value=b.value, cost_idr=live.min(axis=(0, 1)), pool_of=b.pool_of,
                      pool_idr=self.pool[t], pool_names=b.pool_names, group_need=self.group_need,
                      total_need=need, min_new=float(self.min_new[: t + 1].max()),
                      objective=b.objective, integer=b.integer,
                      min_coverage=float(self.min_coverage[t]), group_floor=b.group_floor)

    def has_money(self) -> np.ndarray:
        """(3,) whether dana desa, ADD and the pool hold money in any year."""
        return np.array([bool((self.cap_dd > 0).any()), bool((self.cap_add > 0).any()),
                         bool((self.pool > 0).any())])


def is_multi_year(scenario: Scenario) -> bool:
    return scenario.years > 1


def refuse_multi_year(scenario: Scenario, what: str) -> None:
    """A step made for one-year plans refuses a multi-year scenario, naming the field, rather than
    read its first year as the whole plan."""
    if is_multi_year(scenario):
        raise ScenarioError([InputIssue(
            field="multi_year",
            message=f"{what} is for one-year plans; this scenario plans {scenario.years} years")])


def prepare_years(problem: Problem) -> Years:
    """The arrays of every year. Year 1 is prepared as the one-year plan is (`solver.data.prepare`);
    later years grow its money by the scenario's rates, or take the pools given per year."""
    scenario = problem.scenario
    multi = scenario.multi_year
    assert multi is not None
    first_months = set(scenario.months()[: scenario.horizon_months])
    first = scenario.model_copy(update={
        "multi_year": None,
        "premium_schedule": [p for p in scenario.premium_schedule if p.month in first_months]})
    base = prepare(Problem.model_construct(table=problem.table, scenario=first))
    T, n, K = scenario.years, base.n, len(base.pool_idr)
    dd, add = multi.growth("dana_desa_growth"), multi.growth("add_growth")
    cap_dd = np.array(dd)[:, None] * base.cap_dana_desa_idr[None, :]
    cap_add = np.array(add)[:, None] * base.cap_add_idr[None, :]
    if multi.apbd_pool_idr is not None:
        known = set(base.pool_names)
        unknown = [InputIssue(field=f"multi_year.apbd_pool_idr.{t}.{kab}",
                              message=f"no village of the table is in kabupaten '{kab}'")
                   for t, p in enumerate(multi.apbd_pool_idr) if isinstance(p, dict)
                   for kab in p if kab not in known]
        if unknown:
            raise ScenarioError(unknown)
        pool = np.array([_pools(p, base) for p in multi.apbd_pool_idr]).reshape(T, K)
    else:
        pool = np.array(multi.growth("pool_growth"))[:, None] * base.pool_idr[None, :]

    months = scenario.year_months()
    cost = _yearly_costs(scenario, base.groups, months)
    total = base.uninsured + base.enrolled
    floors = multi.min_coverage or [scenario.targets.min_coverage] * T
    total_need = np.stack([_floor_need(share, total.sum(axis=1), base.enrolled.sum(axis=1),
                                       base.integer) for share in floors]).reshape(T, n)
    targets = multi.min_new_enrollments or [scenario.targets.min_new_enrollments] * T
    min_new = np.array([max(0.0, math.ceil(t - 1e-9) if base.integer else t) for t in targets],
                       dtype=float)
    base.pool_idr = pool.sum(axis=0)
    base.min_new = float(min_new.max())
    years = Years(base=base, fiscal_years=scenario.fiscal_years(), months=months, cap_dd=cap_dd,
                  cap_add=cap_add, pool=pool, cost=cost, total_need=total_need,
                  group_need=base.group_need, min_new=min_new,
                  min_coverage=np.array(floors, dtype=float), uniform=False)
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
        for m in plan_months[start:start + count]:
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
            raise ScenarioError([InputIssue(
                field=f"packages.{p}",
                message=f"package {package.code}: the rules do not price every month of the plan")])
    return cost


# --- the LP of one block -----------------------------------------------------------------------


@dataclass
class YearModel:
    built: BuiltModel
    accounts: list[tuple[int, ...]]
    cv: np.ndarray  # per x column: village, group, package, account, enrolment year
    cg: np.ndarray
    cp: np.ndarray
    ca: np.ndarray
    cs: np.ndarray
    n_x: int
    zv: np.ndarray  # per z column (uniform premiums only): village and year
    zt: np.ndarray
    ids: np.ndarray  # PuLP ids (HiGHS's columns) of the x, then the z
    objective_coef: np.ndarray  # the objective per column (min_cost: rupiah)
    total_cost: np.ndarray  # rupiah per column over the plan (x: every year from s on; z: 0)
    pool_cost: np.ndarray  # rupiah of pool money per column over the plan


def accounts_of(years: Years) -> list[tuple[int, ...]]:
    """One own account (dana desa and ADD) when both pay the same premiums, else one each; the
    pool as an account only where it pays other premiums than the village."""
    has = years.has_money()
    accounts: list[tuple[int, ...]] = []
    if years.uniform or (has[DANA_DESA] and has[ADD]
                         and np.array_equal(years.cost[DANA_DESA], years.cost[ADD])):
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


def build_years_model(years: Years, mip: bool = False) -> YearModel:
    """The block's LP (the module's docstring), rows per family as sparse matrices."""
    data, T = years.base, years.T
    n, G, P = data.n, len(data.groups), len(data.packages)
    accounts = accounts_of(years)
    A = len(accounts)
    pool_money = years.pool[:, data.pool_of] > 0  # (T, n)
    has = np.zeros((A, n), dtype=bool)
    for a, sources in enumerate(accounts):
        has[a] = (pool_money.any(axis=0) if sources == (POOL,)
                  else (_own_cap(years, sources) > 0).any(axis=0))
    if years.uniform:
        has[:] = True  # the pool pays through z: every village may enrol
    v_idx, g_idx = np.nonzero(data.uninsured > 0)
    per = A * P * T
    cv, cg = np.repeat(v_idx, per), np.repeat(g_idx, per)
    ca = np.tile(np.repeat(np.arange(A), P * T), len(v_idx))
    cp = np.tile(np.repeat(np.arange(P), T), A * len(v_idx))
    cs = np.tile(np.arange(T), A * P * len(v_idx))
    keep = has[ca, cv] if len(cv) else np.zeros(0, dtype=bool)
    cv, cg, ca, cp, cs = cv[keep], cg[keep], ca[keep], cp[keep], cs[keep]
    n_x = len(cv)
    source_of = np.array([sources[0] for sources in accounts], dtype=np.int64)
    cost_x = years.cost[source_of[ca][:, None], np.arange(T)[None, :], cg[:, None], cp[:, None]] \
        if n_x else np.zeros((0, T))  # (n_x, T) premiums in each year
    active = np.arange(T)[None, :] >= cs[:, None]  # (n_x, T): funded in year t
    total_cost = (cost_x * active).sum(axis=1)
    is_pool = np.array([sources == (POOL,) for sources in accounts], dtype=bool)[ca] if n_x \
        else np.zeros(0, dtype=bool)
    pool_cost = np.where(is_pool, total_cost, 0.0)

    zv = zt = np.zeros(0, dtype=np.int64)
    if years.uniform:
        zt, zv = np.nonzero(pool_money & (np.bincount(cv, minlength=n) > 0)[None, :])
    n_z = len(zv)

    sense = pulp.LpMinimize if data.objective == Objective.min_cost else pulp.LpMaximize
    prob = ArrayProblem("desaplan_years", sense)
    # HiGHS's columns: the x, then the z (`solver.run.ArrayHiGHS`; whole numbers for the x only)
    ids = np.concatenate([add_variable_batch(prob, "x", n_x), add_variable_batch(prob, "z", n_z)])
    if data.objective == Objective.min_cost:
        coef = total_cost.copy()
        col_cost = np.concatenate([total_cost / MONEY_UNIT_IDR, np.zeros(n_z)])
    else:
        coef = (data.objective_coef()[cv, cg, cp] * (T - cs)) if n_x else np.zeros(0)
        col_cost = np.concatenate([coef, np.zeros(n_z)])
    built = BuiltModel(prob=prob, xv=cv, xg=cg, xp=cp,
                       x_start=np.searchsorted(cv, np.arange(n + 1)), zv=zv,
                       objective_coef=coef, x_ids=ids[:n_x], z_ids=ids[n_x:],
                       col_upper=np.full(n_x + n_z, np.inf),
                       maximize=sense == pulp.LpMaximize, integer=mip, col_cost=col_cost)
    m = YearModel(built=built, accounts=accounts, cv=cv, cg=cg, cp=cp, ca=ca, cs=cs, n_x=n_x,
                  zv=zv, zt=zt, ids=ids, objective_coef=np.concatenate([coef, np.zeros(n_z)]),
                  total_cost=np.concatenate([total_cost, np.zeros(n_z)]),
                  pool_cost=np.concatenate([pool_cost, np.ones(n_z) * 0.0]))
    m.pool_cost[n_x:] = MONEY_UNIT_IDR  # z is in millions of rupiah
    if not n_x:
        return m
    objective = pulp.LpAffineExpression.empty()
    objective._expr.add_term_ids_coeffs(prob._model, ids, col_cost)
    prob.setObjective(objective)
    rows_x = np.arange(n_x)
    _rows(m, cv * G + cg, rows_x, np.ones(n_x),
          data.uninsured.reshape(-1), pulp.LpConstraintLE, n * G)  # 1
    # 2-3: x[.., s] in the row of every year t >= s, at year t's premium
    xs, ts = np.nonzero(active)
    for a, sources in enumerate(accounts):
        if sources == (POOL,):
            continue
        sel = ca[xs] == a
        r_keys = ts[sel] * n + cv[xs[sel]]
        c_idx, c_val = xs[sel], cost_x[xs[sel], ts[sel]] / MONEY_UNIT_IDR
        if years.uniform and n_z:
            r_keys = np.concatenate([r_keys, zt * n + zv])
            c_idx = np.concatenate([c_idx, n_x + np.arange(n_z)])
            c_val = np.concatenate([c_val, -np.ones(n_z)])
        _rows(m, r_keys, c_idx, c_val, _own_cap(years, sources).reshape(-1) / MONEY_UNIT_IDR,
              pulp.LpConstraintLE, T * n)
    # 4: per pool and year, its villages' z, or the premiums of the pool's own workers
    K = len(data.pool_names)
    if years.uniform and n_z:
        _rows(m, zt * K + data.pool_of[zv], n_x + np.arange(n_z), np.ones(n_z),
              years.pool.reshape(-1) / MONEY_UNIT_IDR, pulp.LpConstraintLE, T * K)
    elif (POOL,) in accounts:
        sel = ca[xs] == accounts.index((POOL,))
        _rows(m, ts[sel] * K + data.pool_of[cv[xs[sel]]], xs[sel],
              cost_x[xs[sel], ts[sel]] / MONEY_UNIT_IDR, years.pool.reshape(-1) / MONEY_UNIT_IDR,
              pulp.LpConstraintLE, T * K)
    # 5-7: floors and targets on the workers funded by year t; F only grows, so a floor no higher
    # than an earlier year's holds already and needs no row (the check still checks every year)
    _rows(m, ts * n + cv[xs], xs, np.ones(len(xs)), _rising(years.total_need).reshape(-1),
          pulp.LpConstraintGE, T * n, only_positive=True)
    first = ts == 0  # the group floors are the same every year: year 1's rows hold them all
    _rows(m, cv[xs[first]] * G + cg[xs[first]], xs[first], np.ones(int(first.sum())),
          years.group_need.reshape(-1), pulp.LpConstraintGE, n * G, only_positive=True)
    _rows(m, ts, xs, np.ones(len(xs)), _rising(years.min_new[:, None])[:, 0], pulp.LpConstraintGE,
          T, only_positive=True)
    return m


def _rising(need: np.ndarray) -> np.ndarray:
    """(T, ...) each year's need where it is above every earlier year's, else 0 (no row)."""
    earlier = np.maximum.accumulate(need, axis=0)
    before = np.concatenate([np.full_like(need[:1], -np.inf), earlier[:-1]])
    return np.where(need > before, need, 0.0)


def _rows(m: YearModel, keys: np.ndarray, columns: np.ndarray, coefs: np.ndarray,
          rhs: np.ndarray, sense: int, n_keys: int, only_positive: bool = False) -> None:
    """Rows sum_{k: keys[k] = r} coefs[k] col[columns[k]] (sense) rhs[r], for the rows that have
    a column (and, with `only_positive`, a right side > 0)."""
    if not len(keys):
        return
    matrix = sp.csr_matrix((coefs, (keys, columns)), shape=(n_keys, len(m.ids)))
    matrix.sum_duplicates()
    matrix.sort_indices()
    lens = np.diff(matrix.indptr)
    live = lens > 0
    if only_positive:
        live &= rhs > 0
    rows = np.flatnonzero(live)
    if not len(rows):
        return
    sub = matrix[rows]
    _add_rows(m.built, sub.indptr.astype(np.int64), m.ids[sub.indices], sub.data,
              np.asarray(rhs, float)[rows], sense)


def solve_years_block(years: Years, run: RunContext) -> tuple[Status, np.ndarray | None,
                                                             float | None, bool, float, float, str]:
    """One block: status, x (A, n, G, P, T) new enrolments by account, the LP bound, whether the
    order of preference was walked to its end, seconds building and solving, HiGHS's word."""
    start = time.perf_counter()
    m = build_years_model(years)
    build = time.perf_counter() - start
    data = years.base
    shape = (len(m.accounts), data.n, len(data.groups), len(data.packages), years.T)
    if not m.n_x:
        return Status.optimal, np.zeros(shape), 0.0, True, build, 0.0, ""
    first = run_highs(m.built, run.remaining_s(), threads=run.options.threads, mip=False)
    if first.status == Status.infeasible:
        return Status.infeasible, None, None, True, build, first.seconds, first.detail
    highs = solver_model(m.built)
    if first.status != Status.optimal:
        col = np.asarray(highs.getSolution().col_value) if first.has_solution else None
        x = _cube(m, years, col) if col is not None else None
        return Status.time_limit, x, None, False, build, first.seconds, first.detail
    col = np.asarray(highs.getSolution().col_value)
    bound = float(col @ m.objective_coef)
    tick = time.perf_counter()
    preferred = False
    if run.options.tie_break:
        col, preferred = _prefer(highs, m, data, run, col)
    x = _cube(m, years, col)
    seconds = first.seconds + time.perf_counter() - tick
    if data.integer:
        whole = (round_years(years, m, x)
                 if run.options.integer_method == IntegerMethod.round else None)
        if whole is None:  # the rounding cannot meet the floors: HiGHS's branch and bound
            return _mip(years, run, bound, build, seconds)
        x = whole
    return Status.optimal, x, bound, preferred, build, seconds, first.detail


def _mip(years: Years, run: RunContext, bound: float, build: float,
         seconds: float) -> tuple[Status, np.ndarray | None, float | None, bool, float, float, str]:
    """The block's MIP (whole new enrolments), under the time left and the run's gap."""
    start = time.perf_counter()
    m = build_years_model(years, mip=True)
    build += time.perf_counter() - start
    mip = run_highs(m.built, run.remaining_s(), gap_rel=run.options.gap_rel,
                    threads=run.options.threads, mip=True)
    seconds += mip.seconds
    if mip.status == Status.infeasible:
        return Status.infeasible, None, None, False, build, seconds, mip.detail
    if not mip.has_solution:
        return Status.time_limit, None, bound, False, build, seconds, mip.detail
    highs = solver_model(m.built)
    col = np.round(np.asarray(highs.getSolution().col_value))
    col[m.n_x:] = np.asarray(highs.getSolution().col_value)[m.n_x:]
    dual = float(highs.getInfo().mip_dual_bound) * (
        1.0 if years.base.objective == Objective.max_protection else MONEY_UNIT_IDR)
    if np.isfinite(dual):
        bound = (min if years.base.objective == Objective.max_protection else max)(bound, dual)
    status = Status.optimal if mip.status == Status.optimal else Status.time_limit
    return status, _cube(m, years, col), bound, False, build, seconds, "mip"


def _cube(m: YearModel, years: Years, col: np.ndarray) -> np.ndarray:
    data = years.base
    x = np.zeros((len(m.accounts), data.n, len(data.groups), len(data.packages), years.T))
    np.add.at(x, (m.ca, m.cv, m.cg, m.cp, m.cs), np.maximum(col[: m.n_x], 0.0))
    return x


def _prefer(highs: highspy.Highs, m: YearModel, data: Arrays, run: RunContext,
            col: np.ndarray) -> tuple[np.ndarray, bool]:
    """Among optimal plans the least APBD pool money, then (max_protection) the fewest rupiah:
    each pass holds the one before to within PASS_SLACK by a row and re-solves from HiGHS's basis."""
    pool = m.pool_cost / MONEY_UNIT_IDR
    rupiah = m.total_cost / MONEY_UNIT_IDR
    passes = [pool] if data.objective == Objective.min_cost else [pool, rupiah]
    return held_passes(highs, m.built, col, passes, run)


# --- whole workers -----------------------------------------------------------------------------


def round_years(years: Years, m: YearModel, x: np.ndarray) -> np.ndarray | None:
    """Whole workers: the funded counts of each year rounded down (so nobody enrolled is dropped
    later), then the floors of each year bought at the cheapest account and package, then
    (max_protection) the most protection per rupiah with the money left. None when the floors
    cannot be met this way."""
    data, T = years.base, years.T
    funded = np.floor(np.cumsum(x, axis=-1) + _EPS)
    x = np.diff(funded, axis=-1, prepend=0.0)
    A, n, G, P = x.shape[:4]
    money = _money_left(years, m.accounts, x)  # own: (A, T, n); pool: (T, K)
    own_left, pool_left = money
    is_pool = [sources == (POOL,) for sources in m.accounts]
    source_of = [sources[0] for sources in m.accounts]
    in_group = x.sum(axis=(0, 3, 4))  # (n, G)

    def affordable(a: int, v: int, g: int, p: int, s: int) -> float:
        most = np.inf
        k = int(data.pool_of[v])
        for t in range(s, T):
            c = years.cost[source_of[a], t, g, p]
            if c <= 0:
                continue
            have = pool_left[t, k] if is_pool[a] else (
                own_left[a, t, v] + (pool_left[t, k] if years.uniform else 0.0))
            most = min(most, np.floor((have + _EPS * max(1.0, abs(have))) / c))
        return max(most, 0.0)

    def buy(a: int, v: int, g: int, p: int, s: int, wanted: float) -> float:
        k_max = min(wanted, np.floor(data.uninsured[v, g] - in_group[v, g] + _EPS),
                    affordable(a, v, g, p, s))
        if k_max <= 0:
            return 0.0
        x[a, v, g, p, s] += k_max
        in_group[v, g] += k_max
        pool_k = int(data.pool_of[v])
        for t in range(s, T):
            spend = k_max * years.cost[source_of[a], t, g, p]
            if is_pool[a]:
                pool_left[t, pool_k] -= spend
                continue
            own = min(spend, max(own_left[a, t, v], 0.0))
            own_left[a, t, v] -= own
            pool_left[t, pool_k] -= spend - own  # only in the uniform case can this be > 0
        return float(k_max)

    options = [(a, p) for a in range(A) for p in range(P)]

    def cheapest(v: int, g: int, s: int) -> list[tuple[int, int]]:
        return sorted(options, key=lambda ap: (
            years.cost[source_of[ap[0]], s:, g, ap[1]].sum(), ap[0], ap[1]))

    def fill(cells: Iterable[tuple[int, int]], t: int, missing: float) -> float:
        """Buy up to `missing` workers in year t over `cells` (village, group) in their order,
        each at its cheapest account and package first; what is still missing."""
        for v, g in cells:
            for a, p in cheapest(v, g, t):
                missing -= buy(a, v, g, p, t, missing)
                if missing <= _EPS:
                    return missing
        return missing

    for t in range(T):  # the floors of each year, bought in that year (the cheapest)
        covered = x[..., : t + 1].sum(axis=(0, 3, 4))  # (n, G)
        for v, g in zip(*np.nonzero(years.group_need > covered + _EPS), strict=True):
            if fill([(int(v), int(g))], t, years.group_need[v, g] - covered[v, g]) > _EPS:
                return None
        covered_v = x[..., : t + 1].sum(axis=(0, 2, 3, 4))
        for v in np.nonzero(years.total_need[t] > covered_v + _EPS)[0].tolist():
            by_value = np.argsort(-data.objective_coef()[v, :, 0], kind="stable").tolist()
            if fill([(v, g) for g in by_value], t, years.total_need[t, v] - covered_v[v]) > _EPS:
                return None
        missing = years.min_new[t] - x[..., : t + 1].sum()
        if missing > _EPS:
            every = ((v, g) for v in range(n) for g in range(G))
            if fill(every, t, missing) > _EPS:
                return None
    if data.objective == Objective.max_protection:
        candidates = []
        for a, v, g, p, s in zip(m.ca, m.cv, m.cg, m.cp, m.cs, strict=True):
            value = float(data.objective_coef()[v, g, p]) * (T - s)
            rupiah = float(years.cost[source_of[a], s:, g, p].sum())
            if value > 0 and rupiah > 0:
                candidates.append((-value / rupiah, int(v), int(g), int(s), int(a), int(p)))
        candidates.sort()
        for _, v, g, s, a, p in candidates:
            buy(a, v, g, p, s, np.inf)
    return x


def _money_left(years: Years, accounts: list[tuple[int, ...]],
                x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Own accounts' money left (A, T, n) and each pool's (T, K) after paying for x."""
    data, T = years.base, years.T
    funded = np.cumsum(x, axis=-1)
    own = np.zeros((len(accounts), T, data.n))
    pool_left = years.pool.copy()
    for a, sources in enumerate(accounts):
        cost = years.cost[sources[0]]  # (T, G, P)
        spend = np.einsum("vgpt,tgp->tv", funded[a], cost)
        if sources == (POOL,):
            for t in range(T):
                pool_left[t] -= np.bincount(data.pool_of, weights=spend[t],
                                            minlength=len(data.pool_names))
            continue
        cap = _own_cap(years, sources)
        own[a] = cap - spend
        if years.uniform:
            over = np.maximum(-own[a], 0.0)
            for t in range(T):
                pool_left[t] -= np.bincount(data.pool_of, weights=over[t],
                                            minlength=len(data.pool_names))
            own[a] = np.maximum(own[a], 0.0)
    return own, pool_left


# --- the plan ----------------------------------------------------------------------------------


def paid_by_source(years: Years, accounts: list[tuple[int, ...]],
                   x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Funded workers by source (3, n, G, P, T) and what dana desa, ADD and the pool pay each
    village each year (T, n): dana desa first, then ADD, then (uniform premiums) the pool."""
    data, T = years.base, years.T
    funded = np.cumsum(x, axis=-1)
    by_source = np.zeros((3, *funded.shape[1:]))
    paid = np.zeros((3, T, data.n))
    for a, sources in enumerate(accounts):
        cost = years.cost[sources[0]]
        spend = np.einsum("vgpt,tgp->tv", funded[a], cost)
        if len(sources) == 1 and not years.uniform:
            by_source[sources[0]] += funded[a]
            paid[sources[0]] += spend
            continue
        y = np.minimum(spend, years.cap_dd)
        w = np.minimum(spend - y, years.cap_add)
        z = spend - y - w
        for s, part in ((DANA_DESA, y), (ADD, w), (POOL, z)):
            share = np.divide(part, spend, out=np.zeros_like(spend), where=spend > 0)  # (T, n)
            by_source[s] += funded[a] * share.T[:, None, None, :]
            paid[s] += part
    return by_source, paid[DANA_DESA], paid[ADD], paid[POOL]


def solve_years(problem: Problem, run: RunContext, canonical: Problem,
                base: dict[str, Any], back: np.ndarray) -> Plan:
    """The multi-year plan of a canonical problem; `back` maps the table's villages to it."""
    start = time.perf_counter()
    years = prepare_years(canonical)
    data = years.base
    unsolved = Method.lp_rounded if data.integer else Method.lp
    run.report("prepare", data.n, data.n)
    explanations = []
    for t in range(years.T):
        label = _year_label(years, t)
        for e in explain_infeasibility(years.year(t), canonical.table.villages):
            explanations.append(e.model_copy(update={"message": f"{label}: {e.message}"}))
    if explanations:
        return Plan(status=Status.infeasible, objective=None, explanations=explanations,
                    message=explanations[0].message, method=unsolved,
                    build_seconds=time.perf_counter() - start, total_seconds=run.elapsed_s(),
                    **base)
    blocks = split_blocks(data)
    for villages in blocks:
        shared = len(data.pool_names) == 1 and (years.pool > 0).any()
        if shared and len(villages) >= run.options.price_pool_min_villages:
            raise ScenarioError([InputIssue(
                field="multi_year",
                message=f"a multi-year plan with one APBD pool shared by {len(villages):,} "
                        f"villages is not solved yet (the pool's price is for one-year plans): "
                        f"give the pool per kabupaten (budget.apbd_pool_idr as an object), or "
                        f"plan fewer than {run.options.price_pool_min_villages:,} villages")])
    shape = (data.n, len(data.groups), len(data.packages), years.T)
    x_src = np.zeros((3, *shape))
    new = np.zeros(shape)
    y = np.zeros((years.T, data.n))
    w, z = np.zeros_like(y), np.zeros_like(y)
    statuses, bounds, preferred_all, used_mip = [], [], True, False
    build_s = solve_s = 0.0
    run.report("blocks", 0, len(blocks))
    for i, villages in enumerate(blocks):
        sub = years.subset(villages)
        status, x, bound, preferred, b_s, s_s, detail = solve_years_block(sub, run)
        used_mip |= detail == "mip"
        build_s, solve_s = build_s + b_s, solve_s + s_s
        if status == Status.infeasible:
            return Plan(status=Status.infeasible, objective=None, method=Method.lp,
                        message=_infeasible_message(sub, villages), blocks=len(blocks),
                        explanations=[Explanation(constraint="solver",
                                                  message=_infeasible_message(sub, villages))],
                        build_seconds=build_s, solve_seconds=solve_s,
                        total_seconds=run.elapsed_s(), **base)
        if x is None:
            return Plan(status=Status.time_limit, objective=None, method=unsolved,
                        message="The time limit came before a plan of every year that meets every "
                                "floor was found; allow more time.", blocks=len(blocks),
                        build_seconds=build_s, solve_seconds=solve_s,
                        total_seconds=run.elapsed_s(), **base)
        accounts = accounts_of(sub)
        src, y_b, w_b, z_b = paid_by_source(sub, accounts, x)
        x_src[:, villages], new[villages] = src, x.sum(axis=0)
        y[:, villages], w[:, villages], z[:, villages] = y_b, w_b, z_b
        statuses.append(status)
        bounds.append(bound)
        preferred_all &= preferred
        run.report("blocks", i + 1, len(blocks))

    funded_src = x_src  # funded workers by source and year
    run.report("check", 0, 1)
    tick = time.perf_counter()
    check = check_years(years, new, funded_src.sum(axis=0), funded_src, y, w, z,
                        run.options.feasibility_tolerance)
    funded = np.cumsum(new, axis=-1)  # what the plan reports: exactly last year's and the new
    check_s = time.perf_counter() - tick
    run.report("check", 1, 1)
    weights = (years.T - np.arange(years.T))
    if data.objective == Objective.min_cost:
        objective = float((y + w + z).sum())
    else:
        objective = float((new * data.objective_coef()[..., None] * weights).sum())
    status = Status.optimal if all(s == Status.optimal for s in statuses) else Status.time_limit
    bound = float(sum(b for b in bounds if b is not None)) if None not in bounds else None
    if not check.ok:
        status = Status.error
    method = Method.mip if used_mip else unsolved
    if status == Status.error:
        message = ("The solver's plan breaks a constraint, so no targets are given: "
                   + "; ".join(check.violations[:3]))
    else:
        message = (f"A plan over {years.T} years: every worker enrolled stays funded in the "
                   f"plan's later years.")
        if method == Method.lp_rounded:
            message += " Optimal continuous plan rounded to whole workers; see gap_to_lp_bound."
        elif method == Method.mip:
            message += (" Whole workers from HiGHS's branch and bound, where rounding the LP "
                        "could not meet every floor; see gap_to_lp_bound.")

    # yearly figures in whole rupiah, each source's total kept (as the one-year plan)
    for t in range(years.T):
        y[t], w[t], z[t], _ = whole_rupiah(years.year(t), y[t], w[t], z[t])
    table = problem.table
    group_back = [data.groups.index(g) for g in table.groups]
    data_t = data.subset(back, with_target=True).with_groups(group_back)
    new_t = new[back][:, group_back]
    funded_t = funded[back][:, group_back]
    plan_new = new_t.sum(axis=-1)
    ys, ws, zs = y.sum(axis=0)[back], w.sum(axis=0)[back], z.sum(axis=0)[back]
    village_years = _village_years(table, data_t, years, new_t, funded_t, y[:, back],
                                   w[:, back], z[:, back])
    year_totals = _year_totals(years, new, funded, y, w, z)
    pools = [PoolUse(kabupaten=name, pool_idr=float(years.pool[:, k].sum()),
                     spent_idr=float(np.bincount(data.pool_of, weights=z.sum(axis=0),
                                                 minlength=len(data.pool_names))[k]))
             for k, name in enumerate(data.pool_names)]
    return Plan(
        status=status, objective=objective, message=message, method=method, lp_bound=bound,
        gap_to_lp_bound=(abs(bound - objective) / max(1.0, abs(bound))) if bound is not None else None,
        check=check, check_seconds=check_s, total_seconds=run.elapsed_s(), preferred=preferred_all,
        build_seconds=build_s,
        solve_seconds=solve_s, blocks=len(blocks),
        totals=totals(data_t, plan_new, ys, ws, zs),
        villages=village_plans(table, data_t, plan_new, ys, ws, zs, None),
        pools=pools, group_reasons=group_reasons(data_t, plan_new),
        new_by_source={s.value: float(np.diff(funded_src[i], axis=-1, prepend=0.0).sum())
                       for i, s in enumerate(SOURCES)} if not years.uniform else {},
        years=year_totals, village_years=village_years, **base)


def _year_label(years: Years, t: int) -> str:
    fiscal = years.fiscal_years[t]
    return f"Year {t + 1}" + (f" ({fiscal})" if fiscal is not None else "")


def _infeasible_message(years: Years, villages: np.ndarray) -> str:
    pools = sorted({years.base.pool_names[k] for k in np.unique(years.base.pool_of).tolist()})
    where = ", ".join(p for p in pools if p) or "the table"
    return (f"HiGHS proved that no plan for the {len(villages)} villages in {where} keeps every "
            f"worker funded and meets every year's floors and targets with each year's money, "
            f"although each year's money alone would suffice: the later years need more money, "
            f"or lower floors.")


def _whole(value: float) -> float:
    rounded = round(value)
    return float(rounded) if abs(value - rounded) < _EPS else float(value)


def _village_years(table: Any, data: Arrays, years: Years, new: np.ndarray, funded: np.ndarray,
                   y: np.ndarray, w: np.ndarray, z: np.ndarray) -> list[VillageYear]:
    """Per village and year (the table's order): only the non-zero counts, walked once each."""
    total = (data.uninsured + data.enrolled).sum(axis=1)
    enrolled = data.enrolled.sum(axis=1)
    T = years.T
    by_new: list[dict[str, dict[str, float]]] = [{} for _ in range(data.n * T)]
    by_funded: list[dict[str, dict[str, float]]] = [{} for _ in range(data.n * T)]
    for counts, into in ((new, by_new), (funded, by_funded)):
        at = np.nonzero(counts > _EPS)
        values = counts[at].tolist()
        for v, g, p, t, value in zip(*(i.tolist() for i in at), values, strict=True):
            into[v * T + t].setdefault(data.groups[g], {})[data.packages[p]] = _whole(value)
    new_sum = new.sum(axis=(1, 2))  # (n, T)
    funded_sum = funded.sum(axis=(1, 2))
    covered = enrolled[:, None] + funded_sum
    out = []
    construct = VillageYear.model_construct
    for i, village in enumerate(table.villages):
        for t in range(T):
            out.append(construct(
                village_code=village.village_code, year=t + 1, fiscal_year=years.fiscal_years[t],
                new_enrollments=_whole(float(new_sum[i, t])),
                funded=_whole(float(funded_sum[i, t])),
                enrollments=by_new[i * T + t], funded_by=by_funded[i * T + t],
                spend_dana_desa_idr=float(y[t, i]), spend_add_idr=float(w[t, i]),
                spend_apbd_idr=float(z[t, i]),
                coverage_after=float(covered[i, t] / total[i]) if total[i] > 0 else None))
    return out


def _year_totals(years: Years, new: np.ndarray, funded: np.ndarray, y: np.ndarray,
                 w: np.ndarray, z: np.ndarray) -> list[YearTotals]:
    data = years.base
    total = float((data.uninsured + data.enrolled).sum())
    enrolled = float(data.enrolled.sum())
    return [YearTotals(
        year=t + 1, fiscal_year=years.fiscal_years[t], months=years.months[t],
        new_enrollments=_whole(float(new[..., t].sum())),
        funded=_whole(float(funded[..., t].sum())),
        spend_dana_desa_idr=float(y[t].sum()), spend_add_idr=float(w[t].sum()),
        spend_apbd_idr=float(z[t].sum()), cap_dana_desa_idr=float(years.cap_dd[t].sum()),
        cap_add_idr=float(years.cap_add[t].sum()), pool_idr=float(years.pool[t].sum()),
        coverage_after=(enrolled + float(funded[..., t].sum())) / total if total > 0 else None,
        min_coverage=float(years.min_coverage[t]), min_new_enrollments=float(years.min_new[t]))
        for t in range(years.T)]


__all__ = ["Years", "build_years_model", "is_multi_year", "prepare_years", "refuse_multi_year",
           "round_years", "solve_years"]
