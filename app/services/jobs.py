"""Solve jobs in the database: status, progress and phase, as the runner moves them along."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, func, select, update
from sqlmodel import Session, col

from app.errors import Conflict, NotFound
from models.tables import (
    FINISHED_JOB_STATUSES,
    Job,
    JobPublic,
    JobStatus,
    Page,
    ScenarioVersion,
    utc_now,
)

if TYPE_CHECKING:
    from app.jobs import JobRunner

INTERRUPTED = "interrupted by a restart of the service"


def get_job(session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"Job {job_id} does not exist.")
    return job


def public(session: Session, job: Job) -> JobPublic:
    assert job.id is not None
    version = session.get(ScenarioVersion, job.scenario_version_id)
    assert version is not None
    return JobPublic(
        id=job.id,
        scenario_id=job.scenario_id,
        scenario_version=version.version,
        status=job.status,
        mode=job.mode,
        progress=job.progress,
        phase=job.phase,
        error=job.error,
        options=job.options,
        plan_id=job.plan_id,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


def list_jobs(
    session: Session, offset: int, limit: int, status: str | None, scenario_id: int | None
) -> Page[JobPublic]:
    where = []
    if status is not None:
        where.append(col(Job.status) == status)
    if scenario_id is not None:
        where.append(col(Job.scenario_id) == scenario_id)
    total = session.scalar(select(func.count()).select_from(Job).where(*where)) or 0
    jobs = session.scalars(
        select(Job).where(*where).order_by(col(Job.id).desc()).offset(offset).limit(limit)
    ).all()
    return Page[JobPublic](items=[public(session, j) for j in jobs], total=total, offset=offset, limit=limit)


def is_finished(job: Job) -> bool:
    return job.status in FINISHED_JOB_STATUSES


def _set(engine: Engine, job_id: int, only_unfinished: bool = True, **values: Any) -> None:
    """One small transaction; never overwrites a job that already finished."""
    statement = update(Job).where(col(Job.id) == job_id)
    if only_unfinished:
        statement = statement.where(col(Job.status).not_in([s.value for s in FINISHED_JOB_STATUSES]))
    with Session(engine) as session:
        session.execute(statement.values(**values))
        session.commit()


def mark_running(engine: Engine, job_id: int) -> None:
    _set(
        engine,
        job_id,
        status=JobStatus.running.value,
        started_at=utc_now(),
        progress=0.05,
        phase="loading the village table and the scenario",
    )


def set_progress(engine: Engine, job_id: int, progress: float, phase: str) -> None:
    _set(engine, job_id, progress=round(min(max(progress, 0.0), 1.0), 3), phase=phase)


def finish(engine: Engine, job_id: int, status: JobStatus, phase: str, error: str | None) -> None:
    _set(engine, job_id, status=status.value, phase=phase, error=error, finished_at=utc_now())


def fail_interrupted(engine: Engine) -> int:
    """At start: a job left queued or running was cut off by a restart; it failed."""
    with Session(engine) as session:
        result = session.execute(
            update(Job)
            .where(col(Job.status).in_([JobStatus.queued.value, JobStatus.running.value]))
            .values(
                status=JobStatus.failed.value,
                phase="failed",
                error=INTERRUPTED,
                finished_at=utc_now(),
            )
        )
        session.commit()
        return int(result.rowcount)  # type: ignore[attr-defined]


def cancel(session: Session, runner: JobRunner, job_id: int) -> JobPublic:
    """Cancel a queued or running job: its worker process is terminated. 409 once finished."""
    job = get_job(session, job_id)
    if is_finished(job):
        raise Conflict(f"Job {job_id} has already finished ({job.status}).")
    ticket = runner.cancel(job_id)
    if ticket is not None:
        ticket.wait(timeout=10)  # the worker stops within a poll or two
    else:
        # a queued or running job no runner holds cannot make progress any more
        job.status = JobStatus.cancelled.value
        job.phase = "cancelled"
        job.error = "cancelled on request"
        job.finished_at = utc_now()
        session.add(job)
        session.commit()
    session.refresh(job)
    return public(session, job)
