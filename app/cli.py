"""`desaplan`: solve a scenario from files, serve the HTTP service, or run the benchmarks.

Exit status of `desaplan solve`: 0 a plan was found (optimal, or a checked plan at the time limit),
2 bad input (the message names the file, row and column or field), 3 the scenario is infeasible
(the message says why), 4 the time limit came before any plan that passes the check, 5 the plan
failed desaplan's own check (plan.json says which constraints; no targets are written), 1 anything
else.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import scenarios
import solver
from app.progress import ProgressBar
from models import InputError, InputIssue, IntegerMethod, Plan, Problem, SolveOptions, Status
from solver.context import Listener, RunContext

EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT, EXIT_INFEASIBLE, EXIT_NO_PLAN, EXIT_CHECK_FAILED = 0, 1, 2, 3, 4, 5
# tables smaller than this solve in a blink: no progress bar
PROGRESS_MIN_VILLAGES = 2_000


def solve_files(
    villages: Path, scenario: Path, out_dir: Path, options: SolveOptions,
    listener: Listener | None = None,
) -> tuple[Plan, dict[str, float]]:
    """Read, solve, check and write: the whole `desaplan solve`, with seconds per step.

    The time limit counts from here: reading the table, building, every block, the pool's price,
    the order of preference, rounding and the check all fit in it; writing the files comes after.
    A plan whose own check failed gets plan.json (with the violations) and no targets."""
    start = time.perf_counter()
    run = RunContext(options, listener=listener, started=start)
    run.report("read", 0, 1)
    for path in (villages, scenario):
        if not Path(path).is_file():
            raise InputError(
                [InputIssue(file=str(path), message="no such file")], title="A file could not be read"
            )
    table = scenarios.read_villages(villages)
    plan_scenario = scenarios.read_scenario(scenario)
    plan_scenario = scenarios.check_scenario_fits(plan_scenario, table)
    read_seconds = time.perf_counter() - start
    run.report("read", 1, 1)

    plan = solver.solve(Problem(table=table, scenario=plan_scenario), run=run)

    write_start = time.perf_counter()
    run.report("write", 0, 1)
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in ("targets.csv", "targets.xlsx"):  # a failed or empty plan leaves no old targets
        (out_dir / stale).unlink(missing_ok=True)
    scenarios.write_plan_json(plan, out_dir / "plan.json")
    (out_dir / "infeasible.xlsx").unlink(missing_ok=True)
    if plan.short_villages or plan.remedies:
        from scenarios.files import atomic_write
        from scenarios.insights_io import infeasibility_xlsx_bytes

        atomic_write(out_dir / "infeasible.xlsx", infeasibility_xlsx_bytes(plan))
    if plan.has_targets:
        scenarios.write_targets_csv(plan, out_dir / "targets.csv")
        scenarios.write_targets_xlsx(plan, out_dir / "targets.xlsx")
    run.report("write", 1, 1)
    write_seconds = time.perf_counter() - write_start
    timings = {
        "read": read_seconds,
        "build": plan.build_seconds,
        "solve": plan.solve_seconds,
        "check": plan.check_seconds,
        "write": write_seconds,
        "total": time.perf_counter() - start,
    }
    return plan, timings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="desaplan", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    solve = commands.add_parser("solve", help="solve a scenario on a village table")
    solve.add_argument("--villages", required=True, type=Path, help="village table (CSV or XLSX)")
    solve.add_argument("--scenario", required=True, type=Path, help="scenario (JSON or YAML)")
    solve.add_argument("--out", required=True, type=Path, help="folder for plan.json and targets")
    solve.add_argument("--time-limit", type=float, default=60.0, help="seconds (default 60)")
    solve.add_argument(
        "--integer-method",
        choices=[m.value for m in IntegerMethod],
        default=IntegerMethod.round.value,
        help="whole-number plans: round the LP and repair (default) or HiGHS MIP",
    )
    solve.add_argument("--gap", type=float, default=1e-6, help="MIP relative gap (default 1e-6)")
    solve.add_argument("--threads", type=int, default=None, help="HiGHS threads")
    solve.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="processes for independent blocks of large tables",
    )
    solve.add_argument("--quiet", action="store_true", help="no progress bar on stderr")
    solve.add_argument("--verbose", action="store_true", help="timings and solver figures too")

    serve = commands.add_parser("serve", help="run the HTTP service on the embedded SQLite database")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)

    commands.add_parser("bench", help="run the benchmarks (python -m bench --help)", add_help=False)
    from app.insights_cli import add_parsers

    add_parsers(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["bench"]:
        import bench  # the benchmarks are only imported when asked for

        return bench.main(argv[1:])
    args = _parser().parse_args(argv)
    if args.command == "serve":
        from app.serve import serve

        serve(host=args.host, port=args.port)
        return EXIT_OK
    if args.command in ("sweep", "marginals", "fairness"):
        from app import insights_cli

        return insights_cli.run(args)
    return _solve(args)


def _solve(args: argparse.Namespace) -> int:
    try:
        options = SolveOptions(
            time_limit_s=args.time_limit,
            gap_rel=args.gap,
            threads=args.threads,
            workers=max(1, args.workers),
            integer_method=IntegerMethod(args.integer_method),
        )
    except ValueError as exc:
        print(f"desaplan: bad option: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    progress = ProgressBar(enabled=not args.quiet, min_villages=PROGRESS_MIN_VILLAGES)
    try:
        plan, timings = solve_files(args.villages, args.scenario, args.out, options,
                                    listener=progress)
    except InputError as exc:
        print(exc.describe(), file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"desaplan: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        progress.close()
    print(summary(plan, timings, args.out, verbose=args.verbose))
    if plan.status == Status.infeasible:
        return EXIT_INFEASIBLE
    if plan.status == Status.error:
        return EXIT_CHECK_FAILED if plan.check is not None and not plan.check.ok else EXIT_ERROR
    return EXIT_OK if plan.has_targets else EXIT_NO_PLAN


def _n(value: float) -> str:
    value = 0.0 if abs(value) < 0.05 else value  # no "-0"
    return f"{value:,.0f}" if abs(value - round(value)) < 1e-6 else f"{value:,.1f}"


def _rp(value: float) -> str:
    return f"Rp{value:,.0f}"


def _method_words(plan: Plan) -> str:
    if plan.method.value == "mip":
        return "whole workers, MIP"
    if plan.integer:
        return "whole workers, LP rounded" if plan.method.value == "lp_rounded" else "whole workers"
    return "continuous"


def top_kecamatan(plan: Plan) -> tuple[str, str, float] | None:
    """The kecamatan with most new enrolments, keyed by kabupaten and kecamatan (same-named
    kecamatan of different kabupaten are different places)."""
    by_kecamatan: dict[tuple[str, str], float] = {}
    for v in plan.villages:
        key = (v.kabupaten, v.kecamatan)
        by_kecamatan[key] = by_kecamatan.get(key, 0.0) + v.new_enrollments
    if not by_kecamatan:
        return None
    (kabupaten, kecamatan), new = max(by_kecamatan.items(), key=lambda kv: (kv[1], kv[0]))
    return kabupaten, kecamatan, new


def _pool_lines(plan: Plan) -> list[str]:
    lines = []
    for pool in plan.pools:
        if pool.pool_idr <= 0:
            continue
        name = f"APBD pool {pool.kabupaten}" if pool.kabupaten else "APBD pool"
        line = f"  {name:<13} {_rp(pool.spent_idr)} of {_rp(pool.pool_idr)} spent"
        if plan.objective_name == "min_cost":
            # a min_cost plan buys its target and floors only: more money changes nothing
            cheapest = min((r.cheapest_cost_idr for r in plan.group_reasons), default=0.0)
            if cheapest:
                line += (f"; the plan buys only what its floors and target ask, so one more Rp1 "
                         f"billion changes nothing: it would pay for up to {_n(1e9 // cheapest)} more "
                         f"workers at {_rp(cheapest)} each")
        elif pool.marginal_enrollments_per_billion is not None:
            rate = pool.marginal_enrollments_per_billion
            line += f"; one more Rp1 billion buys about {_n(rate)} new enrolments"
            if pool.marginal_value_per_billion is not None and plan.objective_name == "max_protection":
                line += f" (+{pool.marginal_value_per_billion:,.1f} points)"
            if pool.marginal_range_idr is not None:
                line += f" at this rate for the next {_rp(pool.marginal_range_idr)}"
            if pool.plus_billion_enrollments is not None:
                line += f"; re-solved with Rp1 billion more: +{_n(pool.plus_billion_enrollments)}"
            if plan.marginals_from == "lp_relaxation":
                line += " (from the LP relaxation)"
        lines.append(line)
    return lines


def _group_lines(plan: Plan) -> list[str]:
    lines = []
    for r in plan.group_reasons:
        if not r.uninsured:
            continue
        why = [f"weight {r.weight:g}"]
        if plan.objective_name == "max_protection":
            why.append(f"{r.value_per_million:,.2f} points per Rp1 million")
        if r.floor_share:
            why.append(f"floor {r.floor_share:.0%}, at the floor in {r.villages_at_floor} villages")
        why.append(f"all enrolled in {r.villages_all_enrolled} of {r.villages_with_workers} villages")
        lines.append(f"    {r.group:<18} {_n(r.new_enrollments)} of {r.uninsured:,}: " + ", ".join(why))
    return lines


def summary(plan: Plan, timings: dict[str, float], out_dir: Path, verbose: bool = False) -> str:
    """The terminal summary a planner reads."""
    status = f"  Status        {plan.status.value} ({_method_words(plan)}"
    if verbose:
        status += (f", {plan.blocks} block{'s' if plan.blocks != 1 else ''}) in {timings['total']:.2f} s "
                   f"(read {timings['read']:.2f}, build {timings['build']:.2f}, "
                   f"HiGHS {timings['solve']:.2f}, check {timings['check']:.2f}, "
                   f"write {timings['write']:.2f})")
    else:
        status += f") in {timings['total']:.1f} s"
    lines = [f"desaplan: {plan.scenario_name}", status]
    if plan.status == Status.error:
        lines.append(f"  {plan.message}")
        lines.append(f"  Wrote {out_dir / 'plan.json'} (with the violations); no targets were written")
        return "\n".join(lines)
    if plan.status == Status.infeasible or not plan.totals:
        lines.append(f"  {plan.message}")
        for explanation in plan.explanations[1:]:
            lines.append(f"  {explanation.message}")
        for explanation in plan.explanations:
            for s in explanation.villages[:10]:
                lines.append(
                    f"    {s.village_code} {s.village_name} ({s.kecamatan}): needs "
                    f"{_n(s.workers_needed)} workers, {_rp(s.cost_idr)}; has "
                    f"{_rp(s.own_budget_idr)}; short {_rp(s.shortfall_idr)}"
                )
            if len(explanation.villages) > 10:
                lines.append(f"    ... {len(explanation.villages) - 10} more in plan.json")
        if plan.remedies:
            lines.append("  The way out, each change on its own:")
            lines += [f"    {r.message}" for r in plan.remedies]
        lines.append(f"  Wrote {out_dir / 'plan.json'}")
        if plan.short_villages or plan.remedies:
            lines.append(f"  Wrote {out_dir / 'infeasible.xlsx'} (all {len(plan.short_villages)} "
                         f"short villages, and the remedies)")
        return "\n".join(lines)

    t = plan.totals
    assert plan.objective is not None
    lines.append(f"  Objective     {plan.objective:,.2f} ({plan.objective_name})")
    if (plan.integer or plan.status == Status.time_limit) and plan.lp_bound is not None:
        lines.append(f"  Best bound    {plan.lp_bound:,.2f} (gap {plan.gap_to_lp_bound:.4%})")
    lines.append(
        f"  New enrolments {_n(t.new_enrollments)} in {t.villages_with_new_enrollments} "
        f"of {t.villages} villages"
    )
    lines.append("    by package  " + ", ".join(f"{p} {_n(v)}" for p, v in t.new_by_package.items()))
    lines.append("    by group, and why:")
    lines += _group_lines(plan)
    if t.coverage_before is not None and t.coverage_after is not None:
        lines.append(
            f"  Coverage      {t.coverage_before:.1%} -> {t.coverage_after:.1%} of "
            f"{t.workers_total:,} informal workers"
        )
    lines.append(
        f"  Spend         {_rp(t.spend_total_idr)}: dana desa {_rp(t.spend_dana_desa_idr)},"
        f" ADD {_rp(t.spend_add_idr)}, APBD pool {_rp(t.spend_apbd_idr)}"
    )
    lines += _pool_lines(plan)
    top = top_kecamatan(plan)
    if top is not None:
        kabupaten, kecamatan, new = top
        where = f"kecamatan {kecamatan}" + (f" ({kabupaten})" if kabupaten else "")
        lines.append(f"  Most new      {where}: {_n(new)} new enrolments")
    if plan.check:
        lines.append(f"  Check         every constraint holds (tolerance {plan.check.tolerance:g})")
    if plan.message:
        lines.append(f"  Note          {plan.message}")
    written = [out_dir / "plan.json", out_dir / "targets.csv", out_dir / "targets.xlsx"]
    lines.append("  Wrote         " + ", ".join(str(p) for p in written))
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
