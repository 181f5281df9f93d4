"""Our own check of a plan against every constraint of the contract, after the solver.

A constraint `lhs <= rhs` is violated when lhs - rhs > tolerance x max(1, |rhs|): relative for rupiah
amounts and large counts, absolute (in workers) near zero.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from models import PlanCheck
from solver.data import Arrays

_LISTED = 10


def check_plan(data: Arrays, x: np.ndarray, y: np.ndarray, w: np.ndarray, z: np.ndarray,
               tolerance: float, x_by_source: np.ndarray | None = None) -> PlanCheck:
    """Every constraint of the contract on the plan x (n, G, P) paid by y, w, z.

    Where premiums differ by who pays (`data.payer_cost_idr`), `x_by_source` (3, n, G, P) says which
    source pays for which enrolments: x must be their sum, and each source must pay exactly its own
    enrolments at its own premiums (dana desa y, ADD w, the pool z), within its cap."""
    found: list[tuple[float, str]] = []

    def over(lhs: np.ndarray, rhs: np.ndarray, what: str, scale: np.ndarray | None = None) -> None:
        excess = (lhs - rhs) / np.maximum(1.0, np.abs(rhs) if scale is None else scale)
        for i in np.nonzero(excess > tolerance)[0][:_LISTED].tolist():
            found.append((float(excess.flat[i]), what.format(i=i, lhs=float(lhs.flat[i]),
                                                               rhs=float(rhs.flat[i]))))

    total = data.uninsured + data.enrolled
    new_by_group = x.sum(axis=2)
    if data.payer_cost_idr is None:
        spend = (x * data.cost_idr).sum(axis=(1, 2))
    else:
        if x_by_source is None:
            raise ValueError("premiums differ by who pays: the check needs the enrolments by source")
        paid = (x_by_source * data.payer_cost_idr[:, None, :, :]).sum(axis=(2, 3))  # (3, n)
        spend = paid.sum(axis=0)
        over(np.abs(x_by_source.sum(axis=0) - x).reshape(-1), np.zeros(x.size),
             "enrolments by source do not add up at position {i}")
        over(-x_by_source.reshape(-1), np.zeros(x_by_source.size),
             "a negative enrolment by source at position {i}")
        for name, source, amount in (("dana desa", 0, y), ("ADD", 1, w), ("APBD pool", 2, z)):
            over(np.abs(paid[source] - amount), np.zeros(data.n),
                 f"2. village #{{i}}: {name} pays Rp{{lhs:,.2f}} more or less than its own "
                 f"enrolments' premiums", scale=paid[source])
    over(-x.reshape(-1), np.zeros(x.size), "a negative enrolment at position {i}")
    over(new_by_group, data.uninsured, "1. village/group #{i}: {lhs:,.2f} new > {rhs:,.0f} uninsured")
    over(np.abs(spend - (y + w + z)), np.zeros(data.n),
         "2. village #{i}: premiums and sources differ by Rp{lhs:,.2f}", scale=spend)
    over(y, data.cap_dana_desa_idr, "3. village #{i}: dana desa Rp{lhs:,.0f} > cap Rp{rhs:,.0f}")
    over(w, data.cap_add_idr, "3. village #{i}: ADD Rp{lhs:,.0f} > cap Rp{rhs:,.0f}")
    over(-np.minimum(np.stack([y, w, z]), 0.0).sum(axis=0), np.zeros(data.n),
         "2. village #{i}: a negative source")
    pool_used = np.bincount(data.pool_of, weights=z, minlength=len(data.pool_idr))
    over(pool_used, data.pool_idr, "4. pool #{i}: Rp{lhs:,.0f} used > Rp{rhs:,.0f}")
    over(data.min_coverage * total.sum(axis=1), data.enrolled.sum(axis=1) + x.sum(axis=(1, 2)),
         "5. village #{i}: coverage floor needs {lhs:,.2f} covered, has {rhs:,.2f}")
    floor = data.group_floor[None, :] * total
    over(floor, data.enrolled + new_by_group,
         "6. village/group #{i}: group floor needs {lhs:,.2f} covered, has {rhs:,.2f}")
    over(np.array([data.min_new]), np.array([x.sum()]),
         "7. table: {rhs:,.2f} new enrolments < target {lhs:,.0f}")
    if data.integer:
        over(np.abs(x - np.round(x)).reshape(-1), np.zeros(x.size),
             "whole workers: a fractional enrolment at position {i}")
    found.sort(reverse=True)
    return PlanCheck(ok=not found, tolerance=tolerance,
                     max_violation=found[0][0] if found else 0.0,
                     violations=[text for _, text in found[:_LISTED]])


def check_years(years: Any, new: np.ndarray, funded: np.ndarray, funded_by_source: np.ndarray,
                y: np.ndarray, w: np.ndarray, z: np.ndarray, tolerance: float) -> PlanCheck:
    """Every constraint of a multi-year plan (`solver.multiyear`), from the plan alone: new (n, G,
    P, T) enrolments and funded (n, G, P, T) workers of each year, the funded workers by source
    (3, n, G, P, T), and what dana desa, ADD and the pool pay each village each year (T, n).

    Continuity: the workers funded in year t are exactly those funded in year t-1 and the new ones
    of year t (nobody enrolled is dropped). Then, every year: each source pays exactly its own
    workers' premiums of that year, within its cap; each pool within its money; the floors and
    targets of that year on the funded workers; over the plan, the group caps."""
    found: list[tuple[float, str]] = []
    data = years.base

    def over(lhs: np.ndarray, rhs: np.ndarray, what: str, scale: np.ndarray | None = None) -> None:
        lhs, rhs = np.asarray(lhs, float), np.asarray(rhs, float)
        excess = (lhs - rhs) / np.maximum(1.0, np.abs(rhs) if scale is None else scale)
        for i in np.flatnonzero(excess > tolerance)[:_LISTED].tolist():
            found.append((float(excess.flat[i]), what.format(i=i, lhs=float(lhs.flat[i]),
                                                               rhs=float(rhs.flat[i]))))

    before = np.concatenate([np.zeros_like(funded[..., :1]), funded[..., :-1]], axis=-1)
    over(np.abs(funded - before - new).reshape(-1), np.zeros(funded.size),
         "continuity: village/group/package/year #{i}: funded workers differ by {lhs:,.2f} from "
         "last year's and the new ones (a worker dropped or counted twice)")
    over(-new.reshape(-1), np.zeros(new.size), "a negative enrolment at position {i}")
    over(np.abs(funded_by_source.sum(axis=0) - funded).reshape(-1), np.zeros(funded.size),
         "funded workers by source do not add up at position {i}")
    over(-funded_by_source.reshape(-1), np.zeros(funded_by_source.size),
         "a negative funded worker by source at position {i}")
    over(new.sum(axis=(2, 3)), data.uninsured,
         "1. village/group #{i}: {lhs:,.2f} new over the plan > {rhs:,.0f} uninsured")
    total = data.uninsured + data.enrolled
    for t in range(years.T):
        label = f"year {t + 1}"
        paid = np.einsum("svgp,sgp->sv", funded_by_source[..., t], years.cost[:, t])
        for name, s, amount in (("dana desa", 0, y[t]), ("ADD", 1, w[t]), ("APBD pool", 2, z[t])):
            over(np.abs(paid[s] - amount), np.zeros(data.n),
                 f"2. {label}, village #{{i}}: {name} pays Rp{{lhs:,.2f}} more or less than its "
                 f"workers' premiums", scale=paid[s])
        over(-np.minimum(np.stack([y[t], w[t], z[t]]), 0.0).sum(axis=0), np.zeros(data.n),
             f"2. {label}, village #{{i}}: a negative source")
        over(y[t], years.cap_dd[t], f"3. {label}, village #{{i}}: dana desa Rp{{lhs:,.0f}} > cap "
             f"Rp{{rhs:,.0f}}")
        over(w[t], years.cap_add[t], f"3. {label}, village #{{i}}: ADD Rp{{lhs:,.0f}} > cap "
             f"Rp{{rhs:,.0f}}")
        used = np.bincount(data.pool_of, weights=z[t], minlength=years.pool.shape[1])
        over(used, years.pool[t], f"4. {label}, pool #{{i}}: Rp{{lhs:,.0f}} used > Rp{{rhs:,.0f}}")
        covered = data.enrolled + funded[..., t].sum(axis=2)
        over(years.min_coverage[t] * total.sum(axis=1), covered.sum(axis=1),
             f"5. {label}, village #{{i}}: coverage floor needs {{lhs:,.2f}} covered, has "
             f"{{rhs:,.2f}}")
        over(data.group_floor[None, :] * total, covered,
             f"6. {label}, village/group #{{i}}: group floor needs {{lhs:,.2f}} covered, has "
             f"{{rhs:,.2f}}")
        over(np.array([years.min_new[t]]), np.array([funded[..., t].sum()]),
             f"7. {label}: {{rhs:,.2f}} new enrolments < target {{lhs:,.0f}}")
    if data.integer:
        over(np.abs(new - np.round(new)).reshape(-1), np.zeros(new.size),
             "whole workers: a fractional enrolment at position {i}")
    found.sort(reverse=True)
    return PlanCheck(ok=not found, tolerance=tolerance,
                     max_violation=found[0][0] if found else 0.0,
                     violations=[text for _, text in found[:_LISTED]])
