"""Budget-outcome curves on the Kabupaten Bekasi example: how long a 20-point curve takes.

    python -m bench.curves                  # add_share 0..0.3 and the APBD pool 0..Rp5 billion
    python -m bench.curves --runs 3

Prints, per lever and for continuous and whole-number plans: (a) `desaplan sweep` in a fresh
process, wall clock (process start, reading, the curve, writing curve.csv/.xlsx/.png); (b) the
curve alone (`solver.curves.sweep`, in this process, warm imports), with its LP re-solves and
breakpoints; (c) 20 separate cold `desaplan solve` runs, one process each, at the same points;
and the ratio (a) / (c). Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import scenarios
from models import Lever, LeverKind, Problem
from scenarios.examples import BEKASI_VILLAGES, bekasi_scenarios
from solver.curves import sweep
from solver.levers import scenario_at

DESAPLAN = str(Path(sys.executable).parent / "desaplan")
LEVERS = {"add_share": (0.0, 0.3), "apbd_pool": (0.0, 5e9)}


def _run(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([DESAPLAN, *args], capture_output=True, text=True, check=False)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.curves", description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=20)
    parser.add_argument("--runs", type=int, default=1, help="repeats of (a) and (b); the best is kept")
    args = parser.parse_args(argv)
    table = scenarios.read_villages(BEKASI_VILLAGES)
    base = scenarios.read_scenario(bekasi_scenarios()["add_pool_floor20"])
    print(f"Kabupaten Bekasi, {len(table.villages)} villages, {args.points}-point curves")
    print(f"{'lever':<10} {'plans':<13} {'(a) CLI s':>10} {'(b) curve s':>12} {'LP solves':>10} "
          f"{'breakpoints':>12} {'(c) 20 solves s':>16} {'(a)/(c)':>8}")
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
                cli = min(_run(["sweep", "--villages", str(BEKASI_VILLAGES), "--scenario", str(path),
                                "--lever", name, "--from", str(lo), "--to", str(hi), "--points",
                                str(args.points), "--out", str(work / "sweep")])
                          for _ in range(args.runs))
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
                    one.write_text(json.dumps(json.loads(
                        scenario_at(problem, lever, value).model_dump_json())))
                    separate += _run(["solve", "--villages", str(BEKASI_VILLAGES), "--scenario",
                                      str(one), "--out", str(work / "solve"), "--quiet"])
                kind = "whole-number" if integer else "continuous"
                breaks = str(len(curve.breakpoints)) if curve.exact else "sampled"
                print(f"{name:<10} {kind:<13} {cli:>10.2f} {best:>12.2f} {curve.lp_solves:>10} "
                      f"{breaks:>12} {separate:>16.2f} {cli / separate:>8.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
