"""`desaplan`: solve a scenario from files, serve the HTTP service, run queue workers, manage accounts.

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
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli.limits import add_max_villages, read_limits
from app.cli.refusals import (
    EXIT_BAD_INPUT,
    EXIT_CHECK_FAILED,
    EXIT_ERROR,
    EXIT_INFEASIBLE,
    EXIT_NO_PLAN,
    EXIT_OK,
    refused,
)

# a command imports what it needs when it runs: `serve`, `worker` and the account commands load
# no pandas or solver, `solve` none of the insight commands' modules
from models import InputError, IntegerMethod, SolveOptions, Status
from models.scenario import DEFAULT_TIME_LIMIT_S

if TYPE_CHECKING:
    pass

# tables smaller than this solve in a blink: no progress bar
PROGRESS_MIN_VILLAGES = 2_000


# the commands whose modules (and theirs: actuals, replans, curves) load only when one of them runs
_INSIGHT_COMMANDS = ("sweep", "marginals", "fairness")
_ACTUALS_COMMANDS = ("actuals", "replan")
_DOCUMENT_COMMANDS = ("letters", "brief", "boundaries")
_OWN_COMMANDS = ("solve", "rules", "serve", "worker", "user", "token")


def _parser(command: str | None = None) -> argparse.ArgumentParser:
    """desaplan's parser; for one of its own commands (`command`, the first argument), without
    the insight and actuals commands, whose modules a `solve` would otherwise import for nothing."""
    parser = argparse.ArgumentParser(prog="desaplan", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    solve = commands.add_parser("solve", help="solve a scenario on a village table")
    solve.add_argument("--villages", required=True, type=Path, help="village table (CSV or XLSX)")
    solve.add_argument("--scenario", required=True, type=Path, help="scenario (JSON or YAML)")
    solve.add_argument("--out", required=True, type=Path, help="folder for plan.json and targets")
    solve.add_argument(
        "--time-limit",
        type=float,
        default=DEFAULT_TIME_LIMIT_S,
        help=f"seconds of solving; reading and writing do not count (default {DEFAULT_TIME_LIMIT_S:.0f})",
    )
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
    solve.add_argument(
        "--lang",
        choices=["id", "en"],
        help="language of the summary and of the planner's targets.xlsx (default $DESAPLAN_LANG; "
        "without either, the summary in English and targets.xlsx in the contract's codes)",
    )
    add_max_villages(solve)
    solve.add_argument("--quiet", action="store_true", help="no progress bar on stderr")
    solve.add_argument("--verbose", action="store_true", help="add the solver's figures and timings")

    rules = commands.add_parser(
        "rules", help="list the contribution rules: every value, the dates it holds and its reference"
    )
    rules.add_argument("--lang", choices=["id", "en"], help="language (default $DESAPLAN_LANG, else en)")
    rules.add_argument("--json", action="store_true", help="the rules as JSON, as GET /rules gives them")

    serve = commands.add_parser("serve", help="run the HTTP service on the embedded SQLite database")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)

    worker = commands.add_parser(
        "worker", help="run solves from the job queue (DESAPLAN_QUEUE_URL, DATABASE_URL)"
    )
    worker.add_argument("--burst", action="store_true", help="stop once the queue is empty")
    worker.add_argument(
        "--check",
        action="store_true",
        help="the healthcheck: exit 0 when a worker runs here and its database and queue answer",
    )

    user = commands.add_parser("user", help="manage the service's users (on DATABASE_URL)")
    user_commands = user.add_subparsers(dest="user_command", required=True)
    user_create = user_commands.add_parser("create", help="create a user")
    user_create.add_argument("name")
    user_create.add_argument("--role", required=True, choices=["admin", "planner", "viewer", "operator"])
    user_create.add_argument("--kabupaten", help="a planner's kabupaten, as its village tables name it")
    user_create.add_argument(
        "--village",
        "--desa",
        dest="village",
        action="append",
        default=[],
        help="a village office's desa by its Kemendagri code, 32.16.01.2001 or 3216012001 (repeatable)",
    )

    token = commands.add_parser("token", help="make or revoke API tokens (on DATABASE_URL)")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    token_create = token_commands.add_parser("create", help="make a token for a user; shown once")
    token_create.add_argument("user", help="the user's name")
    token_create.add_argument("--label", help="what the token is for, e.g. 'laptop'")
    token_revoke = token_commands.add_parser("revoke", help="revoke a token by its id")
    token_revoke.add_argument("token_id", type=int)

    if command in _OWN_COMMANDS:
        return parser
    from app.cli.insights import add_parsers

    add_parsers(commands)
    from app.cli import actuals as actuals_cli

    actuals_cli.add_parsers(commands)
    from app.cli import documents as letters_cli

    letters_cli.add_parsers(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser(argv[0] if argv else None).parse_args(argv)
    if args.command == "serve":
        from app.cli.serve import AuthOffBeyondLoopback, serve

        try:
            serve(host=args.host, port=args.port)
        except AuthOffBeyondLoopback as exc:
            print(f"desaplan: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        return EXIT_OK
    if args.command == "worker":
        return _worker(args)
    if args.command in ("user", "token"):
        return _accounts(args)
    if args.command == "rules":
        return _rules(args)
    if args.command in _INSIGHT_COMMANDS:
        from app.cli import insights as insights_cli

        return insights_cli.run(args)
    if args.command in _ACTUALS_COMMANDS:
        from app.cli import actuals as actuals_cli

        return actuals_cli.run(args)
    if args.command in _DOCUMENT_COMMANDS:
        from app.cli import documents as letters_cli

        return letters_cli.run(args)
    return _solve(args)


def _rules(args: argparse.Namespace) -> int:
    """`desaplan rules`: the parameter set, its version, and every parameter's dated values."""
    from app.i18n import lang_from_env
    from app.i18n.summary import rules_text
    from scenarios.rules import default_rules, describe

    try:
        rules = describe(default_rules())
    except InputError as exc:
        print(exc.describe(), file=sys.stderr)
        return EXIT_ERROR
    if args.json:
        print(rules.model_dump_json(indent=2))
        return EXIT_OK
    print(rules_text(rules, args.lang or lang_from_env("en")))
    return EXIT_OK


def _worker(args: argparse.Namespace) -> int:
    from app.settings import Settings

    try:
        settings = Settings.from_env()
        if not settings.queue_url:
            raise ValueError("DESAPLAN_QUEUE_URL is not set; a worker needs the queue's redis:// URL")
        from app.jobs.worker import run_worker
    except (ValueError, ImportError) as exc:
        print(f"desaplan worker: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.check:
        from app.jobs.alive import check

        problem = check(settings)
        if problem is not None:
            print(f"desaplan worker --check: {problem}", file=sys.stderr)
            return EXIT_ERROR
        return EXIT_OK
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    run_worker(settings, burst=args.burst)
    return EXIT_OK


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
                audit.record(
                    session,
                    accounts.CLI,
                    "user.create",
                    f"user/{user.id}",
                    "cli",
                    {"name": user.name, "role": user.role},
                )
                print(f"user {user.id} '{user.name}' ({user.role}) created")
            elif args.token_command == "create":
                owner = accounts.find_user(session, args.user)
                created = accounts.create_token(session, owner, args.label)
                audit.record(
                    session,
                    accounts.CLI,
                    "token.create",
                    f"token/{created.id}",
                    "cli",
                    {"user_id": owner.id, "prefix": created.prefix},
                )
                print(f"token {created.id} for '{owner.name}' (shown once, keep it safe):")
                print(created.token)
            else:
                revoked = accounts.revoke_token(session, args.token_id)
                audit.record(
                    session,
                    accounts.CLI,
                    "token.revoke",
                    f"token/{revoked.id}",
                    "cli",
                    {"user_id": revoked.user_id},
                )
                print(f"token {revoked.id} revoked")
    except (InputError, ServiceError) as exc:
        print(f"desaplan: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        engine.dispose()
    return EXIT_OK


def _chosen_lang(args: argparse.Namespace) -> str | None:
    """The language a planner chose (`--lang`, else `DESAPLAN_LANG`), or None: then the files
    keep the contract's column codes."""
    from app.i18n import normalise_lang
    from app.i18n.env import env_lang

    return args.lang or normalise_lang(env_lang())


def _solve(args: argparse.Namespace) -> int:
    from app.cli.pipeline import solve_files
    from app.cli.progress import ProgressBar

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
        plan, timings = solve_files(
            args.villages,
            args.scenario,
            args.out,
            options,
            listener=progress,
            workbook_lang=_chosen_lang(args),
            limits=read_limits(args),
        )
    except (InputError, OSError) as exc:
        return refused(exc)
    finally:
        progress.close()
    import scenarios
    from app.i18n import lang_from_env
    from app.i18n.summary import solve_summary

    # the scenario again for its budget's words (a small file, read in a blink)
    print(
        solve_summary(
            plan,
            timings,
            args.out,
            args.lang or lang_from_env("en"),
            args.verbose,
            scenario=scenarios.read_scenario(args.scenario),
        )
    )
    if plan.status == Status.infeasible:
        return EXIT_INFEASIBLE
    if plan.status == Status.error:
        return EXIT_CHECK_FAILED if plan.check is not None and not plan.check.ok else EXIT_ERROR
    return EXIT_OK if plan.has_targets else EXIT_NO_PLAN


if __name__ == "__main__":
    raise SystemExit(main())
