"""Solves: a scenario version becomes a job; the job's plan is saved with the job, at once."""

from __future__ import annotations

from typing import Any, Literal

from sqlmodel import Session

from app.errors import Conflict, DiskFull, SolveFailed
from app.queue import rows
from app.queue.interface import JobQueue
from app.services import datasets, jobs, plans
from app.services import scenarios as scenario_service
from app.settings import Settings
from models import InputError, InputIssue, SolveOptions
from models.tables import Job, JobKind, JobStatus, PlanRecord, SolveCreate

Mode = Literal["auto", "sync", "async"]
RETRY_AFTER_S = 10  # what a client refused for a full queue is told to wait


def solve_options(requested: SolveCreate, settings: Settings) -> SolveOptions:
    """The client's options, the time limit capped by the service's own."""
    asked = requested.options
    limit = settings.solve_time_limit_s
    values: dict[str, object] = {
        "time_limit_s": min(asked.time_limit_s or limit, limit),
        # the service already runs solves side by side, one process each
        "workers": 1,
        "threads": 1,
    }
    if asked.gap_rel is not None:
        values["gap_rel"] = asked.gap_rel
    if asked.integer_method is not None:
        values["integer_method"] = asked.integer_method
    if asked.tie_break is not None:
        values["tie_break"] = asked.tie_break
    return SolveOptions.model_validate(values)


def hard_limit_s(options: SolveOptions, villages: int = 0) -> float:
    """When the runner kills a solve, at the latest (`app.queue.rows.hard_limit_s`)."""
    return rows.hard_limit_s(options.time_limit_s, villages)


def village_count(session: Session, scenario_id: int) -> int:
    """The villages of the dataset a scenario is solved on."""
    record = scenario_service.get_record(session, scenario_id)
    return datasets.get_dataset(session, record.dataset_id).village_count


def create_job(
    session: Session,
    request: SolveCreate,
    settings: Settings,
    mode: Mode,
    kind: JobKind = JobKind.solve,
    result: dict[str, Any] | None = None,
) -> tuple[Job, bool]:
    """A queued job for the scenario version; True when the caller should wait for it."""
    record = scenario_service.get_record(session, request.scenario_id)
    if record.archived:
        raise Conflict(f"Scenario {record.id} is archived; archived scenarios cannot be solved.")
    version = scenario_service.get_version(session, request.scenario_id, request.version)
    dataset = datasets.get_dataset(session, record.dataset_id)
    wait = mode == "sync" or (mode == "auto" and dataset.village_count <= settings.sync_max_villages)
    assert version.id is not None
    job = Job(
        scenario_id=request.scenario_id,
        scenario_version_id=version.id,
        mode="sync" if wait else "async",
        options=solve_options(request, settings).model_dump(mode="json"),
        kind=kind,
        result=result,
    )
    # counted into the queue and inserted in one step: simultaneous solves never overfill it
    return jobs.add_within_room(session, job, settings.queue_limit, RETRY_AFTER_S), wait


def start(
    session: Session, runner: JobQueue, request: SolveCreate, settings: Settings, mode: Mode
) -> tuple[Job, PlanRecord | None]:
    """Queue the solve; for a small one (or `mode=sync`) wait and return its plan too.

    The wait holds no database connection: the job is committed and the session closed first,
    so any number of waiting requests share the pool with the solves they wait for. A job that
    ends without a plan is an error of its own: 422 when the solver refused the input, 409 when
    it was cancelled meanwhile, 500 (with the job's message) when it failed."""
    # read before the job's insert commits: `create_job` then finds the rows in the session
    villages = village_count(session, request.scenario_id)
    job, wait = create_job(session, request, settings, mode)
    assert job.id is not None
    job_id = job.id
    limit_s = hard_limit_s(SolveOptions.model_validate(job.options), villages)
    session.close()
    runner.submit(job_id, limit_s)
    if not wait:
        return jobs.get_job(session, job_id), None
    runner.wait(job_id, timeout_s=limit_s + 60)
    job = jobs.get_job(session, job_id)
    if not jobs.is_finished(job):  # still running (it should not be): answer the job to poll
        return job, None
    if job.input_error is not None:
        raise InputError(
            [InputIssue.model_validate(issue) for issue in job.input_error["issues"]],
            title=job.input_error["title"],
        )
    if job.status == JobStatus.cancelled:
        raise Conflict(f"Job {job.id} was cancelled before it finished.")
    if job.status == JobStatus.failed and job.error == rows.DISK_FULL:
        raise DiskFull()
    if job.status != JobStatus.succeeded or job.plan_id is None:
        raise SolveFailed(f"Job {job.id} failed: {job.error or job.phase}")
    return job, plans.get_record(session, job.plan_id)
