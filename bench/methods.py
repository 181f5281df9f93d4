"""HiGHS's methods per block size: which one to choose for a block of n villages.

    python -m bench.methods                    # West Java's 27 blocks and the national 514
    python -m bench.methods --scales westjava

Each block (one kabupaten with its pool: `bench.floor.build`, money in millions, as the planner
hands it to HiGHS) is handed to HiGHS with each method in turn, the order of the methods rotated
from block to block so the machine's load falls on all of them alike; the figure is HiGHS's CPU
seconds (`passModel` and `run`, `time.process_time`), summed per size class, with the machine's
1-minute load average before and after. Every method's objective must equal primal simplex's to
1e-9 relative (FAIL otherwise).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

METHODS: dict[str, dict[str, Any]] = {
    "primal": {"simplex_strategy": 4},
    "dual": {"simplex_strategy": 1},
    "choose": {},
    "ipm": {"solver": "ipm"},
}
SIZES = ((0, 100), (100, 200), (200, 400), (400, 10**9))
RTOL = 1e-9


def _label(low: int, high: int) -> str:
    return f">= {low}" if high >= 10**9 else f"{low}-{high - 1}"


def measure(scale: str, work: Path) -> dict[str, Any]:
    from bench import floor, instances, reference

    case = next(i for i in instances.build(scale, work) if i.variant == "pool_per_kabupaten")
    table, scenario = reference.read_inputs(case.villages_csv, case.scenario_json)
    lps = floor.build(table, scenario)
    names = list(METHODS)
    seconds = {(size, m): 0.0 for size in SIZES for m in names}
    blocks = dict.fromkeys(SIZES, 0)
    worst = 0.0
    load = [os.getloadavg()[0]]
    for i, lp in enumerate(lps):
        size = next(s for s in SIZES if s[0] <= lp.n_villages < s[1])
        blocks[size] += 1
        objective: dict[str, float] = {}
        for m in names[i % len(names) :] + names[: i % len(names)]:
            start = time.process_time()
            h = reference.to_highs(lp, METHODS[m])
            h.run()
            seconds[(size, m)] += time.process_time() - start
            objective[m] = h.getInfo().objective_function_value
        base = objective["primal"]
        worst = max(worst, *(abs(v - base) / max(1.0, abs(base)) for v in objective.values()))
    load.append(os.getloadavg()[0])
    return {"scale": scale, "seconds": seconds, "blocks": blocks, "worst": worst, "load": load}


def report(result: dict[str, Any]) -> list[str]:
    names = list(METHODS)
    lines = [
        f"{result['scale']}: HiGHS CPU seconds per method, by block size (villages); "
        f"load {result['load'][0]:.1f}-{result['load'][1]:.1f}",
        f"{'villages':>10} {'blocks':>6} " + " ".join(f"{m:>8}" for m in names) + "   best",
    ]
    totals = dict.fromkeys(names, 0.0)
    for size in SIZES:
        if not result["blocks"][size]:
            continue
        row = {m: result["seconds"][(size, m)] for m in names}
        for m in names:
            totals[m] += row[m]
        best = min(row, key=lambda m: row[m])
        lines.append(
            f"{_label(*size):>10} {result['blocks'][size]:>6} "
            + " ".join(f"{row[m]:>8.2f}" for m in names)
            + f"   {best}"
        )
    lines.append(
        f"{'all':>10} {sum(result['blocks'].values()):>6} " + " ".join(f"{totals[m]:>8.2f}" for m in names)
    )
    verdict = "ok" if result["worst"] <= RTOL else "FAIL"
    lines.append(f"objectives against primal simplex: worst rel. diff {result['worst']:.1e} {verdict}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.methods", description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="westjava,national")
    parser.add_argument("--work", type=Path, default=Path("bench/results/instances"))
    args = parser.parse_args(argv)
    ok = True
    for scale in [s.strip() for s in args.scales.split(",") if s.strip()]:
        result = measure(scale, args.work)
        ok &= result["worst"] <= RTOL
        for line in report(result):
            print(line, flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
