"""The floor: the best a user could reach with the same solver on the same blocks.

The table is cut into the blocks no constraint links (one per kabupaten with a pool of its own;
the whole table for one pool), each block's LP is built straight from numpy arrays by
`bench.reference.build_lp` (contract section 3, literally) with money in millions of rupiah (so
the matrix is well scaled, as the planner's is), and HiGHS (highspy) solves the blocks one after
another on one core, or in two processes on two cores (largest blocks first onto the less loaded
process). The figure that counts is HiGHS's own time: handing it the prebuilt arrays
(`passModel`) and `run`, the blocks' wall time from the first hand-over to the last answer.

With one pool over the whole table, or a table-wide target, the blocks are linked: there is one
block, the whole matrix.
"""

from __future__ import annotations

import json
import multiprocessing
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from bench import reference

MILLION = 1_000_000.0
# HiGHS's methods tried on the instances' blocks (bench/README.md): primal simplex was the best
# (dual simplex, the default, 1.1-1.3x its time; interior point slower still)
METHOD: dict[str, Any] = {"simplex_strategy": 4}


@dataclass
class FloorResult:
    status: str
    objective: float | None
    blocks: int
    cores: int
    seconds: dict[str, float] = field(default_factory=dict)


def _in_millions(table: pd.DataFrame, scenario: dict[str, Any]) -> tuple[pd.DataFrame, dict[str, Any]]:
    table = table.copy()
    for column in ("dana_desa_idr", "add_idr"):
        if column in table:
            table[column] = table[column].astype(float) / MILLION
    scenario = json.loads(json.dumps(scenario))
    for package in scenario["packages"]:
        package["monthly_premium_idr"] = package["monthly_premium_idr"] / MILLION
    budget = scenario.setdefault("budget", {})
    pool = budget.get("apbd_pool_idr", 0.0)
    budget["apbd_pool_idr"] = (
        {k: v / MILLION for k, v in pool.items()} if isinstance(pool, dict) else pool / MILLION
    )
    return table, scenario


def blocks(table: pd.DataFrame, scenario: dict[str, Any]) -> list[pd.DataFrame]:
    """The sub-tables no constraint links: per kabupaten when pools are, else the whole table."""
    pool = scenario.get("budget", {}).get("apbd_pool_idr", 0.0)
    linked = float(scenario.get("targets", {}).get("min_new_enrollments", 0.0)) > 0
    if not isinstance(pool, dict) or linked or "kabupaten" not in table:
        return [table]
    return [part for _, part in table.groupby("kabupaten", sort=True)]


def build(table: pd.DataFrame, scenario: dict[str, Any]) -> list[reference.ReferenceLp]:
    scaled, scenario_m = _in_millions(table, scenario)
    return [
        reference.build_lp(part.reset_index(drop=True), scenario_m) for part in blocks(scaled, scenario_m)
    ]


def _solve(lps: list[reference.ReferenceLp]) -> tuple[str, float]:
    """Hand each block to HiGHS and solve it; the status (Optimal unless one is not) and the sum
    of the objectives."""
    objective, status = 0.0, "Optimal"
    for lp in lps:
        h = reference.to_highs(lp, METHOD)
        h.run()
        block_status = h.modelStatusToString(h.getModelStatus())
        if block_status != "Optimal":
            status = block_status
            continue
        objective += h.getInfo().objective_function_value
    return status, objective


_SHARED: list[reference.ReferenceLp] = []  # the blocks, inherited by the forked processes


def _solve_part(indices: list[int]) -> tuple[str, float]:
    return _solve([_SHARED[i] for i in indices])


def solve(lps: list[reference.ReferenceLp], cores: int) -> tuple[str, float]:
    if cores <= 1 or len(lps) < 2:
        return _solve(lps)
    order = sorted(range(len(lps)), key=lambda i: -lps[i].matrix.nnz)
    parts: list[list[int]] = [[] for _ in range(cores)]
    load = [0] * cores
    for i in order:
        j = load.index(min(load))
        parts[j].append(i)
        load[j] += lps[i].matrix.nnz
    _SHARED[:] = lps
    try:
        with multiprocessing.get_context("fork").Pool(cores) as pool:
            answers = pool.map(_solve_part, parts)
    finally:
        _SHARED.clear()
    statuses = {s for s, _ in answers}
    status = "Optimal" if statuses == {"Optimal"} else next(s for s in statuses if s != "Optimal")
    return status, float(sum(o for _, o in answers))


def run(villages_csv: Path, scenario_json: Path, cores: int) -> FloorResult:
    t0 = time.perf_counter()
    table, scenario = reference.read_inputs(villages_csv, scenario_json)
    t1 = time.perf_counter()
    lps = build(table, scenario)
    t2 = time.perf_counter()
    status, objective = solve(lps, cores)
    t3 = time.perf_counter()
    if scenario.get("objective", "max_protection") == "min_cost":
        objective *= MILLION
    return FloorResult(
        status=status,
        objective=objective if status == "Optimal" else None,
        blocks=len(lps),
        cores=cores,
        seconds={"read": t1 - t0, "build": t2 - t1, "solve": t3 - t2, "total": t3 - t0},
    )


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__.splitlines()[0])
    parser.add_argument("villages", type=Path)
    parser.add_argument("scenario", type=Path)
    parser.add_argument("--cores", type=int, default=1)
    args = parser.parse_args(argv)
    result = run(args.villages, args.scenario, args.cores)
    print(json.dumps(result.__dict__))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
