"""The bodies of `desaplan sweep`, `desaplan marginals` and `desaplan fairness`.

Each reads the village table and scenario as `desaplan solve` does, calls the pure functions in
`solver` and `scenarios`, writes its files and prints a short summary.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli.limits import add_max_villages, read_limits
from models import InputError, InputIssue, Lever, LeverKind, Plan, Problem, SolveOptions, Status

if TYPE_CHECKING:
    from app.i18n import Speaker
    from models import Curve
    from scenarios.limits import ReadLimits

# numpy, pandas and the solver are imported by the command that runs, not by `desaplan`'s parser

from app.cli.refusals import EXIT_ERROR, EXIT_INFEASIBLE, EXIT_OK, refused


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """The insight subcommands, added to `desaplan`'s parser."""
    curve = commands.add_parser("sweep", help="budget-outcome curve: the outcome as one lever moves")
    _inputs(curve)
    curve.add_argument("--lever", required=True, choices=[k.value for k in LeverKind])
    curve.add_argument(
        "--kabupaten", default=None, help="apbd_pool: this kabupaten's pool only (default: every pool)"
    )
    curve.add_argument("--package", default=None, help="premium: the package's code")
    curve.add_argument("--from", dest="start", type=float, default=None)
    curve.add_argument("--to", dest="stop", type=float, default=None)
    curve.add_argument("--points", type=int, default=20, help="points from --from to --to")
    curve.add_argument("--values", default=None, help="comma-separated points instead of a range")
    curve.add_argument(
        "--no-breakpoints", action="store_true", help="only the points asked for, each solved on its own"
    )

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
    add_max_villages(parser)
    parser.add_argument(
        "--lang",
        choices=["id", "en"],
        default=None,
        help="the summary's language (default DESAPLAN_LANG, else English)",
    )


def _speaker(args: argparse.Namespace) -> Speaker:
    from app.i18n import lang_from_env, speaker

    return speaker(args.lang or lang_from_env("en"))


def run(args: argparse.Namespace) -> int:
    try:
        problem = _read(args.villages, args.scenario, read_limits(args))
        options = SolveOptions(time_limit_s=args.time_limit)
        if args.command == "sweep":
            return _sweep(args, problem, options)
        if args.command == "marginals":
            return _marginals(args, problem, options)
        return _fairness(args, problem, options)
    except (InputError, OSError) as exc:
        return refused(exc)


def _read(villages: Path, scenario: Path, limits: ReadLimits) -> Problem:
    for path in (villages, scenario):
        if not Path(path).is_file():
            raise InputError(
                [InputIssue(file=str(path), message="no such file")], title="A file could not be read"
            )
    import scenarios

    table = scenarios.read_villages(villages, limits=limits)
    plan_scenario = scenarios.check_scenario_fits(scenarios.read_scenario(scenario), table)
    return Problem(table=table, scenario=plan_scenario)


def _bad(field: str, message: str) -> InputError:
    return InputError([InputIssue(field=field, message=message)], title="Bad sweep")


def sweep_values(start: float | None, stop: float | None, points: int, values: str | None) -> list[float]:
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
    from app.i18n import gettext_for
    from scenarios import insights_io
    from scenarios.files import atomic_write
    from scenarios.insights_sheets import curve_xlsx_bytes
    from scenarios.sweep_values import check_sweep_values
    from solver import sweep

    values = sweep_values(args.start, args.stop, args.points, args.values)
    lever = Lever(kind=LeverKind(args.lever), kabupaten=args.kabupaten, package=args.package)
    check_sweep_values(problem.scenario, lever, values, "--values" if args.values else "--from/--to")
    curve = sweep(problem, lever, values, options, breakpoints=not args.no_breakpoints)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "curve.csv", insights_io.curve_csv_bytes(curve))
    say = _speaker(args)
    workbook = curve_xlsx_bytes(curve, gettext_for(say.lang), problem.scenario.name)
    atomic_write(out / "curve.xlsx", workbook)
    atomic_write(out / "curve.png", insights_io.curve_png_bytes(curve, problem.scenario.name))
    atomic_write(out / "curve.json", curve.model_dump_json(indent=2).encode("utf-8"))
    print(curve_summary(curve, problem.scenario.name, out, _speaker(args)))
    return EXIT_OK


def curve_summary(curve: Curve, name: str, out: Path, say: Speaker | None = None) -> str:
    """The curve in the terminal: the lever, where a plan starts and more stops helping, the points."""
    from app.i18n import speaker
    from scenarios import labels

    say = say or speaker("en")
    fmt, _ = say.fmt, say.gettext
    percent = curve.lever.kind in (LeverKind.dana_desa_share, LeverKind.add_share, LeverKind.min_coverage)

    def value(v: float) -> str:
        return fmt.percent(v, 2) if percent else fmt.rupiah(v)

    lever = _(labels.LEVER_NAMES[curve.lever.kind.value])
    if curve.lever.kabupaten or curve.lever.package:
        lever += f" ({curve.lever.kabupaten or curve.lever.package})"
    asked = [p for p in curve.points if p.kind != "breakpoint"]
    lines = [
        f"desaplan sweep: {name}",
        "  "
        + _("Lever: %(lever)s; %(points)s points in %(seconds)s s")
        % {
            "lever": lever,
            "points": fmt.number(sum(p.kind == "sampled" for p in asked)),
            "seconds": fmt.number(curve.seconds, 2),
        },
    ]
    if curve.exact:
        lines.append(
            "  "
            + _("Exact: %(count)s breakpoints found by parametric analysis.")
            % {"count": fmt.number(len(curve.breakpoints))}
        )
    else:
        lines.append(
            "  " + _("Sampled at the points asked for (whole workers or a premium: no exact breakpoints).")
        )
    if curve.feasible_from is not None:
        lines.append("  " + _("A plan exists from %(value)s on.") % {"value": value(curve.feasible_from)})
    if curve.feasible_up_to is not None:
        lines.append(
            "  " + _("A plan exists up to %(value)s.") % {"value": fmt.percent(curve.feasible_up_to, 2)}
        )
    if curve.saturated_from is not None:
        why = _(labels.SATURATION_REASONS.get(curve.saturation_reason, curve.saturation_reason))
        lines.append(
            "  "
            + _("From %(value)s on more buys nothing: %(why)s.")
            % {"value": value(curve.saturated_from), "why": why}
        )
    head = (_("value"), _("Status"), _("objective"), _("new enrolments"), _("coverage"), _("per Rp1 million"))
    lines.append(f"  {head[0]:>18} {head[1]:<14} {head[2]:>14} {head[3]:>14} {head[4]:>9} {head[5]:>15}")
    for p in asked:
        mark = "" if p.kind == "sampled" else f"  ({_(labels.POINT_KINDS.get(p.kind, p.kind))})"
        lines.append(
            f"  {value(p.lever_value):>18} {say.status(p.status):<14} {fmt.number(p.objective, 2):>14} "
            f"{fmt.count(p.new_enrollments):>14} {fmt.percent(p.coverage_after):>9} "
            f"{fmt.number(p.marginal_value_per_million, 3):>15}{mark}"
        )
    lines.append(
        f"  {_('Wrote')} "
        + ", ".join(str(out / f) for f in ("curve.csv", "curve.xlsx", "curve.png", "curve.json"))
    )
    return "\n".join(lines)


def _marginals(args: argparse.Namespace, problem: Problem, options: SolveOptions) -> int:
    import solver
    from app.i18n import gettext_for
    from scenarios import insights_io
    from scenarios.files import atomic_write
    from scenarios.insights_sheets import marginals_xlsx_bytes

    plan = solver.solve(problem, options)
    if plan.status != Status.optimal or not plan.has_targets:
        print(f"desaplan marginals: the scenario is {plan.status.value}: {plan.message}", file=sys.stderr)
        return EXIT_INFEASIBLE if plan.status == Status.infeasible else EXIT_ERROR
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    top = insights_io.top_villages(plan, args.top)
    for name, frame in (
        ("villages", insights_io.village_marginals(plan)),
        ("top", top),
        ("kecamatan", insights_io.kecamatan_marginals(plan)),
        ("pools", insights_io.pool_marginals(plan)),
        *(
            (
                ("village_years", insights_io.village_year_marginals(plan)),
                ("pool_years", insights_io.pool_year_marginals(plan)),
            )
            if plan.village_years
            else ()
        ),
    ):
        atomic_write(out / f"marginals_{name}.csv", insights_io.frame_csv_bytes(frame))
    tr = gettext_for(_speaker(args).lang)
    atomic_write(out / "marginals.xlsx", marginals_xlsx_bytes(plan, args.top, tr, plan.scenario_name))
    print(marginals_summary(plan, top, out, _speaker(args)))
    return EXIT_OK


def marginals_summary(plan: Plan, top: object, out: Path, say: Speaker | None = None) -> str:
    import pandas as pd

    from app.i18n import speaker

    assert isinstance(top, pd.DataFrame)
    say = say or speaker("en")
    fmt, _ = say.fmt, say.gettext
    lines = [
        f"desaplan marginals: {plan.scenario_name}",
        "  "
        + _("What Rp1 million more of a village's own cap buys; the top %(count)s:")
        % {"count": fmt.number(len(top))},
    ]
    if plan.marginals_from == "lp_relaxation":
        lines.append("    " + _("(from the LP relaxation)"))
    row: Any  # a pandas row: its fields by name
    for row in top.itertuples():
        span = (
            _("with no end")
            if row.marginal_range_idr is None or pd.isna(row.marginal_range_idr)
            else _("for the next %(amount)s") % {"amount": fmt.rupiah(row.marginal_range_idr)}
        )
        lines.append(
            f"    {row.village_code} {row.village_name} ({row.kecamatan}): "
            + _("+%(points)s points, +%(workers)s enrolments, %(span)s")
            % {
                "points": fmt.number(row.marginal_value_per_million, 3),
                "workers": fmt.number(row.marginal_enrollments_per_million, 2),
                "span": span,
            }
        )
    for pool in plan.pools:
        if pool.marginal_value_per_million is None:
            continue
        name = (
            _("APBD pool %(kabupaten)s") % {"kabupaten": pool.kabupaten} if pool.kabupaten else _("APBD pool")
        )
        lines.append(
            f"  {name}: "
            + _("+%(points)s points and +%(workers)s enrolments per Rp1 million")
            % {
                "points": fmt.number(pool.marginal_value_per_million, 3),
                "workers": fmt.number((pool.marginal_enrollments_per_billion or 0) / 1000, 2),
            }
        )
    lines.append(f"  {_('Wrote')} {out / 'marginals.xlsx'}, marginals_*.csv")
    return "\n".join(lines)


def _fairness(args: argparse.Namespace, problem: Problem, options: SolveOptions) -> int:
    from app.i18n import gettext_for
    from scenarios import insights_io, labels
    from scenarios.compare import fairness_frames
    from scenarios.files import atomic_write
    from scenarios.insights_sheets import fairness_xlsx_bytes
    from solver import without_each_floor

    plans = without_each_floor(problem, options)
    base = plans[0][1]
    if base.status != Status.optimal:
        print(f"desaplan fairness: the scenario is {base.status.value}: {base.message}", file=sys.stderr)
        return EXIT_INFEASIBLE if base.status == Status.infeasible else EXIT_ERROR
    summary, comparisons = fairness_frames(plans)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "fairness.csv", insights_io.frame_csv_bytes(summary))
    say = _speaker(args)
    workbook = fairness_xlsx_bytes(summary, comparisons, gettext_for(say.lang), problem.scenario.name)
    atomic_write(out / "fairness.xlsx", workbook)
    fmt, _ = say.fmt, say.gettext
    lines = [f"desaplan fairness: {problem.scenario.name}"]
    row: Any
    for row in summary.itertuples():
        floor = _(labels.FLOOR_FAMILIES.get(row.floor, row.floor))
        lines.append(
            f"  {floor} ({say.status(row.status)}): "
            + _(
                "objective given up %(objective)s, enrolments given up %(workers)s, rupiah moved "
                "%(amount)s; %(gain)s villages gain and %(lose)s lose because of it"
            )
            % {
                "objective": fmt.number(row.objective_given_up, 2),
                "workers": fmt.count(row.enrollments_given_up),
                "amount": fmt.rupiah(row.rupiah_moved_idr),
                "gain": fmt.number(row.villages_gaining),
                "lose": fmt.number(row.villages_losing),
            }
        )
    lines.append(f"  {_('Wrote')} {out / 'fairness.csv'}, {out / 'fairness.xlsx'}")
    print("\n".join(lines))
    return EXIT_OK
