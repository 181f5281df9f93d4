"""The embedded runner: each solve in a worker process of the service, at most `workers` at once.

One thread per job waits for a free slot and then runs the job with the `JobRunner` it was handed
(`app.jobs.runner.LocalJobs`: `app.jobs.run.run_job` in a solver process of its own).
A maintenance thread gives the jobs it holds a heartbeat (queued ones too, so that another
process sharing the database leaves them alone) and fails jobs whose holder went silent.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from sqlalchemy import Engine

from app.queue import rows as jobs
from app.queue.interface import JobRunner, job_status, wait_in_database
from app.settings import Settings
from models.tables import JobStatus

log = logging.getLogger("desaplan.jobs")

MAINTENANCE_S = 2.0
POLL_S = 0.2  # how often a job waiting for a slot looks for a stop
CANCEL_WAIT_S = 10.0  # a cancel answers once the solve's process is gone (within a poll or two)


@dataclass
class Held:
    """A job this runner holds, as its submitter and its thread both see it."""

    job_id: int
    hard_limit_s: float
    stop: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)  # its status is final
    done: threading.Event = field(default_factory=threading.Event)  # its thread has ended
    thread: threading.Thread | None = None


class EmbeddedRunner:
    def __init__(self, engine: Engine, settings: Settings, run: JobRunner) -> None:
        self._engine = engine
        self._heartbeat_timeout_s = settings.job_heartbeat_timeout_s
        self._slots = threading.BoundedSemaphore(settings.workers)
        self._lock = threading.Lock()
        self._held: dict[int, Held] = {}
        self._run_job = run  # the job machinery, handed over by app.main
        self._closed = threading.Event()
        failed = jobs.fail_interrupted(engine, settings.job_heartbeat_timeout_s)
        if failed:
            log.warning("marked %d job(s) cut off by a restart as failed", failed)
        self._maintenance = threading.Thread(target=self._maintain, name="job-maintenance", daemon=True)
        self._maintenance.start()

    def submit(self, job_id: int, hard_limit_s: float) -> None:
        held = Held(job_id, hard_limit_s)
        held.thread = threading.Thread(
            target=self._run, args=(held,), name=f"solve-job-{job_id}", daemon=True
        )
        with self._lock:
            if self._closed.is_set():
                raise RuntimeError("the job runner is shut down")
            self._held[job_id] = held
        held.thread.start()

    def status(self, job_id: int) -> JobStatus | None:
        return job_status(self._engine, job_id)

    def wait(self, job_id: int, timeout_s: float) -> JobStatus | None:
        with self._lock:
            held = self._held.get(job_id)
        if held is None:  # not ours (another process runs it), or already done
            return wait_in_database(self._engine, job_id, timeout_s)
        held.finished.wait(timeout_s)  # a large plan's files are built before
        return self.status(job_id)

    def cancel(self, job_id: int) -> None:
        with self._lock:
            held = self._held.get(job_id)
        if held is not None:
            held.stop.set()
            held.done.wait(CANCEL_WAIT_S)

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop every job: their processes are terminated and the jobs failed as interrupted."""
        with self._lock:
            self._closed.set()
            held = list(self._held.values())
        for one in held:
            one.stop.set()
        for one in held:
            if one.thread is not None:
                one.thread.join(timeout)
        self._run_job.close()
        self._maintenance.join(timeout)

    # --- threads ----------------------------------------------------------------------------

    def _run(self, held: Held) -> None:
        acquired = self._slots.acquire(blocking=False)
        try:
            if not acquired:  # a job that waits for a slot shows a sign of life meanwhile
                jobs.touch(self._engine, [held.job_id])
            while not acquired and not (acquired := self._slots.acquire(timeout=POLL_S)):
                if held.stop.is_set():
                    break
            if held.stop.is_set():
                # a cancel already wrote `cancelled`; otherwise this is a shutdown
                jobs.finish(self._engine, held.job_id, JobStatus.failed, "failed", jobs.INTERRUPTED)
            else:
                self._run_job.run(held.job_id, held.hard_limit_s, held.stop, held.finished.set)
        except Exception:
            log.exception("job %s: the runner's thread failed", held.job_id)
        finally:
            if acquired:
                self._slots.release()
            with self._lock:
                self._held.pop(held.job_id, None)
            held.finished.set()
            held.done.set()

    def _maintain(self) -> None:
        while not self._closed.wait(MAINTENANCE_S):
            try:
                with self._lock:
                    ids = list(self._held)
                jobs.touch(self._engine, ids)
                jobs.fail_silent(self._engine, self._heartbeat_timeout_s)
            except Exception:  # a database hiccup must not end the heartbeats for good
                log.exception("job maintenance failed; trying again in %.0f s", MAINTENANCE_S)
