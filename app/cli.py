"""`desaplan`: solve a scenario from files, serve the HTTP service, or run the benchmarks.

Exit status of `desaplan solve`: 0 a plan was found (optimal, or the best plan at the time limit),
2 bad input (the message names the file, row and column or field), 3 the scenario is infeasible
(the message says why), 4 the time limit came before any plan, 1 anything else.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import scenarios
import solver
from models import InputError, InputIssue, IntegerMethod, Plan, Problem, SolveOptions, Status

EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT, EXIT_INFEASIBLE, EXIT_NO_PLAN = 0, 1, 2, 3, 4


def solve_files(
    villages: Path, scenario: Path, out_dir: Path, options: SolveOptions
) -> tuple[Plan, dict[str, float]]:
    """Read, solve, check and write: the whole `desaplan solve`, with seconds per step."""
    start = time.perf_counter()
    for path in (villages, scenario):
        if not Path(path).is_file():
            raise InputError(
                [InputIssue(file=str(path), message="no such file")], title="A file could not be read"
            )
    table = scenarios.read_villages(villages)
    plan_scenario = scenarios.read_scenario(scenario)
    scenarios.check_scenario_fits(plan_scenario, table)
    read_seconds = time.perf_counter() - start

    plan = solver.solve(Problem(table=table, scenario=plan_scenario), options)

    write_start = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    scenarios.write_plan_json(plan, out_dir / "plan.json")
    if plan.villages:
        scenarios.write_targets_csv(plan, out_dir / "targets.csv")
        scenarios.write_targets_xlsx(plan, out_dir / "targets.xlsx")
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

    serve = commands.add_parser("serve", help="run the HTTP service on the embedded SQLite database")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)

    commands.add_parser("bench", help="run the benchmarks (python -m bench --help)", add_help=False)

    user = commands.add_parser("user", help="manage the service's users (on DATABASE_URL)")
    user_commands = user.add_subparsers(dest="user_command", required=True)
    user_create = user_commands.add_parser("create", help="create a user")
    user_create.add_argument("name")
    user_create.add_argument("--role", required=True, choices=["admin", "planner", "viewer", "operator"])
    user_create.add_argument("--kabupaten", help="a planner's kabupaten, as its village tables name it")
    user_create.add_argument(
        "--village", action="append", default=[], help="a village operator's village code (repeatable)"
    )

    token = commands.add_parser("token", help="make or revoke API tokens (on DATABASE_URL)")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    token_create = token_commands.add_parser("create", help="make a token for a user; shown once")
    token_create.add_argument("user", help="the user's name")
    token_create.add_argument("--label", help="what the token is for, e.g. 'laptop'")
    token_revoke = token_commands.add_parser("revoke", help="revoke a token by its id")
    token_revoke.add_argument("token_id", type=int)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["bench"]:
        import bench  # the benchmarks are only imported when asked for

        return bench.main(argv[1:])
    args = _parser().parse_args(argv)
    if args.command == "serve":
        from app.serve import AuthOffBeyondLoopback, serve

        try:
            serve(host=args.host, port=args.port)
        except AuthOffBeyondLoopback as exc:
            print(f"desaplan: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        return EXIT_OK
    if args.command in ("user", "token"):
        return _accounts(args)
    return _solve(args)


def _accounts(args: argparse.Namespace) -> int:
    """`desaplan user create` and `desaplan token create|revoke`, on the service's database."""
    from sqlmodel import Session

    from app.db import make_engine
    from app.errors import ServiceError
    from app.migrate import upgrade
    from app.services import accounts, audit
    from app.settings import Settings
    from models.tables import Role, UserCreate

    engine = make_engine(Settings.from_env().database_url)
    upgrade(engine)
    try:
        with Session(engine) as session:
            if args.command == "user":
                try:
                    body = UserCreate(
                        name=args.name,
                        role=Role(args.role),
                        kabupaten=args.kabupaten,
                        village_codes=args.village,
                    )
                except ValueError as exc:
                    print(f"desaplan: bad user: {exc}", file=sys.stderr)
                    return EXIT_BAD_INPUT
                user = accounts.create_user(session, body)
                audit.record(session, accounts.CLI, "user.create", f"user/{user.id}", "cli",
                             {"name": user.name, "role": user.role})
                print(f"user {user.id} '{user.name}' ({user.role}) created")
            elif args.token_command == "create":
                owner = accounts.find_user(session, args.user)
                created = accounts.create_token(session, owner, args.label)
                audit.record(session, accounts.CLI, "token.create", f"token/{created.id}", "cli",
                             {"user_id": owner.id, "prefix": created.prefix})
                print(f"token {created.id} for '{owner.name}' (shown once, keep it safe):")
                print(created.token)
            else:
                revoked = accounts.revoke_token(session, args.token_id)
                audit.record(session, accounts.CLI, "token.revoke", f"token/{revoked.id}", "cli",
                             {"user_id": revoked.user_id})
                print(f"token {revoked.id} revoked")
    except (InputError, ServiceError) as exc:
        print(f"desaplan: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        engine.dispose()
    return EXIT_OK


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
    try:
        plan, timings = solve_files(args.villages, args.scenario, args.out, options)
    except InputError as exc:
        print(exc.describe(), file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"desaplan: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(summary(plan, timings, args.out))
    if plan.status == Status.infeasible:
        return EXIT_INFEASIBLE
    if plan.status == Status.error:
        return EXIT_ERROR
    return EXIT_OK if plan.villages else EXIT_NO_PLAN


def _n(value: float) -> str:
    return f"{value:,.0f}" if abs(value - round(value)) < 1e-6 else f"{value:,.1f}"


def _rp(value: float) -> str:
    return f"Rp{value:,.0f}"


def summary(plan: Plan, timings: dict[str, float], out_dir: Path) -> str:
    """The terminal summary a planner reads."""
    method = {"lp": "continuous", "lp_rounded": "whole workers, LP rounded", "mip": "whole workers, MIP"}[
        plan.method.value
    ]
    lines = [
        f"desaplan: {plan.scenario_name}",
        f"  Status        {plan.status.value} ({method}, {plan.blocks} block"
        f"{'s' if plan.blocks != 1 else ''}) in {timings['total']:.2f} s "
        f"(read {timings['read']:.2f}, build {timings['build']:.2f}, "
        f"HiGHS {timings['solve']:.2f}, check {timings['check']:.2f}, "
        f"write {timings['write']:.2f})",
    ]
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
        lines.append(f"  Wrote {out_dir / 'plan.json'}")
        return "\n".join(lines)

    t = plan.totals
    lines.append(f"  Objective     {plan.objective:,.2f} ({plan.objective_name})")
    if plan.integer and plan.lp_bound is not None:
        lines.append(f"  LP bound      {plan.lp_bound:,.2f} (gap {plan.gap_to_lp_bound:.4%})")
    lines.append(
        f"  New enrolments {_n(t.new_enrollments)} in {t.villages_with_new_enrollments} "
        f"of {t.villages} villages"
    )
    lines.append("    by group    " + ", ".join(f"{g} {_n(v)}" for g, v in t.new_by_group.items()))
    lines.append("    by package  " + ", ".join(f"{p} {_n(v)}" for p, v in t.new_by_package.items()))
    lines.append(
        f"  Coverage      {t.coverage_before:.1%} -> {t.coverage_after:.1%} of "
        f"{t.workers_total:,} informal workers"
    )
    lines.append(
        f"  Spend         {_rp(t.spend_total_idr)}: dana desa {_rp(t.spend_dana_desa_idr)},"
        f" ADD {_rp(t.spend_add_idr)}, APBD pool {_rp(t.spend_apbd_idr)}"
    )
    by_kecamatan: dict[str, float] = {}
    for v in plan.villages:
        by_kecamatan[v.kecamatan] = by_kecamatan.get(v.kecamatan, 0.0) + v.new_enrollments
    if by_kecamatan:
        top = max(by_kecamatan, key=lambda k: by_kecamatan[k])
        lines.append(f"  Most new      kecamatan {top}: {_n(by_kecamatan[top])} new enrolments")
    if plan.check:
        lines.append(
            f"  Check         every constraint holds (tolerance {plan.check.tolerance:g})"
            if plan.check.ok
            else f"  Check         FAILED: {'; '.join(plan.check.violations[:3])}"
        )
    if plan.message:
        lines.append(f"  Note          {plan.message}")
    written = [out_dir / "plan.json", out_dir / "targets.csv", out_dir / "targets.xlsx"]
    lines.append("  Wrote         " + ", ".join(str(p) for p in written))
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
