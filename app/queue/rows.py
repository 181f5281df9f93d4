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
from enum import Enum
from typing import Any

from sqlalchemy import Engine, func, insert, literal, or_, select, text, update
from sqlmodel import Session, col

from app.i18n import N_
from models.tables import Job, JobKind, JobStatus, utc_now

# the words a job's row keeps for its end (English, as the API answers them; the catalogue has
# them in Indonesian for the pages: `app.i18n.reasons`)
INTERRUPTED = N_("interrupted by a restart of the service")
CANCELLED = N_("cancelled on request")
NOT_TAKEN = N_(
    "no worker took this job within %(seconds)s s (are the workers running and able to "
    "reach the database?); solve it again"
)
UNFINISHED = [JobStatus.queued.value, JobStatus.running.value]
SILENT = N_("the worker running this job stopped (no sign of life for %(seconds)s s); solve it again")
DISK_FULL = N_(
    "the disk where the service keeps its data is full, so the result was not saved; "
    "free space and run it again"
)
QUEUE_LOCK = 7_412_027  # PostgreSQL advisory lock: one job at a time counted into the queue


# the work around the solving, before it (the table into the solver process, validated, prepared,
# cut into blocks) and after it (the plan's check, its figures, handing it over), each bounded by
# ALLOWANCE_S + ALLOWANCE_PER_VILLAGE_S x villages: 30 s for a kabupaten, 114 s for the national
# table (83,762 villages), whose reading takes about 4 s and writing 13 s in `desaplan solve` on a
# 2-core machine at load 4
ALLOWANCE_S = 30.0
ALLOWANCE_PER_VILLAGE_S = 0.001


def allowance_s(villages: int) -> float:
    """What the runner allows a solve before its solving starts, and again after its time limit."""
    return ALLOWANCE_S + ALLOWANCE_PER_VILLAGE_S * max(0, villages)


def hard_limit_s(time_limit_s: float, villages: int = 0) -> float:
    """When the runner kills a solve, at the latest: its solver's time limit, which counts from
    when the solving starts, plus `allowance_s` before it and after it. The supervisor measures
    the limit from when the solver says its clock started (`app.jobs.run`), so a job within its
    solver's limit is never stopped, however long reading its table took within the allowance."""
    return time_limit_s + 2 * allowance_s(villages)


def job_villages(engine: Engine, job: Job) -> int:
    """The villages of the dataset the job's scenario is solved on."""
    from models.tables import Dataset, ScenarioRecord

    with Session(engine) as session:
        record = session.get(ScenarioRecord, job.scenario_id)
        dataset = session.get(Dataset, record.dataset_id) if record is not None else None
    return dataset.village_count if dataset is not None else 0


def job_hard_limit_s(job: Job, villages: int = 0) -> float:
    """A job's hard limit as its service set it when it queued it (a sweep: one per point)."""
    limit = hard_limit_s(float(job.options["time_limit_s"]), villages)
    if job.kind == JobKind.sweep and job.result:
        request = job.result.get("request") or {}
        limit *= max(1, len(request.get("values") or []) or int(request.get("points") or 1))
    return limit


def insert_within(session: Session, job: Job, limit: int) -> int | None:
    """Insert the queued `job` only while fewer than `limit` jobs are queued or running; its id,
    or None (nothing inserted) when the queue is full. Committed.

    One conditional INSERT ... SELECT, so the count and the insert are one step: SQLite holds
    its write lock from the statement's start; PostgreSQL first takes a transaction-scoped
    advisory lock, since under READ COMMITTED two such statements could both count the same."""
    session.commit()  # end any read: the count must see every job committed before this one
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": QUEUE_LOCK})
    table = Job.__table__  # type: ignore[attr-defined]
    values = {
        column.name: value.value if isinstance(value, Enum) else value
        for column in table.columns
        if column.name != "id" and (value := getattr(job, column.name)) is not None
    }
    unfinished = (
        select(func.count()).select_from(table).where(table.c.status.in_(UNFINISHED)).scalar_subquery()
    )
    source = select(*[literal(v, type_=table.c[k].type).label(k) for k, v in values.items()]).where(
        unfinished < limit
    )
    statement = insert(table).from_select(list(values), source).returning(table.c.id)
    job_id = session.execute(statement).scalar()
    session.commit()
    return None if job_id is None else int(job_id)


def queued_since(engine: Engine, seconds: float) -> list[Job]:
    """Jobs queued for at least `seconds` (no runner has claimed them), oldest first."""
    cutoff = utc_now() - timedelta(seconds=seconds)
    with Session(engine) as session:
        found = session.scalars(
            select(Job)
            .where(col(Job.status) == JobStatus.queued.value, col(Job.created_at) < cutoff)
            .order_by(col(Job.id))
        ).all()
        session.expunge_all()
        return list(found)


def fail_not_taken(engine: Engine, wait_limit_s: float) -> int:
    """A job still queued `wait_limit_s` after it was queued has found no worker able to run it
    (none running, none reaching the database, or the queue lost it and Redis is still down):
    it failed, with words that say so, rather than stay queued for ever."""
    cutoff = utc_now() - timedelta(seconds=wait_limit_s)
    error = NOT_TAKEN % {"seconds": f"{wait_limit_s:.0f}"}
    with Session(engine) as session:
        result = session.execute(
            update(Job)
            .where(col(Job.status) == JobStatus.queued.value, col(Job.created_at) < cutoff)
            .values(status=JobStatus.failed.value, phase="failed", error=error, finished_at=utc_now())
        )
        session.commit()
        return int(result.rowcount)  # type: ignore[attr-defined]


def _set(engine: Engine, job_id: int, *only: JobStatus, **values: Any) -> bool:
    """One small transaction on a job in one of the `only` statuses (default: unfinished);
    False when the job was not in one of them (finished meanwhile, or never claimed)."""
    wanted = [s.value for s in only] if only else UNFINISHED
    statement = (
        update(Job)
        .where(col(Job.id) == job_id, col(Job.status).in_(wanted))
        .values(**values)
        .execution_options(synchronize_session=False)  # a fresh session: no object to match
    )
    with Session(engine) as session:
        result = session.execute(statement)
        session.commit()
        return bool(result.rowcount)  # type: ignore[attr-defined]


def _this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _claimed() -> dict[str, Any]:
    now = utc_now()
    return {
        "status": JobStatus.running.value,
        "started_at": now,
        "heartbeat_at": now,
        "worker": _this_process(),
        "progress": 0.05,
        "phase": "loading the village table and the scenario",
    }


def claim(engine: Engine, job_id: int) -> JobKind | None:
    """queued -> running, for exactly one runner, and the job's kind read in the same statement;
    None when the job is not queued any more (nothing written)."""
    statement = (
        update(Job)
        .where(col(Job.id) == job_id, col(Job.status) == JobStatus.queued.value)
        .values(**_claimed())
        .returning(col(Job.kind))
        .execution_options(synchronize_session=False)  # a fresh session: no object to match
    )
    with Session(engine) as session:
        row = session.execute(statement).first()
        session.commit()
    if row is None:
        return None
    return JobKind(row[0] or JobKind.solve)


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
    error = SILENT % {"seconds": f"{heartbeat_timeout_s:.0f}"}
    return _fail_where(engine, error, col(Job.heartbeat_at).is_not(None), col(Job.heartbeat_at) < cutoff)
