"""Solves: a scenario version becomes a job; the job's plan is saved with the job, at once."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import Engine, update
from sqlmodel import Session, col

from app.errors import Conflict, SolveFailed
from app.processes.handover import VillageColumns
from app.queue.interface import JobQueue
from app.services import datasets, jobs, plans
from app.services import scenarios as scenario_service
from app.settings import Settings
from models import InputError, InputIssue, Plan, Scenario, SolveOptions, Status
from models.tables import Job, JobKind, JobStatus, PlanRecord, ScenarioVersion, SolveCreate, utc_now

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


def hard_limit_s(options: SolveOptions) -> float:
    """When the runner kills a solve that overran: HiGHS's limit plus room to build and check."""
    return options.time_limit_s + max(30.0, options.time_limit_s)


def create_job(session: Session, request: SolveCreate, settings: Settings, mode: Mode,
               kind: JobKind = JobKind.solve, result: dict[str, Any] | None = None) -> tuple[Job, bool]:
    """A queued job for the scenario version; True when the caller should wait for it."""
    record = scenario_service.get_record(session, request.scenario_id)
    if record.archived:
        raise Conflict(f"Scenario {record.id} is archived; archived scenarios cannot be solved.")
    version = scenario_service.get_version(session, request.scenario_id, request.version)
    dataset = datasets.get_dataset(session, record.dataset_id)
    jobs.check_room(session, settings.queue_limit, RETRY_AFTER_S)
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
    session.add(job)
    session.commit()
    session.refresh(job)
    return job, wait


def start(
    session: Session, runner: JobQueue, request: SolveCreate, settings: Settings, mode: Mode
) -> tuple[Job, PlanRecord | None]:
    """Queue the solve; for a small one (or `mode=sync`) wait and return its plan too.

    The wait holds no database connection: the job is committed and the session closed first,
    so any number of waiting requests share the pool with the solves they wait for. A job that
    ends without a plan is an error of its own: 422 when the solver refused the input, 409 when
    it was cancelled meanwhile, 500 (with the job's message) when it failed."""
    job, wait = create_job(session, request, settings, mode)
    assert job.id is not None
    job_id = job.id
    limit_s = hard_limit_s(SolveOptions.model_validate(job.options))
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
    if job.status != JobStatus.succeeded or job.plan_id is None:
        raise SolveFailed(f"Job {job.id} failed: {job.error or job.phase}")
    return job, plans.get_record(session, job.plan_id)


def prepare(engine: Engine, job_id: int) -> tuple[str, str]:
    """The worker's input as JSON: the problem (`models.Problem`: the dataset's table, the
    scenario version) and the options. The table's JSON is written once per dataset
    (`datasets.table_json`); the solver process validates it."""
    with Session(engine) as session:
        job = jobs.get_job(session, job_id)
        version = session.get(ScenarioVersion, job.scenario_version_id)
        assert version is not None
        record = scenario_service.get_record(session, version.scenario_id)
        table = datasets.table_json(session, record.dataset_id)
        scenario = Scenario.model_validate(version.body).model_dump_json()
        problem = f'{{"table":{table},"scenario":{scenario}}}'
        return problem, SolveOptions.model_validate(job.options).model_dump_json()


def store_result(engine: Engine, job_id: int, plan: Plan,
                 villages: VillageColumns | None = None) -> int | None:
    """Save the plan and mark the job in ONE transaction; the plan's id. A plan whose own check
    failed (status `error`) is kept, so its violations can be read, but its job is failed.

    None, with nothing written, when the job is no longer running (cancelled, or failed by a
    reaper, while the plan was on its way). `villages`: the plan's villages as its solver process
    handed them over (`app.processes.handover`), when `plan` comes without them."""
    with Session(engine) as session:
        job = jobs.get_job(session, job_id)
        version = session.get(ScenarioVersion, job.scenario_version_id)
        assert version is not None
        record = scenario_service.get_record(session, version.scenario_id)
        saved = plans.save_plan(session, plan, version, record.dataset_id, villages)
        assert saved.id is not None
        now = utc_now()
        checked = plan.status != Status.error
        result = session.execute(
            update(Job)
            .where(col(Job.id) == job_id, col(Job.status) == JobStatus.running.value)
            .values(
                status=(JobStatus.succeeded if checked else JobStatus.failed).value,
                error=None if checked else f"the plan failed its own check: {plan.message}",
                plan_id=saved.id,
                progress=1.0,
                phase=f"done: plan {saved.id} ({plan.status.value})",
                finished_at=now,
                heartbeat_at=now,
            )
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            session.rollback()
            return None
        session.commit()
        return saved.id
