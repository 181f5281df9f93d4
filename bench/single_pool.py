"""An exact price decomposition of the single-pool LP, measured against the monolithic reference.

With one pool for the whole table, villages are coupled only by sum_v z[v] <= P. For a price
lambda >= 0 on pool money the Lagrangian  max sum_v f_v(x_v) - lambda z_v  separates by village, and
the pool demand Z(lambda) is non-increasing in lambda. So:

1. Solve the kabupaten blocks (batches of independent villages) with cost -lambda on z and no pool
   row, warm-started between prices by changing only z's cost.
2. Keep a bracket [lo, hi] with Z(lo) >= P >= Z(hi), moved by regula falsi (Illinois); re-solve only
   blocks whose z differs between lo and hi (the others keep their z, demand being monotone).
3. The plan is (1 - t) plan(hi) + t plan(lo) with t = (P - Z(hi)) / (Z(lo) - Z(hi)): feasible (each
   village's constraints are convex; the pool is spent exactly) with objective F; the Lagrangian
   bound min over {lo, hi} of F(lambda) - lambda (Z(lambda) - P) is >= the optimum, and the two differ
   by at most (hi - lo)(Z(lo) - Z(hi)). The search stops when that is below rtol x |F|: the plan is
   optimal to rtol, with a certificate, and no LP over the whole table is ever built.

Run `python -m bench.single_pool` to time it; compare its objective with bench.reference.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import pandas as pd

from bench import instances, reference

INF = highspy.kHighsInf


@dataclass
class Block:
    villages: np.ndarray  # row positions in the table
    lp: reference.ReferenceLp
    highs: highspy.Highs
    z_cols: np.ndarray
    x_village: np.ndarray  # village (0..n-1 within the block) of each column, -1 for y, w


@dataclass
class DecompositionResult:
    objective: float
    price: float
    iterations: int
    block_solves: int
    bound: float  # the Lagrangian upper bound: objective <= optimum <= bound
    combination: float  # t in plan = (1 - t) plan(hi) + t plan(lo)
    seconds: dict[str, float]


def _blocks(table: pd.DataFrame, scenario: dict[str, Any], size: int | None) -> list[Block]:
    """One block per kabupaten, or per `size` villages in table order."""
    free = json.loads(json.dumps(scenario))
    free["budget"]["apbd_pool_idr"] = 0.0
    blocks = []
    chunks: list[Any]
    if size:
        chunks = [np.arange(i, min(i + size, len(table))) for i in range(0, len(table), size)]
    else:
        chunks = list(table.groupby("kabupaten", sort=True).indices.values())
    for positions in chunks:
        lp = reference.build_lp(table.iloc[positions], free)
        # presolve off: these small LPs are re-solved warm many times; cold, presolve costs more than
        # it saves here (10.2 s instead of 13.0 s in all) and keeps 0.5 GB of postsolve data
        highs = reference.to_highs(lp, {"presolve": "off"})
        n, n_x = lp.n_villages, lp.n_villages * lp.n_groups * lp.n_packages
        highs.changeRowBounds(n * lp.n_groups + n, -INF, INF)  # the pool row: no bound
        owner = np.concatenate(
            [np.repeat(np.arange(n), lp.n_groups * lp.n_packages), np.tile(np.arange(n), 3)]
        )
        assert len(owner) == n_x + 3 * n
        blocks.append(Block(positions, lp, highs, n_x + 2 * n + np.arange(n, dtype=np.int32), owner))
    return blocks


class _Demand:
    """Block solutions at a price (block index -> column values), solving only the blocks asked."""

    def __init__(self, blocks: list[Block]) -> None:
        self.blocks = blocks
        self.solves = 0

    def at(self, price: float, which: list[int]) -> dict[int, np.ndarray]:
        solutions = {}
        for i in which:
            block = self.blocks[i]
            n_z = len(block.z_cols)
            block.highs.changeColsCost(n_z, block.z_cols, np.full(n_z, -price))
            block.highs.run()
            self.solves += 1
            if block.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                raise RuntimeError("a block is not optimal: the floors cannot be met")
            solutions[i] = np.asarray(block.highs.getSolution().col_value)
        return solutions


def _first_price(blocks: list[Block], pool: float) -> float:
    """A guess: the objective per rupiah of the last option a greedy national spender would buy
    (taken from the blocks, so no LP of the whole table is ever built)."""
    ratios, costs = [], []
    money = pool
    for block in blocks:
        lp = block.lp
        n, n_g, n_p = lp.n_villages, lp.n_groups, lp.n_packages
        n_x = n * n_g * n_p
        premium = np.asarray(lp.matrix[n * n_g : n * (n_g + 1), :n_x].sum(0)).ravel()
        ratios.append(lp.cost[:n_x] / premium)
        # each worker is bought once, at one of the packages: count 1/P of each option's cost
        costs.append(premium * np.repeat(lp.row_upper[: n * n_g], n_p) / n_p)
        money += float(lp.col_upper[n_x : n_x + 2 * n].sum())
    ratio = np.concatenate(ratios)
    order = np.argsort(-ratio)
    spent = np.cumsum(np.concatenate(costs)[order])
    k = min(int(np.searchsorted(spent, money)), len(order) - 1)
    return float(ratio[order[k]])


Solutions = dict[int, np.ndarray]


def decompose(
    table: pd.DataFrame, scenario: dict[str, Any], rtol: float = 1e-10, block_villages: int | None = None
) -> DecompositionResult:
    t0 = time.perf_counter()
    pool = float(scenario["budget"]["apbd_pool_idr"])
    blocks = _blocks(table, scenario, block_villages)
    demand = _Demand(blocks)
    everything = list(range(len(blocks)))
    t1 = time.perf_counter()

    def z(i: int, s: Solutions) -> np.ndarray:
        return s[i][blocks[i].z_cols]

    def value(s: Solutions) -> float:
        return float(sum(blocks[i].lp.cost @ s[i] for i in s))

    def excess(s: Solutions) -> float:
        return float(sum(z(i, s).sum() for i in s)) - pool

    # bracket the optimal price: demand is non-increasing in the price
    price = _first_price(blocks, pool)
    s = demand.at(price, everything)
    lo: tuple[float, Solutions] | None = None
    hi: tuple[float, Solutions] | None = None
    if excess(s) >= 0:
        lo = (price, s)
        while hi is None:
            price *= 2.0
            s = demand.at(price, everything)
            if excess(s) < 0:
                hi = (price, s)
            else:
                lo = (price, s)
            if price > 1e12:
                raise RuntimeError("the pool cannot pay for the floors")
    else:
        hi = (price, s)
        while lo is None:
            price = price / 4.0 if price > 1e-15 else 0.0
            s = demand.at(price, everything)
            if excess(s) >= 0:
                lo = (price, s)
            elif price == 0.0:  # the pool does not bind: price 0 is optimal
                lo = hi = (0.0, s)
            else:
                hi = (price, s)
    t2 = time.perf_counter()
    iterations, retained = 0, 0
    f_lo, f_hi = excess(lo[1]), excess(hi[1])
    while True:
        (p_lo, s_lo), (p_hi, s_hi) = lo, hi
        z_lo, z_hi = excess(s_lo) + pool, excess(s_hi) + pool
        value_lo, value_hi = value(s_lo), value(s_hi)
        # the convex combination below is within this of the optimum (Lagrangian bound)
        gap = (p_hi - p_lo) * (z_lo - z_hi)
        if gap <= rtol * max(1.0, abs(value_hi)) or iterations >= 100:
            break
        moving = [i for i in everything if not np.allclose(z(i, s_lo), z(i, s_hi), rtol=1e-12, atol=1e-6)]
        iterations += 1
        price = (p_lo * -f_hi + p_hi * f_lo) / (f_lo - f_hi)  # regula falsi
        if not p_lo < price < p_hi:
            price = 0.5 * (p_lo + p_hi)
        s_mid = {**s_lo, **demand.at(price, moving)}
        f_mid = excess(s_mid)
        if f_mid >= 0:
            lo, f_lo = (price, s_mid), f_mid
            retained = retained + 1 if retained > 0 else 1
            if retained >= 2:
                f_hi /= 2.0  # Illinois: the upper end stayed put twice
        else:
            hi, f_hi = (price, {**s_hi, **{i: s_mid[i] for i in moving}}), f_mid
            retained = retained - 1 if retained < 0 else -1
            if retained <= -2:
                f_lo /= 2.0
    t3 = time.perf_counter()
    # the plan: t of the way from the solutions at hi to those at lo, so the pool is spent exactly;
    # every village stays feasible (its constraints are convex) and the objective is linear
    t = 0.0 if z_lo <= z_hi else min(1.0, max(0.0, (pool - z_hi) / (z_lo - z_hi)))
    objective = (1.0 - t) * value_hi + t * value_lo
    bound = min(value_lo - p_lo * (z_lo - pool), value_hi - p_hi * (z_hi - pool))
    t4 = time.perf_counter()
    return DecompositionResult(
        objective=objective,
        bound=bound,
        price=p_hi,
        iterations=iterations,
        block_solves=demand.solves,
        combination=t,
        seconds={
            "blocks": t1 - t0,
            "bracket": t2 - t1,
            "search": t3 - t2,
            "combine": t4 - t3,
            "total": t4 - t0,
        },
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.single_pool")
    parser.add_argument("--work", type=Path, default=Path("bench/results/instances"))
    parser.add_argument("--rtol", type=float, default=1e-10)
    parser.add_argument("--block-villages", type=int, help="villages per block (default: a kabupaten)")
    parser.add_argument("--villages", type=Path, help="another village table (same scenario)")
    args = parser.parse_args(argv)
    case = next(c for c in instances.build("national", args.work) if c.variant == "one_pool")
    table, scenario = reference.read_inputs(case.villages_csv, case.scenario_json)
    if args.villages:
        table, _ = reference.read_inputs(args.villages, case.scenario_json)
    result = decompose(table, scenario, args.rtol, args.block_villages)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({**result.__dict__, "peak_rss_mb": round(rss)}, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
