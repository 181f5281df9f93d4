"""The way out of infeasibility: the least change of each lever that alone makes a scenario feasible.

Each remedy is a bisection on the exact money checks of `solver.explain` (the same checks `solve`
runs first), moving one lever with the rest of the scenario as it is: feasibility only grows with
money (an APBD pool, the share of dana desa or ADD) and only shrinks with a floor or the target, so
the bisection's answer is the threshold. Money is reported rounded up (pools to the whole rupiah,
shares to SHARE_STEP), floors and the target rounded down, so the reported value itself has a plan
and one step short of it has none. The checks are exact for continuous and whole-number plans alike
(`solver.explain`), so every remedy is `exact`: the tests solve each at its value and one step short.
A continuous plan's target is reported to TARGET_STEP of a worker, a whole-number plan's to the
worker. Where premiums differ by who pays, the same bisections run on the payers' LP itself
(`solver.payer_infeasible`).

A pool remedy says what its money is for (`money_for`: the floors, the target, or both), and where
another kabupaten is short too, so that no pool alone suffices (`needed` None), what this pool
needs for its own villages' floors with the others met (`needed_with_others_met`).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from models import Remedy, Shortfall, Village
from solver.data import Arrays, _floor_need
from solver.explain import explain_infeasibility, rupiah

SHARE_STEP = 1e-6  # shares and floors are reported on this grid (0.0001 percentage points)
GALLOP_STEPS = 5  # whole workers by payer: values tried beyond the LP's edge
TARGET_STEP = 1e-4  # a continuous plan's target is reported on this grid (workers)
_ITERATIONS = 200


def short_villages(data: Arrays, villages: list[Village]) -> list[Shortfall]:
    """Every village whose own dana desa and ADD cannot pay its floors at the cheapest package,
    largest shortfall first (ties by the canonical order)."""
    c_min = float(data.cost_idr.min())
    need = data.need
    cost = need * c_min
    short = np.maximum(0.0, cost - data.own_idr)
    short[short <= 1e-9 * np.maximum(1.0, cost)] = 0.0
    members = np.nonzero(short > 0)[0]
    members = members[np.argsort(-short[members], kind="stable")]
    return [
        Shortfall(
            village_code=villages[v].village_code,
            village_name=villages[v].village_name,
            kecamatan=villages[v].kecamatan,
            kabupaten=villages[v].kabupaten,
            workers_needed=float(need[v]),
            cost_idr=float(cost[v]),
            own_budget_idr=float(data.own_idr[v]),
            shortfall_idr=float(short[v]),
        )
        for v in members.tolist()
    ]


@dataclass
class Test:
    """Whether a scenario's arrays have a plan (`exact`), and optionally a cheaper test that every
    scenario with a plan passes (`relaxed`, e.g. the LP of a whole-number model)."""

    exact: Callable[[Arrays], bool]
    relaxed: Callable[[Arrays], bool] | None = None
    last_exact: bool = True  # the last edge was proven by `exact`, not only by `relaxed`

    def edge(self, at: Callable[[float], Arrays], bad: float, good: float, step: float) -> float | None:
        """`_edge` of the lever `at`. With a relaxed test, its edge (the exact edge is never
        nearer `bad`), exact where the exact test holds there; where it does not, the first of a
        few values beyond it that the exact test passes (it has a plan, but is not proven the
        least), else the relaxed edge, both marked not exact: proving a whole-number edge by
        branch and bound, step by step, takes minutes where the LP takes a second."""
        exact = self.exact
        self.last_exact = True
        if self.relaxed is None:
            return _edge(lambda t: exact(at(t)), bad, good, step)
        relaxed = self.relaxed
        first = _edge(lambda t: relaxed(at(t)), bad, good, step)
        if first is None or exact(at(first)):
            return first
        # whole workers need a little more: a few doubling steps from 1/32 of the LP's own change
        # to a value that has a plan (not proven the least); if none is found, the LP's figure
        self.last_exact = False
        reach = max(step, abs(first - bad) / 32)
        for _ in range(GALLOP_STEPS):
            probe = min(first + reach, good) if good > bad else max(first - reach, good)
            if exact(at(probe)):
                return _tidy(probe, step)
            if probe == good:
                break
            reach *= 2
        return first


def remedies(
    data: Arrays,
    villages: list[Village],
    dana_desa_idr: np.ndarray,
    follows_share: np.ndarray,
    add_idr: np.ndarray,
    dana_desa_share: float,
    add_share: float,
    feasible: Test | None = None,
) -> list[Remedy]:
    """The least change of each lever that alone makes the scenario feasible (canonical arrays).

    `feasible` says whether a scenario's arrays have a plan; by default the exact money checks of
    `solver.explain`. Where premiums differ by who pays, `solver.payer_infeasible` solves the
    payers' LP (or MIP) instead: the checks, at the cheapest premium, are only necessary there."""

    def checked(d: Arrays) -> bool:
        return not explain_infeasibility(d, villages, strict=True)

    test = feasible or Test(checked)
    infeasible = bool(explain_infeasibility(data, villages)) if feasible is None else not feasible.exact(data)
    if not infeasible:
        return []
    out: list[Remedy] = []
    # on TimeUp the remedies found so far stand, each exact; the rest were not worked out in time
    with contextlib.suppress(TimeUp):
        _levers(data, test, out, dana_desa_idr, follows_share, add_idr, dana_desa_share, add_share)
    return out


class TimeUp(Exception):
    """A test of `Test` was asked after the run's time was up."""


def _levers(
    data: Arrays,
    test: Test,
    out: list[Remedy],
    dana_desa_idr: np.ndarray,
    follows_share: np.ndarray,
    add_idr: np.ndarray,
    dana_desa_share: float,
    add_share: float,
) -> None:
    """Each lever's least change, appended to `out` as it is found."""
    # APBD pools: each pool whose kabupaten falls short, or every pool for a table-wide target
    own_floors = [_own_floors(data, k, test) for k in range(len(data.pool_idr))]
    short_pools = [k for k, own in enumerate(own_floors) if own is not None and not own[1]]
    alone_possible = len(short_pools) <= 1  # two short kabupaten: no one pool alone suffices
    if not short_pools:
        # a table-wide target: the pools whose villages have the most uninsured workers
        room = np.bincount(data.pool_of, weights=data.uninsured.sum(axis=1), minlength=len(data.pool_idr))
        short_pools = [int(k) for k in np.argsort(-room, kind="stable")[:5]]
    for k in short_pools:
        name = data.pool_names[k]
        where = f"the APBD pool of {name}" if name else "the APBD pool"
        where_capital = where[0].upper() + where[1:]
        current = float(data.pool_idr[k])
        own = own_floors[k]
        floors_short = own is not None and not own[1]

        def at_pool(value: float, k: int = k) -> Arrays:
            pool = data.pool_idr.copy()
            pool[k] = value
            return replace(data, pool_idr=pool)

        ceiling = _pool_ceiling(data)
        alone = test.edge(at_pool, current, ceiling, 1.0) if alone_possible else None
        alone_exact = test.last_exact
        if alone is not None:
            # the floors' own figure, to say whether the money is for the floors, the target or both
            floors_need = (
                test.edge(own[0], current, ceiling, 1.0) if own is not None and floors_short else None
            )
            money_for = (
                "target"
                if floors_need is None
                else "floors"
                if data.min_new <= 0 or alone <= floors_need
                else "floors_and_target"
            )
            out.append(
                Remedy(
                    lever="apbd_pool",
                    kabupaten=name or None,
                    current=current,
                    needed=alone,
                    exact=alone_exact,
                    money_for=money_for,
                    message=f"Raise {where} from {rupiah(current)} to {rupiah(alone)} "
                    f"(+{rupiah(alone - current)}) {_FOR[money_for]}.",
                )
            )
            continue
        if not floors_short or own is None:
            continue  # its own villages' floors are met (or it has none): nothing of its own
        # its own villages' floors only: on the kabupaten's villages alone (floors are per pool)
        needed_own = test.edge(own[0], current, _pool_ceiling(own[2]), 1.0)
        if needed_own is not None:
            out.append(
                Remedy(
                    lever="apbd_pool",
                    kabupaten=name or None,
                    current=current,
                    needed=None,
                    needed_with_others_met=needed_own,
                    exact=test.last_exact,
                    money_for="floors",
                    message=f"{where_capital} alone cannot make the scenario feasible; "
                    f"it needs {rupiah(needed_own)} "
                    f"(+{rupiah(needed_own - current)}) for its own villages' "
                    f"floors, with the other shortfalls met too.",
                )
            )
    for lever, current, direction, words in (
        (
            "dana_desa_share",
            dana_desa_share,
            np.where(follows_share, dana_desa_idr, 0.0),
            "share of dana desa",
        ),
        ("add_share", add_share, add_idr, "share of ADD"),
    ):
        base_cap = (
            np.where(follows_share, 0.0, data.cap_dana_desa_idr)
            if lever == "dana_desa_share"
            else np.zeros(data.n)
        )

        def at_share(
            t: float, lever: str = lever, direction: np.ndarray = direction, base_cap: np.ndarray = base_cap
        ) -> Arrays:
            cap = base_cap + t * direction
            if lever == "dana_desa_share":
                return replace(data, cap_dana_desa_idr=cap)
            return replace(data, cap_add_idr=cap)

        needed = test.edge(at_share, current, 1.0, SHARE_STEP)
        why = ""
        if needed is None:
            short = np.nonzero(data.need * float(data.cost_idr.min()) > data.own_idr)[0]
            unmoved = int((direction[short] <= 0).sum())
            if unmoved:
                why = (
                    f" ({unmoved} of the {len(short)} short villages have no "
                    f"{'dana desa this share moves' if lever == 'dana_desa_share' else 'ADD'})"
                )
        out.append(
            Remedy(
                lever=lever,
                current=current,
                needed=needed,
                exact=test.last_exact,
                message=(
                    f"Raise the {words} from {current:.4%} to {needed:.4%}."
                    if needed is not None
                    else f"No {words} up to 100% alone makes the scenario feasible{why}."
                ),
            )
        )
    total = data.uninsured + data.enrolled
    if data.min_coverage > 0:

        def at_floor(t: float) -> Arrays:
            need = _floor_need(t, total.sum(axis=1), data.enrolled.sum(axis=1), data.integer)
            return replace(data, total_need=need, min_coverage=t)

        highest = test.edge(at_floor, data.min_coverage, 0.0, SHARE_STEP)
        out.append(
            Remedy(
                lever="min_coverage",
                current=data.min_coverage,
                needed=highest,
                exact=test.last_exact,
                message=(
                    f"Lower the coverage floor from {data.min_coverage:.4%} to {highest:.4%}, the "
                    f"highest the money can meet."
                    if highest is not None
                    else "Even without a coverage floor the scenario has no plan."
                ),
            )
        )
    for g, group in enumerate(data.groups):
        share = float(data.group_floor[g]) if len(data.group_floor) else 0.0
        if share <= 0:
            continue

        def at_group(t: float, g: int = g) -> Arrays:
            floor = data.group_floor.copy()
            floor[g] = t
            need = data.group_need.copy()
            need[:, g] = _floor_need(t, total[:, g], data.enrolled[:, g], data.integer)
            return replace(data, group_floor=floor, group_need=need)

        highest = test.edge(at_group, share, 0.0, SHARE_STEP)
        out.append(
            Remedy(
                lever="group_min_coverage",
                group=group,
                current=share,
                needed=highest,
                exact=test.last_exact,
                message=(
                    f"Lower the floor for {group} from {share:.4%} to {highest:.4%}, the highest the "
                    f"money can meet with the other floors as they are."
                    if highest is not None
                    else f"Even without its floor for {group} the scenario has no plan."
                ),
            )
        )
    if data.min_new > 0:
        # whole workers for a whole-number plan; a continuous plan's target is continuous too
        step = 1.0 if data.integer else TARGET_STEP
        highest = test.edge(lambda t: replace(data, min_new=t), data.min_new, 0.0, step)
        out.append(
            Remedy(
                lever="min_new_enrollments",
                current=data.min_new,
                needed=highest,
                exact=test.last_exact,
                message=(
                    f"Lower the target of new enrolments from {workers(data.min_new)} to "
                    f"{workers(highest)}, the most the money can reach"
                    f"{' with every floor met' if (data.need > 0).any() else ''}."
                    if highest is not None
                    else "Even without the target the scenario has no plan."
                ),
            )
        )


_FOR = {
    "floors": "for the floors",
    "target": "for the target",
    "floors_and_target": "for the floors and the target",
}


def workers(count: float) -> str:
    """A count of workers as the messages write it: whole, or to TARGET_STEP where it is not."""
    if abs(count - round(count)) < TARGET_STEP / 2:
        return f"{count:,.0f}"
    return f"{count:,.4f}".rstrip("0")


def _own_floors(data: Arrays, k: int, test: Test) -> tuple[Callable[[float], Arrays], bool, Arrays] | None:
    """For pool k: its own villages' arrays at a pool of t (without the target, since floors are
    per pool), whether their floors are met now, and those arrays; None when the pool's villages
    have no floors."""
    members = np.nonzero(data.pool_of == k)[0]
    if not len(members) or not (data.need[members] > 0).any():
        return None
    own_data = data.subset(members, with_target=False)

    def at(t: float) -> Arrays:
        pool = own_data.pool_idr.copy()
        pool[k] = t
        return replace(own_data, pool_idr=pool)

    return at, test.exact(at(float(data.pool_idr[k]))), own_data


def _pool_ceiling(data: Arrays) -> float:
    """Enough pool money for every uninsured worker at the dearest package (at the dearest
    premium of any payer, where premiums differ by who pays)."""
    dearest = float(data.cost_idr.max() if data.payer_cost_idr is None else data.payer_cost_idr.max())
    return float(data.uninsured.sum() * dearest) + 1.0


def _least(feasible: Callable[[float], bool], current: float, ceiling: float, step: float) -> float | None:
    """The least value on the grid of `step` above `current` with `feasible`, or None."""
    return _edge(feasible, current, ceiling, step)


def _most(feasible: Callable[[float], bool], current: float, step: float) -> float | None:
    """The highest value on the grid of `step` below `current` with `feasible`, or None."""
    return _edge(feasible, current, 0.0, step)


def _edge(feasible: Callable[[float], bool], bad: float, good: float, step: float) -> float | None:
    """The grid value of `step` nearest `bad` (infeasible) on the way to `good` that is feasible,
    or None when `good` is not: a bisection (feasibility changes once between them), then exact
    steps on the grid."""
    if not feasible(good):
        return None
    infeasible, met = bad, good
    for _ in range(_ITERATIONS):
        if abs(met - infeasible) <= step * 1e-3:
            break
        mid = (infeasible + met) / 2
        if feasible(mid):
            met = mid
        else:
            infeasible = mid
    up = good > bad
    towards = step if up else -step
    edge = (math.ceil(met / step - 1e-9) if up else math.floor(met / step + 1e-9)) * step
    edge = min(good, edge) if up else max(good, edge)
    while (edge - towards - bad) * (1 if up else -1) > 0 and feasible(edge - towards):
        edge -= towards  # back towards `bad` while still feasible, exactly on the grid
    while not feasible(edge):
        edge += towards
    return _tidy(edge, step)


def _tidy(value: float, step: float) -> float:
    digits = max(0, -int(math.floor(math.log10(step))))
    return round(value, digits)
