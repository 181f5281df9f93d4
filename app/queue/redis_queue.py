"""Solves on a Redis-backed queue (RQ): the service enqueues, `desaplan worker` processes run.

With `DESAPLAN_QUEUE_URL=redis://...` every solve is an RQ job that names one desaplan job id.
The backend is handed the job function (`app.jobs.worker.perform`, which RQ stores by its path);
a worker runs it with the same supervisor as the embedded runner (`app.jobs.run.run_job`): the
solve in its own process, progress and a heartbeat in the database every second, a cancel seen
there within a second, the hard time limit, the plan saved with the job in one transaction.

Workers are RQ's `SimpleWorker`: the job's supervisor runs in the worker process itself, so a
worker killed mid-job takes its supervisor with it; the solve's own process then stops by
itself, the job's heartbeat stops, and a reaper (every worker and every API process runs one)
fails the job after `DESAPLAN_JOB_HEARTBEAT_TIMEOUT` seconds. Nothing of its plan is written,
since the plan goes in with the job's status in one transaction. The same reaper queues again a
job whose queue entry is gone (Redis restarted without persistence; a worker gave it back) and
fails one that no worker took within `DESAPLAN_QUEUE_WAIT_LIMIT_S` (`Reaper`).

A large solve with independent blocks (a pool per kabupaten, `DESAPLAN_FANOUT_MIN_VILLAGES`
villages or more) fans out: its blocks become tasks on the blocks queue (`<queue>-blocks`),
which every worker takes before new solves (`app.processes.fanout`, `app.jobs.worker`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from redis import Redis, RedisError
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job as RQJob
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from app.errors import ServiceUnavailable
from app.queue import rows as jobs
from app.queue.interface import job_status, wait_in_database
from app.settings import Settings
from models.tables import JobStatus

log = logging.getLogger("desaplan.jobs")

REAP_S = 2.0
RQ_MARGIN_S = 60  # RQ's own time limit, a backstop behind the supervisor's hard limit
REQUEUE_GRACE_S = 10.0  # a job younger than this may be between its commit and its enqueue
# the RQ statuses of an entry that no worker will run again: its job, still queued, is re-queued
_GONE = {"finished", "failed", "stopped", "canceled"}

Perform = Callable[[int, float], object]


def rq_job_id(queue_name: str, job_id: int) -> str:
    """The RQ job of desaplan job `job_id`: one name, so a reaper can look for it. RQ's job ids
    are Redis-wide: the queue's name keeps apart deployments (or tests) sharing one Redis."""
    return f"{queue_name}-job-{job_id}"


def enqueue(queue: Queue, perform: Perform, job_id: int, hard_limit_s: float) -> None:
    queue.enqueue(
        perform,
        job_id,
        hard_limit_s,
        job_id=rq_job_id(queue.name, job_id),
        job_timeout=int(hard_limit_s) + RQ_MARGIN_S,
        result_ttl=3600,
        failure_ttl=7 * 24 * 3600,
        description=f"desaplan job {job_id}",
    )


def _entry_gone(redis: Redis, queue_name: str, job_id: int) -> bool:
    """No RQ job any worker will still run for this desaplan job: Redis lost it (restarted
    without persistence, flushed) or a worker gave it back (it could not reach the database)."""
    try:
        entry = RQJob.fetch(rq_job_id(queue_name, job_id), connection=redis)
    except NoSuchJobError:
        return True
    status = entry.get_status(refresh=False)
    return status is None or str(getattr(status, "value", status)) in _GONE


class Reaper:
    """Every API process and every worker runs one: jobs always end.

    - a running job whose holder went silent is failed (`rows.fail_silent`);
    - a queued job whose queue entry is gone is queued again (once per grace period, whichever
      process sees it first: the claim lets exactly one worker run it);
    - a job no worker took within `queue_wait_limit_s` is failed with words that say so
      (`rows.fail_not_taken`), so nothing stays queued for ever, nor fills the queue's bound."""

    def __init__(self, engine: Engine, settings: Settings, perform: Perform | None) -> None:
        self._engine = engine
        self._heartbeat_timeout_s = settings.job_heartbeat_timeout_s
        self._wait_limit_s = settings.queue_wait_limit_s
        self._perform = perform
        self._redis = Redis.from_url(settings.queue_url) if settings.queue_url and perform else None
        self._queue = Queue(settings.queue_name, connection=self._redis) if self._redis is not None else None

    def once(self) -> None:
        failed = jobs.fail_silent(self._engine, self._heartbeat_timeout_s)
        if failed:
            log.warning("failed %d job(s) whose worker went silent", failed)
        failed = jobs.fail_not_taken(self._engine, self._wait_limit_s)
        if failed:
            log.warning("failed %d job(s) that no worker took within %.0f s", failed, self._wait_limit_s)
        if self._redis is not None:
            self.requeue_lost()

    def requeue_lost(self) -> int:
        """Queue again the queued jobs whose entry the queue no longer holds; how many."""
        assert self._redis is not None and self._queue is not None and self._perform is not None
        requeued = 0
        for job in jobs.queued_since(self._engine, REQUEUE_GRACE_S):
            assert job.id is not None
            if not _entry_gone(self._redis, self._queue.name, job.id):
                continue
            # one process re-queues it per grace period (the API's reaper and the workers' all look)
            if not self._redis.set(
                f"{self._queue.name}:requeued:{job.id}", 1, nx=True, ex=int(REQUEUE_GRACE_S)
            ):
                continue
            enqueue(
                self._queue,
                self._perform,
                job.id,
                jobs.job_hard_limit_s(job, jobs.job_villages(self._engine, job)),
            )
            requeued += 1
            log.warning("job %s was queued but its queue entry was gone: queued again", job.id)
        return requeued

    def close(self) -> None:
        if self._redis is not None:
            self._redis.close()


def _reap(reaper: Reaper, stop: threading.Event) -> None:
    while not stop.wait(REAP_S):
        try:
            reaper.once()
        except (RedisError, OperationalError) as exc:  # away for now: look again next round
            log.warning("reaping jobs: %s; trying again in %.0f s", str(exc).strip().splitlines()[0], REAP_S)
        except Exception:
            log.exception("reaping jobs failed; trying again in %.0f s", REAP_S)
    reaper.close()


def start_reaper(engine: Engine, settings: Settings, perform: Perform | None = None) -> threading.Event:
    """The reaper's thread (`Reaper`); set the event to end it. Without `perform` it does not
    re-queue lost jobs (they are still failed once `queue_wait_limit_s` has passed)."""
    stop = threading.Event()
    thread = threading.Thread(
        target=_reap, args=(Reaper(engine, settings, perform), stop), name="job-reaper", daemon=True
    )
    thread.start()
    return stop


class RedisQueue:
    """The API's side: enqueue, and read status from the database (where workers write it)."""

    def __init__(self, engine: Engine, settings: Settings, perform: Perform) -> None:
        assert settings.queue_url
        self._engine = engine
        self._perform = perform  # the job function a worker runs, stored in Redis by its path
        self._redis = Redis.from_url(settings.queue_url)
        self._queue = Queue(settings.queue_name, connection=self._redis)
        self._stop_reaper = start_reaper(engine, settings, perform)

    def submit(self, job_id: int, hard_limit_s: float) -> None:
        try:
            enqueue(self._queue, self._perform, job_id, hard_limit_s)
        except RedisError as exc:
            log.error("could not enqueue job %s: %s", job_id, exc)
            jobs.finish(self._engine, job_id, JobStatus.failed, "failed", "the job queue was not reachable")
            raise ServiceUnavailable(
                "The job queue is not reachable at the moment; try again shortly.", retry_after_s=30
            ) from exc

    def status(self, job_id: int) -> JobStatus | None:
        return job_status(self._engine, job_id)

    def wait(self, job_id: int, timeout_s: float) -> JobStatus | None:
        return wait_in_database(self._engine, job_id, timeout_s)

    def cancel(self, job_id: int) -> None:
        """Nothing to do here: the worker sees `cancelled` at its next heartbeat (within a
        second) and stops the solve; a job still queued is skipped when a worker takes it."""

    def shutdown(self) -> None:
        self._stop_reaper.set()
        self._redis.close()
