"""Budget-outcome curves on the Kabupaten Bekasi example: how long a 20-point curve takes.

    python -m bench.curves                  # add_share 0..0.3 and the APBD pool 0..Rp5 billion
    python -m bench.curves --runs 3
    python -m bench.curves --national       # Indonesia, pool per kabupaten: a 10-point curve

Prints, per lever and for continuous and whole-number plans: (a) `desaplan sweep` in a fresh
process, wall clock (process start, reading, the curve, writing curve.csv/.xlsx/.png); (b) the
curve alone (`solver.curves.sweep`, in this process, warm imports), with its LP re-solves and
breakpoints; (c) 20 separate cold `desaplan solve` runs, one process each, at the same points;
and the ratio (a) / (c). Figures only: nothing here asserts a time.

With `--national`, on Indonesia with a pool per kabupaten (83,762 villages, 514 pools): one
national solve (`solver.solve`, one process); the curve of one kabupaten's pool amount with its
exact breakpoints on that kabupaten's own villages (kabupaten scale); a 10-point curve of
add_share 0..0.3 over the whole table, sampled (a solve per point) and exact; the kabupaten's
pool curve on the national table; each against the one national solve, cheapest first.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import scenarios
from models import Lever, LeverKind, Problem, SolveOptions, VillageTable
from scenarios.examples import BEKASI_VILLAGES, bekasi_scenarios
from solver import scenario_at, solve, sweep

DESAPLAN = str(Path(sys.executable).parent / "desaplan")
LEVERS = {"add_share": (0.0, 0.3), "apbd_pool": (0.0, 5e9)}


def _run(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([DESAPLAN, *args], capture_output=True, text=True, check=False)
    return time.perf_counter() - start


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.1f} {five:.1f} {fifteen:.1f}"


def national(points: int, pool_kabupaten: str, work: Path) -> int:
    """The national figures (see the module's docstring); minutes on two cores."""
    from bench.instances import build

    case = next(i for i in build("national", work) if i.variant == "pool_per_kabupaten")
    table = scenarios.read_villages(case.villages_csv)
    base = scenarios.check_scenario_fits(scenarios.read_scenario(case.scenario_json), table)
    problem = Problem(table=table, scenario=base)
    options = SolveOptions(time_limit_s=3600.0)
    print(
        f"Indonesia, pool per kabupaten: {len(table.villages):,} villages, "
        f"{case.kabupaten} pools ({_load()})",
        flush=True,
    )
    start = time.perf_counter()
    plan = solve(problem, options)
    one = time.perf_counter() - start
    print(
        f"  one national solve (one process)         {one:8.1f} s  {plan.status.value} "
        f"objective {plan.objective:,.4f} ({_load()})",
        flush=True,
    )
    pools = base.budget.apbd_pool_idr
    assert isinstance(pools, dict)
    # the pool of the kabupaten whose Kemendagri code is `pool_kabupaten`, as the table names it
    pool_kabupaten = next(
        v.kabupaten for v in table.villages if v.village_code.startswith(pool_kabupaten + ".")
    )
    pool_idr = pools[pool_kabupaten]
    own = VillageTable(
        groups=table.groups,
        source=table.source,
        villages=[v for v in table.villages if v.kabupaten == pool_kabupaten],
    )
    own_scenario = base.model_copy(
        update={"budget": base.budget.model_copy(update={"apbd_pool_idr": {pool_kabupaten: pool_idr}})}
    )
    amounts = [float(v) for v in np.linspace(0.0, 4 * pool_idr, points)]
    lever = Lever(kind=LeverKind.apbd_pool, kabupaten=pool_kabupaten)
    # cheapest first, so that a run cut short still prints the kabupaten's figures
    shares = [float(v) for v in np.linspace(0.0, 0.3, points)]
    add_share = Lever(kind=LeverKind.add_share)
    rows: list[tuple[str, Problem, Lever, list[float], bool]] = [
        (
            f"pool {pool_kabupaten} 0..4x, {len(own.villages)} villages",
            Problem(table=own, scenario=own_scenario),
            lever,
            amounts,
            True,
        ),
        (f"add_share, {points} points sampled, national", problem, add_share, shares, False),
        (f"add_share, {points} points exact, national", problem, add_share, shares, True),
        (f"pool {pool_kabupaten} 0..4x exact, national", problem, lever, amounts, True),
    ]
    for name, case_problem, case_lever, values, exact in rows:
        start = time.perf_counter()
        curve = sweep(case_problem, case_lever, values, options, breakpoints=exact)
        took = time.perf_counter() - start
        breaks = f"{len(curve.breakpoints)} breakpoints" if curve.exact else "sampled"
        asked = [p for p in curve.points if p.kind == "sampled"]
        checked = sum(1 for p in asked if p.check_ok)
        print(
            f"  {name:<40} {took:8.1f} s  {took / one:5.2f}x one solve  {breaks}, "
            f"{len(curve.points)} points, {curve.lp_solves} LP solves, {checked} of the "
            f"{len(asked)} asked points' plans checked ({_load()})",
            flush=True,
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.curves", description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=20)
    parser.add_argument("--runs", type=int, default=1, help="repeats of (a) and (b); the best is kept")
    parser.add_argument(
        "--national", action="store_true", help="Indonesia, pool per kabupaten (10 points unless --points)"
    )
    parser.add_argument("--pool", default="32.16", help="--national: the kabupaten of the pool")
    args = parser.parse_args(argv)
    if args.national:
        points = 10 if "--points" not in (argv or sys.argv[1:]) else args.points
        return national(points, args.pool, Path(__file__).parent / "results" / "instances")
    table = scenarios.read_villages(BEKASI_VILLAGES)
    base = scenarios.read_scenario(bekasi_scenarios()["add_pool_floor20"])
    print(f"Kabupaten Bekasi, {len(table.villages)} villages, {args.points}-point curves")
    print(
        f"{'lever':<10} {'plans':<13} {'(a) CLI s':>10} {'(b) curve s':>12} {'LP solves':>10} "
        f"{'breakpoints':>12} {'(c) 20 solves s':>16} {'(a)/(c)':>8}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name, (lo, hi) in LEVERS.items():
            values = [float(v) for v in np.linspace(lo, hi, args.points)]
            lever = Lever(kind=LeverKind(name))
            for integer in (False, True):
                scenario = base.model_copy(update={"integer": integer})
                path = work / f"scenario_{integer}.json"
                path.write_text(scenario.model_dump_json())
                problem = Problem(table=table, scenario=scenario)
                cli = min(
                    _run(
                        [
                            "sweep",
                            "--villages",
                            str(BEKASI_VILLAGES),
                            "--scenario",
                            str(path),
                            "--lever",
                            name,
                            "--from",
                            str(lo),
                            "--to",
                            str(hi),
                            "--points",
                            str(args.points),
                            "--out",
                            str(work / "sweep"),
                        ]
                    )
                    for _ in range(args.runs)
                )
                best, curve = None, None
                for _ in range(args.runs):
                    start = time.perf_counter()
                    curve = sweep(problem, lever, values)
                    took = time.perf_counter() - start
                    best = took if best is None else min(best, took)
                assert curve is not None and best is not None
                separate = 0.0
                for value in values:
                    one = work / "one.json"
                    one.write_text(
                        json.dumps(json.loads(scenario_at(problem, lever, value).model_dump_json()))
                    )
                    separate += _run(
                        [
                            "solve",
                            "--villages",
                            str(BEKASI_VILLAGES),
                            "--scenario",
                            str(one),
                            "--out",
                            str(work / "solve"),
                            "--quiet",
                        ]
                    )
                kind = "whole-number" if integer else "continuous"
                breaks = str(len(curve.breakpoints)) if curve.exact else "sampled"
                print(
                    f"{name:<10} {kind:<13} {cli:>10.2f} {best:>12.2f} {curve.lp_solves:>10} "
                    f"{breaks:>12} {separate:>16.2f} {cli / separate:>8.3f}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
