"""`python -m bench.defaults`: `desaplan solve` on the national table with its DEFAULT options (no
--time-limit, no --workers: what a planner who types the command gets), in a process of its own.
Prints the status, the objective, the wall and CPU seconds and the machine's load beside them: the
default time limit is meant to reach the optimum on a 2-core machine at load 4 or more.

The bench's cases pass `--time-limit 900`, so they never show what the default does; this does.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.instances import SEED, build


def measure(villages: Path, scenario: Path, out_dir: Path) -> dict[str, Any]:
    """One `desaplan solve` with default options; its figures and the load before and after."""
    load_before = os.getloadavg()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    command = [
        sys.executable,
        "-m",
        "app.cli",
        "solve",
        "--villages",
        str(villages),
        "--scenario",
        str(scenario),
        "--out",
        str(out_dir),
        "--quiet",
    ]
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    plan_path = out_dir / "plan.json"
    plan = json.loads(plan_path.read_text()) if plan_path.exists() else {}
    return {
        "exit": done.returncode,
        "status": plan.get("status"),
        "objective": plan.get("objective"),
        "lp_bound": plan.get("lp_bound"),
        "blocks": plan.get("blocks"),
        "unsolved_blocks": plan.get("unsolved_blocks"),
        "fallback_blocks": len(plan.get("fallback_blocks", [])),
        "check_ok": (plan.get("check") or {}).get("ok"),
        "plan_total_seconds": plan.get("total_seconds"),
        "wall_seconds": wall,
        "cpu_seconds": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "cores": os.cpu_count(),
    }


def format_defaults(name: str, r: dict[str, Any]) -> str:
    objective = f"{r['objective']:,.2f}" if r["objective"] is not None else "-"
    return (
        f"desaplan solve, default options, {name}: exit {r['exit']}, {r['status']}, objective "
        f"{objective}, {r['unsolved_blocks']} of {r['blocks']} blocks unsolved, check "
        f"{'ok' if r['check_ok'] else 'FAILED'}; wall {r['wall_seconds']:.1f} s, CPU "
        f"{r['cpu_seconds']:.1f} s on {r['cores']} cores, load "
        f"{r['load_before'][0]:.2f} before, {r['load_after'][0]:.2f} after "
        f"(5 min {r['load_after'][1]:.2f})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.defaults", description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("bench/results"))
    parser.add_argument("--variant", default="pool_per_kabupaten", choices=["pool_per_kabupaten", "one_pool"])
    args = parser.parse_args(argv)
    case = next(c for c in build("national", args.work / "instances", SEED) if c.variant == args.variant)
    result = measure(case.villages_csv, case.scenario_json, args.work / "defaults" / case.variant)
    print(format_defaults(case.name, result))
    print(json.dumps(result))
    return 0 if result["exit"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
