"""From solved arrays to the plan the planner reads: sources, villages, totals, pools, groups.

Rupiah in the plan are whole rupiah: the sources are rounded so that they still add up to the
village's rounded premiums (the check runs on the exact figures before this rounding).
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from itertools import repeat
from math import isfinite

import numpy as np

from models import GroupReason, Objective, PoolUse, Totals, VillagePlan, VillageTable
from solver.data import Arrays
from solver.marginals import BILLION_IN_MILLIONS, BlockMarginals

_EPS = 1e-6


def split_sources(data: Arrays, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pay each village's premiums from dana desa first, then ADD, then the APBD pool.

    Any feasible plan can be paid this way (the LP kept spend <= caps + pool share), and it uses the
    least pool money possible for these enrolments: the pool is spent last.
    """
    spend = (x * data.cost_idr).sum(axis=(1, 2))
    y = np.minimum(spend, data.cap_dana_desa_idr)
    w = np.minimum(spend - y, data.cap_add_idr)
    z = np.maximum(spend - y - w, 0.0)
    return y, w, z


def whole_rupiah(
    data: Arrays, y: np.ndarray, w: np.ndarray, z: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The sources in whole rupiah (no 1e-8 pool dust), each source's total kept: dana desa and ADD
    over the table, the pool per kabupaten and never above the pool (largest remainders, ties in
    the order of `data`: the canonical order, by village code)."""
    y_r, w_r = _round_keeping_total(y), _round_keeping_total(w)
    z_r = np.zeros_like(z)
    for k in np.unique(data.pool_of).tolist():
        members = np.nonzero(data.pool_of == k)[0]
        z_r[members] = _round_keeping_total(z[members], cap=float(data.pool_idr[k]))
    return y_r, w_r, z_r, y_r + w_r + z_r


def _round_keeping_total(values: np.ndarray, cap: float = np.inf) -> np.ndarray:
    """Whole numbers that add up to the rounded total (at most `cap`): floors, then one more for
    the largest remainders (ties by position)."""
    values = np.maximum(values, 0.0)
    floor = np.floor(values + 1e-6)
    total = min(float(np.round(values.sum())), np.floor(cap + 1e-6))
    extra = int(max(0.0, total - floor.sum()))
    if extra:
        remainder = values - floor
        order = np.argsort(-remainder, kind="stable")[:extra]
        floor[order] += 1.0
    return floor


def objective_value(data: Arrays, x: np.ndarray) -> float:
    if data.objective == Objective.min_cost:
        return float((x * data.cost_idr).sum())
    return float((x * data.objective_coef()).sum())


def _coverage(covered: np.ndarray, total: np.ndarray) -> list[float | None]:
    # a village with no informal workers at all has no coverage to speak of
    share = covered / np.maximum(total, 1.0)
    return [float(s) if t > 0 else None for s, t in zip(share.tolist(), total.tolist(), strict=True)]


def _whole_workers(x: np.ndarray) -> np.ndarray:
    """Counts that are whole up to numerics are written whole."""
    rounded = np.round(x)
    return np.where(np.abs(x - rounded) < _EPS, rounded, x)


def village_plans(
    table: VillageTable,
    data: Arrays,
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    z: np.ndarray,
    marginals: np.ndarray | None,
) -> list[VillagePlan]:
    """One plan per village of `table`, whose order `data` and `x` follow; y, w, z in whole rupiah
    (`whole_rupiah`). `marginals` (n, 3): objective and workers per Rp1 million more of the
    village's cap, and the range in rupiah.

    Every figure is worked out on arrays; what is left per village is making its objects: the
    nested dicts of its enrolments through `map` and `zip` (no Python frame per group), and the
    plan by `model_construct`, the figures being ours. The garbage collector is paused meanwhile:
    these objects hold no cycles, and at national scale each collection it starts walks every
    village of the table again (1-3 s in all)."""
    x = _whole_workers(x)
    enrolled = data.enrolled.sum(axis=1)
    total = enrolled + data.uninsured.sum(axis=1)
    new = x.sum(axis=(1, 2))
    spend = y + w + z
    n = data.n
    if marginals is None:
        m_value: Iterable[float | None] = repeat(None, n)
        m_workers: Iterable[float | None] = repeat(None, n)
        m_range: Iterable[float | None] = repeat(None, n)
    else:
        m_value, m_workers = marginals[:, 0].tolist(), marginals[:, 1].tolist()
        m_range = [r if isfinite(r) else None for r in marginals[:, 2].tolist()]  # None: no end
    villages = table.villages
    columns = (
        [v.village_code for v in villages],
        [v.village_name for v in villages],
        [v.kecamatan for v in villages],
        [v.kabupaten for v in villages],
        new.tolist(),
        None,
        y.tolist(),
        w.tolist(),
        z.tolist(),
        spend.tolist(),
        enrolled.astype(int).tolist(),
        total.astype(int).tolist(),
        _coverage(enrolled, total),
        _coverage(enrolled + new, total),
        m_value,
        m_workers,
        m_range,
    )
    construct = VillagePlan.model_construct
    paused = gc.isenabled()
    gc.disable()
    try:
        packages = data.packages
        enrollments = [
            dict(zip(data.groups, map(dict, map(zip, repeat(packages), xv)), strict=True))
            for xv in x.tolist()
        ]
        filled = (enrollments if c is None else c for c in columns)
        return [
            construct(set(_VILLAGE_FIELDS), **dict(zip(_VILLAGE_FIELDS, row, strict=True)))
            for row in zip(*filled, strict=True)
        ]
    finally:
        if paused:
            gc.enable()


_VILLAGE_FIELDS = (
    "village_code",
    "village_name",
    "kecamatan",
    "kabupaten",
    "new_enrollments",
    "enrollments",
    "spend_dana_desa_idr",
    "spend_add_idr",
    "spend_apbd_idr",
    "spend_total_idr",
    "workers_enrolled_before",
    "workers_total",
    "coverage_before",
    "coverage_after",
    "marginal_value_per_million",
    "marginal_enrollments_per_million",
    "marginal_range_idr",
)


def totals(data: Arrays, x: np.ndarray, y: np.ndarray, w: np.ndarray, z: np.ndarray) -> Totals:
    x = _whole_workers(x)
    enrolled = float(data.enrolled.sum())
    total = enrolled + float(data.uninsured.sum())
    new = x.sum(axis=(1, 2))
    spend = y + w + z
    return Totals(
        new_enrollments=float(new.sum()),
        new_by_group=dict(zip(data.groups, x.sum(axis=(0, 2)).tolist(), strict=True)),
        new_by_package=dict(zip(data.packages, x.sum(axis=(0, 1)).tolist(), strict=True)),
        spend_dana_desa_idr=float(y.sum()),
        spend_add_idr=float(w.sum()),
        spend_apbd_idr=float(z.sum()),
        spend_total_idr=float(spend.sum()),
        workers_enrolled_before=int(enrolled),
        workers_total=int(total),
        coverage_before=enrolled / total if total else None,
        coverage_after=(enrolled + float(new.sum())) / total if total else None,
        villages=data.n,
        villages_with_new_enrollments=int((new > 1e-9).sum()),
    )


def pool_uses(
    data: Arrays,
    z: np.ndarray,
    marginals: list[BlockMarginals | None] | None,
    lp_objective: float | None = None,
) -> list[PoolUse]:
    """Each pool's money and use, and what more of it buys. `lp_objective`: the plan's LP optimum
    (the blocks' together), to which a pool's exact +Rp1 billion gain adds up to the re-solve's
    objective (`plus_billion_objective`)."""
    used = np.bincount(data.pool_of, weights=z, minlength=len(data.pool_idr))
    by_pool = {k: pm for m in (marginals or []) if m is not None for k, pm in m.pools.items()}
    out = []
    for k, name in enumerate(data.pool_names):
        use = PoolUse(kabupaten=name, pool_idr=float(data.pool_idr[k]), spent_idr=float(used[k]))
        pm = by_pool.get(k)
        if pm is not None:
            use.marginal_value_per_million = pm.value_per_million
            use.marginal_value_per_billion = pm.value_per_million * BILLION_IN_MILLIONS
            use.marginal_enrollments_per_billion = pm.workers_per_million * BILLION_IN_MILLIONS
            use.marginal_range_idr = pm.range_idr if np.isfinite(pm.range_idr) else None
            use.plus_billion_gain = use.plus_billion_value = pm.plus_billion_value
            if pm.plus_billion_value is not None and lp_objective is not None:
                use.plus_billion_objective = lp_objective + pm.plus_billion_value
            use.plus_billion_enrollments = pm.plus_billion_workers
        out.append(use)
    return out


def group_reasons(data: Arrays, x: np.ndarray) -> list[GroupReason]:
    """Per group: its weight, cost and value per rupiah, and where floors and caps bind."""
    x = _whole_workers(x)
    new = x.sum(axis=2)  # (n, G)
    c_min = float(data.cost_idr.min())
    # objective per million rupiah at each package, for a village of priority 1
    per_million = (data.weight[:, None] * data.value[None, :] / data.cost_idr[None, :]) * 1e6
    has = data.uninsured > 0
    out = []
    for g, name in enumerate(data.groups):
        at_floor = (data.group_need[:, g] > 0) & (np.abs(new[:, g] - data.group_need[:, g]) < _EPS)
        full = has[:, g] & (np.abs(new[:, g] - data.uninsured[:, g]) < _EPS)
        out.append(
            GroupReason(
                group=name,
                weight=float(data.weight[g]),
                uninsured=int(data.uninsured[:, g].sum()),
                new_enrollments=float(new[:, g].sum()),
                value_per_million=float(per_million[g].max())
                if data.objective == Objective.max_protection
                else 0.0,
                cheapest_cost_idr=c_min,
                floor_share=float(data.group_floor[g]) if len(data.group_floor) else 0.0,
                villages_at_floor=int(at_floor.sum()),
                villages_all_enrolled=int(full.sum()),
                villages_with_workers=int(has[:, g].sum()),
            )
        )
    return out
