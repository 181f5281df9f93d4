"""A job's row, the one record of a job: claimed, beaten, touched, finished, reaped.

Every change is one small conditional UPDATE that never overwrites a finished job, so whoever
finishes a job first (the solve's supervisor, a cancel, a reaper) wins, on any number of
processes and machines. The queue's backends (heartbeats, reapers) and the job machinery
(`app.jobs.run`) move a job along with these; the services read jobs and cancel them."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, or_, select, update
from sqlmodel import Session, col

from models.tables import Job, JobKind, JobStatus, utc_now

INTERRUPTED = "interrupted by a restart of the service"
CANCELLED = "cancelled on request"
UNFINISHED = [JobStatus.queued.value, JobStatus.running.value]


def kind_of(engine: Engine, job_id: int) -> JobKind:
    with Session(engine) as session:
        value = session.scalar(select(col(Job.kind)).where(col(Job.id) == job_id))
    return JobKind(value or JobKind.solve)


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
