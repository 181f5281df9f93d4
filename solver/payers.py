"""Premiums that depend on who pays: enrolments per paying account.

Where the contribution rules make a worker cost less when the village pays than when the kabupaten's
APBD pool pays (PP 50/2025 halves JKK and JKM for BPU members, except contributions paid through the
APBN or APBD), one budget row per village, paid afterwards from dana desa, then ADD, then the pool,
cannot see the difference: the LP must know which money pays for which worker. So enrolments get a
paying account a: the village's own money (dana desa and ADD together when they pay the same
premiums, each on its own when they do not) or its kabupaten's pool, each at its own cost
c[a,g,p] (which may also depend on the group's sector):

    x[a,v,g,p] >= 0, only where account a of village v holds money and U[v,g] > 0
    1. sum_{a,p} x[a,v,g,p] <= U[v,g]
    2-3. sum_{g,p} c[a,g,p] x[a,v,g,p] <= cap[a,v]       each own account of each village
    4. sum_{v in k} sum_{g,p} c[pool,g,p] x[pool,v,g,p] <= pool[k]
    5-7. the coverage floors, group floors and target of the contract, on sum_a x[a,v,g,p]

Every scenario whose premiums are the same for every source and group never comes here: it builds
the contract's model exactly (`solver.model`). This path solves each block whole (no pricing of the
pool) and has what the contract's model has:
- the order of preference of `solver.preference` (least APBD pool money, fewest rupiah, then the
  even sharing, the least sum of x[a,v,g,p]^2 / U[v,g]), so equally valued villages and groups get
  the same share and no order of rows or columns can change the plan;
- marginal values from the LP's basis (`solver.marginals`): per village, one more million of the
  money that pays first (its first own account: dana desa, with ADD where they pay alike; ADD
  where it has no dana desa), per pool one more million and the exact +Rp1 billion re-solve;
- the floors-first fallback where the time limit cuts a block short (`floors_first`);
- remedies worked out on this model itself (`solver.payer_infeasible`).
Whole workers come from rounding the LP down and buying the floors, the target and then the best
workers with the money left (each worker paid by one account), or from HiGHS's MIP where that
fails or `--integer-method mip` asks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from models import IntegerMethod, Method, Objective, Status
from solver.block import BlockResult
from solver.context import RunContext
from solver.data import Arrays
from solver.marginals import BlockMarginals, lp_marginals
from solver.model import GE, LE, MONEY_UNIT_IDR, BuiltModel, _add_rows
from solver.preference import Passes, prefer
from solver.run import run_highs
from solver.solution import solver_model

_EPS = 1e-6
DANA_DESA, ADD, POOL = 0, 1, 2


@dataclass
class PayerModel:
    built: BuiltModel
    accounts: list[tuple[int, ...]]  # the sources (indexes of `solver.data.SOURCES`) of each account
    ca: np.ndarray  # account of each column
    cost: np.ndarray  # rupiah per worker of each column
    account_cap: np.ndarray  # (A, n) own accounts' caps; inf for the pool account (its row caps it)

    @property
    def n(self) -> int:
        return len(self.ca)


def accounts_of(data: Arrays) -> list[tuple[int, ...]]:
    """Dana desa and ADD as one account when they pay the same premiums, else one each; the pool."""
    cost = data.payer_cost_idr
    assert cost is not None
    has_dd, has_add = bool((data.cap_dana_desa_idr > 0).any()), bool((data.cap_add_idr > 0).any())
    accounts: list[tuple[int, ...]] = []
    if has_dd and has_add and not np.array_equal(cost[DANA_DESA], cost[ADD]):
        accounts += [(DANA_DESA,), (ADD,)]
    elif has_dd and has_add:
        accounts.append((DANA_DESA, ADD))
    elif has_dd or has_add:
        accounts.append((DANA_DESA,) if has_dd else (ADD,))
    if (data.pool_idr[data.pool_of] > 0).any():
        accounts.append((POOL,))
    return accounts


def build_payer_model(data: Arrays, mip: bool = False) -> PayerModel:
    """The LP (or MIP) of one block with enrolments per paying account (the module's docstring)."""
    assert data.payer_cost_idr is not None
    accounts = accounts_of(data)
    n, n_groups, n_packages = data.n, len(data.groups), len(data.packages)
    cap = np.zeros((len(accounts), n))
    for a, sources in enumerate(accounts):
        if sources == (POOL,):
            cap[a] = np.where(data.pool_idr[data.pool_of] > 0, np.inf, 0.0)
        else:
            cap[a] = sum(data.cap_dana_desa_idr if s == DANA_DESA else data.cap_add_idr for s in sources)
    account_cost = (
        np.stack([data.payer_cost_idr[sources[0]] for sources in accounts])
        if accounts
        else np.zeros((0, n_groups, n_packages))
    )

    # columns sorted by village, group, account, package: a village's and a group's are contiguous
    v_idx, g_idx = np.nonzero(data.uninsured > 0)
    per_vg = len(accounts) * n_packages
    vv, gg = np.repeat(v_idx, per_vg), np.repeat(g_idx, per_vg)
    aa = np.tile(np.repeat(np.arange(len(accounts)), n_packages), len(v_idx))
    pp = np.tile(np.arange(n_packages), len(accounts) * len(v_idx))
    # own accounts get columns in every village (a cap of 0 holds them at 0, and its row's dual is
    # what a first rupiah there would buy); the pool only where the village's pool holds money
    is_pool = np.array([sources == (POOL,) for sources in accounts], dtype=bool)
    keep = ((cap[aa, vv] > 0) | ~is_pool[aa]) if len(vv) else np.zeros(0, dtype=bool)
    cv, cg, ca, cp = vv[keep], gg[keep], aa[keep], pp[keep]
    cost = account_cost[ca, cg, cp] if len(ca) else np.zeros(0)

    if data.objective == Objective.min_cost:
        coef, col_cost = cost.copy(), cost / MONEY_UNIT_IDR
    else:
        coef = data.objective_coef()[cv, cg, cp] if len(cv) else np.zeros(0)
        col_cost = coef.copy()
    built = BuiltModel(
        xv=cv,
        xg=cg,
        xp=cp,
        x_start=np.searchsorted(cv, np.arange(n + 1)),
        zv=np.zeros(0, dtype=np.int64),
        objective_coef=np.ascontiguousarray(coef),
        x_ids=np.arange(len(cv), dtype=np.int64),
        z_ids=np.zeros(0, dtype=np.int64),
        col_upper=np.full(len(cv), np.inf),
        maximize=data.objective != Objective.min_cost,
        integer=mip,
        col_cost=col_cost,
        name="desaplan_payers",
    )
    model = PayerModel(built=built, accounts=accounts, ca=ca, cost=cost, account_cap=cap)
    if not len(cv):
        return model
    _add_group_caps(model, data)  # 1
    _add_own_budgets(model, data)  # 2-3
    _add_pool(model, data)  # 4
    _add_floors_and_target(model, data)  # 5-7
    return model


def _runs(keys: np.ndarray) -> np.ndarray:
    """Starts of the runs of equal keys, and the end."""
    if not len(keys):
        return np.zeros(1, dtype=np.int64)
    return np.append(np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]), len(keys)).astype(np.int64)


def _add_group_caps(m: PayerModel, data: Arrays) -> None:
    """1. sum_{a,p} x[a,v,g,p] <= U[v,g]."""
    b = m.built
    starts = _runs(b.xv * len(data.groups) + b.xg)
    first = starts[:-1]
    _add_rows(b, starts, b.x_ids, np.ones(m.n), data.uninsured[b.xv[first], b.xg[first]], LE)


def _add_own_budgets(m: PayerModel, data: Arrays) -> None:
    """2-3. sum_{g,p} c[a,g,p] x[a,v,g,p] <= cap[a,v] for each own account a (in millions).

    The village's marginal value is read on the row of the money that pays first: its first own
    account (dana desa, with ADD where they pay alike) where it holds money, else its first."""
    b = m.built
    first_row = np.full(data.n, -1, dtype=np.int64)
    held_row = np.full(data.n, -1, dtype=np.int64)
    for a, sources in enumerate(m.accounts):
        if sources == (POOL,):
            continue
        cols = np.flatnonzero(m.ca == a)
        if not len(cols):
            continue
        starts = _runs(b.xv[cols])
        villages = b.xv[cols[starts[:-1]]]
        rows = _add_rows(
            b,
            starts,
            b.x_ids[cols],
            m.cost[cols] / MONEY_UNIT_IDR,
            m.account_cap[a, villages] / MONEY_UNIT_IDR,
            LE,
        )
        first_row[villages] = np.where(first_row[villages] < 0, rows, first_row[villages])
        holds = m.account_cap[a, villages] > 0
        late = holds & (held_row[villages] < 0)
        held_row[villages[late]] = rows[late]
    row = np.where(held_row >= 0, held_row, first_row)
    b.budget_v = np.flatnonzero(row >= 0).astype(np.int64)
    b.budget_row_ids = row[b.budget_v]


def _add_pool(m: PayerModel, data: Arrays) -> None:
    """4. sum_{v in k} sum_{g,p} c[pool,g,p] x[pool,v,g,p] <= pool[k] (in millions)."""
    b = m.built
    if (POOL,) not in m.accounts:
        return
    cols = np.flatnonzero(m.ca == m.accounts.index((POOL,)))
    if not len(cols):
        return
    pools = data.pool_of[b.xv[cols]]
    order = np.argsort(pools, kind="stable")
    cols, pools = cols[order], pools[order]
    starts = _runs(pools)
    b.pool_k = pools[starts[:-1]].astype(np.int64)
    b.pool_row_ids = _add_rows(
        b,
        starts,
        b.x_ids[cols],
        m.cost[cols] / MONEY_UNIT_IDR,
        data.pool_idr[b.pool_k] / MONEY_UNIT_IDR,
        LE,
    )


def _add_floors_and_target(m: PayerModel, data: Arrays) -> None:
    """5. sum x[.,v,.,.] >= total_need[v]; 6. sum x[.,v,g,.] >= group_need[v,g]; 7. sum x >= min_new."""
    b = m.built
    villages = np.nonzero(data.total_need > 0)[0]
    if len(villages):
        lo, hi = b.x_start[villages], b.x_start[villages + 1]
        picked = np.concatenate([np.arange(s, e) for s, e in zip(lo, hi, strict=True)])
        _add_rows(
            b,
            np.append(0, np.cumsum(hi - lo)),
            b.x_ids[picked],
            np.ones(len(picked)),
            data.total_need[villages],
            GE,
        )
    starts = _runs(b.xv * len(data.groups) + b.xg)
    first = starts[:-1]
    need = data.group_need[b.xv[first], b.xg[first]] if len(first) else np.zeros(0)
    rows = np.flatnonzero(need > 0)
    if len(rows):
        picked = np.concatenate([np.arange(starts[r], starts[r + 1]) for r in rows])
        lens = starts[rows + 1] - starts[rows]
        _add_rows(
            b,
            np.append(0, np.cumsum(lens)),
            b.x_ids[picked],
            np.ones(len(picked)),
            need[rows],
            GE,
        )
    if data.min_new > 0:
        _add_rows(b, np.array([0, m.n]), b.x_ids, np.ones(m.n), np.array([data.min_new]), GE)


def by_source(m: PayerModel, data: Arrays, col: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x (n, G, P) and x by source (3, n, G, P). An account of dana desa and ADD together pays
    from dana desa first, then ADD (as `solver.extract.split_sources`); its enrolments are shared
    between the two in proportion, which at equal premiums pays each exactly."""
    assert data.payer_cost_idr is not None
    n, shape = data.n, (len(data.groups), len(data.packages))
    b = m.built
    xa = np.zeros((len(m.accounts), n, *shape))
    np.add.at(xa, (m.ca, b.xv, b.xg, b.xp), col)
    out = np.zeros((3, n, *shape))
    for a, sources in enumerate(m.accounts):
        if sources == (DANA_DESA, ADD):
            spend = (xa[a] * data.payer_cost_idr[DANA_DESA]).sum(axis=(1, 2))
            paid = np.minimum(spend, data.cap_dana_desa_idr)
            share = np.divide(paid, spend, out=np.zeros(n), where=spend > 0)[:, None, None]
            out[DANA_DESA] += xa[a] * share
            out[ADD] += xa[a] * (1.0 - share)
        else:
            out[sources[0]] += xa[a]
    return xa.sum(axis=0), out


def source_spend(data: Arrays, x_by_source: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """y, w, z: what dana desa, ADD and the pool pay for their own enrolments, per village."""
    assert data.payer_cost_idr is not None
    paid = (x_by_source * data.payer_cost_idr[:, None, :, :]).sum(axis=(2, 3))
    return paid[DANA_DESA], paid[ADD], paid[POOL]


def solve_payer_block(data: Arrays, run: RunContext) -> BlockResult:
    """One block with premiums by payer, within the run's deadline."""
    options = run.options
    n, shape = data.n, (len(data.groups), len(data.packages))
    unsolved = Method.lp_rounded if data.integer else Method.lp
    if run.expired():
        return BlockResult(
            status=Status.time_limit,
            x=None,
            bound=None,
            lp_objective=None,
            method=unsolved,
            marginals=None,
            build_seconds=0.0,
            solve_seconds=0.0,
            message="the time limit came before this block was solved",
        )
    start = time.perf_counter()
    model = build_payer_model(data)
    build_seconds = time.perf_counter() - start
    if not model.n:
        return BlockResult(
            status=Status.optimal,
            x=np.zeros((n, *shape)),
            bound=0.0,
            lp_objective=0.0,
            method=unsolved,
            marginals=BlockMarginals(np.zeros(n), np.zeros(n), np.full(n, np.inf)),
            build_seconds=build_seconds,
            solve_seconds=0.0,
            x_by_source=np.zeros((3, n, *shape)),
        )
    first = run_highs(model.built, run.remaining_s(), threads=options.threads, mip=False)
    if first.status == Status.infeasible:
        return BlockResult(
            status=Status.infeasible,
            x=None,
            bound=None,
            lp_objective=None,
            method=Method.lp,
            marginals=None,
            build_seconds=build_seconds,
            solve_seconds=first.seconds,
            message=first.detail,
        )
    if first.status != Status.optimal:
        x = xs = None
        if first.has_solution:
            x, xs = by_source(model, data, np.asarray(solver_model(model.built).getSolution().col_value))
        return BlockResult(
            status=first.status if first.status == Status.error else Status.time_limit,
            x=x,
            bound=None,
            lp_objective=None,
            method=Method.lp,
            marginals=None,
            build_seconds=build_seconds,
            solve_seconds=first.seconds,
            message=first.detail,
            x_by_source=xs,
        )
    highs = solver_model(model.built)
    col = np.asarray(highs.getSolution().col_value)
    lp_objective = float(col @ model.built.objective_coef)
    tick = time.perf_counter()
    # read before the order of preference changes the model (as `solver.block` does)
    marginals = lp_marginals(highs, model.built, n, data.objective)
    preferred = False
    if options.tie_break:
        chosen = prefer(highs, model.built, data, run, passes_of=payer_passes(model, data))
        col, preferred = np.maximum(chosen.col_value, 0.0), chosen.complete
    result = BlockResult(
        status=Status.optimal,
        x=None,
        bound=lp_objective,
        lp_objective=lp_objective,
        method=Method.lp,
        marginals=marginals,
        build_seconds=build_seconds,
        solve_seconds=first.seconds + time.perf_counter() - tick,
        preferred=preferred,
    )
    if data.integer:
        whole = round_payers(data, model, col) if options.integer_method == IntegerMethod.round else None
        if whole is not None:
            col, result.method = whole, Method.lp_rounded
        else:
            return _mip(data, result, run)
    result.x, result.x_by_source = by_source(model, data, col)
    return result


def payer_passes(m: PayerModel, data: Arrays) -> Passes:
    """Passes 2-3 of the order of preference on the payers' columns: the pool money is what the
    pool account's columns cost, the rupiah what every column costs. Always run (no test for a
    constant measure, as the contract's model has)."""
    pool = np.zeros(m.n)
    if (POOL,) in m.accounts:
        at_pool = m.ca == m.accounts.index((POOL,))
        pool[at_pool] = m.cost[at_pool] / MONEY_UNIT_IDR
    return Passes(
        pool=pool,
        pool_applies=bool(pool.any()),
        pool_constant=lambda face: False,
        rupiah=m.cost / MONEY_UNIT_IDR,
        rupiah_applies=data.objective == Objective.max_protection,
        rupiah_constant=lambda face: False,
    )


def feasible(data: Arrays, time_limit_s: float = 60.0, relaxed: bool = False) -> bool:
    """Whether the payers' LP (MIP for whole workers, unless `relaxed`) of these arrays has a
    plan: the exact test behind the remedies where premiums differ by who pays
    (`solver.payer_infeasible`)."""
    mip = data.integer and not relaxed
    model = build_payer_model(data, mip=mip)
    if not model.n:
        return not ((data.total_need > _EPS).any() or (data.group_need > _EPS).any() or data.min_new > _EPS)
    # a MIP stopped by its time limit without a plan counts as none: a remedy then errs high
    result = run_highs(model.built, time_limit_s, mip=mip)
    return result.status == Status.optimal or result.has_solution


def floors_first(data: Arrays) -> tuple[np.ndarray, np.ndarray] | None:
    """The floors-first plan at premiums by who pays: nothing solved, the floors, the target and
    then the best workers bought with the money each account holds (`round_payers` from zero);
    x and x by source, or None when it cannot meet the floors and target."""
    model = build_payer_model(data)
    if not model.n:
        return np.zeros((data.n, len(data.groups), len(data.packages))), np.zeros(
            (3, data.n, len(data.groups), len(data.packages))
        )
    col = round_payers(data, model, np.zeros(model.n))
    return None if col is None else by_source(model, data, col)


def round_payers(data: Arrays, m: PayerModel, col: np.ndarray) -> np.ndarray | None:
    """Whole workers from the LP: round down, buy the floors and the target at the cheapest
    account and package with money left, then (max_protection) the best workers per rupiah. Ties
    by the column's place in the canonical order. None when this cannot meet the floors."""
    b = m.built
    x = np.floor(col + _EPS)
    n_groups = len(data.groups)
    pool_acc = m.accounts.index((POOL,)) if (POOL,) in m.accounts else -1
    own_left = m.account_cap.copy()
    np.subtract.at(own_left, (m.ca, b.xv), m.cost * x)
    pool_spent = np.zeros(len(data.pool_idr))
    at_pool = m.ca == pool_acc
    np.add.at(pool_spent, data.pool_of[b.xv[at_pool]], (m.cost * x)[at_pool])
    pool_left = data.pool_idr - pool_spent
    group_key = b.xv * n_groups + b.xg
    in_group = np.bincount(group_key, weights=x, minlength=data.n * n_groups)
    in_village = np.bincount(b.xv, weights=x, minlength=data.n)

    def affordable(j: int) -> float:
        money = pool_left[data.pool_of[b.xv[j]]] if m.ca[j] == pool_acc else own_left[m.ca[j], b.xv[j]]
        return float(np.floor((money + _EPS * max(1.0, abs(money))) / m.cost[j]))

    def buy(columns: np.ndarray, wanted: float) -> float:
        for j in columns.tolist():
            if wanted <= _EPS:
                break
            room = data.uninsured[b.xv[j], b.xg[j]] - in_group[group_key[j]]
            k = min(wanted, np.floor(room + _EPS), affordable(j))
            if k <= 0:
                continue
            x[j] += k
            in_group[group_key[j]] += k
            in_village[b.xv[j]] += k
            if m.ca[j] == pool_acc:
                pool_left[data.pool_of[b.xv[j]]] -= k * m.cost[j]
            else:
                own_left[m.ca[j], b.xv[j]] -= k * m.cost[j]
            wanted -= k
        return wanted

    order = np.arange(m.n)
    cheapest = np.lexsort((order, m.cost))  # cheapest first, then canonical order
    starts = _runs(group_key)
    for s, e in zip(starts[:-1].tolist(), starts[1:].tolist(), strict=True):  # 6. group floors
        v, g = int(b.xv[s]), int(b.xg[s])
        missing = data.group_need[v, g] - in_group[group_key[s]]
        if missing > _EPS:
            cols = np.arange(s, e)
            if buy(cols[np.lexsort((cols, m.cost[cols]))], missing) > _EPS:
                return None
    coef = b.objective_coef if data.objective == Objective.max_protection else -m.cost
    for v in np.nonzero(data.total_need > 0)[0].tolist():  # 5. coverage floors
        missing = data.total_need[v] - in_village[v]
        if missing > _EPS:
            cols = np.arange(b.x_start[v], b.x_start[v + 1])
            if buy(cols[np.lexsort((cols, m.cost[cols], -coef[cols]))], missing) > _EPS:
                return None
    missing = data.min_new - x.sum()  # 7. the target
    if missing > _EPS and buy(cheapest, missing) > _EPS:
        return None
    if data.objective == Objective.max_protection:
        best = np.lexsort((order, -coef / m.cost))
        buy(best[coef[best] > 0], np.inf)
    return x


def _mip(data: Arrays, result: BlockResult, run: RunContext) -> BlockResult:
    """HiGHS's branch and bound on the model with whole enrolments per account."""
    start = time.perf_counter()
    model = build_payer_model(data, mip=True)
    result.build_seconds += time.perf_counter() - start
    mip = run_highs(
        model.built, run.remaining_s(), gap_rel=run.options.gap_rel, threads=run.options.threads, mip=True
    )
    result.solve_seconds += mip.seconds
    result.method, result.preferred = Method.mip, False
    if mip.status == Status.infeasible or not mip.has_solution:
        result.status = Status.infeasible if mip.status == Status.infeasible else Status.time_limit
        result.x, result.message = None, mip.detail
        return result
    highs = solver_model(model.built)
    col = np.round(np.asarray(highs.getSolution().col_value))
    result.x, result.x_by_source = by_source(model, data, col)
    result.status = mip.status if mip.status == Status.optimal else Status.time_limit
    dual_bound = float(highs.getInfo().mip_dual_bound) * (
        1.0 if data.objective == Objective.max_protection else MONEY_UNIT_IDR
    )
    if np.isfinite(dual_bound) and result.bound is not None:
        tighter = min if data.objective == Objective.max_protection else max
        result.bound = tighter(result.bound, dual_bound)
    result.message = mip.detail
    return result


__all__ = ["PayerModel", "build_payer_model", "feasible", "floors_first", "solve_payer_block", "source_spend"]
