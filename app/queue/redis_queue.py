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
since the plan goes in with the job's status in one transaction.

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
from sqlalchemy import Engine

from app.errors import ServiceUnavailable
from app.queue import rows as jobs
from app.queue.interface import job_status, wait_in_database
from app.settings import Settings
from models.tables import JobStatus

log = logging.getLogger("desaplan.jobs")

REAP_S = 2.0
RQ_MARGIN_S = 60  # RQ's own time limit, a backstop behind the supervisor's hard limit


def _reap(engine: Engine, heartbeat_timeout_s: float, stop: threading.Event) -> None:
    while not stop.wait(REAP_S):
        try:
            failed = jobs.fail_silent(engine, heartbeat_timeout_s)
            if failed:
                log.warning("failed %d job(s) whose worker went silent", failed)
        except Exception:
            log.exception("reaping silent jobs failed; trying again in %.0f s", REAP_S)


def start_reaper(engine: Engine, settings: Settings) -> threading.Event:
    stop = threading.Event()
    thread = threading.Thread(
        target=_reap, args=(engine, settings.job_heartbeat_timeout_s, stop), name="job-reaper", daemon=True
    )
    thread.start()
    return stop


class RedisQueue:
    """The API's side: enqueue, and read status from the database (where workers write it)."""

    def __init__(self, engine: Engine, settings: Settings,
                 perform: Callable[[int, float], object]) -> None:
        assert settings.queue_url
        self._engine = engine
        self._perform = perform  # the job function a worker runs, stored in Redis by its path
        self._redis = Redis.from_url(settings.queue_url)
        self._queue = Queue(settings.queue_name, connection=self._redis)
        self._stop_reaper = start_reaper(engine, settings)

    def submit(self, job_id: int, hard_limit_s: float) -> None:
        try:
            self._queue.enqueue(
                self._perform,
                job_id,
                hard_limit_s,
                job_timeout=int(hard_limit_s) + RQ_MARGIN_S,
                result_ttl=3600,
                failure_ttl=7 * 24 * 3600,
                description=f"desaplan job {job_id}",
            )
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
