"""One measured run per fresh process, so its peak RSS is its own.

`python -m bench.child project VILLAGES SCENARIO OUT_DIR TIME_LIMIT` runs the command line's own code
path (`app.cli.pipeline.solve_files`: read, build, solve, check, write); `python -m bench.child reference
VILLAGES SCENARIO` runs the reference (bench.reference), `decomposition` the exact price
decomposition of a single pool (bench.single_pool), `first-pass` the project's path without the order
of preference (the LP's first optimum as HiGHS finds it), `floor VILLAGES SCENARIO CORES` HiGHS alone
on the same blocks (bench.floor). Each prints one JSON line last.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def _usage() -> dict[str, float]:
    # ru_maxrss is in KiB on Linux; children are the solver's worker processes, if any. CPU seconds
    # tell how much of the wall time was work when other processes share the machine.
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "peak_rss_mb": own.ru_maxrss / 1024,
        "workers_peak_rss_mb": workers.ru_maxrss / 1024,
        "cpu_seconds": own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime,
    }


def _project(
    villages: Path, scenario: Path, out_dir: Path, time_limit_s: float, tie_break: bool = True
) -> dict[str, Any]:
    from app.cli.pipeline import solve_files
    from models import SolveOptions

    # the command line's defaults (desaplan solve), but for a time limit long enough to finish
    options = SolveOptions(
        time_limit_s=time_limit_s, workers=max(1, os.cpu_count() or 1), tie_break=tie_break
    )
    plan, seconds = solve_files(villages, scenario, out_dir, options)
    return {
        "status": plan.status.value,
        "objective": plan.objective,
        "lp_bound": plan.lp_bound,
        "blocks": plan.blocks,
        "check_ok": plan.check.ok if plan.check else None,
        "has_targets": plan.has_targets,
        "preferred": plan.preferred,
        "fallback_blocks": len(plan.fallback_blocks),
        "spend_apbd_idr": plan.totals.spend_apbd_idr if plan.totals else None,
        "spend_total_idr": plan.totals.spend_total_idr if plan.totals else None,
        "seconds": seconds,
    }


def _reference(villages: Path, scenario: Path) -> dict[str, Any]:
    from bench import reference

    result = reference.run(villages, scenario)
    return {
        "status": "optimal" if result.status == "Optimal" else result.status,
        "objective": result.objective,
        "seconds": {
            "read": result.read_seconds,
            "build": result.build_seconds,
            "solve": result.solve_seconds,
            "total": result.read_seconds + result.build_seconds + result.solve_seconds,
        },
    }


def _floor(villages: Path, scenario: Path, cores: int) -> dict[str, Any]:
    from bench import floor

    result = floor.run(villages, scenario, cores)
    return {
        "status": "optimal" if result.status == "Optimal" else result.status,
        "objective": result.objective,
        "blocks": result.blocks,
        "cores": result.cores,
        "seconds": result.seconds,
    }


def _decomposition(villages: Path, scenario: Path) -> dict[str, Any]:
    from bench import reference, single_pool

    start = time.perf_counter()
    table, scenario_body = reference.read_inputs(villages, scenario)
    read = time.perf_counter() - start
    result = single_pool.decompose(table, scenario_body)
    return {
        "status": "optimal",
        "objective": result.objective,
        "bound": result.bound,
        "price": result.price,
        "iterations": result.iterations,
        "seconds": {"read": read, **result.seconds, "total": read + result.seconds["total"]},
    }


@dataclass
class RunResult:
    ok: bool
    status: str
    objective: float | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    peak_rss_mb: float = 0.0
    workers_peak_rss_mb: float = 0.0
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0
    detail: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    load: tuple[float, float] = (0.0, 0.0)  # the machine's 1-minute load average before and after


_MAIN_FIELDS = {"seconds", "objective", "status", "peak_rss_mb", "workers_peak_rss_mb", "cpu_seconds"}


def measure(kind: str, args: list[str], timeout_s: float) -> RunResult:
    """Run `python -m bench.child KIND ARGS` in a fresh process and read its last JSON line."""
    start = time.perf_counter()
    load_before = os.getloadavg()[0]
    command = [sys.executable, "-m", "bench.child", kind, *args]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return RunResult(
            ok=False,
            status="timeout",
            wall_seconds=time.perf_counter() - start,
            error=f"killed after {timeout_s:.0f} s",
            load=(load_before, os.getloadavg()[0]),
        )
    wall = time.perf_counter() - start
    load = (load_before, os.getloadavg()[0])
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        return RunResult(ok=False, status="error", wall_seconds=wall, error=" | ".join(tail), load=load)
    data = json.loads(lines[-1])
    return RunResult(
        ok=True,
        status=data["status"],
        objective=data.get("objective"),
        seconds=data.get("seconds", {}),
        peak_rss_mb=data["peak_rss_mb"],
        workers_peak_rss_mb=data["workers_peak_rss_mb"],
        cpu_seconds=data["cpu_seconds"],
        wall_seconds=wall,
        detail={k: v for k, v in data.items() if k not in _MAIN_FIELDS},
        load=load,
    )


def main(argv: list[str]) -> int:
    kind, villages, scenario = argv[0], Path(argv[1]), Path(argv[2])
    if kind == "project":
        out = _project(villages, scenario, Path(argv[3]), float(argv[4]))
    elif kind == "first-pass":  # the LP's own optimum, without the order of preference
        out = _project(villages, scenario, Path(argv[3]), float(argv[4]), tie_break=False)
    elif kind == "reference":
        out = _reference(villages, scenario)
    elif kind == "floor":  # HiGHS alone on the same blocks, from numpy arrays, on N cores
        out = _floor(villages, scenario, int(argv[3]))
    elif kind == "decomposition":
        out = _decomposition(villages, scenario)
    else:
        raise SystemExit(f"unknown run '{kind}'")
    print(json.dumps({**out, **_usage()}), flush=True)
    return 0
