"""One pool for many villages: an exact price decomposition.

With one APBD pool for a large table (and no table-wide target), villages are linked only by
sum_v z[v] <= P. For a price lambda >= 0 on pool money the Lagrangian

    max sum_v f_v(x_v) - lambda z_v

falls apart into one small problem per village, and a village's pool demand z_v(lambda) does not grow
with the price. So:

1. Parts of about PART_VILLAGES villages are built with PuLP with z priced and no pool row, solved once
   by HiGHS; for each new price only z's cost changes and HiGHS starts from the part's last basis.
2. A bracket [lo, hi] with demand(lo) >= P >= demand(hi) is narrowed by regula falsi (Illinois),
   re-solving only the parts whose demand differs at the two ends, until the Lagrangian bound proves
   the mix below optimal within GAP_REL (the gap is at most (hi - lo) x (demand(lo) - demand(hi))).
3. The plan mixes the two ends, theta lo + (1 - theta) hi, with theta such that the pool is spent
   exactly: every village's constraints are convex, so the mix is feasible, and its objective is
   within that gap of the bound. (Ties in priority leave thousands of villages indifferent at the
   optimal price; mixing needs no further LP for them.)
4. Each part is solved once more with its villages' pool money fixed at the mix, warm: the best plan
   for that money (at least the mix's objective), its duals, and the same order of preference as any
   block (`solver.preference`), within each village's pool money.

The plan's bound is the Lagrangian at the bracket's better end. Its status is `optimal` only when the
gap is proven below GAP_REL; when the time limit or the iteration cap comes first, the mix (feasible:
it spends the pool exactly, and every village's constraints are convex) is handed out as `time_limit`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np

from models import Status
from solver.context import RunContext
from solver.data import Arrays
from solver.marginals import lp_marginals
from solver.model import MONEY_UNIT_IDR, BuiltModel, build_model
from solver.preference import prefer
from solver.run import run_highs
from solver.solution import Solution, solver_model, to_cube

PART_VILLAGES = 250
GAP_REL = 1e-10  # the mix is proven within this (relative) of the optimum
_MAX_ITERATIONS = 100


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
    status: Status  # optimal (proven within GAP_REL), or time_limit (a feasible plan, or none)
    x: np.ndarray | None  # (n, G, P); None when time ran out before a feasible end was found
    bound: float | None  # the Lagrangian bound on the block's objective
    price: float  # the pool's price: objective per million rupiah of pool money
    budget_dual: np.ndarray  # (n,) objective per million more of a village's cap
    budget_workers: np.ndarray  # (n,) new enrolments per million more of a village's cap
    budget_range_idr: np.ndarray  # (n,)
    pool_workers: float  # new enrolments per million more in the pool, along the bracket's swing
    pool_range_idr: float  # rupiah more in the pool over which that holds
    seconds: float
    parts_solved: int
    message: str = ""
    preferred: bool = True


def applies(data: Arrays, min_villages: int) -> bool:
    """One funded pool links every village of this block and nothing else does."""
    return (
        data.n >= min_villages
        and data.min_new == 0
        and data.objective.value == "max_protection"
        and len(np.unique(data.pool_of)) == 1
        and data.pool_idr[data.pool_of[0]] > 0
    )


def solve_priced(data: Arrays, run: RunContext) -> PricedSolution | None:
    """The optimal plan of a block linked by one pool; None if a part fails (the caller then solves
    the block whole). When the deadline comes first, the feasible end of the bracket (or none)."""
    start = time.perf_counter()
    pool = float(data.pool_idr[data.pool_of[0]]) / MONEY_UNIT_IDR  # z and prices are per million
    price = _first_price(data, pool)
    parts: list[_Part] = []
    first_solutions: list[highspy.HighsSolution] = []
    n_parts = -(-data.n // PART_VILLAGES)
    for lo in range(0, data.n, PART_VILLAGES):
        if run.expired():
            return _unfinished(data, start, 0)
        villages = np.arange(lo, min(lo + PART_VILLAGES, data.n))
        model = build_model(data.subset(villages, with_target=False), pool_price=price)
        run.report("price", len(parts) + 1, n_parts, "building the parts")
        if not model.n_x:
            continue
        result = run_highs(model, run.remaining_s(), threads=run.options.threads, mip=False, presolve=False)
        if result.status == Status.time_limit:
            return _unfinished(data, start, len(parts))
        if result.status != Status.optimal:
            return None
        highs = solver_model(model)
        model.release()
        part = _Part(
            villages=villages,
            model=model,
            lp=highs.getLp(),
            basis=highs.getBasis(),
            z_cols=(model.n_x + np.arange(model.n_z)).astype(np.int32),
            z_villages=villages[model.zv],
            threads=run.options.threads,
        )
        parts.append(part)
        first_solutions.append(highs.getSolution())
        del highs  # see _Part: the instance's memory goes with it
    demand = _Demand(parts)
    everything = list(range(len(parts)))
    first = demand.record(first_solutions)

    # bracket the optimal price: demand does not grow with the price
    lo_end: tuple[float, dict[int, np.ndarray]] | None = None
    hi_end: tuple[float, dict[int, np.ndarray]] | None = None
    if demand.total(first) >= pool:
        lo_end = (price, first)
        while hi_end is None:
            if run.expired():
                return _unfinished(data, start, demand.solves)
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
            if run.expired():
                return _finish(data, parts, demand, hi_end, hi_end, pool, run, start, proven=False)
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
    proven = False
    for iteration in range(_MAX_ITERATIONS):
        (p_lo, s_lo), (p_hi, s_hi) = lo_end, hi_end
        value = max(1.0, abs(demand.value(s_hi)))
        if (p_hi - p_lo) * (f_lo - f_hi) <= GAP_REL * value or f_lo == 0:
            proven = True
            break
        if run.expired():
            break
        run.report("price", iteration + 1, _MAX_ITERATIONS, "narrowing the pool's price")
        moving = [i for i in everything if not _same(demand.z(i, s_lo), demand.z(i, s_hi))]
        price = (p_lo * -f_hi + p_hi * f_lo) / (f_lo - f_hi)
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
    return _finish(data, parts, demand, lo_end, hi_end, pool, run, start, proven)


def _unfinished(data: Arrays, start: float, solves: int) -> PricedSolution:
    n = data.n
    return PricedSolution(
        status=Status.time_limit,
        x=None,
        bound=None,
        price=0.0,
        budget_dual=np.zeros(n),
        budget_workers=np.zeros(n),
        budget_range_idr=np.full(n, np.nan),
        pool_workers=0.0,
        pool_range_idr=float("nan"),
        seconds=time.perf_counter() - start,
        parts_solved=solves,
        message="the time limit came before the pool's price was bracketed",
    )


def _finish(
    data: Arrays,
    parts: list[_Part],
    demand: _Demand,
    lo_end: tuple[float, dict[int, np.ndarray]],
    hi_end: tuple[float, dict[int, np.ndarray]],
    pool: float,
    run: RunContext,
    start: float,
    proven: bool,
) -> PricedSolution | None:
    """The plan: the two ends mixed so that the pool is spent exactly (at worst the feasible end),
    each part re-solved with its villages' pool money fixed, and the order of preference."""
    (p_lo, s_lo), (p_hi, s_hi) = lo_end, hi_end
    d_lo, d_hi = demand.total(s_lo), demand.total(s_hi)
    theta = 1.0 if d_lo <= pool or d_lo == d_hi else (pool - d_hi) / (d_lo - d_hi)
    # the Lagrangian at any price bounds the optimum from above
    bound = min(demand.value(s_lo) - p_lo * (d_lo - pool), demand.value(s_hi) - p_hi * (d_hi - pool))
    x = np.zeros((data.n, len(data.groups), len(data.packages)))
    budget_dual, budget_workers = np.zeros(data.n), np.zeros(data.n)
    budget_range = np.full(data.n, np.inf)
    preferred = True
    for i, part in enumerate(parts):
        run.report("preference", i + 1, len(parts), "the parts at the pool's price")
        z_mix = theta * demand.z(i, s_lo) + (1 - theta) * demand.z(i, s_hi)
        sub = data.subset(part.villages, with_target=False)
        fixed = demand.resolve(part, p_hi, z_fixed=z_mix)
        if fixed is None:
            return None
        m = part.model
        marginals = lp_marginals(fixed, m, len(part.villages), data.objective, exact_pools=False)
        if marginals is not None:
            budget_dual[part.villages] = marginals.value_per_million
            budget_workers[part.villages] = marginals.workers_per_million
            budget_range[part.villages] = marginals.range_idr
        if run.options.tie_break and not run.expired():
            chosen = prefer(fixed, m, sub, run, also_fix=part.z_cols)
            x[part.villages] = to_cube(m, sub, chosen.col_value)
            preferred &= chosen.complete
        else:
            x[part.villages] = to_cube(m, sub, Solution.read(fixed, m).col_value)
            preferred = False
    enrolled_lo = sum(float(s_lo[i][: p.model.n_x].sum()) for i, p in enumerate(parts))
    enrolled_hi = sum(float(s_hi[i][: p.model.n_x].sum()) for i, p in enumerate(parts))
    swing = d_lo - d_hi
    status = Status.optimal if proven else Status.time_limit
    message = (
        ""
        if proven
        else (
            "the pool's price was not proven optimal before the time limit "
            "or the iteration cap; the plan is feasible"
        )
    )
    return PricedSolution(
        status=status,
        x=x,
        bound=bound,
        price=0.5 * (p_lo + p_hi),
        budget_dual=budget_dual,
        budget_workers=budget_workers,
        budget_range_idr=budget_range,
        pool_workers=(enrolled_lo - enrolled_hi) / swing if swing > 1e-12 else 0.0,
        pool_range_idr=max(d_lo - pool, 0.0) * MONEY_UNIT_IDR if swing > 1e-12 else float("inf"),
        seconds=time.perf_counter() - start,
        parts_solved=demand.solves,
        message=message,
        preferred=preferred,
    )


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.allclose(a, b, rtol=1e-9, atol=1e-6))


class _Demand:
    """The parts' solutions (all columns) at a price, solving only the parts asked for."""

    def __init__(self, parts: list[_Part]) -> None:
        self.parts = parts
        self.solves = 0

    def resolve(self, part: _Part, price: float, z_fixed: np.ndarray | None = None) -> highspy.Highs | None:
        """The part solved at `price` (or with its pool money fixed), warm from its latest basis;
        None if not optimal."""
        highs = highspy.Highs()
        highs.setOptionValue("output_flag", False)
        highs.setOptionValue("presolve", "off")  # warm starts gain nothing from it
        if part.threads is not None:
            highs.setOptionValue("threads", part.threads)
        highs.passModel(part.lp)
        n_z = len(part.z_cols)
        highs.changeColsCost(n_z, part.z_cols, np.full(n_z, -price))
        if z_fixed is not None:
            highs.changeColsBounds(n_z, part.z_cols, z_fixed, z_fixed)
        highs.setBasis(part.basis)
        highs.run()
        self.solves += 1
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
            out[i] = np.asarray(highs.getSolution().col_value)
        return out

    def record(self, solutions: list[highspy.HighsSolution]) -> dict[int, np.ndarray]:
        """The parts' first solves, made while building them."""
        self.solves += len(solutions)
        return {i: np.asarray(sol.col_value) for i, sol in enumerate(solutions)}

    def z(self, i: int, solutions: dict[int, np.ndarray]) -> np.ndarray:
        return solutions[i][self.parts[i].z_cols]

    def total(self, solutions: dict[int, np.ndarray]) -> float:
        """Pool money (millions) the parts take."""
        return float(sum(self.z(i, solutions).sum() for i in solutions))

    def value(self, solutions: dict[int, np.ndarray]) -> float:
        """The objective (without the price term) of the parts' solutions."""
        return float(
            sum(
                solutions[i][: part.model.n_x] @ part.model.objective_coef
                for i, part in enumerate(self.parts)
                if i in solutions
            )
        )


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
