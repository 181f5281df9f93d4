"""Whole-number plans from the continuous LP: round down, repair the floors, spend what is left.

Rounding every x[v,g,p] down frees at least the cost of the workers the floors then lack (the freed
fractions add up to at least the deficit, and the repair buys the cheapest package), so the repaired
plan never spends more than the LP plan in any village. What money is left (the village's own, then
its pool) buys whole workers greedily, best objective per rupiah first. If the table-wide target cannot
be met this way the caller falls back to HiGHS's MIP.

Ties between equally good whole workers go first to the largest remainder the rounding dropped
(Hamilton's method), then by the village's place in the canonical order (its Kemendagri code, see
`solver.data.prepare`), so the plan does not depend on the order of the table.
"""

from __future__ import annotations

import numpy as np

from models import Objective
from solver.data import Arrays

_EPS = 1e-6


def round_and_repair(data: Arrays, x_lp: np.ndarray) -> np.ndarray | None:
    """A whole-number plan that meets every constraint, or None when this heuristic cannot find one."""
    x = np.floor(x_lp + _EPS)
    remainder = np.maximum(x_lp - x, 0.0)
    cost = data.cost_idr
    p0 = int(np.argmin(cost))
    coef = data.objective_coef()

    # 6. group floors: buy the missing workers in the cheapest package
    x[:, :, p0] += np.maximum(0.0, data.group_need - x.sum(axis=2))
    # 5. coverage floors: missing workers where the group has room, best objective first
    add_where_room(data, x, np.maximum(0.0, data.total_need - x.sum(axis=(1, 2))), p0, coef)

    own_left, pool_left = money_left(data, x)
    if (pool_left < -_EPS * np.maximum(1.0, data.pool_idr)).any():
        return None

    # 7. the table-wide target, cheapest package first
    missing = data.min_new - x.sum()
    if missing > _EPS:
        ones = np.ones_like(coef)
        # villages' own money first, the pool only for what it cannot buy: the pool is spent last
        missing = _buy(data, x, ones, own_left, np.zeros_like(pool_left), remainder, only=p0, limit=missing)
        if missing > _EPS:
            missing = _buy(
                data, x, ones, own_left, pool_left, remainder, only=p0, limit=missing, top_ups=True
            )
        if missing > _EPS:
            return None
    if data.objective == Objective.min_cost:
        return x
    # two ways to spend what is left; keep the better plan
    kept = _spend_the_rest(data, x.copy(), coef, own_left.copy(), pool_left.copy(), remainder)
    if data.min_new > 0:
        return kept
    stripped = x.copy()
    _strip_pool_workers(data, stripped, coef)
    own_left, pool_left = money_left(data, stripped)
    redone = _spend_the_rest(data, stripped, coef, own_left, pool_left, remainder)
    return redone if (redone * coef).sum() > (kept * coef).sum() else kept


def money_left(data: Arrays, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each village's own money left after paying for x (negative: the pool pays the rest), and
    each pool's money left."""
    own_left = data.own_idr - (x * data.cost_idr).sum(axis=(1, 2))
    pool_left = data.pool_idr - np.bincount(
        data.pool_of, weights=np.maximum(0.0, -own_left), minlength=len(data.pool_idr)
    )
    return own_left, pool_left


def _spend_the_rest(
    data: Arrays,
    x: np.ndarray,
    coef: np.ndarray,
    own_left: np.ndarray,
    pool_left: np.ndarray,
    remainder: np.ndarray,
) -> np.ndarray:
    """Each village's own money first (it cannot go elsewhere), then the pool, which may also top
    up a village's leftover to one more whole worker."""
    _buy(data, x, coef, own_left, np.zeros_like(pool_left), remainder)
    _buy(data, x, coef, own_left, pool_left, remainder, top_ups=True)
    return x


def _strip_pool_workers(data: Arrays, x: np.ndarray, coef: np.ndarray) -> None:
    """Take back the pool money the rounded LP plan spends on workers no floor needs, least
    objective per rupiah first, so that it can be spent again on whole workers."""
    cost = data.cost_idr
    over = (x * cost).sum(axis=(1, 2)) - data.own_idr
    for v in np.nonzero(over > _EPS)[0].tolist():
        options = [(coef[v, g, p] / cost[p], g, p) for g, p in zip(*np.nonzero(x[v] > 0), strict=True)]
        for _, g, p in sorted(options):
            if over[v] <= _EPS:
                break
            group_slack = x[v, g].sum() - data.group_need[v, g]
            total_slack = x[v].sum() - data.total_need[v]
            count = min(x[v, g, p], group_slack, total_slack, np.ceil(over[v] / cost[p] - _EPS))
            if count >= 1:
                x[v, g, p] -= count
                over[v] -= count * cost[p]


def add_where_room(data: Arrays, x: np.ndarray, deficit: np.ndarray, p0: int, coef: np.ndarray) -> None:
    """Add `deficit[v]` workers of package p0 to village v, filling its best groups first."""
    if not (deficit > 0).any():
        return
    order = np.argsort(-coef[:, :, p0], axis=1, kind="stable")  # (n, G) groups, best first
    rows = np.arange(data.n)
    for rank in range(order.shape[1]):
        g = order[:, rank]
        room = data.uninsured[rows, g] - x[rows, g, :].sum(axis=1)
        take = np.minimum(np.maximum(room, 0.0), deficit)
        x[rows, g, p0] += take
        deficit = deficit - take


def _buy(
    data: Arrays,
    x: np.ndarray,
    coef: np.ndarray,
    own_left: np.ndarray,
    pool_left: np.ndarray,
    remainder: np.ndarray,
    only: int | None = None,
    limit: float = np.inf,
    top_ups: bool = False,
) -> float:
    """Buy whole workers with what money is left, best objective per rupiah first.

    Each village spends its own money first, then its pool's. With `top_ups`, one worker in a village
    that has some money left is also ranked by what it costs the pool (its price less that money).
    Updates x, own_left and pool_left in place and returns how much of `limit` was not bought.
    """
    cost = data.cost_idr
    packages = range(len(cost)) if only is None else [only]
    # only villages that can still pay for a worker
    money = np.maximum(own_left, 0.0) + np.maximum(pool_left[data.pool_of], 0.0)
    can_pay = (money >= cost.min())[:, None]
    candidates = []
    for p in packages:
        v, g = np.nonzero((data.uninsured > 0) & can_pay)
        eff = coef[v, g, p] / cost[p]
        keep = eff > 0
        candidates.append(
            np.stack(
                [
                    -eff[keep],
                    v[keep],
                    g[keep],
                    np.full(keep.sum(), p),
                    np.zeros(keep.sum()),
                    -remainder[v[keep], g[keep], p],
                ],
                axis=1,
            )
        )
        if top_ups:
            left = np.maximum(own_left[v], 0.0)
            partly = keep & (left > 0) & (left < cost[p])
            eff_top = coef[v, g, p][partly] / (cost[p] - left[partly])
            candidates.append(
                np.stack(
                    [
                        -eff_top,
                        v[partly],
                        g[partly],
                        np.full(partly.sum(), p),
                        np.ones(partly.sum()),
                        -remainder[v[partly], g[partly], p],
                    ],
                    axis=1,
                )
            )
    if not candidates:
        return limit
    table = np.concatenate(candidates)
    # best objective per rupiah, then the largest remainder, then the canonical order
    table = table[np.lexsort((table[:, 2], table[:, 1], table[:, 5], table[:, 0]))]
    min_cost = float(cost.min())
    for _, v_f, g_f, p_f, top_up, _ in table.tolist():
        if limit <= _EPS:
            break
        v, g, p = int(v_f), int(g_f), int(p_f)
        k = int(data.pool_of[v])
        if top_up and own_left[v] <= _EPS:
            continue  # the village's leftover is already spent
        money = max(own_left[v], 0.0) + max(pool_left[k], 0.0)
        if money < min_cost:
            continue
        room = data.uninsured[v, g] - x[v, g, :].sum()
        count = min(room, np.floor((money + _EPS) / cost[p]), limit, 1 if top_up else np.inf)
        if count < 1:
            continue
        amount = count * cost[p]
        from_own = min(max(own_left[v], 0.0), amount)
        own_left[v] -= from_own
        pool_left[k] -= amount - from_own
        x[v, g, p] += count
        limit -= count
    return limit
