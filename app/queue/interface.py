"""The job queue, as the rest of the service sees it: submit, status, wait, cancel.

Two backends, chosen by settings (`app.main.make_queue`), each handed what runs a job:

- the embedded runner (`app.queue.embedded`, the default): worker processes of the service itself;
- a Redis-backed queue (`app.queue.redis_queue`, with `DESAPLAN_QUEUE_URL=redis://...`), whose jobs
  `desaplan worker` processes run, on any number of machines.

The database is the one record of a job (status, progress, phase, heartbeat, plan), so any API
process answers for any job and a backend holds no state that matters beyond the jobs it runs.
Both backends run a job with the same supervisor (`app.jobs.run.run_job`): the embedded runner
is handed a `JobRunner` (`app.jobs.runner.LocalJobs`), the Redis queue the job function its
workers run (`app.jobs.worker.perform`). Neither imports the job machinery.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from models.tables import FINISHED_JOB_STATUSES, Job, JobStatus

WAIT_POLL_S = (0.02, 0.25)  # a waiter polls the database from every 20 ms up to every 250 ms


class JobRunner(Protocol):
    """What the embedded backend is handed: one job run to its end in this process."""

    def run(
        self, job_id: int, hard_limit_s: float, stop: threading.Event, finished: Callable[[], None]
    ) -> None:
        """Claim, solve and store job `job_id`; `stop` ends it at once, `finished` is called as
        soon as its status is final."""

    def close(self) -> None:
        """Stop the processes it holds."""


class JobQueue(Protocol):
    def submit(self, job_id: int, hard_limit_s: float) -> None:
        """Hand a queued job (already committed) to the backend; it runs when a worker is free."""

    def status(self, job_id: int) -> JobStatus | None:
        """The job's status as the database has it; None for a job that does not exist."""

    def wait(self, job_id: int, timeout_s: float) -> JobStatus | None:
        """Block (holding no database connection) until the job has finished or `timeout_s`
        has passed; its status then."""

    def cancel(self, job_id: int) -> None:
        """Stop the job's solve now; the database already says it is cancelled."""

    def shutdown(self) -> None:
        """Stop what this process runs; its jobs are failed as interrupted."""


def job_status(engine: Engine, job_id: int) -> JobStatus | None:
    with Session(engine) as session:
        value = session.scalar(select(col(Job.status)).where(col(Job.id) == job_id))
    return None if value is None else JobStatus(value)


def wait_in_database(engine: Engine, job_id: int, timeout_s: float) -> JobStatus | None:
    """Poll the job's row, one short query at a time, until it has finished."""
    deadline = time.monotonic() + timeout_s
    pause = WAIT_POLL_S[0]
    while True:
        status = job_status(engine, job_id)
        if status is None or status in FINISHED_JOB_STATUSES or time.monotonic() >= deadline:
            return status
        time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        pause = min(pause * 1.5, WAIT_POLL_S[1])
