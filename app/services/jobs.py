"""Solve jobs in the database: status, progress, phase and heartbeat, as a runner moves them along.

Every change is one small conditional UPDATE that never overwrites a finished job, so whoever
finishes a job first (the solve's supervisor, a cancel, a reaper) wins, on any number of
processes and machines."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, func, or_, select, update
from sqlmodel import Session, col

from app.errors import Conflict, NotFound, ServiceUnavailable
from app.queue.interface import JobQueue
from models.tables import (
    FINISHED_JOB_STATUSES,
    Job,
    JobKind,
    JobPublic,
    JobStatus,
    Page,
    ScenarioVersion,
    utc_now,
)

INTERRUPTED = "interrupted by a restart of the service"
CANCELLED = "cancelled on request"
UNFINISHED = [JobStatus.queued.value, JobStatus.running.value]


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


def kind_of(engine: Engine, job_id: int) -> JobKind:
    with Session(engine) as session:
        value = session.scalar(select(col(Job.kind)).where(col(Job.id) == job_id))
    return JobKind(value or JobKind.solve)


def is_finished(job: Job) -> bool:
    return job.status in FINISHED_JOB_STATUSES


def _set(engine: Engine, job_id: int, *only: JobStatus, **values: Any) -> bool:
    """One small transaction on a job in one of the `only` statuses (default: unfinished);
    False when the job was not in one of them (finished meanwhile, or never claimed)."""
    wanted = [s.value for s in only] if only else UNFINISHED
    statement = update(Job).where(col(Job.id) == job_id, col(Job.status).in_(wanted)).values(**values)
    with Session(engine) as session:
        result = session.execute(statement)
        session.commit()
        return bool(result.rowcount)  # type: ignore[attr-defined]


def _this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(engine: Engine, job_id: int) -> bool:
    """queued -> running, for exactly one runner; False when the job is not queued any more."""
    now = utc_now()
    return _set(
        engine,
        job_id,
        JobStatus.queued,
        status=JobStatus.running.value,
        started_at=now,
        heartbeat_at=now,
        worker=_this_process(),
        progress=0.05,
        phase="loading the village table and the scenario",
    )


def beat(engine: Engine, job_id: int, progress: float, phase: str) -> bool:
    """A running job's progress and sign of life; False when it has finished meanwhile
    (cancelled, or failed by a reaper), which tells its supervisor to stop the solve."""
    return _set(
        engine,
        job_id,
        JobStatus.running,
        progress=round(min(max(progress, 0.0), 1.0), 3),
        phase=phase,
        heartbeat_at=utc_now(),
    )


def touch(engine: Engine, job_ids: Iterable[int]) -> None:
    """A sign of life for jobs a runner holds (queued ones too), in one statement."""
    ids = list(job_ids)
    if not ids:
        return
    with Session(engine) as session:
        session.execute(
            update(Job)
            .where(col(Job.id).in_(ids), col(Job.status).in_(UNFINISHED))
            .values(heartbeat_at=utc_now())
        )
        session.commit()


def finish(
    engine: Engine,
    job_id: int,
    status: JobStatus,
    phase: str,
    error: str | None,
    input_error: dict[str, Any] | None = None,
) -> bool:
    return _set(
        engine,
        job_id,
        status=status.value,
        phase=phase,
        error=error,
        input_error=input_error,
        finished_at=utc_now(),
    )


def _fail_where(engine: Engine, error: str, *where: Any) -> int:
    with Session(engine) as session:
        result = session.execute(
            update(Job)
            .where(col(Job.status).in_(UNFINISHED), *where)
            .values(status=JobStatus.failed.value, phase="failed", error=error, finished_at=utc_now())
        )
        session.commit()
        return int(result.rowcount)  # type: ignore[attr-defined]


def fail_interrupted(engine: Engine, heartbeat_timeout_s: float) -> int:
    """At the start of an embedded runner: a job left queued or running with no live holder
    (no heartbeat, or none for `heartbeat_timeout_s`) was cut off by a restart; it failed.
    Jobs other live processes hold keep beating and are left alone."""
    cutoff = utc_now() - timedelta(seconds=heartbeat_timeout_s)
    return _fail_where(
        engine, INTERRUPTED, or_(col(Job.heartbeat_at).is_(None), col(Job.heartbeat_at) < cutoff)
    )


def fail_silent(engine: Engine, heartbeat_timeout_s: float) -> int:
    """A job held by a process that died (a worker killed mid-job, a machine lost) stops
    beating: after `heartbeat_timeout_s` it failed, rather than stay "running" for ever.
    Queued jobs of the Redis queue carry no heartbeat until a worker claims them."""
    cutoff = utc_now() - timedelta(seconds=heartbeat_timeout_s)
    error = (
        f"the worker running this job stopped (no sign of life for {heartbeat_timeout_s:.0f} s); "
        "solve it again"
    )
    return _fail_where(engine, error, col(Job.heartbeat_at).is_not(None), col(Job.heartbeat_at) < cutoff)


def check_room(session: Session, queue_limit: int, retry_after_s: int) -> None:
    """503 with Retry-After when `queue_limit` jobs are already queued or running."""
    waiting = session.scalar(select(func.count()).select_from(Job).where(col(Job.status).in_(UNFINISHED)))
    if (waiting or 0) >= queue_limit:
        raise ServiceUnavailable(
            f"{waiting} solves are already queued or running (the limit is {queue_limit}); "
            f"try again in {retry_after_s} s.",
            retry_after_s=retry_after_s,
        )


def cancel(session: Session, runner: JobQueue, job_id: int) -> JobPublic:
    """Cancel a queued or running job; its solve is stopped. 409 once finished.

    The database is told first, so the cancel holds whichever process or machine runs the job;
    the runner is then asked to stop the solve at once rather than at its next heartbeat."""
    job = get_job(session, job_id)
    if is_finished(job):
        raise Conflict(f"Job {job_id} has already finished ({job.status}).")
    session.commit()  # end the read before another connection writes the row
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    if not finish(engine, job_id, JobStatus.cancelled, JobStatus.cancelled.value, CANCELLED):
        session.refresh(job)
        raise Conflict(f"Job {job_id} has already finished ({job.status}).")
    runner.cancel(job_id)
    session.refresh(job)
    return public(session, job)
