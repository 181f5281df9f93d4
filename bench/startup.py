"""`desaplan solve` on Kabupaten Bekasi as a planner runs it: a fresh process, interpreter start
and imports included. Runs alternate with a bare `python -c pass`, so the machine's load shows
in both; the median of each counts.

    python -m bench.startup [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET_S = 0.6


def _command() -> list[str]:
    script = Path(sys.executable).parent / "desaplan"
    return [str(script)] if script.exists() else [sys.executable, "-m", "app.cli"]


def measure(runs: int = 7) -> dict[str, Any]:
    from scenarios import examples

    scenario = examples.bekasi_scenarios()["dd3_officials"]
    out = Path(tempfile.mkdtemp(prefix="desaplan-startup-"))
    solve = [
        *_command(),
        "solve",
        "--villages",
        str(examples.BEKASI_VILLAGES),
        "--scenario",
        str(scenario),
        "--out",
        str(out),
        "--quiet",
    ]
    bare = [sys.executable, "-c", "pass"]
    times: dict[str, list[float]] = {"solve": [], "python": []}
    load = [os.getloadavg()[0]]
    try:
        for i in range(runs):
            for name, command in (
                (("solve", solve), ("python", bare)) if i % 2 == 0 else (("python", bare), ("solve", solve))
            ):
                start = time.perf_counter()
                subprocess.run(command, check=True, capture_output=True)
                times[name].append(time.perf_counter() - start)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    load.append(os.getloadavg()[0])
    return {
        "runs": runs,
        "solve_median_s": statistics.median(times["solve"]),
        "solve_min_s": min(times["solve"]),
        "python_median_s": statistics.median(times["python"]),
        "load": load,
    }


def format_startup(figures: dict[str, Any]) -> str:
    verdict = "meets" if figures["solve_median_s"] <= TARGET_S else "MISSES"
    return (
        f"desaplan solve, Bekasi (187 villages), fresh process: median {figures['solve_median_s']:.2f} s, "
        f"best {figures['solve_min_s']:.2f} s of {figures['runs']} (python -c pass: "
        f"{figures['python_median_s']:.2f} s); target <= {TARGET_S:.1f} s: {verdict}; load "
        f"{figures['load'][0]:.1f}-{figures['load'][1]:.1f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.startup")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    figures = measure(args.runs)
    print(format_startup(figures))
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
