"""Infeasibility explained as a planner would: who cannot reach which floor, and how many rupiah short.

These checks are exact for continuous plans: every floor is met most cheaply with the cheapest package,
and the most new enrolments the money can buy is every rupiah spent on the cheapest package up to the
number of uninsured workers. For whole-number plans they are necessary conditions only, never a
verdict on a scenario that has a plan: the floors' workers are whole (rounded up), and the target is
held against the whole part of what fractional workers could reach. Pool money tops up a village's
leftover to one more whole worker, so rounding each village's and the pool's workers down
separately would refuse scenarios that have plans; where whole workers alone make a scenario
infeasible, HiGHS's branch and bound proves it (`solver.block`).
"""

from __future__ import annotations

import numpy as np

from models import Explanation, Shortfall, Village
from solver.data import Arrays

MAX_LISTED = 100  # villages listed per explanation; the figures always count them all
_REL = 1e-9


def rupiah(amount: float) -> str:
    return f"Rp{amount:,.0f}"


def explain_infeasibility(data: Arrays, villages: list[Village],
                          strict: bool = False) -> list[Explanation]:
    """Why the scenario has no plan; an empty list when these checks find nothing wrong.

    `strict`: without the rounding slack (a rupiah, a millionth of a worker) that keeps plans within
    HiGHS's tolerances from being refused; the exact threshold, for `solver.remedies`."""
    explanations = _floors(data, villages, strict)
    if data.min_new > 0 and not explanations:
        explanations += _target(data, strict)
    return explanations


def _floors(data: Arrays, villages: list[Village], strict: bool = False) -> list[Explanation]:
    c_min = float(data.cost_idr.min())
    need = data.need
    floor_cost = need * c_min
    short = np.maximum(0.0, floor_cost - data.own_idr)
    short[short <= _REL * np.maximum(1.0, floor_cost)] = 0.0
    total_short = np.bincount(data.pool_of, weights=short, minlength=len(data.pool_idr))
    explanations = []
    for k, name in enumerate(data.pool_names):
        pool = float(data.pool_idr[k])
        if total_short[k] <= (pool if strict else pool * (1 + _REL) + 1.0):
            continue
        members = np.nonzero((data.pool_of == k) & (short > 0))[0]
        members = members[np.argsort(-short[members], kind="stable")]
        listed = [
            Shortfall(village_code=villages[v].village_code, village_name=villages[v].village_name,
                      kecamatan=villages[v].kecamatan, kabupaten=villages[v].kabupaten,
                      workers_needed=float(need[v]), cost_idr=float(floor_cost[v]),
                      own_budget_idr=float(data.own_idr[v]), shortfall_idr=float(short[v]))
            for v in members[:MAX_LISTED].tolist()
        ]
        where = f"in {name}" if name else "in the table"
        pool_words = (f"the APBD pool {where} holds {rupiah(pool)}" if pool > 0
                      else f"there is no APBD pool money {where}")
        gap = float(total_short[k] - pool)
        message = (
            f"{len(members)} village{'s' if len(members) != 1 else ''} {where} cannot pay for their "
            f"coverage floors from their own dana desa and ADD: at the cheapest package "
            f"({rupiah(c_min)} a worker for the horizon) they lack {rupiah(total_short[k])} together, "
            f"and {pool_words}. The floors fall short by {rupiah(gap)}."
        )
        if len(members) > MAX_LISTED:
            message += f" The {MAX_LISTED} largest shortfalls are listed."
        explanations.append(Explanation(constraint="coverage_floors", message=message,
                                        kabupaten=name or None, shortfall_idr=gap,
                                        villages=listed))
    return explanations


def max_new_enrollments(data: Arrays) -> float:
    """The most new enrolments the money can buy: every rupiah on the cheapest package (for
    whole-number plans, the whole part of that: a bound, see the module's docstring)."""
    c_min = float(data.cost_idr.min())
    room = data.uninsured.sum(axis=1)
    from_own = np.minimum(room, data.own_idr / c_min)
    room_left = np.bincount(data.pool_of, weights=room - from_own, minlength=len(data.pool_idr))
    reachable = float(from_own.sum() + np.minimum(room_left, data.pool_idr / c_min).sum())
    return float(np.floor(reachable + 1e-9)) if data.integer else reachable


def _target(data: Arrays, strict: bool = False) -> list[Explanation]:
    c_min = float(data.cost_idr.min())
    reachable = max_new_enrollments(data)
    if data.min_new <= (reachable if strict else reachable * (1 + _REL) + 1e-6):
        return []
    uninsured = float(data.uninsured.sum())
    missing = data.min_new - reachable
    if data.min_new > uninsured:
        message = (f"The target of {data.min_new:,.0f} new enrolments is more than the "
                   f"{uninsured:,.0f} uninsured workers in the table.")
        return [Explanation(constraint="min_new_enrollments", message=message)]
    gap = missing * c_min
    message = (
        f"The money can enrol at most {reachable:,.0f} new workers (every rupiah of the dana desa and "
        f"ADD caps and the APBD pool on the cheapest package, {rupiah(c_min)} a worker), "
        f"{missing:,.0f} short of the target of {data.min_new:,.0f}: about {rupiah(gap)} more is needed "
        f"in villages with uninsured workers left, or in their APBD pool."
    )
    return [Explanation(constraint="min_new_enrollments", message=message, shortfall_idr=gap)]
