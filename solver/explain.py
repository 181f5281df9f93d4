"""Infeasibility explained as a planner would: who cannot reach which floor, and how many rupiah short.

These checks are exact: every floor is met most cheaply with the cheapest package, and the most new
enrolments the money can buy is every rupiah spent on the cheapest package up to the number of
uninsured workers. For whole-number plans the floors' workers are whole (rounded up), and the most
whole workers the money can buy is counted exactly (`max_new_enrollments`): pool money tops up a
village's leftover to one more whole worker, cheapest completion first, so rounding each village's
and the pool's workers down separately would refuse scenarios that have plans. Where a whole-number
solve still finds no plan, HiGHS's branch and bound proves it (`solver.block`).
"""

from __future__ import annotations

import numpy as np

from models import Explanation, Shortfall, Village
from solver.data import Arrays

MAX_LISTED = 100  # villages listed per explanation; the figures always count them all
_REL = 1e-9


def rupiah(amount: float) -> str:
    return f"Rp{amount:,.0f}"


def explain_infeasibility(data: Arrays, villages: list[Village], strict: bool = False) -> list[Explanation]:
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
            Shortfall(
                village_code=villages[v].village_code,
                village_name=villages[v].village_name,
                kecamatan=villages[v].kecamatan,
                kabupaten=villages[v].kabupaten,
                workers_needed=float(need[v]),
                cost_idr=float(floor_cost[v]),
                own_budget_idr=float(data.own_idr[v]),
                shortfall_idr=float(short[v]),
            )
            for v in members[:MAX_LISTED].tolist()
        ]
        where = f"in {name}" if name else "in the table"
        pool_words = (
            f"the APBD pool {where} holds {rupiah(pool)}"
            if pool > 0
            else f"there is no APBD pool money {where}"
        )
        gap = float(total_short[k] - pool)
        message = (
            f"{len(members)} village{'s' if len(members) != 1 else ''} {where} cannot pay for their "
            f"coverage floors from their own dana desa and ADD: at the cheapest package "
            f"({rupiah(c_min)} a worker for the horizon) they lack {rupiah(total_short[k])} together, "
            f"and {pool_words}. The floors fall short by {rupiah(gap)}."
        )
        if len(members) > MAX_LISTED:
            message += f" The {MAX_LISTED} largest shortfalls are listed."
        explanations.append(
            Explanation(
                constraint="coverage_floors",
                message=message,
                kabupaten=name or None,
                shortfall_idr=gap,
                villages=listed,
            )
        )
    return explanations


def max_new_enrollments(data: Arrays) -> float:
    """The most new enrolments the money can buy with every floor met, on the cheapest package.

    Continuous plans: every rupiah of the caps and the pool buys 1/c of a worker, up to the
    uninsured. Whole workers, exactly, per APBD pool: each village first buys the whole workers its
    own money pays for; the pool then pays what the floors still need, then completes the
    villages' leftovers to one more worker (cheapest completion first, each costs less than a
    worker), then whole workers at full price while uninsured workers remain."""
    c_min = float(data.cost_idr.min())
    room = data.uninsured.sum(axis=1)
    if not data.integer:
        from_own = np.minimum(room, data.own_idr / c_min)
        room_left = np.bincount(data.pool_of, weights=room - from_own, minlength=len(data.pool_idr))
        return float(from_own.sum() + np.minimum(room_left, data.pool_idr / c_min).sum())
    own = np.minimum(room, np.floor(data.own_idr / c_min + 1e-9))
    leftover = np.where(own < room, np.maximum(0.0, data.own_idr - own * c_min), 0.0)
    need = np.minimum(data.need, room)
    short = need > own
    # what the floors take from the pool: the missing workers less the village's own leftover
    floor_cost = np.where(short, (need - own) * c_min - leftover, 0.0)
    own = np.maximum(own, need)
    leftover = np.where(short, 0.0, leftover)
    reachable = float(own.sum())
    for k in range(len(data.pool_idr)):
        members = data.pool_of == k
        budget = float(data.pool_idr[k]) - float(floor_cost[members].sum())
        if budget < 0:
            continue  # the floors themselves are short: `_floors` says so
        completions = np.sort(c_min - leftover[members & (leftover > 0) & (own < room)])
        paid = np.cumsum(completions)
        done = int(np.searchsorted(paid, budget * (1 + 1e-12) + 1e-6, side="right"))
        budget -= float(paid[done - 1]) if done else 0.0
        space = float((room[members] - own[members]).sum()) - done
        whole = float(np.floor(budget / c_min + 1e-9))
        reachable += float(done) + (space if space < whole else whole)
    return reachable


def _target(data: Arrays, strict: bool = False) -> list[Explanation]:
    c_min = float(data.cost_idr.min())
    reachable = max_new_enrollments(data)
    if data.min_new <= (reachable if strict else reachable * (1 + _REL) + 1e-6):
        return []
    uninsured = float(data.uninsured.sum())
    missing = data.min_new - reachable
    if data.min_new > uninsured:
        message = (
            f"The target of {data.min_new:,.0f} new enrolments is more than the "
            f"{uninsured:,.0f} uninsured workers in the table."
        )
        return [Explanation(constraint="min_new_enrollments", message=message)]
    gap = missing * c_min
    message = (
        f"The money can enrol at most {reachable:,.0f} new workers (every rupiah of the dana desa and "
        f"ADD caps and the APBD pool on the cheapest package, {rupiah(c_min)} a worker), "
        f"{missing:,.0f} short of the target of {data.min_new:,.0f}: about {rupiah(gap)} more is needed "
        f"in villages with uninsured workers left, or in their APBD pool."
    )
    return [Explanation(constraint="min_new_enrollments", message=message, shortfall_idr=gap)]
