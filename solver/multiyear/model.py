"""The LP of one block of a multi-year plan, its order of preference and its MIP."""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np

from models import (
    IntegerMethod,
    Objective,
    Status,
)
from solver.context import RunContext
from solver.data import Arrays
from solver.marginals import lp_marginals
from solver.model import GE, LE, MONEY_UNIT_IDR, BuiltModel, _add_rows
from solver.multiyear.data import POOL, Years, _own_cap, accounts_of
from solver.multiyear.rounding import round_years
from solver.preference import prefer_measures
from solver.run import run_highs
from solver.solution import solver_model


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
    ids: np.ndarray  # HiGHS's columns (and `solver.model.to_problem`'s variables): the x, then the z
    objective_coef: np.ndarray  # the objective per column (min_cost: rupiah)
    total_cost: np.ndarray  # rupiah per column over the plan (x: every year from s on; z: 0)
    pool_cost: np.ndarray  # rupiah of pool money per column over the plan


def build_years_model(years: Years, mip: bool = False) -> YearModel:
    """The block's LP (the module's docstring), rows per family as sparse matrices."""
    data, T = years.base, years.T
    n, G, P = data.n, len(data.groups), len(data.packages)
    accounts = accounts_of(years)
    A = len(accounts)
    pool_money = years.pool[:, data.pool_of] > 0  # (T, n)
    has = np.zeros((A, n), dtype=bool)
    for a, sources in enumerate(accounts):
        has[a] = pool_money.any(axis=0) if sources == (POOL,) else (_own_cap(years, sources) > 0).any(axis=0)
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
    cost_x = (
        years.cost[source_of[ca][:, None], np.arange(T)[None, :], cg[:, None], cp[:, None]]
        if n_x
        else np.zeros((0, T))
    )  # (n_x, T) premiums in each year
    active = np.arange(T)[None, :] >= cs[:, None]  # (n_x, T): funded in year t
    total_cost = (cost_x * active).sum(axis=1)
    is_pool = (
        np.array([sources == (POOL,) for sources in accounts], dtype=bool)[ca]
        if n_x
        else np.zeros(0, dtype=bool)
    )
    pool_cost = np.where(is_pool, total_cost, 0.0)

    zv = zt = np.zeros(0, dtype=np.int64)
    if years.uniform:
        zt, zv = np.nonzero(pool_money & (np.bincount(cv, minlength=n) > 0)[None, :])
    n_z = len(zv)

    # HiGHS's columns: the x, then the z (`solver.run.pass_model`; whole numbers for the x only)
    ids = np.arange(n_x + n_z, dtype=np.int64)
    if data.objective == Objective.min_cost:
        coef = total_cost.copy()
        col_cost = np.concatenate([total_cost / MONEY_UNIT_IDR, np.zeros(n_z)])
    else:
        coef = (data.objective_coef()[cv, cg, cp] * (T - cs)) if n_x else np.zeros(0)
        col_cost = np.concatenate([coef, np.zeros(n_z)])
    built = BuiltModel(
        xv=cv,
        xg=cg,
        xp=cp,
        x_start=np.searchsorted(cv, np.arange(n + 1)),
        zv=zv,
        objective_coef=coef,
        x_ids=ids[:n_x],
        z_ids=ids[n_x:],
        col_upper=np.full(n_x + n_z, np.inf),
        maximize=data.objective != Objective.min_cost,
        integer=mip,
        col_cost=col_cost,
        name="desaplan_years",
    )
    m = YearModel(
        built=built,
        accounts=accounts,
        cv=cv,
        cg=cg,
        cp=cp,
        ca=ca,
        cs=cs,
        n_x=n_x,
        zv=zv,
        zt=zt,
        ids=ids,
        objective_coef=np.concatenate([coef, np.zeros(n_z)]),
        total_cost=np.concatenate([total_cost, np.zeros(n_z)]),
        pool_cost=np.concatenate([pool_cost, np.ones(n_z) * 0.0]),
    )
    m.pool_cost[n_x:] = MONEY_UNIT_IDR  # z is in millions of rupiah
    if not n_x:
        return m
    rows_x = np.arange(n_x)
    _rows(m, cv * G + cg, rows_x, np.ones(n_x), data.uninsured.reshape(-1), LE, n * G)  # 1
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
        ids, keys = _rows(
            m,
            r_keys,
            c_idx,
            c_val,
            _own_cap(years, sources).reshape(-1) / MONEY_UNIT_IDR,
            LE,
            T * n,
        )
        if a == 0:  # the village's own money (dana desa and ADD where they pay alike), by year
            m.built.budget_row_ids, m.built.budget_v = ids, keys
    # 4: per pool and year, its villages' z, or the premiums of the pool's own workers
    K = len(data.pool_names)
    if years.uniform and n_z:
        m.built.pool_row_ids, m.built.pool_k = _rows(
            m,
            zt * K + data.pool_of[zv],
            n_x + np.arange(n_z),
            np.ones(n_z),
            years.pool.reshape(-1) / MONEY_UNIT_IDR,
            LE,
            T * K,
        )
    elif (POOL,) in accounts:
        sel = ca[xs] == accounts.index((POOL,))
        m.built.pool_row_ids, m.built.pool_k = _rows(
            m,
            ts[sel] * K + data.pool_of[cv[xs[sel]]],
            xs[sel],
            cost_x[xs[sel], ts[sel]] / MONEY_UNIT_IDR,
            years.pool.reshape(-1) / MONEY_UNIT_IDR,
            LE,
            T * K,
        )
    # 5-7: floors and targets on the workers funded by year t; F only grows, so a floor no higher
    # than an earlier year's holds already and needs no row (the check still checks every year)
    _rows(
        m,
        ts * n + cv[xs],
        xs,
        np.ones(len(xs)),
        _rising(years.total_need).reshape(-1),
        GE,
        T * n,
        only_positive=True,
    )
    first = ts == 0  # the group floors are the same every year: year 1's rows hold them all
    _rows(
        m,
        cv[xs[first]] * G + cg[xs[first]],
        xs[first],
        np.ones(int(first.sum())),
        years.group_need.reshape(-1),
        GE,
        n * G,
        only_positive=True,
    )
    _rows(
        m,
        ts,
        xs,
        np.ones(len(xs)),
        _rising(years.min_new[:, None])[:, 0],
        GE,
        T,
        only_positive=True,
    )
    return m


def _rising(need: np.ndarray) -> np.ndarray:
    """(T, ...) each year's need where it is above every earlier year's, else 0 (no row)."""
    earlier = np.maximum.accumulate(need, axis=0)
    before = np.concatenate([np.full_like(need[:1], -np.inf), earlier[:-1]])
    return np.where(need > before, need, 0.0)


def _rows(
    m: YearModel,
    keys: np.ndarray,
    columns: np.ndarray,
    coefs: np.ndarray,
    rhs: np.ndarray,
    sense: int,
    n_keys: int,
    only_positive: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Rows sum_{k: keys[k] = r} coefs[k] col[columns[k]] (sense) rhs[r], for the rows that have
    a column (and, with `only_positive`, a right side > 0). Returns their ids (HiGHS's rows) and
    keys."""
    import scipy.sparse as sp  # a multi-year plan's only use of it

    none = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    if not len(keys):
        return none
    matrix = sp.csr_matrix((coefs, (keys, columns)), shape=(n_keys, len(m.ids)))
    matrix.sum_duplicates()
    matrix.sort_indices()
    lens = np.diff(matrix.indptr)
    live = lens > 0
    if only_positive:
        live &= rhs > 0
    rows = np.flatnonzero(live)
    if not len(rows):
        return none
    sub = matrix[rows]
    ids = _add_rows(
        m.built,
        sub.indptr.astype(np.int64),
        m.ids[sub.indices],
        sub.data,
        np.asarray(rhs, float)[rows],
        sense,
    )
    return np.asarray(ids, dtype=np.int64), rows.astype(np.int64)


@dataclass
class YearMarginals:
    """What one more rupiah buys in each year (the LP's, before the order of preference): per
    village (T, n) for its own money of that year, per pool and year (T, K); NaN where the row is
    not in the block (a village without uninsured workers, a pool without money)."""

    village: np.ndarray  # (3, T, n): objective and new enrolments per Rp1 million, range (rupiah)
    pool: np.ndarray  # (3, T, K)


def solve_years_block(
    years: Years, run: RunContext, marginals: list[YearMarginals] | None = None
) -> tuple[Status, np.ndarray | None, float | None, bool, float, float, str]:
    """One block: status, x (A, n, G, P, T) new enrolments by account, the LP bound, whether the
    order of preference was walked to its end, seconds building and solving, HiGHS's word. With
    `marginals` (a list), the LP's marginal values per year are appended to it, where every source
    pays alike (one own account; as one-year plans, none where premiums differ by who pays)."""
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
    if marginals is not None and years.uniform:
        read = _year_marginals(highs, m, years)
        if read is not None:
            marginals.append(read)
            col = np.asarray(highs.getSolution().col_value)
    preferred = False
    if run.options.tie_break:
        col, preferred = _prefer(highs, m, data, run, col)
    x = _cube(m, years, col)
    seconds = first.seconds + time.perf_counter() - tick
    if data.integer:
        whole = round_years(years, m, x) if run.options.integer_method == IntegerMethod.round else None
        if whole is None:  # the rounding cannot meet the floors: HiGHS's branch and bound
            return _mip(years, run, bound, build, seconds)
        x = whole
    return Status.optimal, x, bound, preferred, build, seconds, first.detail


def _year_marginals(highs: highspy.Highs, m: YearModel, years: Years) -> YearMarginals | None:
    """`solver.marginals.lp_marginals` on the rows of every year: the keys t * n + v of the
    villages' own money and t * K + k of the pools stand for the villages and pools."""
    data, T = years.base, years.T
    K = len(data.pool_names)
    read = lp_marginals(highs, m.built, T * max(data.n, K), data.objective, exact_pools=False)
    if read is None:
        return None
    village = np.full((3, T * data.n), np.nan)
    keys = m.built.budget_v
    village[:, keys] = np.stack(
        [read.value_per_million[keys], read.workers_per_million[keys], read.range_idr[keys]]
    )
    pool = np.full((3, T * K), np.nan)
    for key, pm in read.pools.items():
        pool[:, key] = (pm.value_per_million, pm.workers_per_million, pm.range_idr)
    return YearMarginals(village=village.reshape(3, T, data.n), pool=pool.reshape(3, T, K))


def _mip(
    years: Years, run: RunContext, bound: float, build: float, seconds: float
) -> tuple[Status, np.ndarray | None, float | None, bool, float, float, str]:
    """The block's MIP (whole new enrolments), under the time left and the run's gap."""
    start = time.perf_counter()
    m = build_years_model(years, mip=True)
    build += time.perf_counter() - start
    mip = run_highs(
        m.built, run.remaining_s(), gap_rel=run.options.gap_rel, threads=run.options.threads, mip=True
    )
    seconds += mip.seconds
    if mip.status == Status.infeasible:
        return Status.infeasible, None, None, False, build, seconds, mip.detail
    if not mip.has_solution:
        return Status.time_limit, None, bound, False, build, seconds, mip.detail
    highs = solver_model(m.built)
    col = np.round(np.asarray(highs.getSolution().col_value))
    col[m.n_x :] = np.asarray(highs.getSolution().col_value)[m.n_x :]
    dual = float(highs.getInfo().mip_dual_bound) * (
        1.0 if years.base.objective == Objective.max_protection else MONEY_UNIT_IDR
    )
    if np.isfinite(dual):
        bound = (min if years.base.objective == Objective.max_protection else max)(bound, dual)
    status = Status.optimal if mip.status == Status.optimal else Status.time_limit
    return status, _cube(m, years, col), bound, False, build, seconds, "mip"


def _cube(m: YearModel, years: Years, col: np.ndarray) -> np.ndarray:
    data = years.base
    x = np.zeros((len(m.accounts), data.n, len(data.groups), len(data.packages), years.T))
    np.add.at(x, (m.ca, m.cv, m.cg, m.cp, m.cs), np.maximum(col[: m.n_x], 0.0))
    return x


def _prefer(
    highs: highspy.Highs, m: YearModel, data: Arrays, run: RunContext, col: np.ndarray
) -> tuple[np.ndarray, bool]:
    """Among optimal plans the least APBD pool money, then (max_protection) the fewest rupiah:
    each pass on the optimal face of the ones before (`solver.preference.prefer_measures`), then
    the even sharing on the face that is left."""
    pool = m.pool_cost / MONEY_UNIT_IDR
    rupiah = m.total_cost / MONEY_UNIT_IDR
    passes = [pool] if data.objective == Objective.min_cost else [pool, rupiah]
    # then the even sharing: the least sum x^2 / U[v,g] over the new enrolments of every year, so
    # equally valued villages and groups get equal shares of their uninsured workers and the plan
    # does not depend on the order of the table
    objective = m.built.col_cost * (-1.0 if m.built.maximize else 1.0)
    chosen = prefer_measures(highs, m.built, data, run, objective, passes)
    return np.maximum(chosen.col_value, 0.0), chosen.complete
