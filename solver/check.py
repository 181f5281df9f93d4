"""Our own check of a plan against every constraint of the contract, after the solver.

A constraint `lhs <= rhs` is violated when lhs - rhs > tolerance x max(1, |rhs|): relative for rupiah
amounts and large counts, absolute (in workers) near zero.
"""

from __future__ import annotations

import numpy as np

from models import PlanCheck
from solver.data import Arrays

_LISTED = 10


def check_plan(data: Arrays, x: np.ndarray, y: np.ndarray, w: np.ndarray, z: np.ndarray,
               tolerance: float) -> PlanCheck:
    found: list[tuple[float, str]] = []

    def over(lhs: np.ndarray, rhs: np.ndarray, what: str, scale: np.ndarray | None = None) -> None:
        excess = (lhs - rhs) / np.maximum(1.0, np.abs(rhs) if scale is None else scale)
        for i in np.nonzero(excess > tolerance)[0][:_LISTED].tolist():
            found.append((float(excess.flat[i]), what.format(i=i, lhs=float(lhs.flat[i]),
                                                               rhs=float(rhs.flat[i]))))

    total = data.uninsured + data.enrolled
    new_by_group = x.sum(axis=2)
    spend = (x * data.cost_idr).sum(axis=(1, 2))
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
