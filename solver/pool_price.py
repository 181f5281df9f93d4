"""One pool for many villages: an exact price decomposition.

With one APBD pool for a large table (and no table-wide target), villages are linked only by
sum_v z[v] <= P. For a price lambda >= 0 on pool money the Lagrangian

    max sum_v f_v(x_v) - lambda z_v

falls apart into one small problem per village, and a village's pool demand z_v(lambda) does not grow
with the price. So:

1. Parts of about PART_VILLAGES villages are built with PuLP with z priced and no pool row, solved once
   by HiGHS, and then re-solved warm for each new price by changing only z's cost.
2. A bracket [lo, hi] with demand(lo) >= P >= demand(hi) is narrowed by regula falsi (Illinois). A
   village whose z is the same at lo and hi takes that z at the optimal price too (its demand is
   monotone), so it is fixed: only parts with a village whose z still moves are re-solved.
3. Exact recovery: one LP, built like any block, over the villages still ambiguous, with the pool less
   what the fixed villages take. Fixed villages are optimal for the Lagrangian at the optimal price and
   keep their part's solution; with the recovery LP's optimum the whole is an optimum of the full LP.
4. Tie-break: each part's HiGHS model, with its pool money held where it is, gets the same
   fewest-rupiah pass as any block (`solver.block._tie_break`); the recovery LP is an ordinary block.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import highspy
import numpy as np

from models import SolveOptions, Status
from solver.data import Arrays
from solver.model import MONEY_UNIT_IDR, BuiltModel, build_model
from solver.run import run_highs
from solver.solution import solver_model, tie_break_part

PART_VILLAGES = 250
# the ordinary block LP: (x, budget duals, pool duals), or None if not proven optimal
RecoveryLp = Callable[[Arrays, SolveOptions, float], tuple[np.ndarray, np.ndarray, dict[int, float]] | None]
MAX_AMBIGUOUS = 3_000  # villages left for the recovery LP
_MAX_ITERATIONS = 60


@dataclass
class _Part:
    """A part keeps its LP and the basis of its latest solve, not a HiGHS instance: an instance
    holds about 4 MB of workspace per 250 villages, which at national scale is gigabytes, and
    HiGHS gives it back only when the instance goes. Each re-solve makes a fresh instance and
    starts it from the basis."""

    villages: np.ndarray  # positions in the block
    model: BuiltModel  # released: index arrays only
    lp: highspy.HighsLp
    basis: highspy.HighsBasis
    z_cols: np.ndarray  # HiGHS columns of z
    z_villages: np.ndarray  # positions in the block of each z
    threads: int | None = None


@dataclass
class PricedSolution:
    x: np.ndarray  # (n, G, P)
    price: float  # the pool's price: objective per rupiah of pool money
    budget_dual: np.ndarray  # (n,)
    seconds: float
    parts_solved: int
    recovered_villages: int


def applies(data: Arrays, min_villages: int) -> bool:
    """One funded pool links every village of this block and nothing else does."""
    return (data.n >= min_villages and data.min_new == 0
            and data.objective.value == "max_protection"
            and len(np.unique(data.pool_of)) == 1 and data.pool_idr[data.pool_of[0]] > 0)


def solve_priced(data: Arrays, options: SolveOptions, deadline: float,
                 solve_lp: RecoveryLp) -> PricedSolution | None:
    """The optimal plan of a block linked by one pool, or None if a part fails (the caller then
    solves the block whole)."""
    start = time.perf_counter()
    pool = float(data.pool_idr[data.pool_of[0]]) / MONEY_UNIT_IDR  # z and prices are per million
    price = _first_price(data, pool)
    parts = []
    first_solutions: list[highspy.HighsSolution] = []
    for lo in range(0, data.n, PART_VILLAGES):
        villages = np.arange(lo, min(lo + PART_VILLAGES, data.n))
        model = build_model(data.subset(villages, with_target=False), pool_price=price)
        if not model.n_x:
            continue
        result = run_highs(model, deadline - time.perf_counter(), threads=options.threads,
                           mip=False)
        if result.status != Status.optimal:
            return None
        highs = solver_model(model)
        model.release()
        part = _Part(villages=villages, model=model, lp=highs.getLp(), basis=highs.getBasis(),
                     z_cols=(model.n_x + np.arange(model.n_z)).astype(np.int32),
                     z_villages=villages[model.zv], threads=options.threads)
        parts.append(part)
        first_solutions.append(highs.getSolution())
        del highs  # see _Part: the instance's memory goes with it
    demand = _Demand(parts, data.n)
    everything = list(range(len(parts)))
    first = demand.record(price, first_solutions)

    # bracket the optimal price: demand does not grow with the price
    lo_end: tuple[float, dict[int, np.ndarray]] | None = None
    hi_end: tuple[float, dict[int, np.ndarray]] | None = None
    if demand.total(first) >= pool:
        lo_end = (price, first)
        while hi_end is None:
            price *= 2.0
            s = demand.at(price, everything)
            if s is None or price > 1e12:
                return None
            if demand.total(s) < pool:
                hi_end = (price, s)
            else:
                lo_end = (price, s)
    else:
        hi_end = (price, first)
        while lo_end is None:
            price = price / 4.0 if price > 1e-15 else 0.0
            s = demand.at(price, everything)
            if s is None:
                return None
            if demand.total(s) >= pool:
                lo_end = (price, s)
            elif price == 0.0:  # the pool does not bind: every village takes what it wants
                lo_end = hi_end = (0.0, s)
            else:
                hi_end = (price, s)

    f_lo, f_hi = demand.total(lo_end[1]) - pool, demand.total(hi_end[1]) - pool
    side = 0
    for _ in range(_MAX_ITERATIONS):
        (p_lo, s_lo), (p_hi, s_hi) = lo_end, hi_end
        moving = [i for i in everything if not _same(s_lo[i], s_hi[i])]
        ambiguous = sum(int((~np.isclose(s_lo[i], s_hi[i], rtol=1e-9, atol=1e-6)).sum())
                        for i in moving)
        if ambiguous <= MAX_AMBIGUOUS or p_hi - p_lo <= 1e-12 * max(p_hi, 1e-300):
            break
        if time.perf_counter() > deadline:
            return None
        price = (p_lo * -f_hi + p_hi * f_lo) / (f_lo - f_hi) if f_lo != f_hi else 0.5 * (p_lo + p_hi)
        if not p_lo < price < p_hi:
            price = 0.5 * (p_lo + p_hi)
        s_mid = demand.at(price, moving)
        if s_mid is None:
            return None
        f_mid = demand.total({**s_lo, **s_mid}) - pool
        if f_mid >= 0:
            lo_end, f_lo = (price, {**s_lo, **s_mid}), f_mid
            side = side + 1 if side > 0 else 1
            if side >= 2:
                f_hi /= 2.0  # Illinois: the other end stayed put twice
        else:
            hi_end, f_hi = (price, {**s_hi, **s_mid}), f_mid
            side = side - 1 if side < 0 else -1
            if side <= -2:
                f_lo /= 2.0

    (p_lo, s_lo), (p_hi, s_hi) = lo_end, hi_end
    z = np.zeros(data.n)
    fixed = np.ones(data.n, dtype=bool)
    for i, part in enumerate(parts):
        z[part.z_villages] = s_hi[i]
        fixed[part.z_villages] = np.isclose(s_lo[i], s_hi[i], rtol=1e-9, atol=1e-6)
    # a fixed village's latest solve took the same z as at both ends, so its x is optimal too
    x, budget_dual = demand.latest_plans(data)
    if options.tie_break:

        for i, part in enumerate(parts):
            sub = data.subset(part.villages, with_target=False)
            highs = demand.resolve(part, demand.latest_price(i))
            if highs is not None:
                x[part.villages] = tie_break_part(highs, part.model, sub, deadline)
    open_villages = np.nonzero(~fixed)[0]
    if len(open_villages):
        sub = data.subset(open_villages, with_target=False)
        sub.pool_idr = sub.pool_idr.copy()
        sub.pool_idr[sub.pool_of[0]] = max(0.0, pool - float(z[fixed].sum())) * MONEY_UNIT_IDR
        recovered = solve_lp(sub, options, deadline)
        if recovered is None:
            return None
        x[open_villages], budget_dual[open_villages], pool_dual = recovered
        # the recovery LP's pool row prices the pool exactly; without it the bracket's end does
        price = pool_dual.get(int(data.pool_of[0]), p_hi)
    else:
        price = p_hi
    return PricedSolution(x=x, price=price, budget_dual=budget_dual,
                          seconds=time.perf_counter() - start, parts_solved=demand.solves,
                          recovered_villages=len(open_villages))


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.allclose(a, b, rtol=1e-9, atol=1e-6))


class _Demand:
    """Each part's pool demand at a price, solving only the parts asked for; keeps the plans of the
    latest solve of each part at the upper end of the bracket for the villages that end up fixed."""

    def __init__(self, parts: list[_Part], n: int) -> None:
        self.parts = parts
        self.n = n
        self.solves = 0
        self._x: dict[int, tuple[float, np.ndarray, np.ndarray]] = {}

    def resolve(self, part: _Part, price: float) -> highspy.Highs | None:
        """The part solved at `price`, warm from its latest basis; None if not optimal."""
        highs = highspy.Highs()
        highs.setOptionValue("output_flag", False)
        if part.threads is not None:
            highs.setOptionValue("threads", part.threads)
        highs.passModel(part.lp)
        highs.changeColsCost(len(part.z_cols), part.z_cols, np.full(len(part.z_cols), -price))
        highs.setBasis(part.basis)
        highs.run()
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        return highs

    def at(self, price: float, which: list[int]) -> dict[int, np.ndarray] | None:
        out = {}
        for i in which:
            part = self.parts[i]
            highs = self.resolve(part, price)
            if highs is None:
                return None
            part.basis = highs.getBasis()
            out[i] = self._keep(i, price, highs.getSolution())
        return out

    def record(self, price: float, solutions: list[highspy.HighsSolution]) -> dict[int, np.ndarray]:
        """The parts' first solves, made while building them."""
        return {i: self._keep(i, price, sol) for i, sol in enumerate(solutions)}

    def _keep(self, i: int, price: float, sol: highspy.HighsSolution) -> np.ndarray:
        self.solves += 1
        values = np.asarray(sol.col_value)
        self._x[i] = (price, values, np.asarray(sol.row_dual))
        return values[self.parts[i].z_cols]

    def latest_price(self, i: int) -> float:
        """The price of part i's latest solve."""
        return self._x[i][0]

    def total(self, solutions: dict[int, np.ndarray]) -> float:
        return float(sum(z.sum() for z in solutions.values()))

    def latest_plans(self, data: Arrays) -> tuple[np.ndarray, np.ndarray]:
        """x and budget duals of every village from its part's latest solve."""
        x = np.zeros((self.n, len(data.groups), len(data.packages)))
        budget_dual = np.zeros(self.n)
        for i, part in enumerate(self.parts):
            _, values, row_dual = self._x[i]
            m = part.model
            x[part.villages[m.xv], m.xg, m.xp] = np.maximum(values[: m.n_x], 0.0)
            budget_dual[part.villages[m.budget_v]] = row_dual[m.budget_row_ids]
        return x, budget_dual


def _first_price(data: Arrays, pool: float) -> float:
    """A guess at the pool's price (objective per million rupiah): that of the last option a greedy
    spender of all the money (own and the pool, in millions) would buy at the cheapest package."""
    p0 = int(np.argmin(data.cost_idr))
    coef = data.objective_coef()[:, :, p0]
    cost = data.cost_idr[p0] / MONEY_UNIT_IDR
    money_needed = data.uninsured * cost
    ratio = (coef / cost).ravel()
    order = np.argsort(-ratio, kind="stable")
    spent = np.cumsum(money_needed.ravel()[order])
    k = min(int(np.searchsorted(spent, data.own_idr.sum() / MONEY_UNIT_IDR + pool)), len(order) - 1)
    return max(float(ratio[order[k]]), 1e-12)
