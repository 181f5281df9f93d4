"""One job, supervised: the same code under the embedded runner and under `desaplan worker`.

Claim the job (queued -> running, for exactly one supervisor), read its input, start the solve
in its own process (`app.worker`), and watch it: a plan, an input error, a crash, a stop asked
for locally, a cancel or a reaper seen in the database, or an overrun of the hard time limit.
Every second the supervisor writes the job's progress with a heartbeat; a supervisor that dies
stops beating and a reaper fails its job (`app.services.jobs.fail_silent`). The plan of a
finished solve is saved with the job's status in one transaction.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import threading
import time
import uuid
from dataclasses import dataclass
from multiprocessing import forkserver
from multiprocessing.context import BaseContext

from sqlalchemy import Engine

from app import worker
from app.jobs import job_status
from app.services import jobs, solves
from models import InputError, InputIssue, Plan
from models.tables import JobStatus

log = logging.getLogger("desaplan.jobs")

POLL_S = 0.2  # how often the solve's pipe and a local stop are looked at
BEAT_S = 1.0  # how often progress and the heartbeat are written (and a cancel is seen)


def solver_context() -> BaseContext:
    """Forkserver: a fork of a server that has already imported the solver, so a solve's process
    starts in milliseconds, not seconds. Spawn where there is no forkserver."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # app.cli too: a child re-imports the main module (the `desaplan` script, which imports
        # app.cli, scenarios and pandas); already loaded in the server, that costs nothing.
        # app.filework: the readers and writers of the bounded processes (app.bounded)
        context.set_forkserver_preload(["app.worker", "app.cli", "app.filework"])
        # start the server now, so the first solve does not wait for it to import the solver
        forkserver.ensure_running()
        return context
    return multiprocessing.get_context("spawn")


@dataclass
class Progress:
    """What the job's row says while it runs. The solve may send ("progress", {"progress": p,
    "phase": "..."}) through its pipe; until it does, progress follows the clock."""

    share: float = 0.1
    phase: str = "solving"
    from_solver: bool = False

    def by_clock(self, elapsed_s: float, time_limit_s: float) -> None:
        if self.from_solver and elapsed_s > time_limit_s and "past its time limit" not in self.phase:
            self.phase += (f" (past its time limit of {time_limit_s:.0f} s: finishing the best "
                           f"checked plan)")
        if not self.from_solver:
            self.share = 0.1 + 0.8 * min(1.0, elapsed_s / time_limit_s)
            self.phase = f"solving ({elapsed_s:.0f} s of at most {time_limit_s:.0f} s)"

    def from_event(self, payload: str, elapsed_s: float, time_limit_s: float) -> None:
        event = json.loads(payload)
        self.from_solver = True
        # the solver's own 0..1 maps into the part of the job that is the solve
        self.share = 0.1 + 0.8 * min(1.0, max(0.0, float(event.get("progress", 0.0))))
        self.phase = str(event.get("phase") or "solving")
        self.by_clock(elapsed_s, time_limit_s)


def run_job(
    engine: Engine,
    job_id: int,
    hard_limit_s: float,
    context: BaseContext,
    stop: threading.Event | None = None,
    limits: worker.ChildLimits | None = None,
) -> JobStatus | None:
    """Run one job to its end; its final status (None when it does not exist).

    `stop`, when set, ends the solve at once: the job is failed as interrupted (a shutdown),
    unless it already finished (a cancel writes `cancelled` before setting it)."""
    stop = stop or threading.Event()
    if not jobs.claim(engine, job_id):  # cancelled while queued, or another worker has it
        return job_status(engine, job_id)
    try:
        _supervise(engine, job_id, hard_limit_s, context, stop, limits or worker.ChildLimits())
    except Exception:
        correlation_id = str(uuid.uuid4())
        log.exception("job %s failed, correlation_id=%s", job_id, correlation_id)
        jobs.finish(
            engine,
            job_id,
            JobStatus.failed,
            JobStatus.failed.value,
            f"an unexpected error on our side (correlation id {correlation_id})",
        )
    return job_status(engine, job_id)


def _fail(engine: Engine, job_id: int, error: str) -> None:
    jobs.finish(engine, job_id, JobStatus.failed, JobStatus.failed.value, error)


def _supervise(
    engine: Engine, job_id: int, hard_limit_s: float, context: BaseContext, stop: threading.Event,
    limits: worker.ChildLimits,
) -> None:
    problem_json, options_json = solves.prepare(engine, job_id)
    time_limit_s = float(json.loads(options_json)["time_limit_s"])
    parent_end, child_end = context.Pipe(duplex=False)
    process = context.Process(  # type: ignore[attr-defined]
        target=worker.solve_in_process,
        args=(problem_json, options_json, child_end, limits),
        name=f"desaplan-solve-{job_id}",
        daemon=True,
    )
    process.start()
    child_end.close()
    progress = Progress()
    started = time.monotonic()
    last_beat = -BEAT_S
    message: tuple[str, str] | None = None
    try:
        while message is None:
            if parent_end.poll(POLL_S):
                try:
                    kind, payload = parent_end.recv()
                except EOFError:  # the process died without a word (killed, out of memory)
                    process.join(1)
                    _fail(engine, job_id,
                          f"the solver process ended without a plan (exit code {process.exitcode})")
                    return
                if kind == "progress":
                    progress.from_event(payload, time.monotonic() - started, time_limit_s)
                    continue
                message = (kind, payload)
                break
            elapsed = time.monotonic() - started
            if stop.is_set():
                _fail(engine, job_id, jobs.INTERRUPTED)  # a no-op after a cancel
                return
            if elapsed > hard_limit_s:
                _fail(
                    engine, job_id, f"the solve overran its time limit ({hard_limit_s:.0f} s) and was stopped"
                )
                return
            if not process.is_alive() and not parent_end.poll():
                _fail(
                    engine, job_id, f"the solver process ended without a plan (exit code {process.exitcode})"
                )
                return
            if elapsed - last_beat >= BEAT_S:
                last_beat = elapsed
                progress.by_clock(elapsed, time_limit_s)
                if not jobs.beat(engine, job_id, progress.share, progress.phase):
                    return  # cancelled, or failed by a reaper: the finally stops the solve
    finally:
        if process.is_alive() and message is None:
            process.terminate()
        process.join(5)
        parent_end.close()
    assert message is not None  # every other way out of the loop returned
    _handle(engine, job_id, message, stop)


def _handle(engine: Engine, job_id: int, message: tuple[str, str], stop: threading.Event) -> None:
    kind, payload = message
    if kind == "plan":
        if stop.is_set() or not jobs.beat(engine, job_id, 0.95, "saving the plan"):
            _fail(engine, job_id, jobs.INTERRUPTED)  # a no-op after a cancel
            return
        # None when a cancel came between the beat and the save: then nothing is written
        solves.store_result(engine, job_id, Plan.model_validate_json(payload))
    elif kind == "input_error":
        data = json.loads(payload)
        error = InputError([InputIssue(**i) for i in data["issues"]], title=data["title"])
        jobs.finish(
            engine, job_id, JobStatus.failed, JobStatus.failed.value, error.describe(), input_error=data
        )
    else:
        correlation_id = str(uuid.uuid4())
        log.error("job %s: the solver raised, correlation_id=%s\n%s", job_id, correlation_id, payload)
        _fail(
            engine, job_id, f"the solver stopped with an unexpected error (correlation id {correlation_id})"
        )
