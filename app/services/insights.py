"""Planning insights over stored scenarios and plans: budget-outcome curves and the next rupiah.

A sweep runs in the request for tables up to the service's synchronous limit
(`sync_max_villages`); a larger table (or `mode=async`) makes it a job of kind `sweep`, run by
the job runner like a solve (its own process, progress, cancel, the hard time limit), whose
result is the curve, saved with the job's status in one transaction (`app.jobs.storage`).

What is answered in the request (a sweep, the cost of fairness, the marginal values) runs in a
process of its own, stopped after `insight_time_limit_s` (503 with `Retry-After`, `app.processes.bounded`):
a curve cut short is no curve, so a sweep past the limit answers no points; a job has no limit
but its solves'.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlmodel import Session

from app.errors import Conflict, NotFound, Said
from app.i18n import JOB_STATUS_NAMES, N_, Lang, gettext_for, speaker
from app.i18n.summary import remedy_texts
from app.processes import filework
from app.processes.bounded import FAIRNESS_TOO_LONG, MARGINALS_TOO_LONG, SWEEP_TOO_LONG, answering
from app.queue.interface import JobQueue
from app.services import datasets, jobs, plans, solves, sweeps
from app.services import scenarios as scenario_service
from app.settings import Settings
from models import Curve, InputError, InputIssue, Plan, Problem, Scenario, SolveOptions
from models.tables import Job, JobKind, JobStatus, ScenarioVersion, SolveCreate, SweepCreate
from scenarios import insights_sheets
from scenarios.compare import fairness_frames
from scenarios.labels import STATUS_NAMES
from solver import sweep as solver_sweep
from solver import without_each_floor


def sweep(session: Session, body: SweepCreate, settings: Settings) -> tuple[Curve, str]:
    """The curve and the scenario's name, in the request."""
    lever = sweeps.lever(body)
    sweeps.values(body)
    record = scenario_service.get_record(session, body.scenario_id)
    version = scenario_service.get_version(session, body.scenario_id, body.version)
    values = sweeps.checked_values(body, sweeps.scenario(body, version))
    dataset = datasets.get_dataset(session, record.dataset_id)
    if dataset.village_count > settings.sync_max_villages:
        raise InputError(
            [
                InputIssue(
                    field="scenario_id",
                    message=(
                        f"the dataset has {dataset.village_count:,} villages, more than the "
                        f"{settings.sync_max_villages:,} a sweep answers in the request; leave out mode=sync "
                        "to have it run as a job, or use desaplan sweep"
                    ),
                )
            ],
            title="The sweep is too large to answer at once",
        )
    scenario = sweeps.scenario(body, version)
    problem = Problem(table=datasets.load_table(session, record.dataset_id), scenario=scenario)
    options = SolveOptions(time_limit_s=settings.solve_time_limit_s)
    curve = answering(
        settings.insight_time_limit_s,
        SWEEP_TOO_LONG,
        solver_sweep,
        problem,
        lever,
        values,
        options,
        body.breakpoints,
    )
    return curve, scenario.name


def wants_job(session: Session, body: SweepCreate, settings: Settings, mode: solves.Mode) -> bool:
    """A job when asked for, or when the table is over the synchronous limit (as for solves)."""
    if mode != "auto":
        return mode == "async"
    record = scenario_service.get_record(session, body.scenario_id)
    dataset = datasets.get_dataset(session, record.dataset_id)
    return dataset.village_count > settings.sync_max_villages


def start_sweep(session: Session, runner: JobQueue, body: SweepCreate, settings: Settings) -> Job:
    """Queue the sweep as a job; the request is checked first (422 at once, not in the job).

    Its options are a solve's, the time limit bounding each of the curve's solves; the request
    is kept in the job's `result` until the curve replaces it."""
    sweeps.lever(body)
    sweeps.values(body)
    version = scenario_service.get_version(session, body.scenario_id, body.version)
    sweeps.checked_values(body, sweeps.scenario(body, version))
    request = SolveCreate(scenario_id=body.scenario_id, version=body.version)
    job, _ = solves.create_job(
        session,
        request,
        settings,
        "async",
        kind=JobKind.sweep,
        result={"request": body.model_dump(mode="json")},
    )
    assert job.id is not None
    job_id = job.id
    points = len(body.values) if body.values else body.points
    # a curve is many solves: its hard limit allows one time limit per point
    limit_s = solves.hard_limit_s(
        SolveOptions.model_validate(job.options), solves.village_count(session, body.scenario_id)
    ) * max(1, points)
    session.close()
    runner.submit(job_id, limit_s)
    return jobs.get_job(session, job_id)


def sweep_result(session: Session, job_id: int) -> tuple[Job, Curve | None, str]:
    """A sweep job, its curve once it has one, and the scenario's name. 404 for a job that is not
    a sweep; 409 for one that ended without a curve."""
    job = jobs.get_job(session, job_id)
    if job.kind != JobKind.sweep:
        raise NotFound(
            N_("Sweep %(job)s does not exist (job %(job)s is a %(kind)s)."), job=job_id, kind=job.kind
        )
    version = session.get(ScenarioVersion, job.scenario_version_id)
    assert version is not None
    name = str(version.body.get("name", ""))
    if job.status in (JobStatus.failed, JobStatus.cancelled):
        raise Conflict(
            N_("Sweep %(job)s ended without a curve (%(status)s): %(why)s"),
            job=job_id,
            status=Said(JOB_STATUS_NAMES.get(str(job.status), str(job.status))),
            why=Said(job.error or job.phase),
        )
    if job.status != JobStatus.succeeded or not job.result or "curve" not in job.result:
        return job, None, name
    return job, Curve.model_validate(job.result["curve"]), name


def _problem(
    session: Session, scenario_id: int, version_number: int | None, settings: Settings, what: str
) -> Problem:
    record = scenario_service.get_record(session, scenario_id)
    version = scenario_service.get_version(session, scenario_id, version_number)
    dataset = datasets.get_dataset(session, record.dataset_id)
    if dataset.village_count > settings.sync_max_villages:
        raise InputError(
            [
                InputIssue(
                    field="scenario_id",
                    message=(
                        f"the dataset has {dataset.village_count:,} villages, more than the "
                        f"{settings.sync_max_villages:,} {what} answers in the request; use the command line"
                    ),
                )
            ],
            title=f"The {what} is too large to answer at once",
        )
    return Problem(
        table=datasets.load_table(session, record.dataset_id), scenario=Scenario.model_validate(version.body)
    )


def fairness(
    session: Session, scenario_id: int, version: int | None, settings: Settings
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """The cost of each floor family of a stored scenario (see `solver.fairness`)."""
    problem = _problem(session, scenario_id, version, settings, "cost of fairness")
    options = SolveOptions(time_limit_s=settings.solve_time_limit_s)
    plans_ = answering(settings.insight_time_limit_s, FAIRNESS_TOO_LONG, without_each_floor, problem, options)
    base = plans_[0][1]
    if not base.has_targets:
        raise Conflict(
            N_("The scenario is %(status)s, so its floors have no cost to show: %(why)s"),
            status=Said(STATUS_NAMES.get(base.status.value, base.status.value)),
            why=Said(base.message),
        )
    return fairness_frames(plans_)


def plan_for_marginals(session: Session, plan_id: int) -> Plan:
    record = plans.get_record(session, plan_id)
    plans.refuse_unchecked(record, "marginals")
    return plans.load_plan(session, plan_id)


def marginals(
    session: Session,
    plan_id: int,
    file_format: str,
    table: str,
    top: int,
    settings: Settings,
    lang: Lang = "id",
) -> bytes | dict[str, Any]:
    """What one more Rp1 million buys in a plan: the workbook, one table as CSV, or JSON."""
    plan = plan_for_marginals(session, plan_id)
    return answering(
        settings.insight_time_limit_s,
        MARGINALS_TOO_LONG,
        filework.marginals_answer,
        plan,
        file_format,
        table,
        top,
        lang,
        name=str(plan_id),
    )


def shortfalls_workbook(plan: Plan, lang: Lang) -> bytes:
    """The way out of infeasibility as the planner's workbook in `lang`: the short villages with
    their totals, and each remedy said in the language."""
    return insights_sheets.infeasibility_xlsx_bytes(
        plan, gettext_for(lang), remedy_texts(plan.remedies, speaker(lang)), plan.scenario_name
    )


def fairness_workbook(
    summary: pd.DataFrame, villages: dict[str, pd.DataFrame], lang: Lang, title: str = ""
) -> bytes:
    return insights_sheets.fairness_xlsx_bytes(summary, villages, gettext_for(lang), title)
