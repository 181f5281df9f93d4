"""Jobs as callers see them: read one, list them, make room for one more, cancel one.

A job's row is moved along (claimed, beaten, finished, reaped) by `app.queue.rows`."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from app.errors import Conflict, NotFound, ServiceUnavailable
from app.i18n import N_
from app.queue.interface import JobQueue
from app.queue.rows import CANCELLED, UNFINISHED, finish, insert_within
from models.tables import (
    FINISHED_JOB_STATUSES,
    Job,
    JobPublic,
    JobStatus,
    Page,
    ScenarioVersion,
)


def get_job(session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(N_("Job %(job)s does not exist."), job=job_id)
    return job


def public(session: Session, job: Job) -> JobPublic:
    assert job.id is not None
    version = session.get(ScenarioVersion, job.scenario_version_id)
    assert version is not None
    return JobPublic(
        id=job.id,
        kind=job.kind,
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
        heartbeat_at=job.heartbeat_at,
        worker=job.worker,
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


def add_within_room(session: Session, job: Job, queue_limit: int, retry_after_s: int) -> Job:
    """The queued job, stored; 503 with Retry-After when `queue_limit` jobs are already queued or
    running. Counted and inserted in one step (`app.queue.rows.insert_within`)."""
    job_id = insert_within(session, job, queue_limit)
    if job_id is None:
        waiting = session.scalar(select(func.count()).select_from(Job).where(col(Job.status).in_(UNFINISHED)))
        raise ServiceUnavailable(
            f"{waiting} solves are already queued or running (the limit is {queue_limit}); "
            f"try again in {retry_after_s} s.",
            retry_after_s=retry_after_s,
        )
    return get_job(session, job_id)


def cancel(session: Session, runner: JobQueue, job_id: int) -> JobPublic:
    """Cancel a queued or running job; its solve is stopped. 409 once finished.

    The database is told first, so the cancel holds whichever process or machine runs the job;
    the runner is then asked to stop the solve at once rather than at its next heartbeat."""
    job = get_job(session, job_id)
    if is_finished(job):
        raise Conflict(N_("Job %(job)s has already finished (%(status)s)."), job=job_id, status=job.status)
    session.commit()  # end the read before another connection writes the row
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    if not finish(engine, job_id, JobStatus.cancelled, JobStatus.cancelled.value, CANCELLED):
        session.refresh(job)
        raise Conflict(N_("Job %(job)s has already finished (%(status)s)."), job=job_id, status=job.status)
    runner.cancel(job_id)
    session.refresh(job)
    return public(session, job)
