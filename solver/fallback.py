"""A plan for a block the time limit cut short, and a bound to measure it against.

The fallback buys the floors and the target at the cheapest package, then spends what money is left
greedily, best objective per rupiah first (`solver.rounding.fallback_plan`): whole workers, a plan
that meets every constraint whenever the exact money checks passed. Its bound needs no LP:

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
from solver.rounding import fallback_plan


def fallback_block(data: Arrays, result: BlockResult, tolerance: float) -> BlockResult:
    """The block's result with the fallback plan (x None if even that fails the check)."""
    x = fallback_plan(data)
    if x is not None:
        y, w, z = split_sources(data, x)
        if not check_plan(data, x, y, w, z, tolerance).ok:
            x = None
    bound = result.bound if result.bound is not None else simple_bound(data)
    return replace(result, status=Status.time_limit, x=x, bound=bound, marginals=None,
                   method=Method.lp_rounded if data.integer else Method.lp, fallback=True,
                   preferred=False)


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
    pool_part = 0.0
    for k in np.unique(data.pool_of[funded]).tolist():
        members = data.pool_of == k
        pool_part += float(ratio[members].max()) * float(data.pool_idr[k])
    return float(by_village.sum() + pool_part)
