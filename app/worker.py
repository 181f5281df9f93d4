"""What runs inside a solver process: JSON in, `solver.solve`, JSON out through a pipe.

Imported by the forkserver before any job, so each new process starts with PuLP and the solver
already loaded. It touches no database: its supervisor (`app.execute`) saves the plan. Messages
are (kind, JSON text): "plan", "input_error", "error", and "progress" ({"progress": 0..1,
"phase": "..."}), which the supervisor writes to the job's row as it comes."""

from __future__ import annotations

import json
import os
import threading
import time
import traceback
from multiprocessing.connection import Connection

import solver
from models import InputError, Problem, SolveOptions
from solver.context import Progress, RunContext

ORPHAN_CHECK_S = 1.0
PROGRESS_EVERY_S = 0.5  # at most this often, but every change of phase and every end of one


class ProgressSender:
    """The solver's progress events, as ("progress", {"progress": 0..1, "phase": words}) messages
    on the pipe: from the same events as the command line's progress bar, not from the clock."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.last_sent = 0.0
        self.phase = ""

    def __call__(self, event: Progress) -> None:
        now = time.monotonic()
        finished = bool(event.total) and event.done >= event.total
        if event.phase == self.phase and not finished and now - self.last_sent < PROGRESS_EVERY_S:
            return
        self.phase, self.last_sent = event.phase, now
        share, words = describe(event)
        self.conn.send(("progress", json.dumps({"progress": share, "phase": words})))


def describe(event: Progress) -> tuple[float, str]:
    """How far the solve is (0..1) and what it is doing, in words."""
    part = event.share or 0.0
    if event.phase == "blocks":
        return 0.05 + 0.9 * part, f"blocks solved: {event.done} of {event.total}"
    if event.phase == "price" and event.detail == "building the parts":
        return 0.05 + 0.45 * part, f"the pool's price: {event.done} of {event.total} parts built"
    if event.phase == "price":
        return min(0.8, 0.5 + 0.03 * event.done), f"the pool's price: iteration {event.done}"
    if event.phase == "preference":
        return 0.8 + 0.15 * part, f"settling ties: {event.done} of {event.total} parts"
    if event.phase == "check":
        return 0.97, "checking the plan against every constraint"
    return 0.02, "preparing the table"


def _exit_when_orphaned(parent_pid: int) -> None:
    """A supervisor killed outright (a worker's SIGKILL) cannot stop its solve: the solve stops
    itself rather than burn a core for nobody."""
    while True:
        time.sleep(ORPHAN_CHECK_S)
        if os.getppid() != parent_pid:
            os._exit(1)


def solve_in_process(problem_json: str, options_json: str, conn: Connection) -> None:
    threading.Thread(target=_exit_when_orphaned, args=(os.getppid(),), daemon=True).start()
    try:
        problem = Problem.model_validate_json(problem_json)
        options = SolveOptions.model_validate_json(options_json)
        plan = solver.solve(problem, run=RunContext(options, listener=ProgressSender(conn)))
        conn.send(("plan", plan.model_dump_json()))
    except InputError as exc:
        issues = [issue.model_dump() for issue in exc.issues]
        conn.send(("input_error", json.dumps({"title": exc.title, "issues": issues})))
    except Exception:
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()
