"""The whole `desaplan solve` as one function: read, solve, check and write, with seconds per step.

Below both the command line (`app.cli`) and the benchmarks (`bench`), which measure exactly this
path: neither imports the other.
"""

from __future__ import annotations

import time
from pathlib import Path

from models import InputError, InputIssue, Plan, Problem, Scenario, SolveOptions
from scenarios.limits import ReadLimits
from solver import Listener, RunContext


def solve_files(
    villages: Path,
    scenario: Path,
    out_dir: Path,
    options: SolveOptions,
    listener: Listener | None = None,
    workbook_lang: str | None = None,
    limits: ReadLimits | None = None,
) -> tuple[Plan, dict[str, float]]:
    """Read, solve, check and write: the whole `desaplan solve`, with seconds per step.

    The time limit governs the solving only (`solver.context`): its clock starts once the table is
    read, prepared and cut into blocks; reading and writing the files never eat it.
    A plan whose own check failed gets plan.json (with the violations) and no targets.
    `workbook_lang` ("id" or "en"): targets.xlsx is the planner's workbook in that language (as
    the service's `?lang=`); without it, the contract's column codes. `limits`: how large a
    table is read (default `ReadLimits()`), refused at the first row past it."""
    import scenarios
    import solver

    start = time.perf_counter()
    run = RunContext(options, listener=listener, started=start)
    run.report("read", 0, 1)
    for path in (villages, scenario):
        if not Path(path).is_file():
            raise InputError(
                [InputIssue(file=str(path), message="no such file")], title="A file could not be read"
            )
    table = scenarios.read_villages(villages, limits=limits)
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
        write_infeasible_workbook(plan, out_dir / "infeasible.xlsx", workbook_lang or "en")
    if plan.has_targets:
        frame = scenarios.targets_frame(plan)  # one table for both files
        scenarios.write_targets_csv(plan, out_dir / "targets.csv", frame)
        if workbook_lang in ("id", "en"):
            write_planner_workbook(
                plan, plan_scenario, villages, scenario, out_dir / "targets.xlsx", workbook_lang
            )
        else:
            scenarios.write_targets_xlsx(plan, out_dir / "targets.xlsx", frame)
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


def write_infeasible_workbook(plan: Plan, path: Path, lang: str) -> None:
    """infeasible.xlsx: the short villages and the remedies, in the planner's words."""
    from app.i18n import gettext_for, speaker
    from app.i18n.summary import remedy_texts
    from scenarios.files import atomic_write
    from scenarios.insights_sheets import infeasibility_xlsx_bytes

    say = speaker(lang)
    content = infeasibility_xlsx_bytes(
        plan, gettext_for(say.lang), remedy_texts(plan.remedies, say), plan.scenario_name
    )
    atomic_write(path, content)


def write_planner_workbook(
    plan: Plan, scenario: Scenario, villages: Path, scenario_file: Path, path: Path, lang: str
) -> None:
    """The planner's targets workbook, as the service writes it: headers in the language, the
    kecamatan, monthly contributions and parameters sheets, what a printed sheet names."""
    from datetime import UTC, datetime

    import scenarios
    from app.i18n import gettext_for, speaker
    from scenarios.files import atomic_write

    say = speaker(lang)
    about = [
        (say.gettext("Village table"), Path(villages).name),
        (say.gettext("Scenario version"), f"{scenario.name} ({Path(scenario_file).name})"),
        (say.gettext("Written"), say.fmt.datetime(datetime.now(UTC))),
    ]
    title = f"{scenario.name} · {Path(villages).name}"
    atomic_write(path, scenarios.targets_workbook_bytes(plan, gettext_for(say.lang), scenario, about, title))
