"""Solves on a Redis-backed queue (RQ): the service enqueues, `desaplan worker` processes run.

With `DESAPLAN_QUEUE_URL=redis://...` every solve is an RQ job that names one desaplan job id.
A worker runs it with the same supervisor as the embedded runner (`app.jobs.run.run_job`): the
solve in its own process, progress and a heartbeat in the database every second, a cancel seen
there within a second, the hard time limit, the plan saved with the job in one transaction.

Workers are RQ's `SimpleWorker`: the job's supervisor runs in the worker process itself, so a
worker killed mid-job takes its supervisor with it; the solve's own process then stops by
itself, the job's heartbeat stops, and a reaper (every worker and every API process runs one)
fails the job after `DESAPLAN_JOB_HEARTBEAT_TIMEOUT` seconds. Nothing of its plan is written,
since the plan goes in with the job's status in one transaction.

A large solve with independent blocks (a pool per kabupaten, `DESAPLAN_FANOUT_MIN_VILLAGES`
villages or more) fans out: its blocks become tasks on the blocks queue (`<queue>-blocks`),
which every worker takes before new solves (`app.processes.fanout`).
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass

from redis import Redis, RedisError
from rq import Queue, SimpleWorker
from sqlalchemy import Engine

from app.errors import ServiceUnavailable
from app.jobs.run import PlanFiles, SolverProcesses, run_job, solver_context
from app.processes import child as solver_process
from app.processes.fanout import FanOut, blocks_queue_name
from app.queue.interface import job_status, wait_in_database
from app.services import jobs
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


def _start_reaper(engine: Engine, settings: Settings) -> threading.Event:
    stop = threading.Event()
    thread = threading.Thread(
        target=_reap, args=(engine, settings.job_heartbeat_timeout_s, stop), name="job-reaper", daemon=True
    )
    thread.start()
    return stop


class RedisQueue:
    """The API's side: enqueue, and read status from the database (where workers write it)."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        assert settings.queue_url
        self._engine = engine
        self._redis = Redis.from_url(settings.queue_url)
        self._queue = Queue(settings.queue_name, connection=self._redis)
        self._stop_reaper = _start_reaper(engine, settings)

    def submit(self, job_id: int, hard_limit_s: float) -> None:
        try:
            self._queue.enqueue(
                perform,
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


# --- the worker's side ----------------------------------------------------------------------


@dataclass
class WorkerState:
    engine: Engine
    processes: SolverProcesses
    redis: Redis
    fanout: FanOut | None
    files: PlanFiles


_state: WorkerState | None = None


def worker_state() -> WorkerState:
    if _state is None:
        raise RuntimeError("desaplan jobs run under `desaplan worker`")
    return _state


def fanout_of(settings: Settings) -> FanOut | None:
    """How this worker's large solves fan out (`app.processes.fanout`); None when they never do."""
    if not settings.queue_url or settings.fanout_tasks < 2:
        return None
    return FanOut(queue_url=settings.queue_url, blocks_queue=blocks_queue_name(settings.queue_name),
                  min_villages=settings.fanout_min_villages, tasks=settings.fanout_tasks,
                  claim_ttl_s=settings.job_heartbeat_timeout_s)


def perform(job_id: int, hard_limit_s: float) -> str | None:
    """The RQ job: run desaplan job `job_id` to its end; its final status."""
    state = worker_state()
    status = run_job(state.engine, job_id, hard_limit_s, state.processes, fanout=state.fanout,
                     files=state.files)
    return status.value if status else None


def run_worker(settings: Settings, burst: bool = False) -> None:
    """`desaplan worker`: take solves off the queue until stopped (SIGINT or SIGTERM: finish the
    current job first; twice: at once)."""
    global _state
    from app.db import make_engine

    if not settings.queue_url:
        raise ValueError("DESAPLAN_QUEUE_URL is not set: `desaplan worker` needs a redis:// URL")
    engine = make_engine(settings.database_url)
    redis = Redis.from_url(settings.queue_url)
    # each solver process: its memory cap, and this worker whose death ends it
    processes = SolverProcesses(
        solver_context(), solver_process.ChildLimits(settings.solver_memory_bytes, os.getpid()))
    _state = WorkerState(engine=engine, processes=processes, redis=redis, fanout=fanout_of(settings),
                         files=settings.plan_files())
    stop_reaper = _start_reaper(engine, settings)
    try:
        # block tasks of fanned-out solves first: a solve already started finishes sooner
        queues = [Queue(blocks_queue_name(settings.queue_name), connection=redis),
                  Queue(settings.queue_name, connection=redis)]
        worker = SimpleWorker(queues, connection=redis)
        worker.work(burst=burst, logging_level="INFO", with_scheduler=False)
    finally:
        stop_reaper.set()
        processes.close()
        engine.dispose()
        redis.close()
