"""`python -m bench.multiyear`: a 3-year plan with continuity against the 1-year plan of the same
table, both through the command line's whole path (`app.cli.pipeline.solve_files`: read, solve,
check, write), each in a process of its own, one after the other. Prints figures.

The 3-year scenario is the bench's own (pool per kabupaten) with `multi_year`: 3 years, dana
desa, ADD and the pools growing 5% a year, the coverage floor 20% every year.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import time
from pathlib import Path
from typing import Any

from bench.instances import SEED, build

MULTI_YEAR = {"years": 3, "dana_desa_growth": "5%", "add_growth": "5%", "pool_growth": "5%"}


def _load() -> float:
    return os.getloadavg()[0]


def _run(villages: str, scenario: str, out: str, time_limit_s: float, answer: Any) -> None:
    from app.cli.pipeline import solve_files
    from models import SolveOptions

    options = SolveOptions(time_limit_s=time_limit_s, threads=1)
    start = time.perf_counter()
    plan, timings = solve_files(Path(villages), Path(scenario), Path(out), options)
    answer.send(
        {
            "seconds": time.perf_counter() - start,
            "status": plan.status.value,
            "objective": plan.objective,
            "blocks": plan.blocks,
            "check_ok": plan.check.ok if plan.check else None,
            "funded": [y.funded for y in plan.years],
            "timings": timings,
        }
    )


def measure(villages: Path, scenario: Path, out: Path, time_limit_s: float) -> dict[str, Any]:
    """One solve in a fresh process (spawned: nothing warm from the last one)."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    load_before = _load()
    process = context.Process(target=_run, args=(str(villages), str(scenario), str(out), time_limit_s, send))
    process.start()
    result: dict[str, Any] = receive.recv()
    process.join()
    return {**result, "load_before": load_before, "load_after": _load()}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.multiyear", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="national", help="bekasi, westjava or national")
    parser.add_argument("--work", type=Path, default=Path("bench/results"))
    parser.add_argument("--time-limit", type=float, default=900.0)
    args = parser.parse_args()
    instance = next(
        i for i in build(args.scale, args.work, SEED) if i.variant in ("pool_per_kabupaten", "one_pool")
    )
    scenario = json.loads(instance.scenario_json.read_text())
    three = {**scenario, "name": f"{scenario['name']}, 3 years", "multi_year": MULTI_YEAR}
    three_json = instance.scenario_json.with_name(instance.scenario_json.stem + "_3years.json")
    three_json.write_text(json.dumps(three, indent=1))
    print(f"{instance.name}: {instance.villages:,} villages, {instance.kabupaten} kabupaten")
    for label, path in (("1 year", instance.scenario_json), ("3 years", three_json)):
        got = measure(instance.villages_csv, path, args.work / f"multiyear_{label[0]}", args.time_limit)
        t = got["timings"]
        print(
            f"  {label}: {got['seconds']:.1f} s (read {t['read']:.1f}, build {t['build']:.1f}, "
            f"HiGHS {t['solve']:.1f}, check {t['check']:.1f}, write {t['write']:.1f}), "
            f"{got['status']}, check {'ok' if got['check_ok'] else 'FAILED'}, "
            f"{got['blocks']} blocks, objective {got['objective']:,.2f}, "
            f"funded by year {got['funded'] or '-'}, "
            f"load {got['load_before']:.2f} -> {got['load_after']:.2f}"
        )


if __name__ == "__main__":
    main()
