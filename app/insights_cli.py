"""The bodies of `desaplan sweep`, `desaplan marginals` and `desaplan fairness`.

Each reads the village table and scenario as `desaplan solve` does, calls the pure functions in
`solver` and `scenarios`, writes its files and prints a short summary.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from models import InputError, InputIssue, Lever, LeverKind, Plan, Problem, SolveOptions, Status

# numpy, pandas and the solver are imported by the command that runs, not by `desaplan`'s parser

EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT, EXIT_INFEASIBLE = 0, 1, 2, 3


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """The insight subcommands, added to `desaplan`'s parser."""
    curve = commands.add_parser("sweep", help="budget-outcome curve: the outcome as one lever moves")
    _inputs(curve)
    curve.add_argument("--lever", required=True, choices=[k.value for k in LeverKind])
    curve.add_argument("--kabupaten", default=None,
                       help="apbd_pool: this kabupaten's pool only (default: every pool)")
    curve.add_argument("--package", default=None, help="premium: the package's code")
    curve.add_argument("--from", dest="start", type=float, default=None)
    curve.add_argument("--to", dest="stop", type=float, default=None)
    curve.add_argument("--points", type=int, default=20, help="points from --from to --to")
    curve.add_argument("--values", default=None, help="comma-separated points instead of a range")
    curve.add_argument("--no-breakpoints", action="store_true",
                       help="only the points asked for, each solved on its own")

    marginal = commands.add_parser("marginals", help="the next rupiah: what Rp1 million more buys")
    _inputs(marginal)
    marginal.add_argument("--top", type=int, default=20, help="villages in the top list")

    fair = commands.add_parser("fairness", help="the cost of each floor: the plan with and without")
    _inputs(fair)


def _inputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--villages", required=True, type=Path, help="village table (CSV or XLSX)")
    parser.add_argument("--scenario", required=True, type=Path, help="scenario (JSON or YAML)")
    parser.add_argument("--out", required=True, type=Path, help="folder for the files")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per solve")


def run(args: argparse.Namespace) -> int:
    try:
        problem = _read(args.villages, args.scenario)
        options = SolveOptions(time_limit_s=args.time_limit)
        if args.command == "sweep":
            return _sweep(args, problem, options)
        if args.command == "marginals":
            return _marginals(args, problem, options)
        return _fairness(args, problem, options)
    except InputError as exc:
        print(exc.describe(), file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"desaplan: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _read(villages: Path, scenario: Path) -> Problem:
    for path in (villages, scenario):
        if not Path(path).is_file():
            raise InputError([InputIssue(file=str(path), message="no such file")],
                             title="A file could not be read")
    import scenarios

    table = scenarios.read_villages(villages)
    plan_scenario = scenarios.check_scenario_fits(scenarios.read_scenario(scenario), table)
    return Problem(table=table, scenario=plan_scenario)


def _bad(field: str, message: str) -> InputError:
    return InputError([InputIssue(field=field, message=message)], title="Bad sweep")


def sweep_values(start: float | None, stop: float | None, points: int,
                 values: str | None) -> list[float]:
    if values:
        try:
            return [float(v) for v in values.split(",") if v.strip()]
        except ValueError as exc:
            raise _bad("--values", "give numbers separated by commas") from exc
    if start is None or stop is None:
        raise _bad("--from/--to", "give --from and --to, or --values")
    if points < 2:
        raise _bad("--points", "at least 2 points")
    if stop < start:
        raise _bad("--to", "--to must not be below --from")
    import numpy as np

    return [float(v) for v in np.linspace(start, stop, points)]


def _sweep(args: argparse.Namespace, problem: Problem, options: SolveOptions) -> int:
    from scenarios import insights_io
    from scenarios.files import atomic_write
    from solver.curves import sweep

    values = sweep_values(args.start, args.stop, args.points, args.values)
    lever = Lever(kind=LeverKind(args.lever), kabupaten=args.kabupaten, package=args.package)
    curve = sweep(problem, lever, values, options, breakpoints=not args.no_breakpoints)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "curve.csv", insights_io.curve_csv_bytes(curve))
    atomic_write(out / "curve.xlsx", insights_io.curve_xlsx_bytes(curve))
    atomic_write(out / "curve.png", insights_io.curve_png_bytes(curve, problem.scenario.name))
    atomic_write(out / "curve.json", curve.model_dump_json(indent=2).encode("utf-8"))
    print(curve_summary(curve, problem.scenario.name, out))
    return EXIT_OK


def curve_summary(curve: object, name: str, out: Path) -> str:
    from models import Curve

    assert isinstance(curve, Curve)
    lines = [f"desaplan sweep: {name}", f"  Lever         {curve.lever.label()}, "
             f"{len([p for p in curve.points if p.kind != 'breakpoint'])} points in "
             f"{curve.seconds:.2f} s", f"  {curve.message}"]
    lines.append(f"  {'value':>16} {'status':<11} {'objective':>14} {'new':>10} {'coverage':>9} "
                 f"{'per Rp1m':>10}")
    for p in curve.points:
        if p.kind == "breakpoint":
            continue
        cov = f"{p.coverage_after:.1%}" if p.coverage_after is not None else ""
        obj = f"{p.objective:,.2f}" if p.objective is not None else ""
        new = f"{p.new_enrollments:,.0f}" if p.new_enrollments is not None else ""
        rate = (f"{p.marginal_value_per_million:,.3f}" if p.marginal_value_per_million is not None
                else "")
        mark = "" if p.kind == "sampled" else f"  ({p.kind})"
        lines.append(f"  {p.lever_value:>16,.6g} {p.status:<11} {obj:>14} {new:>10} {cov:>9} "
                     f"{rate:>10}{mark}")
    lines.append("  Wrote         " + ", ".join(str(out / f) for f in (
        "curve.csv", "curve.xlsx", "curve.png", "curve.json")))
    return "\n".join(lines)


def _marginals(args: argparse.Namespace, problem: Problem, options: SolveOptions) -> int:
    import solver
    from scenarios import insights_io
    from scenarios.files import atomic_write

    plan = solver.solve(problem, options)
    if plan.status != Status.optimal or not plan.has_targets:
        print(f"desaplan marginals: the scenario is {plan.status.value}: {plan.message}",
              file=sys.stderr)
        return EXIT_INFEASIBLE if plan.status == Status.infeasible else EXIT_ERROR
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    top = insights_io.top_villages(plan, args.top)
    atomic_write(out / "marginals_villages.csv",
                 insights_io.village_marginals(plan).to_csv(index=False).encode("utf-8"))
    atomic_write(out / "marginals_top.csv", top.to_csv(index=False).encode("utf-8"))
    atomic_write(out / "marginals_kecamatan.csv",
                 insights_io.kecamatan_marginals(plan).to_csv(index=False).encode("utf-8"))
    atomic_write(out / "marginals_pools.csv",
                 insights_io.pool_marginals(plan).to_csv(index=False).encode("utf-8"))
    atomic_write(out / "marginals.xlsx", insights_io.marginals_xlsx_bytes(plan, args.top))
    print(marginals_summary(plan, top, out))
    return EXIT_OK


def marginals_summary(plan: Plan, top: object, out: Path) -> str:
    import pandas as pd

    assert isinstance(top, pd.DataFrame)
    source = " (from the LP relaxation)" if plan.marginals_from == "lp_relaxation" else ""
    lines = [f"desaplan marginals: {plan.scenario_name}",
             f"  What Rp1 million more of a village's own cap buys{source}; the top {len(top)}:"]
    for row in top.itertuples():
        span = ("no end" if row.marginal_range_idr is None or pd.isna(row.marginal_range_idr)
                else f"for the next Rp{row.marginal_range_idr:,.0f}")
        lines.append(f"    {row.village_code} {row.village_name} ({row.kecamatan}): "
                     f"+{row.marginal_value_per_million:,.3f} points, "
                     f"+{row.marginal_enrollments_per_million:,.2f} enrolments, {span}")
    for pool in plan.pools:
        if pool.marginal_value_per_million is None:
            continue
        name = f"APBD pool {pool.kabupaten}" if pool.kabupaten else "APBD pool"
        lines.append(f"  {name}: +{pool.marginal_value_per_million:,.3f} points and "
                     f"+{(pool.marginal_enrollments_per_billion or 0) / 1000:,.2f} enrolments per "
                     f"Rp1 million")
    lines.append(f"  Wrote         {out / 'marginals.xlsx'} and marginals_*.csv")
    return "\n".join(lines)


def _fairness(args: argparse.Namespace, problem: Problem, options: SolveOptions) -> int:
    from scenarios.compare import fairness_frames
    from scenarios.files import atomic_write
    from solver.fairness import without_each_floor

    plans = without_each_floor(problem, options)
    base = plans[0][1]
    if base.status != Status.optimal:
        print(f"desaplan fairness: the scenario is {base.status.value}: {base.message}",
              file=sys.stderr)
        return EXIT_INFEASIBLE if base.status == Status.infeasible else EXIT_ERROR
    summary, comparisons = fairness_frames(plans)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "fairness.csv", summary.to_csv(index=False).encode("utf-8"))
    import io

    import pandas as pd

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        summary.to_excel(writer, sheet_name="cost_of_each_floor", index=False)
        for label, frame in comparisons.items():
            frame.to_excel(writer, sheet_name=label[:31], index=False)
    atomic_write(out / "fairness.xlsx", buffer.getvalue())
    lines = [f"desaplan fairness: {problem.scenario.name}"]
    for row in summary.itertuples():
        lines.append(f"  {row.floor:<22} {row.status:<10} objective given up {row.objective_given_up:,.2f}, "
                     f"enrolments given up {row.enrollments_given_up:,.0f}, rupiah moved "
                     f"Rp{row.rupiah_moved_idr:,.0f}, {row.villages_gaining} villages gain and "
                     f"{row.villages_losing} lose because of it")
    lines.append(f"  Wrote         {out / 'fairness.csv'}, {out / 'fairness.xlsx'}")
    print("\n".join(lines))
    return EXIT_OK
