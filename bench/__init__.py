"""`python -m bench`: how fast the planner is at kabupaten, province and national scale, against
two yardsticks: the floor (HiGHS alone on the same blocks, from numpy arrays, in millions of rupiah,
on one and two cores: `bench.floor`) and the whole matrix in rupiah handed to HiGHS
(`bench.reference`). Prints figures; asserts only that the objectives agree.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from bench.instances import SCALES, SEED, Instance, build
from bench.runs import RunResult, measure

OBJECTIVE_RTOL = 1e-6
# targets of the issue: (a)/(b) ratio per case, peak RSS, service latencies
RATIO_TARGETS = {
    "national/pool_per_kabupaten": 0.1,
    "national/one_pool": 0.3,
    "westjava/pool_per_kabupaten": 1.0,
}
# the issue's targets against the floor on the same cores (the project's path uses every core)
FLOOR_TARGETS = {
    "national/pool_per_kabupaten": 1.5,
    "westjava/pool_per_kabupaten": 1.5,
}
RSS_TARGET_MB = 1536.0
# below this many villages each side runs `--rounds` times, alternating the order; above, once
ROUNDS_MAX_VILLAGES = 20_000
BUDGET_S = 19 * 60.0  # the whole command, service figures included
SERVICE_RESERVE_S = 120.0
DECOMPOSITION_RESERVE_S = 180.0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scales", default=",".join(SCALES), help=f"comma-separated, from {', '.join(SCALES)} (default: all)"
    )
    parser.add_argument("--skip-service", action="store_true", help="skip the HTTP service figures")
    parser.add_argument("--out", type=Path, default=Path("bench/results/latest.json"))
    parser.add_argument(
        "--work",
        type=Path,
        default=Path("bench/results"),
        help="folder for instances and plans (default bench/results)",
    )
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--time-limit",
        type=float,
        default=900.0,
        help="the planner's time limit per solve, seconds (default 900)",
    )
    parser.add_argument(
        "--timeout", type=float, default=900.0, help="kill a run after this many seconds (default 900)"
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=BUDGET_S,
        help=f"seconds for the whole command; runs get what is left (default {BUDGET_S:.0f})",
    )
    parser.add_argument("--requests", type=int, default=50, help="requests per service figure (default 50)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="runs of each side for tables under 20,000 villages, alternating the order; the best "
        "of them counts (default 2)",
    )
    parser.add_argument(
        "--cases",
        default="",
        help="comma-separated scale/variant or variant names to run, e.g. "
        "national/pool_per_kabupaten (default: every case of the scales)",
    )
    return parser


def _relative_difference(a: float | None, b: float | None) -> float | None:
    if a is None or b is None:
        return None
    return abs(a - b) / max(1.0, abs(b))


class Budget:
    """Seconds left for the whole command; each run gets what the runs after it leave."""

    def __init__(self, seconds: float, cap: float) -> None:
        self.deadline = time.perf_counter() + seconds
        self.cap = cap

    def timeout(self, reserve: float = 0.0, share: float = 1.0) -> float:
        left = self.deadline - time.perf_counter() - reserve
        return max(30.0, min(self.cap, share * left))


def _best(runs: list[RunResult], key: str) -> RunResult:
    """The fastest of a side's finished runs (its first run when none finished)."""
    done = [r for r in runs if r.ok and r.seconds.get(key) is not None]
    return min(done, key=lambda r: r.seconds[key]) if done else runs[0]


def _case(
    case: Instance, args: argparse.Namespace, budget: Budget, reserve: float, flip: bool
) -> dict[str, Any]:
    out_dir = args.work / "plans" / case.scale / case.variant
    shutil.rmtree(out_dir, ignore_errors=True)
    files = [str(case.villages_csv), str(case.scenario_json)]
    # a single pool's monolith can take very long: (a) gets half of what is left, (b) the rest,
    # keeping time for the exact decomposition should (b) not finish; its blocks are linked, so it
    # has no floor but the monolith itself
    single = case.variant == "one_pool" and case.villages > 20_000
    fallback = DECOMPOSITION_RESERVE_S if single else 0.0
    sides = ["project", "reference"] if single else ["project", "floor1", "floor2", "reference"]
    rounds = max(1, args.rounds) if case.villages < ROUNDS_MAX_VILLAGES else 1
    runs: dict[str, list[RunResult]] = {side: [] for side in sides}
    b_timeout = 0.0
    for r in range(rounds):
        order = sides if (r % 2 == 0) != flip else sides[::-1]
        for side in order:
            if side == "project":
                run = measure(
                    "project",
                    [*files, str(out_dir), str(args.time_limit)],
                    budget.timeout(reserve + fallback, share=0.5),
                )
            elif side == "reference":
                b_timeout = budget.timeout(reserve + fallback)
                run = measure("reference", files, b_timeout)
            else:
                run = measure("floor", [*files, side.removeprefix("floor")], budget.timeout(reserve))
            runs[side].append(run)
    project = _best(runs["project"], "total")
    ref = _best(runs["reference"], "total")
    floors = {side: _best(runs[side], "solve") for side in sides if side.startswith("floor")}
    yardstick = "reference"
    if single and ref.status == "timeout":
        # the yardstick becomes the exact price decomposition (bench.single_pool), certified by its
        # Lagrangian bound; the ratio is then an upper bound, (a) / (b's timeout)
        decomposed = measure("decomposition", files, budget.timeout(reserve))
        if decomposed.ok:
            yardstick = "decomposition"
            ref.objective = decomposed.objective
            ref.detail["decomposition"] = _as_dict(decomposed)
    difference = _relative_difference(project.objective, ref.objective)
    floor_differences = {
        side: _relative_difference(project.objective, f.objective) for side, f in floors.items()
    }
    agree = (
        project.ok
        and project.status == "optimal"
        and (ref.status == "optimal" or yardstick == "decomposition")
        and difference is not None
        and difference <= OBJECTIVE_RTOL
        and all(f.ok and f.status == "optimal" for f in floors.values())
        and all(d is not None and d <= OBJECTIVE_RTOL for d in floor_differences.values())
    )
    a_total = project.seconds.get("total")
    b_total = ref.seconds.get("total") if ref.ok else None
    ratio, ratio_is_bound = None, False
    if a_total and b_total:
        ratio = a_total / b_total
    elif a_total and ref.status == "timeout":
        ratio, ratio_is_bound = a_total / b_timeout, True
    floor_ratios = {
        side: (a_total / f.seconds["solve"] if a_total and f.ok else None) for side, f in floors.items()
    }
    every = [r for side_runs in runs.values() for r in side_runs]
    return {
        "scale": case.scale,
        "variant": case.variant,
        "villages": case.villages,
        "kabupaten": case.kabupaten,
        "project": _as_dict(project),
        "reference": _as_dict(ref),
        "floors": {side: _as_dict(f) for side, f in floors.items()},
        "runs": {side: [_as_dict(r) for r in side_runs] for side, side_runs in runs.items()},
        "rounds": rounds,
        "load": (min(min(r.load) for r in every), max(max(r.load) for r in every)),
        "reference_timeout_s": b_timeout,
        "yardstick": yardstick,
        "ratio": ratio,
        "ratio_is_upper_bound": ratio_is_bound,
        "ratio_target": RATIO_TARGETS.get(case.name),
        "floor_ratios": floor_ratios,
        "floor_target": FLOOR_TARGETS.get(case.name),
        "relative_difference": difference,
        "floor_relative_differences": floor_differences,
        "objectives_agree": agree,
    }


def _as_dict(run: RunResult) -> dict[str, Any]:
    return dict(run.__dict__)


def _cell(value: float | None, fmt: str) -> str:
    width = int("".join(ch for ch in fmt.split(".")[0] if ch.isdigit()) or 0)
    return "-".rjust(width) if value is None else format(value, fmt)


def _ratio(value: float | None, bound: bool = False) -> str:
    return "-" if value is None else ("<" if bound else "") + f"{value:.2f}x"


def format_table(cases: list[dict[str, Any]]) -> str:
    head = (
        f"{'scale/variant':<29}{'villages':>9} | {'read':>6}{'build':>7}{'solve':>8}"
        f"{'check':>7}{'write':>7}{'total':>8} | {'1 core':>7}{'2 cores':>8} | {'total':>7} | "
        f"{'/floor1':>8}{'/floor2':>8}{'target':>7}{'/monol.':>8} | {'RSS a':>6}{'RSS b':>6} | "
        f"{'objective a':>17}{'rel.diff':>9}{'floor':>8}  ok | load"
    )
    lines = [
        f"{'':<39}| (a) the project's path, seconds{'':<15}| floor: HiGHS  | monol.  |"
        f" (a) total / yardstick{'':<10}|  MB{'':<9}|",
        head,
        "-" * len(head),
    ]
    for c in cases:
        a, b = c["project"], c["reference"]
        floors = c.get("floors", {})
        sa, sb = a["seconds"], b["seconds"]
        rss_a = max(a["peak_rss_mb"], a["workers_peak_rss_mb"]) or None
        rss_b = b["peak_rss_mb"] or None
        ok = "ok" if c["objectives_agree"] else "FAIL"
        ratios = c.get("floor_ratios", {})
        target = f"{c['floor_target']:.1f}x" if c.get("floor_target") is not None else "-"
        floor_diff = max(
            (d for d in c.get("floor_relative_differences", {}).values() if d is not None), default=None
        )
        load = c.get("load") or (0.0, 0.0)
        lines.append(
            f"{c['scale'] + '/' + c['variant']:<29}{c['villages']:>9,} | "
            f"{_cell(sa.get('read'), '6.2f')}{_cell(sa.get('build'), '7.2f')}"
            f"{_cell(sa.get('solve'), '8.2f')}{_cell(sa.get('check'), '7.2f')}"
            f"{_cell(sa.get('write'), '7.2f')}{_cell(sa.get('total'), '8.2f')} | "
            f"{_cell(floors.get('floor1', {}).get('seconds', {}).get('solve'), '7.2f')}"
            f"{_cell(floors.get('floor2', {}).get('seconds', {}).get('solve'), '8.2f')} | "
            f"{_cell(sb.get('total'), '7.2f')} | "
            f"{_ratio(ratios.get('floor1')):>8}{_ratio(ratios.get('floor2')):>8}{target:>7}"
            f"{_ratio(c['ratio'], bool(c.get('ratio_is_upper_bound'))):>8} | "
            f"{_cell(rss_a, '6.0f')}{_cell(rss_b, '6.0f')} | "
            f"{_cell(a['objective'], '17,.4f')}{_cell(c['relative_difference'], '9.1e')}"
            f"{_cell(floor_diff, '8.1e')}  {ok} | {load[0]:.1f}-{load[1]:.1f}"
        )
        if not a["ok"] or a["status"] != "optimal":
            lines.append(f"    FAIL (a): status {a['status']} {a['error']}".rstrip())
        for side, f in floors.items():
            if not f["ok"] or f["status"] != "optimal":
                lines.append(f"    FAIL {side}: status {f['status']} {f['error']}".rstrip())
        if c.get("yardstick") == "decomposition":
            decomposed = b["detail"]["decomposition"]
            lines.append(
                f"    the monolith did not finish in {c['reference_timeout_s']:.0f} s; its objective is the "
                f"exact price decomposition's (bench.single_pool: {decomposed['seconds']['total']:.1f} s, "
                f"with its Lagrangian bound), ratio an upper bound; linked blocks: no floor"
            )
        elif not b["ok"] or b["status"] != "optimal":
            lines.append(f"    FAIL (monolith): status {b['status']} {b['error']}".rstrip())
        over = [s for s, r in (("a", rss_a), ("b", rss_b)) if r and r > RSS_TARGET_MB]
        if over:
            lines.append(f"    peak RSS over {RSS_TARGET_MB:.0f} MB: {', '.join(over)}")
    return "\n".join(lines)


def _service(args: argparse.Namespace) -> dict[str, Any]:
    if args.skip_service:
        return {}
    from bench.service import measure_service

    print("bench: service figures ...", flush=True)
    return measure_service(args.work, args.requests)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    scales = [s.strip() for s in args.scales.split(",") if s.strip()]
    unknown = [s for s in scales if s not in SCALES]
    if unknown:
        print(f"bench: unknown scale {', '.join(unknown)} (known: {', '.join(SCALES)})", file=sys.stderr)
        return 2
    started = time.perf_counter()
    print(
        f"bench: machine {platform.node()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        flush=True,
    )
    budget = Budget(args.budget, args.timeout)
    todo: list[Instance] = []
    for scale in scales:
        t = time.perf_counter()
        instances = build(scale, args.work / "instances", args.seed)
        print(
            f"bench: {scale}: {instances[0].villages:,} villages "
            f"({time.perf_counter() - t:.1f} s to prepare)",
            flush=True,
        )
        todo += instances
    # the national single pool goes last, after the service figures (which save and load the
    # national per-kabupaten plan): it takes whatever time is left
    if args.cases:
        wanted = {v.strip() for v in args.cases.split(",") if v.strip()}
        todo = [c for c in todo if c.variant in wanted or c.name in wanted]
    todo.sort(key=lambda c: c.variant == "one_pool" and c.villages > 20_000)
    cases: list[dict[str, Any]] = []
    service: dict[str, Any] | None = None
    for case in todo:
        if case.variant == "one_pool" and case.villages > 20_000 and service is None:
            service = _service(args)
        reserve = SERVICE_RESERVE_S if service is None and not args.skip_service else 0.0
        print(f"bench: {case.name} ...", flush=True)
        result = _case(case, args, budget, reserve, flip=len(cases) % 2 == 1)
        cases.append(result)
        print("\n".join(format_table([result]).splitlines()[3:]), flush=True)
    if service is None:
        service = _service(args)
    extra: dict[str, Any] = {}
    if "bekasi" in scales:
        from bench import startup

        print("bench: desaplan solve's start-up on Bekasi ...", flush=True)
        extra["startup"] = startup.measure()
    national = next((c for c in todo if c.scale == "national"), None)
    if national is not None:
        from bench import reading

        print("bench: reading the national table ...", flush=True)
        extra["reading"] = reading.measure(national.villages_csv)
        from bench import defaults

        print("bench: desaplan solve on the national table with its default options ...", flush=True)
        extra["defaults"] = defaults.measure(
            national.villages_csv, national.scenario_json, args.work / "defaults"
        )
    report: dict[str, Any] = {
        "date_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "node": platform.node(),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]),
        "seed": args.seed,
        "cases": cases,
    }
    if service:
        report["service"] = service
    report.update(extra)
    report["seconds"] = time.perf_counter() - started
    print()
    print(format_table(cases))
    if "service" in report:
        from bench.service import format_service

        print()
        print(format_service(report["service"]))
    if "startup" in report:
        from bench.startup import format_startup

        print(format_startup(report["startup"]))
    if "reading" in report:
        from bench.reading import format_reading

        print(format_reading(report["reading"]))
    if "defaults" in report:
        from bench.defaults import format_defaults

        print(format_defaults(f"{national.name}" if national else "national", report["defaults"]))
    failures = [f"{c['scale']}/{c['variant']}" for c in cases if not c["objectives_agree"]]
    print()
    if failures:
        print(
            f"FAIL: objectives differ by more than {OBJECTIVE_RTOL:g} relative, or a run failed: "
            f"{', '.join(failures)}"
        )
    else:
        print(f"objectives agree to {OBJECTIVE_RTOL:g} relative in every case")
    print(f"bench: {report['seconds']:.0f} s in all")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, default=str))
    print(f"bench: wrote {args.out}")
    return 1 if failures else 0
