"""Our own check of a plan against every constraint of the contract, after the solver.

Each constraint is a row `lhs <= rhs` with its own scale: the sum of the magnitudes of its terms
and of its bound (for a pool: every village's draw and the pool). The row is broken when

    lhs - rhs > max(floor, tolerance x scale)

with `tolerance` relative (SolveOptions.feasibility_tolerance, 1e-12: what sums of doubles keep over
a national table) and `floor` absolute in the row's unit: RUPIAH_FLOOR for money, WORKER_FLOOR for
workers. A check that follows the scale of each row neither refuses a national plan for the rounding
of a sum over 84,000 villages, nor lets a real violation through: one rupiah too much on a pool of
up to Rp500 billion, or one worker too few on any row, is caught.

The floors are what a solver's plan may carry as noise after `solver.clean` took out what it can:
HiGHS keeps each row to 1e-7 of its own unit, and money enters HiGHS in millions of rupiah
(`solver.model.MONEY_UNIT_IDR`): 0.1 rupiah a money row. Cleaning scales a village's enrolments
down by at most a few parts in a billion, which its floors feel as a hundred-thousandth of a worker
at most: hence WORKER_FLOOR.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from models import PlanCheck
from solver.data import Arrays

_LISTED = 10
RUPIAH_FLOOR = 0.5  # rupiah: 5 times what HiGHS's tolerance allows a money row, well under Rp1
WORKER_FLOOR = 1e-4  # workers


class _Rows:
    """The violations found so far, worst (relative to the row's scale) first."""

    def __init__(self, tolerance: float) -> None:
        self.tolerance = tolerance
        self.found: list[tuple[float, str]] = []

    def over(self, lhs: Any, rhs: Any, scale: Any, unit: str, what: str) -> None:
        """Rows lhs <= rhs, each of `scale` (the magnitude of its terms, without the bound)."""
        lhs, rhs = np.asarray(lhs, float).reshape(-1), np.asarray(rhs, float).reshape(-1)
        size = np.abs(np.asarray(scale, float)).reshape(-1) + np.abs(rhs)
        floor = RUPIAH_FLOOR if unit == "rupiah" else WORKER_FLOOR
        excess = lhs - rhs
        broken = np.flatnonzero(excess > np.maximum(floor, self.tolerance * size))
        for i in broken[:_LISTED].tolist():
            self.found.append(
                (
                    float(excess[i] / max(1.0, size[i])),
                    what.format(i=i, lhs=float(lhs[i]), rhs=float(rhs[i]), excess=float(excess[i])),
                )
            )

    def equal(self, a: Any, b: Any, scale: Any, unit: str, what: str) -> None:
        """Rows a == b: |a - b| <= 0."""
        a, b = np.asarray(a, float), np.asarray(b, float)
        self.over(np.abs(a - b), np.zeros(a.size), np.abs(a) + np.abs(b) + np.abs(scale), unit, what)

    def nonnegative(self, values: Any, unit: str, what: str) -> None:
        values = np.asarray(values, float).reshape(-1)
        self.over(-values, np.zeros(values.size), np.abs(values), unit, what)

    def result(self) -> PlanCheck:
        self.found.sort(reverse=True)
        return PlanCheck(
            ok=not self.found,
            tolerance=self.tolerance,
            max_violation=self.found[0][0] if self.found else 0.0,
            violations=[text for _, text in self.found[:_LISTED]],
        )


def check_plan(
    data: Arrays,
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    z: np.ndarray,
    tolerance: float,
    x_by_source: np.ndarray | None = None,
) -> PlanCheck:
    """Every constraint of the contract on the plan x (n, G, P) paid by y, w, z.

    Where premiums differ by who pays (`data.payer_cost_idr`), `x_by_source` (3, n, G, P) says which
    source pays for which enrolments: x must be their sum, and each source must pay exactly its own
    enrolments at its own premiums (dana desa y, ADD w, the pool z), within its cap."""
    rows = _Rows(tolerance)
    total = data.uninsured + data.enrolled
    new_by_group = x.sum(axis=2)
    new = x.sum(axis=(1, 2))
    if data.payer_cost_idr is None:
        spend = (x * data.cost_idr).sum(axis=(1, 2))
    else:
        if x_by_source is None:
            raise ValueError("premiums differ by who pays: the check needs the enrolments by source")
        paid = (x_by_source * data.payer_cost_idr[:, None, :, :]).sum(axis=(2, 3))  # (3, n)
        spend = paid.sum(axis=0)
        rows.equal(
            x_by_source.sum(axis=0),
            x,
            np.abs(x_by_source).sum(axis=0),
            "workers",
            "enrolments by source do not add up at position {i}",
        )
        rows.nonnegative(x_by_source, "workers", "a negative enrolment by source at position {i}")
        for name, source, amount in (("dana desa", 0, y), ("ADD", 1, w), ("APBD pool", 2, z)):
            rows.equal(
                paid[source],
                amount,
                0.0,
                "rupiah",
                f"2. village #{{i}}: {name} pays Rp{{lhs:,.2f}} more or less than its own "
                f"enrolments' premiums",
            )
    rows.nonnegative(x, "workers", "a negative enrolment at position {i}")
    rows.over(
        new_by_group,
        data.uninsured,
        new_by_group,
        "workers",
        "1. village/group #{i}: {lhs:,.2f} new > {rhs:,.0f} uninsured",
    )
    rows.equal(
        spend,
        y + w + z,
        np.abs(y) + np.abs(w) + np.abs(z),
        "rupiah",
        "2. village #{i}: premiums and sources differ by Rp{lhs:,.2f}",
    )
    rows.over(
        y, data.cap_dana_desa_idr, y, "rupiah", "3. village #{i}: dana desa Rp{lhs:,.2f} > cap Rp{rhs:,.2f}"
    )
    rows.over(w, data.cap_add_idr, w, "rupiah", "3. village #{i}: ADD Rp{lhs:,.2f} > cap Rp{rhs:,.2f}")
    rows.nonnegative(
        np.minimum(np.stack([y, w, z]), 0.0).sum(axis=0), "rupiah", "2. village #{i}: a negative source"
    )
    pools = len(data.pool_idr)
    pool_used = np.bincount(data.pool_of, weights=z, minlength=pools)
    rows.over(
        pool_used,
        data.pool_idr,
        np.bincount(data.pool_of, weights=np.abs(z), minlength=pools),
        "rupiah",
        "4. pool #{i}: Rp{lhs:,.2f} used > Rp{rhs:,.2f}",
    )
    covered = data.enrolled.sum(axis=1) + new
    rows.over(
        data.min_coverage * total.sum(axis=1),
        covered,
        covered,
        "workers",
        "5. village #{i}: coverage floor needs {lhs:,.2f} covered, has {rhs:,.2f}",
    )
    floor = data.group_floor[None, :] * total
    rows.over(
        floor,
        data.enrolled + new_by_group,
        data.enrolled + new_by_group,
        "workers",
        "6. village/group #{i}: group floor needs {lhs:,.2f} covered, has {rhs:,.2f}",
    )
    rows.over(
        [data.min_new],
        [new.sum()],
        [np.abs(x).sum()],
        "workers",
        "7. table: {rhs:,.2f} new enrolments < target {lhs:,.0f}",
    )
    if data.integer:
        rows.over(
            np.abs(x - np.round(x)),
            np.zeros(x.size),
            np.zeros(x.size),
            "workers",
            "whole workers: a fractional enrolment at position {i}",
        )
    return rows.result()


def check_years(
    years: Any,
    new: np.ndarray,
    funded: np.ndarray,
    funded_by_source: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    z: np.ndarray,
    tolerance: float,
) -> PlanCheck:
    """Every constraint of a multi-year plan (`solver.multiyear`), from the plan alone: new (n, G,
    P, T) enrolments and funded (n, G, P, T) workers of each year, the funded workers by source
    (3, n, G, P, T), and what dana desa, ADD and the pool pay each village each year (T, n).

    Continuity: the workers funded in year t are exactly those funded in year t-1 and the new ones
    of year t (nobody enrolled is dropped). Then, every year: each source pays exactly its own
    workers' premiums of that year, within its cap; each pool within its money; the floors and
    targets of that year on the funded workers; over the plan, the group caps. Tolerances as for
    `check_plan`: relative to each row's own scale, with the floors in rupiah and workers."""
    rows = _Rows(tolerance)
    data = years.base

    before = np.concatenate([np.zeros_like(funded[..., :1]), funded[..., :-1]], axis=-1)
    rows.equal(
        funded,
        before + new,
        np.abs(before) + np.abs(new),
        "workers",
        "continuity: village/group/package/year #{i}: funded workers differ by {lhs:,.2f} "
        "from last year's and the new ones (a worker dropped or counted twice)",
    )
    rows.nonnegative(new, "workers", "a negative enrolment at position {i}")
    rows.equal(
        funded_by_source.sum(axis=0),
        funded,
        np.abs(funded_by_source).sum(axis=0),
        "workers",
        "funded workers by source do not add up at position {i}",
    )
    rows.nonnegative(funded_by_source, "workers", "a negative funded worker by source at position {i}")
    new_over_plan = new.sum(axis=(2, 3))
    rows.over(
        new_over_plan,
        data.uninsured,
        new_over_plan,
        "workers",
        "1. village/group #{i}: {lhs:,.2f} new over the plan > {rhs:,.0f} uninsured",
    )
    total = data.uninsured + data.enrolled
    for t in range(years.T):
        label = f"year {t + 1}"
        paid = np.einsum("svgp,sgp->sv", funded_by_source[..., t], years.cost[:, t])
        for name, s, amount in (("dana desa", 0, y[t]), ("ADD", 1, w[t]), ("APBD pool", 2, z[t])):
            rows.equal(
                paid[s],
                amount,
                0.0,
                "rupiah",
                f"2. {label}, village #{{i}}: {name} pays Rp{{lhs:,.2f}} more or less than "
                f"its workers' premiums",
            )
        rows.nonnegative(
            np.minimum(np.stack([y[t], w[t], z[t]]), 0.0).sum(axis=0),
            "rupiah",
            f"2. {label}, village #{{i}}: a negative source",
        )
        rows.over(
            y[t],
            years.cap_dd[t],
            y[t],
            "rupiah",
            f"3. {label}, village #{{i}}: dana desa Rp{{lhs:,.2f}} > cap Rp{{rhs:,.2f}}",
        )
        rows.over(
            w[t],
            years.cap_add[t],
            w[t],
            "rupiah",
            f"3. {label}, village #{{i}}: ADD Rp{{lhs:,.2f}} > cap Rp{{rhs:,.2f}}",
        )
        pools = years.pool.shape[1]
        used = np.bincount(data.pool_of, weights=z[t], minlength=pools)
        rows.over(
            used,
            years.pool[t],
            np.bincount(data.pool_of, weights=np.abs(z[t]), minlength=pools),
            "rupiah",
            f"4. {label}, pool #{{i}}: Rp{{lhs:,.2f}} used > Rp{{rhs:,.2f}}",
        )
        covered = data.enrolled + funded[..., t].sum(axis=2)
        rows.over(
            years.min_coverage[t] * total.sum(axis=1),
            covered.sum(axis=1),
            covered.sum(axis=1),
            "workers",
            f"5. {label}, village #{{i}}: coverage floor needs {{lhs:,.2f}} covered, has {{rhs:,.2f}}",
        )
        rows.over(
            data.group_floor[None, :] * total,
            covered,
            covered,
            "workers",
            f"6. {label}, village/group #{{i}}: group floor needs {{lhs:,.2f}} covered, has {{rhs:,.2f}}",
        )
        funded_t = funded[..., t]
        rows.over(
            [years.min_new[t]],
            [funded_t.sum()],
            [np.abs(funded_t).sum()],
            "workers",
            f"7. {label}: {{rhs:,.2f}} new enrolments < target {{lhs:,.0f}}",
        )
    if data.integer:
        rows.over(
            np.abs(new - np.round(new)),
            np.zeros(new.size),
            np.zeros(new.size),
            "workers",
            "whole workers: a fractional enrolment at position {i}",
        )
    return rows.result()
