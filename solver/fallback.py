"""A plan for a block the time limit cut short, and a bound to measure it against.

The fallback buys the floors and the target at the cheapest package, then spends what money is left
greedily, best objective per rupiah first: each village's own money on its own best groups, then each
pool's money on the best workers of its villages, in the canonical order where they tie. Whole
workers, so it serves continuous and whole-number scenarios alike, and a plan that meets every
constraint whenever the exact money checks passed. It is vectorised over villages (a loop over at
most groups x packages ranks, never over villages), because it runs when time is already short.
Its bound needs no LP:

- max_protection: a village's objective is at most its best objective per rupiah times what it
  spends, and at most its best objective for every uninsured worker, so
  sum_v min(best_v U_v, ratio_v own_v) + (best ratio of the pool's villages) x pool bounds the block;
- min_cost: the floors and the target cost at least their workers at the cheapest package.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from models import Method, Objective, Status
from solver.block import BlockResult
from solver.check import check_plan
from solver.data import Arrays
from solver.extract import split_sources
from solver.payers import floors_first, source_spend
from solver.rounding import add_where_room, money_left

_EPS = 1e-6


def fallback_block(data: Arrays, result: BlockResult, tolerance: float) -> BlockResult:
    """The block's result with the fallback plan (x None if even that fails the check)."""
    x = fallback_plan(data)
    if x is not None:
        y, w, z = split_sources(data, x)
        if not check_plan(data, x, y, w, z, tolerance).ok:
            x = None
    bound = result.bound if result.bound is not None else simple_bound(data)
    return replace(
        result,
        status=Status.time_limit,
        x=x,
        bound=bound,
        marginals=None,
        method=Method.lp_rounded if data.integer else Method.lp,
        fallback=True,
        preferred=False,
    )


def fallback_payer_block(data: Arrays, result: BlockResult, tolerance: float) -> BlockResult:
    """The same where premiums differ by who pays: the floors-first plan of `solver.payers`, each
    worker paid by one account at its own premium (x None if it fails the check). The bound below
    holds there too: it prices every worker at the cheapest premium any source pays."""
    x = x_src = None
    planned = floors_first(data)
    if planned is not None:
        x, x_src = planned
        y, w, z = source_spend(data, x_src)
        if not check_plan(data, x, y, w, z, tolerance, x_src).ok:
            x = x_src = None
    bound = result.bound if result.bound is not None else simple_bound(data)
    return replace(
        result,
        status=Status.time_limit,
        x=x,
        x_by_source=x_src,
        bound=bound,
        marginals=None,
        method=Method.lp_rounded if data.integer else Method.lp,
        fallback=True,
        preferred=False,
    )


def simple_bound(data: Arrays) -> float:
    """A valid bound on the block's objective without solving it (see the module's docstring)."""
    c_min = float(data.cost_idr.min())
    if data.objective == Objective.min_cost:
        return float(max(data.need.sum(), data.min_new) * c_min)
    coef = data.objective_coef()  # (n, G, P)
    best = coef.max(axis=2)  # (n, G) best objective per worker of each group
    ratio = (coef / data.cost_idr[None, None, :]).max(axis=(1, 2)) if data.n else np.zeros(0)
    by_village = np.minimum((best * data.uninsured).sum(axis=1), ratio * data.own_idr)
    funded = data.pool_idr[data.pool_of] > 0
    best_of_pool = np.zeros(len(data.pool_idr))
    np.maximum.at(best_of_pool, data.pool_of[funded], ratio[funded])
    pool_part = float(best_of_pool @ data.pool_idr)
    return float(by_village.sum() + pool_part)


def fallback_plan(data: Arrays) -> np.ndarray | None:
    """The floors-first plan of the module's docstring; None if it cannot meet the floors and
    target (then the block has no plan)."""
    cost = data.cost_idr
    p0 = int(np.argmin(cost))
    coef = data.objective_coef()
    x = np.zeros((data.n, len(data.groups), len(data.packages)))
    x[:, :, p0] = data.group_need
    add_where_room(data, x, np.maximum(0.0, data.total_need - x.sum(axis=(1, 2))), p0, coef)
    own_left, pool_left = money_left(data, x)
    if (pool_left < -_EPS * np.maximum(1.0, data.pool_idr)).any():
        return None
    own_left = np.maximum(own_left, 0.0)
    missing = float(data.min_new - x.sum())
    if missing > _EPS:
        # the target at the cheapest package: villages' own money first, then their pools
        ones = np.zeros_like(coef)
        ones[:, :, p0] = 1.0
        missing = _spend_own(data, x, ones, own_left, limit=missing)
        if missing > _EPS:
            missing = _spend_pools(data, x, ones, pool_left, limit=missing)
        if missing > _EPS:
            return None
    if data.objective == Objective.max_protection:
        _spend_own(data, x, coef, own_left)
        _spend_pools(data, x, coef, pool_left)
    return x


def _spend_own(
    data: Arrays, x: np.ndarray, coef: np.ndarray, own_left: np.ndarray, limit: float = np.inf
) -> float:
    """Each village buys whole workers with its own money left, best objective per rupiah first;
    at most `limit` in all (in the canonical order of villages). Returns what is left of it."""
    cost = data.cost_idr
    n_groups, n_packages = len(data.groups), len(data.packages)
    ratio = (coef / cost[None, None, :]).reshape(data.n, -1)
    order = np.argsort(-ratio, axis=1, kind="stable")  # (n, G*P) options, best first
    rows = np.arange(data.n)
    for rank in range(n_groups * n_packages):
        option = order[:, rank]
        g, p = option // n_packages, option % n_packages
        useful = ratio[rows, option] > 0
        room = data.uninsured[rows, g] - x[rows, g, :].sum(axis=1)
        count = np.where(useful, np.minimum(room, np.floor((own_left + _EPS) / cost[p])), 0.0)
        count = np.maximum(count, 0.0)
        if np.isfinite(limit):
            before = np.cumsum(count) - count
            count = np.clip(limit - before, 0.0, count)
        x[rows, g, p] += count
        own_left -= count * cost[p]
        limit -= float(count.sum())
        if limit <= _EPS:
            break
    return limit


def _spend_pools(
    data: Arrays, x: np.ndarray, coef: np.ndarray, pool_left: np.ndarray, limit: float = np.inf
) -> float:
    """Each pool buys whole workers for its villages, best objective per rupiah first (ties in the
    canonical order), each (village, group) at its best package; stops at the first worker a pool
    cannot pay for whole. Returns what is left of `limit`."""
    cost = data.cost_idr
    ratio = coef / cost[None, None, :]
    best_p = np.argmax(ratio, axis=2)  # (n, G)
    v, g = np.nonzero(data.uninsured > 0)
    p = best_p[v, g]
    r = ratio[v, g, p]
    room = data.uninsured[v, g] - x[v, g, :].sum(axis=1)
    k = data.pool_of[v]
    keep = (r > 0) & (room > 0) & (pool_left[k] >= cost[p])
    v, g, p, r, room, k = v[keep], g[keep], p[keep], r[keep], room[keep], k[keep]
    if not len(v):
        return limit
    order = np.lexsort((g, v, -r, k))  # per pool, best first, then the canonical order
    v, g, p, room, k = v[order], g[order], p[order], room[order], k[order]
    price = room * cost[p]
    spent_before = np.zeros(len(v))
    starts = np.r_[0, np.nonzero(np.diff(k))[0] + 1]
    for a, b in zip(starts, np.r_[starts[1:], len(v)], strict=True):
        spent_before[a:b] = np.cumsum(price[a:b]) - price[a:b]
    left = np.maximum(pool_left[k] - spent_before, 0.0)
    count = np.minimum(room, np.floor((left + _EPS) / cost[p]))
    # after the first worker a pool cannot pay for whole, it buys nothing more
    short = count < room
    first_short = np.zeros(len(v), dtype=bool)
    for a, b in zip(starts, np.r_[starts[1:], len(v)], strict=True):
        hit = np.nonzero(short[a:b])[0]
        if len(hit):
            first_short[a + hit[0] + 1 : b] = True
    count[first_short] = 0.0
    if np.isfinite(limit):
        before = np.cumsum(count) - count
        count = np.clip(limit - before, 0.0, count)
    np.add.at(x, (v, g, p), count)
    np.subtract.at(pool_left, k, count * cost[p])
    return limit - float(count.sum())
