"""One job, supervised: the same code under the embedded runner and under `desaplan worker`.

Claim the job (queued -> running, for exactly one supervisor), read its input, start the solve
in its own process (`app.worker`), and watch it: a plan, an input error, a crash, a stop asked
for locally, a cancel or a reaper seen in the database, or an overrun of the hard time limit.
Every second the supervisor writes the job's progress with a heartbeat; a supervisor that dies
stops beating and a reaper fails its job (`app.services.jobs.fail_silent`). The plan of a
finished solve is saved with the job's status in one transaction.

Two kinds of job run this way: a solve (its plan) and a sweep (its curve, `app.services.insights`).
Under `desaplan worker` a large solve may fan its blocks out to other workers (`app.fanout`); its
supervisor is the same, and deletes the solve's block tasks whatever the end.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing import forkserver
from multiprocessing.context import BaseContext
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from app import worker
from app.handover import plan_parts
from app.jobs import job_status
from app.services import insights, jobs, solves
from models import Curve, InputError, InputIssue
from models.tables import JobKind, JobStatus

if TYPE_CHECKING:
    from app.fanout import FanOut

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
    fanout: FanOut | None = None,
) -> JobStatus | None:
    """Run one job to its end; its final status (None when it does not exist).

    `stop`, when set, ends the solve at once: the job is failed as interrupted (a shutdown),
    unless it already finished (a cancel writes `cancelled` before setting it). `fanout` (the
    Redis queue only): the solve's blocks may be solved by other workers (`app.fanout`)."""
    stop = stop or threading.Event()
    if not jobs.claim(engine, job_id):  # cancelled while queued, or another worker has it
        return job_status(engine, job_id)
    try:
        _supervise(engine, job_id, hard_limit_s, context, stop, limits or worker.ChildLimits(),
                   fanout.for_job(job_id, hard_limit_s) if fanout else None)
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
    limits: worker.ChildLimits, fanout: FanOut | None = None,
) -> None:
    parent_end, child_end = context.Pipe(duplex=False)
    target: Callable[..., None]
    args: tuple[Any, ...]
    if jobs.kind_of(engine, job_id) == JobKind.sweep:
        problem_json, options_json, task_json = insights.prepare_sweep(engine, job_id)
        target, args = worker.sweep_in_process, (problem_json, options_json, task_json, child_end, limits)
        # the time limit bounds each of the curve's solves; the clock runs over all of them
        points = len(json.loads(task_json)["values"])
        time_limit_s = float(json.loads(options_json)["time_limit_s"]) * max(1, points)
    else:
        problem_json, options_json = solves.prepare(engine, job_id)
        target, args = worker.solve_in_process, (problem_json, options_json, child_end, limits, fanout)
        time_limit_s = float(json.loads(options_json)["time_limit_s"])
    process = context.Process(  # type: ignore[attr-defined]
        target=target, args=args, name=f"desaplan-solve-{job_id}", daemon=True
    )
    process.start()
    child_end.close()
    progress = Progress()
    started = time.monotonic()
    last_beat = -BEAT_S
    message: tuple[str, Any] | None = None  # the plan as bytes, the rest as JSON text
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
        if fanout is not None:  # whatever the end, the job's block tasks stop
            from app import fanout as fan

            fan.cleanup(fanout)
    assert message is not None  # every other way out of the loop returned
    _handle(engine, job_id, message, stop)


def _handle(engine: Engine, job_id: int, message: tuple[str, Any], stop: threading.Event) -> None:
    kind, payload = message
    if kind == "plan":
        if stop.is_set() or not jobs.beat(engine, job_id, 0.95, "saving the plan"):
            _fail(engine, job_id, jobs.INTERRUPTED)  # a no-op after a cancel
            return
        # None when a cancel came between the beat and the save: then nothing is written
        plan, villages = plan_parts(payload)
        solves.store_result(engine, job_id, plan, villages)
    elif kind == "curve":
        if stop.is_set() or not jobs.beat(engine, job_id, 0.95, "saving the curve"):
            _fail(engine, job_id, jobs.INTERRUPTED)  # a no-op after a cancel
            return
        insights.store_curve(engine, job_id, Curve.model_validate_json(payload))
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
