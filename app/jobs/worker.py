"""`desaplan worker`: take jobs off the Redis queue and run each one end to end.

A worker runs two kinds of RQ job: a desaplan job (`perform`: the same supervisor as the
embedded runner, `app.jobs.run.run_job`) and a block task of a fanned-out solve
(`perform_task`: claim it, solve its blocks in a solver process, write its result), taking the
block tasks first (`app.processes.fanout` says how a solve is cut into them). RQ stores both by
their paths, `app.jobs.worker.perform` and `app.jobs.worker.perform_task`; a job enqueued before
they moved here names `app.queue.perform`, which `app.queue` still answers.

Workers are RQ's `SimpleWorker`: a job's supervisor runs in the worker process itself, so a
worker killed mid-job takes its supervisor with it; the solve's own process then stops by
itself, the job's heartbeat stops, and a reaper (`app.queue.redis_queue.start_reaper`: every
worker and every API process runs one) fails the job.
"""

from __future__ import annotations

import logging
import pickle
import signal
import threading
import time
from dataclasses import dataclass
from types import FrameType
from typing import Any

from redis import Redis, RedisError
from rq import Queue, SimpleWorker
from rq.exceptions import StopRequested
from sqlalchemy import Engine, text

from app.jobs import alive
from app.jobs.run import POLL_S, PlanFiles, run_job
from app.jobs.runner import plan_files, solver_processes
from app.processes import child as worker
from app.processes.fanout import FanOut, blocks_queue_name, this_process
from app.processes.pool import SolverProcesses
from app.queue.interface import job_status
from app.queue.redis_queue import start_reaper
from app.settings import Settings
from models.tables import JobStatus

log = logging.getLogger("desaplan.worker")

RECHECK_S = 5  # a waiting worker looks at the database (and its stop) at least this often
BACKOFF_S = (1.0, 30.0)  # waits between tries to reach Redis or the database: doubling, capped
CLAIM_TRIES_S = 30.0  # how long a worker that took a job keeps trying to reach the database


def backoff(stop: threading.Event, first_s: float = BACKOFF_S[0]) -> Any:
    """The waits between tries, doubling up to BACKOFF_S[1]; each returns False once `stop` is set."""
    pause = first_s
    while True:
        yield not stop.wait(pause)
        pause = min(pause * 2, BACKOFF_S[1])


def database_answers(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception as exc:
        log.warning("the database is not reachable: %s", str(exc).strip().splitlines()[0])
        return False


class DesaplanWorker(SimpleWorker):
    """RQ's `SimpleWorker` that takes a job only while the database answers: a worker that cannot
    reach PostgreSQL waits (trying again with backoff) and leaves the queue to the workers that
    can. A stop (SIGINT/SIGTERM) is remembered here, so `run_worker` knows that the work loop
    ended on request rather than on a lost Redis."""

    engine: Engine
    stopping: threading.Event

    @property
    def dequeue_timeout(self) -> int:
        # RQ blocks on the queue for minutes; the database is looked at again this often
        return RECHECK_S

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping.set()
        try:
            super().request_stop(signum, frame)
        except RedisError:  # Redis is away: stop now rather than ask it whether we are busy
            raise StopRequested() from None

    def dequeue_job_and_maintain_ttl(self, timeout: int | None, max_idle_time: int | None = None) -> Any:
        waits = backoff(self.stopping)
        while not database_answers(self.engine):
            if not next(waits):
                raise StopRequested()
        return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)


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
    return FanOut(
        queue_url=settings.queue_url,
        blocks_queue=blocks_queue_name(settings.queue_name),
        min_villages=settings.fanout_min_villages,
        tasks=settings.fanout_tasks,
        claim_ttl_s=settings.job_heartbeat_timeout_s,
    )


def perform(job_id: int, hard_limit_s: float) -> str | None:
    """The RQ job: run desaplan job `job_id` to its end; its final status."""
    state = worker_state()
    # the database answered before the job was taken; should it have gone meanwhile, wait a
    # little for it, then give the job back (the reapers queue it again for another worker)
    waits, deadline = backoff(threading.Event()), time.monotonic() + CLAIM_TRIES_S
    while not database_answers(state.engine):
        if time.monotonic() >= deadline:
            raise RuntimeError(f"job {job_id} given back: the database is not reachable")
        next(waits)
    status = run_job(
        state.engine, job_id, hard_limit_s, state.processes, fanout=state.fanout, files=state.files
    )
    return status.value if status else None


def run_worker(settings: Settings, burst: bool = False) -> None:
    """`desaplan worker`: take solves off the queue until stopped (SIGINT or SIGTERM: finish the
    current job first; twice: at once).

    It keeps going whatever it loses: without the database it takes no job and tries again
    with backoff (`DesaplanWorker`); when Redis goes away, even mid-job, RQ's loop ends and a
    new one starts once Redis answers again."""
    global _state
    from app.db import make_engine

    if not settings.queue_url:
        raise ValueError("DESAPLAN_QUEUE_URL is not set: `desaplan worker` needs a redis:// URL")
    engine = make_engine(settings.database_url)
    redis = Redis.from_url(settings.queue_url)
    # each solver process: its memory cap, and this worker whose death ends it
    processes = solver_processes(settings)
    processes.warm()  # the first job does not wait for the forkserver (nor go silent meanwhile)
    _state = WorkerState(
        engine=engine,
        processes=processes,
        redis=redis,
        fanout=fanout_of(settings),
        files=plan_files(settings),
    )
    stop_reaper = start_reaper(engine, settings, perform)
    stop_beating = alive.start_beating(settings, engine, redis)
    stopping = threading.Event()
    try:
        # block tasks of fanned-out solves first: a solve already started finishes sooner
        queues = [
            Queue(blocks_queue_name(settings.queue_name), connection=redis),
            Queue(settings.queue_name, connection=redis),
        ]
        waits = backoff(stopping)
        while not stopping.is_set():
            try:
                # RQ's worker names itself to Redis as it is made: inside, as Redis may be away
                worker = DesaplanWorker(queues, connection=redis)
                worker.engine, worker.stopping = engine, stopping
                worker.work(burst=burst, logging_level="INFO", with_scheduler=False)
                if burst:
                    break
            except RedisError as exc:  # at its start or its teardown: Redis is away
                log.warning("the job queue is not reachable: %s", exc)
            if stopping.is_set():
                break
            # RQ's loop ended without a stop asked for: Redis went away under a busy worker, or
            # came back empty. Between loops a stop is ours to catch, then a new loop begins.
            for sign in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sign, lambda *_: stopping.set())
            while next(waits) and not _redis_answers(redis):
                pass
            if stopping.is_set():
                break
            waits = backoff(stopping)
            log.info("the job queue answers again: taking jobs")
    finally:
        stop_reaper.set()
        stop_beating.set()
        processes.close()
        engine.dispose()
        redis.close()


def _redis_answers(redis: Redis) -> bool:
    try:
        return bool(redis.ping())
    except RedisError:
        return False


def perform_task(job_id: int, prefix: str, task: int) -> str:
    """The RQ job of one block task, run by a `desaplan worker`."""
    state = worker_state()
    assert state.fanout is not None
    return run_task(
        state.engine,
        state.redis,
        state.processes.context,
        state.processes.limits,
        state.fanout,
        job_id,
        prefix,
        task,
    )


def run_task(
    engine: Engine,
    redis: Redis,
    context: Any,
    limits: Any,
    fanout: FanOut,
    job_id: int,
    prefix: str,
    task: int,
) -> str:
    """Claim the task, solve it in a solver process, write its result; what happened, in a word."""

    claim, input_key, result_key = (
        f"{prefix}:{task}:claim",
        f"{prefix}:{task}:input",
        f"{prefix}:{task}:result",
    )
    ttl_ms = int(fanout.claim_ttl_s * 1000)
    if not redis.set(claim, this_process(), nx=True, px=ttl_ms):
        return "taken"  # the parent, or another worker, has it
    if job_status(engine, job_id) != JobStatus.running:
        return "stopped"
    payload = redis.get(input_key)
    if payload is None:
        return "stopped"  # the job ended and its keys were deleted
    parent_end, child_end = context.Pipe(duplex=False)
    process = context.Process(
        target=worker.solve_blocks_in_process,
        args=(payload, child_end, limits),
        name=f"desaplan-blocks-{job_id}-{task}",
        daemon=True,
    )
    process.start()
    child_end.close()
    last_beat = time.monotonic()
    try:
        while True:
            if parent_end.poll(POLL_S):
                try:
                    kind, value = parent_end.recv()
                except EOFError:
                    kind, value = "error", f"the solver process ended (exit code {process.exitcode})"
                if not redis.exists(input_key):  # cancelled meanwhile: its keys stay deleted
                    return "stopped"
                redis.set(
                    result_key,
                    pickle.dumps((kind, value), protocol=pickle.HIGHEST_PROTOCOL),
                    ex=fanout.keys_ttl_s,
                )
                return "solved" if kind == "blocks" else "failed"
            if not process.is_alive() and not parent_end.poll():
                ended = f"the solver process ended (exit code {process.exitcode})"
                if not redis.exists(input_key):  # cancelled meanwhile: its keys stay deleted
                    return "stopped"
                redis.set(result_key, pickle.dumps(("error", ended)), ex=fanout.keys_ttl_s)
                return "failed"
            if time.monotonic() - last_beat >= 1.0:
                last_beat = time.monotonic()
                redis.pexpire(claim, ttl_ms)
                if job_status(engine, job_id) != JobStatus.running or not redis.exists(input_key):
                    return "stopped"
    finally:
        if process.is_alive():
            process.terminate()
        process.join(5)
        parent_end.close()
