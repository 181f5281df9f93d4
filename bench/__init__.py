"""`python -m bench` / `desaplan bench`: how fast the planner is at kabupaten, province and
national scale, against the same LP handed to HiGHS directly. Prints figures; asserts only that the
objectives agree.
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
RSS_TARGET_MB = 2048.0
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


def _case(case: Instance, args: argparse.Namespace, budget: Budget, reserve: float) -> dict[str, Any]:
    out_dir = args.work / "plans" / case.scale / case.variant
    shutil.rmtree(out_dir, ignore_errors=True)
    files = [str(case.villages_csv), str(case.scenario_json)]
    # a single pool's monolith can take very long: (a) gets half of what is left, (b) the rest,
    # keeping time for the exact decomposition should (b) not finish
    single = case.variant == "one_pool" and case.villages > 20_000
    fallback = DECOMPOSITION_RESERVE_S if single else 0.0
    a_timeout = budget.timeout(reserve + fallback, share=0.5)
    project = measure("project", [*files, str(out_dir), str(args.time_limit)], a_timeout)
    b_timeout = budget.timeout(reserve + fallback)
    ref = measure("reference", files, b_timeout)
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
    agree = (
        project.ok
        and project.status == "optimal"
        and (ref.status == "optimal" or yardstick == "decomposition")
        and difference is not None
        and difference <= OBJECTIVE_RTOL
    )
    a_total = project.seconds.get("total")
    b_total = ref.seconds.get("total") if ref.ok else None
    ratio, ratio_is_bound = None, False
    if a_total and b_total:
        ratio = a_total / b_total
    elif a_total and ref.status == "timeout":
        ratio, ratio_is_bound = a_total / b_timeout, True
    return {
        "scale": case.scale,
        "variant": case.variant,
        "villages": case.villages,
        "kabupaten": case.kabupaten,
        "project": _as_dict(project),
        "reference": _as_dict(ref),
        "reference_timeout_s": b_timeout,
        "yardstick": yardstick,
        "ratio": ratio,
        "ratio_is_upper_bound": ratio_is_bound,
        "ratio_target": RATIO_TARGETS.get(case.name),
        "relative_difference": difference,
        "objectives_agree": agree,
    }


def _as_dict(run: RunResult) -> dict[str, Any]:
    return dict(run.__dict__)


def _cell(value: float | None, fmt: str) -> str:
    width = int("".join(ch for ch in fmt.split(".")[0] if ch.isdigit()) or 0)
    return "-".rjust(width) if value is None else format(value, fmt)


def format_table(cases: list[dict[str, Any]]) -> str:
    head = (
        f"{'scale/variant':<29}{'villages':>9} | {'read':>6}{'build':>7}{'solve':>8}"
        f"{'check':>7}{'write':>7}{'total':>8} | {'build':>6}{'solve':>8}{'total':>8} | "
        f"{'ratio':>7}{'target':>7} | {'RSS a':>6}{'RSS b':>6} | {'objective a':>17}"
        f"{'objective b':>17}{'rel.diff':>9}  ok"
    )
    lines = [
        f"{'':<39}| (a) the project's path, seconds{'':<15}| (b) highspy, seconds  |{'':<15}|  MB{'':<9}|",
        head,
        "-" * len(head),
    ]
    for c in cases:
        a, b = c["project"], c["reference"]
        sa, sb = a["seconds"], b["seconds"]
        rss_a = max(a["peak_rss_mb"], a["workers_peak_rss_mb"]) or None
        rss_b = b["peak_rss_mb"] or None
        ok = "ok" if c["objectives_agree"] else "FAIL"
        ratio = "-"
        if c["ratio"] is not None:
            ratio = ("<" if c.get("ratio_is_upper_bound") else "") + f"{c['ratio']:.2f}x"
        target = f"{c['ratio_target']:.1f}x" if c["ratio_target"] is not None else "-"
        lines.append(
            f"{c['scale'] + '/' + c['variant']:<29}{c['villages']:>9,} | "
            f"{_cell(sa.get('read'), '6.2f')}{_cell(sa.get('build'), '7.2f')}"
            f"{_cell(sa.get('solve'), '8.2f')}{_cell(sa.get('check'), '7.2f')}"
            f"{_cell(sa.get('write'), '7.2f')}{_cell(sa.get('total'), '8.2f')} | "
            f"{_cell(sb.get('build'), '6.2f')}{_cell(sb.get('solve'), '8.2f')}"
            f"{_cell(sb.get('total'), '8.2f')} | {ratio:>7}{target:>7} | "
            f"{_cell(rss_a, '6.0f')}{_cell(rss_b, '6.0f')} | "
            f"{_cell(a['objective'], '17,.4f')}{_cell(b['objective'], '17,.4f')}"
            f"{_cell(c['relative_difference'], '9.1e')}  {ok}"
        )
        if not a["ok"] or a["status"] != "optimal":
            lines.append(f"    FAIL (a): status {a['status']} {a['error']}".rstrip())
        if c.get("yardstick") == "decomposition":
            decomposed = b["detail"]["decomposition"]
            lines.append(
                f"    (b) did not finish in {c['reference_timeout_s']:.0f} s; objective b is the exact "
                f"price decomposition's (bench.single_pool: {decomposed['seconds']['total']:.1f} s, "
                f"with its Lagrangian bound), ratio an upper bound"
            )
        elif not b["ok"] or b["status"] != "optimal":
            lines.append(f"    FAIL (b): status {b['status']} {b['error']}".rstrip())
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
    todo.sort(key=lambda c: c.variant == "one_pool" and c.villages > 20_000)
    cases: list[dict[str, Any]] = []
    service: dict[str, Any] | None = None
    for case in todo:
        if case.variant == "one_pool" and case.villages > 20_000 and service is None:
            service = _service(args)
        reserve = SERVICE_RESERVE_S if service is None and not args.skip_service else 0.0
        print(f"bench: {case.name} ...", flush=True)
        result = _case(case, args, budget, reserve)
        cases.append(result)
        print(format_table([result]).splitlines()[-1], flush=True)
    if service is None:
        service = _service(args)
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
    report["seconds"] = time.perf_counter() - started
    print()
    print(format_table(cases))
    if "service" in report:
        from bench.service import format_service

        print()
        print(format_service(report["service"]))
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
