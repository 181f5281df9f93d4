"""One job, supervised: the same code under the embedded runner and under `desaplan worker`.

Claim the job (queued -> running, for exactly one supervisor), read its input, start the solve
in its own process (`app.processes.child`), and watch it: a plan, an input error, a crash, a stop asked
for locally, a cancel or a reaper seen in the database, or an overrun of the hard time limit.
Every second the supervisor writes the job's progress with a heartbeat; a supervisor that dies
stops beating and a reaper fails its job (`app.queue.rows.fail_silent`). The plan of a
finished solve is saved with the job's status in one transaction; a large plan's, with its files
first, then the job's status (a job that ended another way meanwhile takes its plan away).

Two kinds of job run this way: a solve (its plan) and a sweep (its curve); each reads its input
and stores its result through `app.jobs.storage`, never through the services that queued it.
Under `desaplan worker` a large solve may fan its blocks out to other workers (`app.processes.fanout`); its
supervisor is the same, and deletes the solve's block tasks whatever the end.

Each job has a fresh solver process of its own, forked before the job comes (`SolverProcesses`),
so a job does not wait for one (`app.processes.pool`). Once a large plan is saved, the same
process builds the plan's targets files from the plan it still holds, and the supervisor stores
them (`PlanFiles`) before the job's status is final: every first download of them is served from
the store.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import Session

from app.errors import is_disk_full
from app.jobs import letters as letters_job
from app.jobs import storage
from app.processes import child as worker
from app.processes import letters as letters_process
from app.processes.handover import plan_parts
from app.processes.letters import LETTERS_HARD_LIMIT_S
from app.processes.pool import Child, SolverProcesses
from app.processes.pool import end as _end
from app.queue import rows as jobs
from app.queue.interface import job_status
from app.services import plans
from models import Curve, InputError, InputIssue
from models.tables import JobKind, JobStatus

if TYPE_CHECKING:
    from app.processes.fanout import FanOut

log = logging.getLogger("desaplan.jobs")

POLL_S = 0.2  # how often the solve's pipe and a local stop are looked at
BEAT_S = 1.0  # how often progress and the heartbeat are written (and a cancel is seen)
# a database that does not answer is tried again, with backoff, this long before the job gives up:
# a short outage (a restart, a failover) delays a job's end, it does not fail the job
OUTAGE_S = 120.0
RETRY_S = (0.5, 8.0)


def retried[T](what: str, job_id: int, step: Callable[[], T], outage_s: float = OUTAGE_S) -> T:
    """`step()`, tried again with backoff while the database does not answer (for `outage_s`)."""
    deadline, pause = time.monotonic() + outage_s, RETRY_S[0]
    while True:
        try:
            return step()
        except (OperationalError, InterfaceError) as exc:
            if is_disk_full(exc) or time.monotonic() + pause > deadline:
                raise  # a full disk does not pass in seconds: the job ends and says so
            log.warning(
                "job %s: %s: the database does not answer (%s); trying again in %.1f s",
                job_id,
                what,
                str(exc).strip().splitlines()[0],
                pause,
            )
            time.sleep(pause)
            pause = min(pause * 2, RETRY_S[1])


@dataclass(frozen=True)
class PlanFiles:
    """Which plans get their targets files built by their job, right after the plan is saved and
    before the job succeeds: those of at least `min_villages` villages, within `time_limit_s` for
    them all. The rest are built on their first download, as are the variants not built here."""

    min_villages: int = 2000
    time_limit_s: float = 300.0


class HardLimit:
    """When a job's solve is stopped: measured from when its solver's clock starts.

    `hard_limit_s` (`app.services.solves.hard_limit_s`) is the solver's `time_limit_s` plus an
    allowance before the solving (reading, validating and preparing the table in the solver
    process) and the same after it (the plan's check, its figures, handing it over). Until the
    solver says its clock started, the job may take the allowance; from then, its time limit and
    the allowance. So a job within its solver's limit is never stopped however its reading went,
    and no job outlives `hard_limit_s`. A sweep's solves start their clocks one after another: its
    limit counts from the start."""

    def __init__(self, hard_limit_s: float, time_limit_s: float, solving_from_start: bool = False) -> None:
        self.hard_limit_s = hard_limit_s
        self.time_limit_s = time_limit_s
        self.allowance_s = max(0.0, hard_limit_s - time_limit_s) / (1 if solving_from_start else 2)
        self.solving_from_start = solving_from_start
        self.started = 0.0
        self.solving_since: float | None = None

    def start(self, now: float) -> None:
        self.started = now
        if self.solving_from_start:
            self.solving_since = now

    def solving(self, now: float) -> None:
        if self.solving_since is None:
            self.solving_since = now

    def overrun(self, now: float) -> str | None:
        """Why the job must stop now, or None."""
        if self.solving_since is None:
            if now - self.started > self.allowance_s:
                return (
                    f"reading and preparing the table took longer than {self.allowance_s:.0f} s "
                    f"and the solve was stopped before it began"
                )
            return None
        if now - self.solving_since > self.time_limit_s + self.allowance_s:
            return (
                f"the solve overran its time limit ({self.time_limit_s:.0f} s of solving and "
                f"{self.allowance_s:.0f} s to finish) and was stopped"
            )
        return None


@dataclass
class Progress:
    """What the job's row says while it runs. The solve may send ("progress", {"progress": p,
    "phase": "..."}) through its pipe; until it does, progress follows the clock."""

    share: float = 0.1
    phase: str = "solving"
    from_solver: bool = False
    solving: bool = False  # the solver's clock has started

    def by_clock(self, elapsed_s: float, time_limit_s: float) -> None:
        if self.from_solver and elapsed_s > time_limit_s and "past its time limit" not in self.phase:
            self.phase += f" (past its time limit of {time_limit_s:.0f} s: finishing the best checked plan)"
        if not self.from_solver:
            self.share = 0.1 + 0.8 * min(1.0, elapsed_s / time_limit_s)
            self.phase = f"solving ({elapsed_s:.0f} s of at most {time_limit_s:.0f} s)"

    def from_event(self, payload: str, elapsed_s: float, time_limit_s: float) -> None:
        event = json.loads(payload)
        self.from_solver = True
        self.solving = self.solving or bool(event.get("solving"))
        # the solver's own 0..1 maps into the part of the job that is the solve
        self.share = 0.1 + 0.8 * min(1.0, max(0.0, float(event.get("progress", 0.0))))
        self.phase = str(event.get("phase") or "solving")
        self.by_clock(elapsed_s, time_limit_s)


def run_job(
    engine: Engine,
    job_id: int,
    hard_limit_s: float,
    processes: SolverProcesses,
    stop: threading.Event | None = None,
    fanout: FanOut | None = None,
    files: PlanFiles | None = None,
    finished: Callable[[], None] | None = None,
) -> JobStatus | None:
    """Run one job to its end; its final status (None when it does not exist).

    `stop`, when set, ends the solve at once: the job is failed as interrupted (a shutdown),
    unless it already finished (a cancel writes `cancelled` before setting it). `fanout` (the
    Redis queue only): the solve's blocks may be solved by other workers (`app.processes.fanout`).
    `files`: which plans get their files built here once saved, before the job's status is
    final; `finished` is called as soon as it is (a waiting request answers then)."""
    stop = stop or threading.Event()
    job_kind = jobs.claim(engine, job_id)
    if job_kind is None:  # cancelled while queued, or another worker has it
        return job_status(engine, job_id)
    try:
        _supervise(
            engine,
            job_id,
            job_kind,
            hard_limit_s,
            processes,
            stop,
            fanout.for_job(job_id, hard_limit_s) if fanout else None,
            files,
            finished,
        )
    except Exception as exc:
        if is_disk_full(exc):
            # the failed write was rolled back (and SQLite's log cut back): the one-row update
            # of the job's end usually fits; if not, the reaper ends the job later
            log.error("job %s failed: the disk is full: %s", job_id, exc)
            error = jobs.DISK_FULL
        else:
            correlation_id = str(uuid.uuid4())
            log.exception("job %s failed, correlation_id=%s", job_id, correlation_id)
            error = f"an unexpected error on our side (correlation id {correlation_id})"
        jobs.finish(engine, job_id, JobStatus.failed, JobStatus.failed.value, error)
    finally:
        if finished is not None:
            finished()
    return job_status(engine, job_id)


def _fail(engine: Engine, job_id: int, error: str) -> None:
    retried(
        "storing its failure",
        job_id,
        lambda: jobs.finish(engine, job_id, JobStatus.failed, JobStatus.failed.value, error),
    )


def _beat(engine: Engine, job_id: int, progress: Progress) -> bool:
    """The heartbeat; True also when the database does not answer this once (the solve goes on
    and the next beat tries again: a reaper fails the job only after its heartbeat timeout)."""
    try:
        return jobs.beat(engine, job_id, progress.share, progress.phase)
    except (OperationalError, InterfaceError) as exc:
        log.warning("job %s: its heartbeat was not written (%s)", job_id, str(exc).strip().splitlines()[0])
        return True


def _supervise(
    engine: Engine,
    job_id: int,
    job_kind: JobKind,
    hard_limit_s: float,
    processes: SolverProcesses,
    stop: threading.Event,
    fanout: FanOut | None,
    files: PlanFiles | None,
    finished: Callable[[], None] | None,
) -> None:
    target: Callable[..., None]
    args: tuple[Any, ...]
    kwargs: dict[str, Any] = {}
    if job_kind == JobKind.letters:
        plan_json, request_json = retried(
            "reading its input", job_id, lambda: letters_job.prepare(engine, job_id)
        )
        target, args = letters_process.letters_in_process, (plan_json, request_json)
        time_limit_s = LETTERS_HARD_LIMIT_S
        clock = HardLimit(hard_limit_s, time_limit_s, solving_from_start=True)
    elif job_kind == JobKind.sweep:
        problem_json, options_json, task_json = retried(
            "reading its input", job_id, lambda: storage.prepare_sweep(engine, job_id)
        )
        target, args = worker.sweep_in_process, (problem_json, options_json, task_json)
        # the time limit bounds each of the curve's solves; the clock runs over all of them
        points = len(json.loads(task_json)["values"])
        time_limit_s = float(json.loads(options_json)["time_limit_s"]) * max(1, points)
        clock = HardLimit(hard_limit_s, time_limit_s, solving_from_start=True)
    else:
        problem_json, options_json = retried(
            "reading its input", job_id, lambda: storage.prepare(engine, job_id)
        )
        target, args = worker.solve_in_process, (problem_json, options_json)
        if fanout is not None:
            kwargs["fanout"] = fanout
        time_limit_s = float(json.loads(options_json)["time_limit_s"])
        clock = HardLimit(hard_limit_s, time_limit_s)
    child = processes.take()
    process, parent_end = child.process, child.conn
    # the job's task: the solver process runs target(*args, its pipe, its limits, **kwargs)
    parent_end.send((target, args, kwargs))
    progress = Progress()
    started = time.monotonic()
    clock.start(started)
    last_beat = -BEAT_S
    message: tuple[str, Any] | None = None  # the plan as bytes, the rest as JSON text
    try:
        while message is None:
            if parent_end.poll(POLL_S):
                try:
                    kind, payload = parent_end.recv()
                except EOFError:  # the process died without a word (killed, out of memory)
                    process.join(1)
                    _fail(
                        engine,
                        job_id,
                        f"the solver process ended without a plan (exit code {process.exitcode})",
                    )
                    return
                if kind == "progress":
                    progress.from_event(payload, time.monotonic() - started, time_limit_s)
                    if progress.solving:
                        clock.solving(time.monotonic())
                    continue
                if kind == "letters_file":  # a letters job's zip of one kabupaten, stored as it comes
                    letters_job.store_file(engine, job_id, payload)
                    continue
                message = (kind, payload)
                break
            elapsed = time.monotonic() - started
            if stop.is_set():
                _fail(engine, job_id, jobs.INTERRUPTED)  # a no-op after a cancel
                return
            overrun = clock.overrun(time.monotonic())
            if overrun is not None:
                _fail(engine, job_id, overrun)
                return
            if not process.is_alive() and not parent_end.poll():
                _fail(
                    engine, job_id, f"the solver process ended without a plan (exit code {process.exitcode})"
                )
                return
            if elapsed - last_beat >= BEAT_S:
                last_beat = elapsed
                progress.by_clock(elapsed, time_limit_s)
                if not _beat(engine, job_id, progress):
                    return  # cancelled, or failed by a reaper: the finally stops the solve
    finally:
        if message is None:
            if process.is_alive():
                process.terminate()
            _end(child)
            processes.refill()
        if fanout is not None:  # whatever the end, the job's block tasks stop
            from app.processes import fanout as fan

            fan.cleanup(fanout)
    try:
        if message[0] == "plan":
            _plan(engine, job_id, message[1], child, files, stop)
        else:
            _handle(engine, job_id, message, stop)
        if finished is not None:
            finished()
        processes.refill()  # after the answer: the fork and its warm-up take no core from it
    finally:
        _end(child)


def _plan(
    engine: Engine, job_id: int, payload: bytes, child: Child, files: PlanFiles | None, stop: threading.Event
) -> None:
    """The plan its solver process answered, stored; a large plan's files with it, before its
    job's status is final (`PlanFiles`), so that no first download waits for them."""
    if stop.is_set():
        _fail(engine, job_id, jobs.INTERRUPTED)  # a no-op after a cancel
        return
    # nothing is written when the job is no longer running (a cancel, a reaper)
    plan, villages = plan_parts(payload)
    if files is None or len(villages) < files.min_villages:
        retried("storing its plan", job_id, lambda: storage.store_result(engine, job_id, plan, villages))
        return
    plan_id = retried("storing its plan", job_id, lambda: storage.store_plan(engine, job_id, plan, villages))
    if plan_id is None:
        return
    _store_files(engine, job_id, plan_id, child, files.time_limit_s, stop)
    if stop.is_set():  # a shutdown while the files were written: the job ends as interrupted
        _fail(engine, job_id, jobs.INTERRUPTED)
    retried("ending its job", job_id, lambda: storage.finish_plan(engine, job_id, plan_id, plan))


def _handle(engine: Engine, job_id: int, message: tuple[str, Any], stop: threading.Event) -> None:
    """The job's end as its solver process answered, but for a plan (`_plan`)."""
    kind, payload = message
    if kind == "letters":
        if stop.is_set():
            _fail(engine, job_id, jobs.INTERRUPTED)
            return
        letters_job.finish(engine, job_id, payload)
        return
    if kind == "curve":
        if stop.is_set():
            _fail(engine, job_id, jobs.INTERRUPTED)  # a no-op after a cancel
            return
        curve = Curve.model_validate_json(payload)
        retried("storing its curve", job_id, lambda: storage.store_curve(engine, job_id, curve))
    elif kind == "input_error":
        data = json.loads(payload)
        error = InputError([InputIssue(**i) for i in data["issues"]], title=data["title"])
        retried(
            "storing its input error",
            job_id,
            lambda: jobs.finish(
                engine, job_id, JobStatus.failed, JobStatus.failed.value, error.describe(), input_error=data
            ),
        )
    else:
        correlation_id = str(uuid.uuid4())
        log.error("job %s: the solver raised, correlation_id=%s\n%s", job_id, correlation_id, payload)
        _fail(
            engine, job_id, f"the solver stopped with an unexpected error (correlation id {correlation_id})"
        )


def _store_files(
    engine: Engine, job_id: int, plan_id: int, child: Child, time_limit_s: float, stop: threading.Event
) -> None:
    """The plan's targets files (`plans.FILES_WITH_THE_PLAN`), built by the solver process that
    holds the plan and stored one by one as they come, the job's heartbeat written meanwhile.
    Whatever is not stored in `time_limit_s` (or by a stop, a cancel) is built on its first
    download instead."""
    with Session(engine) as session:
        orders = plans.file_orders(session, plan_id)
    if not orders:
        return
    child.conn.send(orders)
    progress = Progress(share=0.95, phase=f"writing the files of plan {plan_id}: 0 of {len(orders)}")
    started = time.monotonic()
    deadline, last_beat, stored = started + time_limit_s, started, 0
    while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
        if time.monotonic() - last_beat >= BEAT_S:
            last_beat = time.monotonic()
            if not _beat(engine, job_id, progress):
                return  # cancelled, or failed by a reaper: the plan goes (`storage.finish_plan`)
        if not child.conn.poll(min(POLL_S, left)):
            if not child.process.is_alive() and not child.conn.poll():
                log.warning("plan %s: its solver process ended before its files were built", plan_id)
                return
            continue
        try:
            kind, payload = child.conn.recv()
        except EOFError:
            log.warning("plan %s: its solver process ended before its files were built", plan_id)
            return
        if kind == "files":
            log.info("plan %s: %d files written in %.1f s", plan_id, stored, time.monotonic() - started)
            return
        if kind != "file":
            log.error("plan %s: building its files failed in its solver process:\n%s", plan_id, payload)
            return
        variant, content = payload
        order = next(o for o in orders if o.variant == variant)
        try:
            with Session(engine) as session:
                plans.store_file(session, plan_id, order, content)
        except OperationalError as exc:
            if not is_disk_full(exc):
                raise
            log.error("plan %s: its files were not stored, the disk is full; built on download", plan_id)
            return
        stored += 1
        progress.phase = f"writing the files of plan {plan_id}: {stored} of {len(orders)}"
    if not stop.is_set():
        log.warning(
            "plan %s: its files took longer than %.0f s; the rest are built on their first download",
            plan_id,
            time_limit_s,
        )
