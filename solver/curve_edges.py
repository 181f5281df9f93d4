"""Where a budget-outcome curve starts to have a plan: the exact-threshold search of a lever.

The exact money checks (`solver.explain`, strict) decide whether a lever's value has a plan; the
edge of the range with plans is bisected to the last bit (`plan_threshold`), and for a sampled curve of a
money lever put on the lever's grid (`money_edge`: whole rupiah, shares to a millionth). Used by
`solver.curves`.
"""

from __future__ import annotations

import math

from models import (
    Lever,
    LeverKind,
    Problem,
    ScenarioError,
    VillageTable,
)
from solver.explain import explain_infeasibility
from solver.levers import arrays_at, lever_base
from solver.multiyear import is_multi_year

# the grid an exact edge is reported on: whole rupiah, shares to a millionth (as the remedies)
_EDGE_STEPS = {LeverKind.apbd_pool: 1.0, LeverKind.dana_desa_share: 1e-6, LeverKind.add_share: 1e-6}


def money_edge(problem: Problem, lever: Lever, lo: float, first: float) -> float | None:
    """The least value of a money lever in (lo, first] with a plan, on the lever's grid, by the
    exact money checks (exact for whole workers too, `solver.explain`); None where they do not
    decide (a premium, the floor, several years, premiums by payer) or a plan exists from `lo`."""
    step = _EDGE_STEPS.get(lever.kind)
    if step is None or first <= lo or is_multi_year(problem.scenario):
        return None
    try:
        canonical = canonical_problem(problem)
        base = lever_base(canonical)
    except ScenarioError:
        return None
    villages = canonical.table.villages

    def has_plan(value: float) -> bool:
        return not explain_infeasibility(arrays_at(base, lever, value), villages, strict=True)

    if has_plan(lo) or not has_plan(first):
        return None  # the checks and the solves disagree: say only what the points show
    threshold = plan_threshold(has_plan, lo, first, increasing=True)
    if threshold is None:
        return None
    edge = min(first, math.ceil(threshold / step - 1e-9) * step)
    while not has_plan(edge) and edge < first:
        edge = min(first, edge + step)
    edge = round(edge, 6)
    return edge if lo < edge < first else None


def canonical_problem(problem: Problem) -> Problem:
    table = problem.table
    canonical = VillageTable(
        groups=sorted(table.groups),
        villages=sorted(table.villages, key=lambda v: v.village_code),
        source=table.source,
    )
    return Problem.model_construct(table=canonical, scenario=problem.scenario)


def plan_threshold(has_plan: object, lo: float, hi: float, increasing: bool) -> float | None:
    """The exact edge of the range with plans within [lo, hi], by bisection to the last bit."""
    assert callable(has_plan)
    inside = hi if increasing else lo
    if not has_plan(inside):
        return None
    outside = lo if increasing else hi
    for _ in range(200):
        mid = (inside + outside) / 2
        if mid in (inside, outside):
            break
        if has_plan(mid):
            inside = mid
        else:
            outside = mid
    return float(inside)
