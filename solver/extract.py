"""From solved arrays to the plan the planner reads: sources, villages, totals, pools."""

from __future__ import annotations

import numpy as np

from models import Objective, PoolUse, Totals, VillagePlan, VillageTable
from solver.data import Arrays


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


def objective_value(data: Arrays, x: np.ndarray) -> float:
    if data.objective == Objective.min_cost:
        return float((x * data.cost_idr).sum())
    return float((x * data.objective_coef()).sum())


def _coverage(covered: np.ndarray, total: np.ndarray) -> np.ndarray:
    # a village with no workers at all has nobody left uncovered
    return np.where(total > 0, covered / np.maximum(total, 1.0), 1.0)


def village_plans(table: VillageTable, data: Arrays, x: np.ndarray, y: np.ndarray,
                  w: np.ndarray, z: np.ndarray, marginal: np.ndarray | None) -> list[VillagePlan]:
    enrolled = data.enrolled.sum(axis=1)
    total = enrolled + data.uninsured.sum(axis=1)
    new = x.sum(axis=(1, 2))
    before = _coverage(enrolled, total)
    after = _coverage(enrolled + new, total)
    spend = y + w + z
    groups, packages = data.groups, data.packages
    x_list = x.tolist()
    columns = zip(table.villages, x_list, new.tolist(), y.tolist(), w.tolist(), z.tolist(),
                  spend.tolist(), enrolled.tolist(), total.tolist(), before.tolist(),
                  after.tolist(), strict=True)
    margins = marginal.tolist() if marginal is not None else [None] * data.n
    plans = []
    for (v, xv, n_new, yv, wv, zv, sv, e, t, b, a), m in zip(columns, margins, strict=True):
        plans.append(VillagePlan.model_construct(
            village_code=v.village_code, village_name=v.village_name, kecamatan=v.kecamatan,
            kabupaten=v.kabupaten, new_enrollments=n_new,
            enrollments={g: dict(zip(packages, xv[i], strict=True)) for i, g in enumerate(groups)},
            spend_dana_desa_idr=yv, spend_add_idr=wv, spend_apbd_idr=zv, spend_total_idr=sv,
            workers_enrolled_before=int(e), workers_total=int(t), coverage_before=b,
            coverage_after=a, marginal_value_per_million=m))
    return plans


def totals(data: Arrays, x: np.ndarray, y: np.ndarray, w: np.ndarray, z: np.ndarray) -> Totals:
    enrolled = float(data.enrolled.sum())
    total = enrolled + float(data.uninsured.sum())
    new = x.sum(axis=(1, 2))
    return Totals(
        new_enrollments=float(new.sum()),
        new_by_group=dict(zip(data.groups, x.sum(axis=(0, 2)).tolist(), strict=True)),
        new_by_package=dict(zip(data.packages, x.sum(axis=(0, 1)).tolist(), strict=True)),
        spend_dana_desa_idr=float(y.sum()),
        spend_add_idr=float(w.sum()),
        spend_apbd_idr=float(z.sum()),
        spend_total_idr=float((y + w + z).sum()),
        workers_enrolled_before=int(enrolled),
        workers_total=int(total),
        coverage_before=enrolled / total if total else 1.0,
        coverage_after=(enrolled + float(new.sum())) / total if total else 1.0,
        villages=data.n,
        villages_with_new_enrollments=int((new > 1e-9).sum()),
    )


def pool_uses(data: Arrays, z: np.ndarray, pool_dual: dict[int, float] | None) -> list[PoolUse]:
    used = np.bincount(data.pool_of, weights=z, minlength=len(data.pool_idr))
    return [
        PoolUse(kabupaten=name, pool_idr=float(data.pool_idr[k]), spent_idr=float(used[k]),
                marginal_value_per_million=(pool_dual[k]
                                            if pool_dual is not None and k in pool_dual else None))
        for k, name in enumerate(data.pool_names)
    ]
