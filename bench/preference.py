"""`python -m bench.preference`: what the order of preference costs, and how a time limit is kept.

For each case, in fresh processes and alternating: the command line's whole path
(`app.cli.pipeline.solve_files`)
with the order of preference (least pool money, fewest rupiah, even sharing) and without it (the LP's
first optimum), then the same path under a short time limit: its wall time, status and check.
Prints figures; asserts nothing but that both sides reach the same objective.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bench.instances import SEED, build
from bench.runs import RunResult, measure


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.preference", description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="bekasi,westjava,national")
    parser.add_argument("--work", type=Path, default=Path("bench/results"))
    parser.add_argument("--repeat", type=int, default=1, help="alternated runs of each side (default 1)")
    parser.add_argument(
        "--short-limit", type=float, default=15.0, help="the short time limit, seconds (default 15)"
    )
    parser.add_argument("--timeout", type=float, default=900.0)
    return parser


def _row(name: str, side: str, run: RunResult) -> str:
    d = run.detail
    total = run.seconds.get("total")
    return (
        f"| {name} | {side} | {run.status} | {run.wall_seconds:7.1f} | "
        f"{'' if total is None else f'{total:7.1f}'} | {run.peak_rss_mb:7.0f} | "
        f"{d.get('check_ok')} | {d.get('preferred')} | {d.get('fallback_blocks')} | "
        f"{'' if run.objective is None else f'{run.objective:,.2f}'} | "
        f"{'' if d.get('spend_apbd_idr') is None else f'{d["spend_apbd_idr"]:,.0f}'} |"
    )


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    print(f"cores {os.cpu_count()}, load {os.getloadavg()[0]:.2f} at the start")
    print(
        "| case | side | status | wall s | run s | peak MB | check | preferred | fallback blocks "
        "| objective | APBD pool Rp |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for scale in args.scales.split(","):
        for case in build(scale, args.work, SEED):
            files = [str(case.villages_csv), str(case.scenario_json)]
            out = str(args.work / f"pref_{scale}_{case.variant}")
            sides: dict[str, list[RunResult]] = {"with": [], "without": []}
            for _ in range(args.repeat):
                sides["with"].append(measure("project", [*files, out, "900"], args.timeout))
                sides["without"].append(measure("first-pass", [*files, out, "900"], args.timeout))
            for side, runs in sides.items():
                for run in runs:
                    print(_row(case.name, f"{side} preference", run), flush=True)
            a, b = sides["with"][-1].objective, sides["without"][-1].objective
            if a is not None and b is not None and abs(a - b) > 1e-6 * max(1.0, abs(b)):
                print(f"objectives differ: {a} against {b}", file=sys.stderr)
                return 1
            short = measure("project", [*files, out, str(args.short_limit)], args.timeout)
            print(_row(case.name, f"time limit {args.short_limit:g} s", short), flush=True)
    print(f"load {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
