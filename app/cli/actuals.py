"""The bodies of `desaplan actuals` (plan against actual) and `desaplan replan` (the months left).

Both read the village table and scenario as `desaplan solve` does, the plan (plan.json; for
`actuals`, solved afresh when not given) and the actuals file, then call the pure functions in
`solver.actuals` and `solver.replan`, write their files and print a planner's summary.
Exit status as `desaplan solve`: 0 done, 2 bad input (file, row and column named), 3 the re-plan is
infeasible, 4 no plan in time, 5 the re-plan failed its check, 1 anything else.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

import scenarios
import solver
from app.cli.limits import add_max_villages, read_limits
from app.cli.pipeline import write_planner_workbook
from app.cli.refusals import (
    EXIT_CHECK_FAILED,
    EXIT_ERROR,
    EXIT_INFEASIBLE,
    EXIT_NO_PLAN,
    EXIT_OK,
    refused,
)
from app.i18n import Lang, Speaker, lang_from_env, speaker
from app.i18n.summary import solve_summary
from models import (
    ActualsComparison,
    InputError,
    InputIssue,
    Plan,
    Problem,
    Scenario,
    SolveOptions,
    Status,
    VillageTable,
)
from scenarios.actuals_reader import plan_frame, read_actuals
from scenarios.actuals_writers import SOURCE_NAMES, write_actuals_files
from scenarios.files import atomic_write
from scenarios.limits import ReadLimits
from solver import compare_actuals as compare
from solver import replan

TOP = 5  # villages and kecamatan named in the summary


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    actual = commands.add_parser(
        "actuals", help="plan against actual: achievement, who is behind, money left"
    )
    _inputs(actual, plan_required=False)
    replanned = commands.add_parser("replan", help="re-plan the months left from the actual enrolments")
    _inputs(replanned, plan_required=True)


def _inputs(parser: argparse.ArgumentParser, plan_required: bool) -> None:
    parser.add_argument("--villages", required=True, type=Path, help="village table (CSV or XLSX)")
    parser.add_argument("--scenario", required=True, type=Path, help="scenario (JSON or YAML)")
    parser.add_argument(
        "--plan",
        required=plan_required,
        type=Path,
        help="the plan.json the actuals are against"
        + ("" if plan_required else " (default: solve the villages and scenario)"),
    )
    parser.add_argument(
        "--actuals", required=True, type=Path, help="what was enrolled per village and month (CSV or XLSX)"
    )
    parser.add_argument("--out", required=True, type=Path, help="folder for the files")
    parser.add_argument(
        "--through-month",
        type=int,
        default=None,
        help="months of the plan's horizon already past (default: the report's last month)",
    )
    parser.add_argument(
        "--start",
        default=None,
        help="the plan's first month, YYYY-MM or a month number (default: January of "
        "the report's first year)",
    )
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per solve")
    add_max_villages(parser)
    parser.add_argument(
        "--lang",
        choices=["id", "en"],
        help="language of the summary and workbook (default $DESAPLAN_LANG, else en)",
    )


def run(args: argparse.Namespace) -> int:
    lang: Lang = args.lang or lang_from_env("en")
    try:
        options = SolveOptions(time_limit_s=args.time_limit, workers=1)
        limits = read_limits(args)
        table, scenario = _read(args.villages, args.scenario, limits)
        plan = _plan(args.plan, table, scenario, options)
        frame = plan_frame(table, scenario, args.through_month, args.start)
        if not Path(args.actuals).is_file():
            raise InputError(
                [InputIssue(file=str(args.actuals), message="no such file")], title="A file could not be read"
            )
        actuals = read_actuals(args.actuals, frame, limits=limits)
        args.out.mkdir(parents=True, exist_ok=True)
        if args.command == "actuals":
            return _actuals(args, table, scenario, plan, actuals, lang)
        return _replan(args, table, scenario, plan, actuals, options, lang)
    except (InputError, OSError) as exc:
        return refused(exc)


def _read(villages: Path, scenario: Path, limits: ReadLimits) -> tuple[VillageTable, Scenario]:
    for path in (villages, scenario):
        if not Path(path).is_file():
            raise InputError(
                [InputIssue(file=str(path), message="no such file")], title="A file could not be read"
            )
    table = scenarios.read_villages(villages, limits=limits)
    return table, scenarios.check_scenario_fits(scenarios.read_scenario(scenario), table)


def _plan(path: Path | None, table: VillageTable, scenario: Scenario, options: SolveOptions) -> Plan:
    if path is None:
        plan = solver.solve(Problem(table=table, scenario=scenario), options)
    else:
        if not path.is_file():
            raise InputError(
                [InputIssue(file=str(path), message="no such file")], title="A file could not be read"
            )
        try:
            plan = Plan.model_validate_json(path.read_bytes())
        except ValueError:
            raise InputError(
                [InputIssue(file=str(path), message="not a plan.json written by desaplan solve")],
                title="The plan was refused",
            ) from None
    check_plan_fits(plan, table, scenario, str(path or "the plan"))
    return plan


def check_plan_fits(plan: Plan, table: VillageTable, scenario: Scenario, name: str) -> None:
    """Actuals compare with a plan that has targets, over the same villages and packages."""
    if not plan.has_targets:
        raise InputError(
            [InputIssue(file=name, message=f"the plan has no targets (status {plan.status.value})")],
            title="The plan was refused",
        )
    if plan.replan is not None:
        raise InputError(
            [
                InputIssue(
                    file=name,
                    message=f"this plan is a re-plan of {plan.replan.source_plan}: "
                    "give the plan it came from, and the actuals from the year's first month",
                )
            ],
            title="The plan was refused",
        )
    issues = []
    codes = {v.village_code for v in table.villages}
    planned = {v.village_code for v in plan.villages}
    for code in sorted(planned - codes)[:20]:
        issues.append(
            InputIssue(file=name, message=f"village {code} of the plan is not in the village table")
        )
    for code in sorted(codes - planned)[:20]:
        issues.append(
            InputIssue(file=name, message=f"village {code} of the village table is not in the plan")
        )
    known = {p.code for p in scenario.packages}
    for package in plan.packages:
        if package not in known:
            issues.append(
                InputIssue(file=name, message=f"the plan's package '{package}' is not in the scenario")
            )
    months = scenario.months()
    if plan.months and months and plan.months != months:
        # premiums priced by the rules depend on the months: the plan's must be the scenario's
        issues.append(
            InputIssue(
                file=name,
                message=f"the plan's months ({plan.months[0]} to {plan.months[-1]}) are not the "
                f"scenario's ({months[0]} to {months[-1]})",
            )
        )
    if issues:
        raise InputError(issues, title="The plan was refused")


def _actuals(
    args: argparse.Namespace, table: VillageTable, scenario: Scenario, plan: Plan, actuals: object, lang: Lang
) -> int:
    from models import Actuals

    assert isinstance(actuals, Actuals)
    comparison = compare(table, scenario, plan, actuals)
    say = speaker(lang)
    written = write_actuals_files(comparison, args.out, say.gettext)
    print(actuals_summary(comparison, say))
    print("  " + say.gettext("Wrote") + " " + ", ".join(str(p) for p in written))
    return EXIT_OK


def actuals_summary(comparison: ActualsComparison, say: Speaker) -> str:
    """What a planner reads first: how far along, who is behind, the money left per source."""
    fmt, _ = say.fmt, say.gettext
    t = comparison.totals
    lines = [
        f"desaplan: {comparison.scenario_name}",
        "  "
        + _("Plan against actual through month %(through)s of %(horizon)s")
        % {"through": fmt.number(comparison.through_month), "horizon": fmt.number(comparison.horizon_months)},
        "  "
        + _(
            "Actual new enrolments: %(actual)s of %(planned)s planned (%(achievement)s); "
            "expected by now %(expected)s (%(pace)s)"
        )
        % {
            "actual": fmt.count(t.actual),
            "planned": fmt.count(t.planned),
            "achievement": fmt.percent(t.achievement),
            "expected": fmt.count(t.expected_to_date),
            "pace": fmt.percent(t.pace),
        },
        "  "
        + _("Villages behind: %(behind)s of %(villages)s")
        % {"behind": fmt.number(t.villages_behind), "villages": fmt.number(t.villages)},
    ]
    behind = sorted(
        (v for v in comparison.villages if v.behind), key=lambda v: (-v.gap_to_date, v.village_code)
    )
    for v in behind[:TOP]:
        lines.append(
            "    "
            + _("%(code)s %(village)s (%(kecamatan)s): %(actual)s of %(expected)s expected, short %(short)s")
            % {
                "code": v.village_code,
                "village": v.village_name,
                "kecamatan": v.kecamatan,
                "actual": fmt.count(v.actual),
                "expected": fmt.count(v.expected_to_date),
                "short": fmt.count(v.gap_to_date),
            }
        )
    slow = sorted(
        (k for k in comparison.kecamatan if k.pace is not None and k.pace < 1),
        key=lambda k: (k.pace or 0.0, k.kecamatan),
    )
    if slow:
        lines.append(
            "  "
            + _("Kecamatan furthest behind: %(list)s")
            % {"list": "; ".join(f"{k.kecamatan} {fmt.percent(k.pace)}" for k in slow[:TOP])}
        )
    lines.append("  " + _("Money per source (spent, committed for the months left, free):"))
    for s in comparison.sources:
        name = _(SOURCE_NAMES.get(s.source, s.source)) + (f" {s.kabupaten}" if s.kabupaten else "")
        lines.append(
            "    "
            + _("%(source)s: %(spent)s spent, %(committed)s committed, %(free)s free of %(budget)s")
            % {
                "source": name,
                "spent": fmt.rupiah(s.spent_idr),
                "committed": fmt.rupiah(s.committed_idr),
                "free": fmt.rupiah(s.free_idr),
                "budget": fmt.rupiah(s.budget_idr),
            }
        )
    return "\n".join(lines)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _replan(
    args: argparse.Namespace,
    table: VillageTable,
    scenario: Scenario,
    plan: Plan,
    actuals: object,
    options: SolveOptions,
    lang: Lang,
) -> int:
    from app.i18n import normalise_lang
    from app.settings import env_lang
    from models import Actuals

    assert isinstance(actuals, Actuals)
    # the planner's targets.xlsx when a language was chosen, as `desaplan solve` writes it
    chosen_lang = args.lang or normalise_lang(env_lang())
    start = time.perf_counter()
    new_plan, problem = replan(
        table,
        scenario,
        plan,
        actuals,
        options,
        source_plan=str(args.plan),
        source_plan_sha256=_sha256(args.plan),
        actuals_sha256=_sha256(args.actuals),
    )
    out: Path = args.out
    for stale in ("targets.csv", "targets.xlsx"):
        (out / stale).unlink(missing_ok=True)
    scenarios.write_plan_json(new_plan, out / "plan.json")
    scenarios.write_villages_csv(problem.table, out / "replan_villages.csv")
    atomic_write(
        out / "replan_scenario.json",
        (json.dumps(problem.scenario.model_dump(mode="json"), indent=1, ensure_ascii=False) + "\n").encode(
            "utf-8"
        ),
    )
    if new_plan.has_targets:
        scenarios.write_targets_csv(new_plan, out / "targets.csv")
        if chosen_lang in ("id", "en"):  # the planner's workbook, as `desaplan solve --lang` writes
            write_planner_workbook(
                new_plan, problem.scenario, args.villages, args.scenario, out / "targets.xlsx", chosen_lang
            )
        else:
            scenarios.write_targets_xlsx(new_plan, out / "targets.xlsx")
    total = time.perf_counter() - start
    timings = {
        "read": 0.0,
        "build": new_plan.build_seconds,
        "solve": new_plan.solve_seconds,
        "check": new_plan.check_seconds,
        "write": 0.0,
        "total": total,
    }
    say = speaker(lang)
    basis = new_plan.replan
    assert basis is not None
    fmt, _ = say.fmt, say.gettext
    print(
        _(
            "Re-plan of the %(left)s months left after month %(through)s: %(actual)s actual enrolments "
            "stay funded (%(committed)s committed); %(spent)s already spent"
        )
        % {
            "left": fmt.number(basis.months_remaining),
            "through": fmt.number(basis.through_month),
            "actual": fmt.count(basis.actual_enrollments),
            "committed": fmt.rupiah(
                basis.committed_dana_desa_idr + basis.committed_add_idr + basis.committed_apbd_idr
            ),
            "spent": fmt.rupiah(basis.spent_dana_desa_idr + basis.spent_add_idr + basis.spent_apbd_idr),
        }
    )
    print(solve_summary(new_plan, timings, out, lang))
    derived = [out / "replan_villages.csv", out / "replan_scenario.json"]
    print(f"  {_('Wrote')} " + ", ".join(str(p) for p in derived))
    if new_plan.status == Status.infeasible:
        return EXIT_INFEASIBLE
    if new_plan.status == Status.error:
        return EXIT_CHECK_FAILED if new_plan.check is not None and not new_plan.check.ok else EXIT_ERROR
    return EXIT_OK if new_plan.has_targets else EXIT_NO_PLAN
