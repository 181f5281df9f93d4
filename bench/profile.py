"""Where the planner's time goes: `python -m bench.profile SCALE VARIANT [--workers N]`.

Runs the command line's code path (`app.cli.pipeline.solve_files`) on a benchmark instance under pyinstrument
(`pip install pyinstrument`) and prints its call tree. One worker by default, so the solve itself is
profiled rather than the wait for worker processes.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench.instances import SCALES, SEED, build


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("scale", choices=list(SCALES))
    parser.add_argument("variant")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=900.0)
    parser.add_argument("--work", type=Path, default=Path("bench/results"))
    parser.add_argument("--html", type=Path, help="also write pyinstrument's HTML report here")
    args = parser.parse_args(argv)
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("bench.profile needs pyinstrument: pip install pyinstrument")
        return 2
    from app.cli.pipeline import solve_files
    from models import SolveOptions

    case = next(
        (c for c in build(args.scale, args.work / "instances", SEED) if c.variant == args.variant), None
    )
    if case is None:
        print(f"no variant '{args.variant}' at scale {args.scale}: {SCALES[args.scale]}")
        return 2
    options = SolveOptions(time_limit_s=args.time_limit, workers=args.workers)
    profiler = Profiler(interval=0.005)
    with tempfile.TemporaryDirectory() as out:
        profiler.start()
        plan, seconds = solve_files(case.villages_csv, case.scenario_json, Path(out), options)
        profiler.stop()
    print(
        f"{case.name}: {plan.status.value}, objective {plan.objective}, seconds "
        + ", ".join(f"{k} {v:.2f}" for k, v in seconds.items())
    )
    print(profiler.output_text(unicode=False, color=False, show_all=False))
    if args.html:
        args.html.write_text(profiler.output_html())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
