"""The job runner: each solve in its own worker process, at most `workers` at once.

One thread per job waits for a free slot, starts a process (forkserver: a fork of a server that
has already imported the solver, so a process starts in milliseconds, not seconds), watches it
for a result, a cancel or an overrun, and writes the outcome. A cancel or an overrun terminates
the process; the plan of a finished solve is saved by this parent in one transaction.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from multiprocessing import forkserver
from multiprocessing.context import BaseContext
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine

from app import worker
from app.services import jobs, solves
from app.settings import Settings
from models import InputError, InputIssue, Plan
from models.tables import JobStatus

log = logging.getLogger("desaplan.jobs")

POLL_S = 0.2
PROGRESS_EVERY_S = 1.0


def _context() -> BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # app.cli too: a child re-imports the main module (the `desaplan` script, which imports
        # app.cli, scenarios and pandas); already loaded in the server, that costs nothing
        context.set_forkserver_preload(["app.worker", "app.cli"])
        # start the server now, so the first solve does not wait for it to import the solver
        forkserver.ensure_running()
        return context
    return multiprocessing.get_context("spawn")


@dataclass
class Outcome:
    status: JobStatus
    input_error: InputError | None = None


@dataclass
class Ticket:
    """A submitted job, as its submitter and the runner's thread both see it."""

    job_id: int
    hard_limit_s: float
    cancel: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    cancel_reason: str = "cancelled on request"
    outcome: Outcome | None = None
    thread: threading.Thread | None = None

    def wait(self, timeout: float) -> Outcome | None:
        """Block until the job ends; None if it still runs after `timeout` seconds."""
        self.done.wait(timeout)
        return self.outcome


class JobRunner:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self._engine = engine
        self._slots = threading.BoundedSemaphore(settings.workers)
        self._lock = threading.Lock()
        self._active: dict[int, Ticket] = {}
        self._context = _context()
        self._closed = False
        # each solver process: its memory cap, and the service whose death ends it
        self._child_limits = worker.ChildLimits(settings.solver_memory_bytes, os.getpid())

    def submit(self, job_id: int, hard_limit_s: float) -> Ticket:
        active = Ticket(job_id, hard_limit_s)
        thread = threading.Thread(target=self._run, args=(active,), name=f"solve-job-{job_id}", daemon=True)
        active.thread = thread
        with self._lock:
            if self._closed:
                raise RuntimeError("the job runner is shut down")
            self._active[job_id] = active
        thread.start()
        return active

    def cancel(self, job_id: int, reason: str = "cancelled on request") -> Ticket | None:
        """Ask a queued or running job to stop; None when this runner does not hold it."""
        with self._lock:
            active = self._active.get(job_id)
        if active is None:
            return None
        active.cancel_reason = reason
        active.cancel.set()
        return active

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop every job: their processes are terminated and the jobs marked failed."""
        with self._lock:
            self._closed = True
            actives = list(self._active.values())
        for active in actives:
            active.cancel_reason = jobs.INTERRUPTED
            active.cancel.set()
        for active in actives:
            if active.thread is not None:
                active.thread.join(timeout)

    # --- one job, in its own thread ---------------------------------------------------------

    def _run(self, active: Ticket) -> None:
        acquired = False
        try:
            while not (acquired := self._slots.acquire(timeout=POLL_S)):
                if active.cancel.is_set():
                    self._stopped(active)
                    return
            if active.cancel.is_set():
                self._stopped(active)
                return
            self._solve(active)
        except Exception:
            correlation_id = str(uuid.uuid4())
            log.exception("job %s failed, correlation_id=%s", active.job_id, correlation_id)
            self._finish(
                active,
                JobStatus.failed,
                f"an unexpected error on our side (correlation id {correlation_id})",
            )
        finally:
            if acquired:
                self._slots.release()
            with self._lock:
                self._active.pop(active.job_id, None)
            active.done.set()

    def _solve(self, active: Ticket) -> None:
        job_id = active.job_id
        jobs.mark_running(self._engine, job_id)
        problem_json, options_json = solves.prepare(self._engine, job_id)
        time_limit_s = float(json.loads(options_json)["time_limit_s"])
        parent_end, child_end = self._context.Pipe(duplex=False)
        process = self._context.Process(  # type: ignore[attr-defined]
            target=worker.solve_in_process,
            args=(problem_json, options_json, child_end, self._child_limits),
            name=f"desaplan-solve-{job_id}",
            daemon=True,
        )
        process.start()
        child_end.close()
        jobs.set_progress(self._engine, job_id, 0.1, "solving")
        started = time.monotonic()
        last_progress = 0.0
        message: tuple[str, str] | None = None
        try:
            while message is None:
                if parent_end.poll(POLL_S):
                    try:
                        message = parent_end.recv()
                    except EOFError:  # the process died without a word (killed, out of memory)
                        process.join(1)
                        self._finish(
                            active,
                            JobStatus.failed,
                            f"the solver process ended without a plan (exit code {process.exitcode})",
                        )
                        return
                    break
                elapsed = time.monotonic() - started
                if active.cancel.is_set():
                    self._stopped(active)
                    return
                if elapsed > active.hard_limit_s:
                    self._finish(
                        active,
                        JobStatus.failed,
                        f"the solve overran its time limit ({active.hard_limit_s:.0f} s) and was stopped",
                    )
                    return
                if not process.is_alive() and not parent_end.poll():
                    self._finish(
                        active,
                        JobStatus.failed,
                        f"the solver process ended without a plan (exit code {process.exitcode})",
                    )
                    return
                if elapsed - last_progress >= PROGRESS_EVERY_S:
                    last_progress = elapsed
                    share = min(1.0, elapsed / time_limit_s)
                    jobs.set_progress(
                        self._engine,
                        job_id,
                        0.1 + 0.8 * share,
                        f"solving ({elapsed:.0f} s of at most {time_limit_s:.0f} s)",
                    )
        finally:
            if process.is_alive() and message is None:
                process.terminate()
            process.join(5)
            parent_end.close()
        assert message is not None  # every other way out of the loop returned
        self._handle(active, message)

    def _handle(self, active: Ticket, message: tuple[str, str]) -> None:
        kind, payload = message
        if kind == "plan":
            if active.cancel.is_set():  # cancelled while the result was on its way
                self._stopped(active)
                return
            jobs.set_progress(self._engine, active.job_id, 0.95, "saving the plan")
            solves.store_result(self._engine, active.job_id, Plan.model_validate_json(payload))
            active.outcome = Outcome(JobStatus.succeeded)
        elif kind == "input_error":
            data = json.loads(payload)
            error = InputError([InputIssue(**i) for i in data["issues"]], title=data["title"])
            self._finish(active, JobStatus.failed, error.describe())
            active.outcome = Outcome(JobStatus.failed, input_error=error)
        else:
            correlation_id = str(uuid.uuid4())
            log.error(
                "job %s: the solver raised, correlation_id=%s\n%s",
                active.job_id,
                correlation_id,
                payload,
            )
            self._finish(
                active,
                JobStatus.failed,
                f"the solver stopped with an unexpected error (correlation id {correlation_id})",
            )

    def _stopped(self, active: Ticket) -> None:
        interrupted = active.cancel_reason == jobs.INTERRUPTED
        status = JobStatus.failed if interrupted else JobStatus.cancelled
        self._finish(active, status, active.cancel_reason)

    def _finish(self, active: Ticket, status: JobStatus, error: str) -> None:
        jobs.finish(self._engine, active.job_id, status, status.value, error)
        active.outcome = Outcome(status)


def get_runner(request: Request) -> JobRunner:
    runner: JobRunner = request.app.state.runner
    return runner


RunnerDep = Annotated[JobRunner, Depends(get_runner)]
