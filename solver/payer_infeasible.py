"""No plan where premiums differ by who pays: the exact test, the least changes and the words.

The money checks of `solver.explain` price every worker at the cheapest premium any source pays,
so a scenario they refuse has no plan, but one they pass may still have none: the pool pays more
for the same worker (PP 50/2025's reduction is not for the APBD). Here the test is the payers' LP
itself (`solver.payers.feasible`, its MIP for whole workers), and the remedies of
`solver.remedies` bisect on it: the least pool per short kabupaten to the rupiah, the least share
of dana desa or ADD, the highest floors and target, each solved to have a plan at its value.

Every lever moves towards feasibility from the scenario as it is, so a block that has a plan now
keeps it at every point a bisection tries: only the blocks without one are solved again.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from models import Explanation, Remedy, Shortfall, Village
from solver.blocks import split_blocks
from solver.context import RunContext
from solver.data import Arrays
from solver.explain import rupiah
from solver.payers import feasible
from solver.remedies import Test, TimeUp, remedies, workers

# the most one branch and bound may take to say whether a whole-number scenario has a plan; a
# remedy it cannot prove in this time keeps the LP's figure, marked not exact
MIP_CHECK_S = 5.0


def feasible_test(data: Arrays, run: RunContext, relaxed: bool = False) -> Callable[[Arrays], bool]:
    """Whether arrays like `data` (the same villages, a lever moved towards feasibility) have a
    plan: the blocks of `data` without one, solved again; other arrays (a kabupaten's own
    villages) solved whole. `relaxed`: the LP only, also for whole workers. Within the run's
    time: asked after it, the test raises `TimeUp` (the remedies found by then stand)."""
    with_target = data.min_new > 0
    blocks = split_blocks(data)
    short = [b for b in blocks if not feasible(data.subset(b, with_target=with_target), relaxed=relaxed)]

    def solved(d: Arrays) -> bool:
        if run.expired():
            raise TimeUp
        limit = run.remaining_s() if relaxed or not d.integer else min(run.remaining_s(), MIP_CHECK_S)
        return feasible(d, time_limit_s=max(limit, 0.01), relaxed=relaxed)

    def test(d: Arrays) -> bool:
        if d.n != data.n:
            return solved(d)
        return all(solved(d.subset(b, with_target=with_target)) for b in short)

    return test


def payer_remedies(
    data: Arrays, villages: list[Village], dana_desa_share: float, add_share: float, run: RunContext
) -> list[Remedy]:
    """The least change of each lever that alone gives the payers' model a plan, as many as the
    run's time allows. For whole workers each edge is the LP's, proven by the MIP where it holds
    there (`exact`); where it does not, whole workers may need a little more (not `exact`)."""
    test = Test(feasible_test(data, run), feasible_test(data, run, relaxed=True) if data.integer else None)
    return remedies(
        data,
        villages,
        dana_desa_idr=np.array([v.dana_desa_idr for v in villages], dtype=float),
        follows_share=np.array([v.max_share is None for v in villages]),
        add_idr=np.array([v.add_idr for v in villages], dtype=float),
        dana_desa_share=dana_desa_share,
        add_share=add_share,
        feasible=test,
    )


def payer_short_villages(data: Arrays, villages: list[Village]) -> list[Shortfall]:
    """Every village whose own money cannot pay its floors, largest shortfall first (ties by the
    canonical order), at the premiums each source pays: its dana desa and ADD buy what they can at
    their own cheapest premium, and the shortfall is what the APBD pool pays for the rest at its
    own (dearer) premium. `cost_idr` is the floors' cost so paid."""
    assert data.payer_cost_idr is not None
    cheapest = data.payer_cost_idr.min(axis=(1, 2))  # per source: dana desa, ADD, the pool
    need = data.need
    left = need.astype(float).copy()
    own_cost = np.zeros(data.n)
    for source, cap in ((0, data.cap_dana_desa_idr), (1, data.cap_add_idr)):
        bought = np.minimum(left, cap / cheapest[source])
        own_cost += bought * cheapest[source]
        left -= bought
    short = left * cheapest[2]
    short[left <= 1e-9 * np.maximum(1.0, need)] = 0.0
    members = np.nonzero(short > 0)[0]
    members = members[np.argsort(-short[members], kind="stable")]
    return [
        Shortfall(
            village_code=villages[v].village_code,
            village_name=villages[v].village_name,
            kecamatan=villages[v].kecamatan,
            kabupaten=villages[v].kabupaten,
            workers_needed=float(need[v]),
            cost_idr=float(own_cost[v] + short[v]),
            own_budget_idr=float(data.own_idr[v]),
            shortfall_idr=float(short[v]),
        )
        for v in members.tolist()
    ]


def payer_explanations(data: Arrays, found: list[Remedy], short: list[Shortfall]) -> list[Explanation]:
    """Why there is no plan, from the exact remedies: per short kabupaten, how many rupiah its
    pool lacks for its villages' floors at the premiums each source pays; else the target."""
    out = []
    for r in found:
        need = r.needed if r.needed is not None else r.needed_with_others_met
        if r.lever != "apbd_pool" or need is None or r.money_for == "target":
            continue
        where = f"in {r.kabupaten}" if r.kabupaten else "in the table"
        gap = need - r.current
        out.append(
            Explanation(
                constraint="coverage_floors",
                kabupaten=r.kabupaten,
                shortfall_idr=gap,
                villages=[s for s in short if (s.kabupaten or None) == r.kabupaten],
                message=(
                    f"The villages {where} cannot pay for their coverage floors at the premiums "
                    f"each source pays (the APBD pool pays the full premium, the villages' own "
                    f"money the reduced one): the APBD pool of {rupiah(r.current)} falls short "
                    f"by {rupiah(gap)}."
                ),
            )
        )
    if out or data.min_new <= 0:
        return out or [
            Explanation(
                constraint="solver",
                message=(
                    "HiGHS proved that no plan meets every floor with this money at the premiums "
                    "each source pays."
                ),
            )
        ]
    target = next((r for r in found if r.lever == "min_new_enrollments"), None)
    most = target.needed if target is not None else None
    pool = next((r for r in found if r.lever == "apbd_pool" and r.needed is not None), None)
    message = (
        f"At the premiums each source pays, the money cannot reach the target of "
        f"{workers(data.min_new)} new enrolments with every floor met"
        + (f" (at most {workers(most)})" if most is not None else "")
        + "."
    )
    return [
        Explanation(
            constraint="min_new_enrollments",
            message=message,
            kabupaten=pool.kabupaten if pool is not None else None,
            shortfall_idr=(
                pool.needed - pool.current if pool is not None and pool.needed is not None else None
            ),
        )
    ]
