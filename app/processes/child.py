"""What runs inside a solver process: JSON in, `solver.solve`, the plan out through a pipe.

Imported by the forkserver before any job, so each new process starts with PuLP and the solver
already loaded; a runner forks its next solver process before the job comes (`serve_one`). It
touches no database: its supervisor (`app.jobs.run`) saves the plan. Messages are (kind, payload):
"plan" (the plan in `app.processes.handover`'s binary columnar form), and as JSON
text "input_error", "error", and "progress" ({"progress": 0..1,
"phase": "...", and "solving": true once the solver's clock has started}), sent from the
solver's own progress events, which the supervisor writes to the
job's row as they come. Once the plan is saved, the supervisor may order the plan's files
(`app.processes.filework.FileOrder`): each comes back as ("file", (variant, bytes)), built from the plan this
process still holds, then ("files", None).

A solver process is bounded and never outlives the service:
- its address space is capped (`setrlimit(RLIMIT_AS)`, the service's `solver_memory_bytes`), so a
  huge table fails this one job with a message instead of swapping the machine;
- it ends itself within about a second of the service's death (`kill -9` included): on Linux
  the kernel sends it SIGKILL when its parent goes (`PR_SET_PDEATHSIG`), and on every system a
  watchdog thread exits when its parent changes or the service's process is gone.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import resource
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

import solver
from app.processes.handover import plan_to_bytes
from models import InputError, InputIssue, Lever, Plan, Problem, SolveOptions
from solver import Progress, RunContext, sweep

if TYPE_CHECKING:
    from app.processes.fanout import FanOut
    from app.processes.filework import FileOrder

WATCH_EVERY_S = 0.25
EXIT_ORPHANED = 70  # the service went away: nobody will read this solve
_PR_SET_PDEATHSIG = 1
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
        message: dict[str, object] = {"progress": share, "phase": words}
        if event.phase == "solve":  # the solver's clock started: the supervisor's hard limit too
            message["solving"] = True
        self.conn.send(("progress", json.dumps(message)))


def describe(event: Progress) -> tuple[float, str]:
    """How far the solve is (0..1) and what it is doing, in words."""
    part = event.share or 0.0
    if event.phase == "solve":
        return 0.05, "solving"
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


@dataclass(frozen=True)
class ChildLimits:
    """What the service tells each solver process about its bounds."""

    memory_bytes: int = 0  # 0: no cap
    service_pid: int | None = None  # the process whose death ends this one


def _service_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _watch(parent_pid: int, service_pid: int | None) -> None:
    while True:
        time.sleep(WATCH_EVERY_S)
        if os.getppid() != parent_pid or (service_pid is not None and not _service_alive(service_pid)):
            os._exit(EXIT_ORPHANED)  # no cleanup to do: the parent saves, and it is gone


def _die_with_parent() -> None:
    """Linux: the kernel kills this process when the one that forked it ends."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


_applied: ChildLimits | None = None  # the limits this process already runs under


def apply_limits(limits: ChildLimits) -> None:
    """Bound this process: memory, and its life to the service's (once: a process started ahead
    of its job is bounded from its start)."""
    global _applied
    if _applied == limits:
        return
    _applied = limits
    parent_pid = os.getppid()
    _die_with_parent()
    threading.Thread(
        target=_watch, args=(parent_pid, limits.service_pid), name="parent-watch", daemon=True
    ).start()
    if limits.service_pid is not None and not _service_alive(limits.service_pid):
        os._exit(EXIT_ORPHANED)  # died before the watch began
    if limits.memory_bytes > 0:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = limits.memory_bytes if hard == resource.RLIM_INFINITY else min(limits.memory_bytes, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _memory_error(limits: ChildLimits) -> str:
    issue = InputIssue(
        message=(
            f"the solve needs more memory than a solver process may use "
            f"({limits.memory_bytes / 1024**3:.1f} GiB, DESAPLAN_SOLVER_MEMORY_BYTES): "
            "split the table (e.g. by kabupaten) or raise the limit"
        )
    )
    return json.dumps({"title": "The table is too large to solve here", "issues": [issue.model_dump()]})


@contextlib.contextmanager
def _answering(conn: Connection, limits: ChildLimits) -> Iterator[None]:
    """A job's child process: within its limits, and whatever ends it told through the pipe
    (an input error, memory, or a traceback), then the pipe closed."""
    try:
        apply_limits(limits)
        yield
    except InputError as exc:
        issues = [issue.model_dump() for issue in exc.issues]
        conn.send(("input_error", json.dumps({"title": exc.title, "issues": issues})))
    except MemoryError:
        conn.send(("input_error", _memory_error(limits)))
    except Exception:
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


def serve_one(conn: Connection, limits: ChildLimits, spare: bool = False) -> None:
    """A solver process forked before its job (`app.jobs.run.SolverProcesses`): bounded from its
    start, it waits for one task, (function, args, kwargs), runs
    `function(*args, conn, limits, **kwargs)` and ends. Its supervisor closing the pipe instead (a
    shutdown) ends it too. A `spare`, forked before any job asked for it, warms up first."""
    try:
        apply_limits(limits)
        if spare:
            warm_up()
        target, args, kwargs = conn.recv()
    except (EOFError, OSError):
        conn.close()
        return
    target(*args, conn, limits, **kwargs)


# two villages, two groups, two packages, a pool, a floor: what a solve touches the first time
_WARM_UP = json.dumps(
    {
        "table": {
            "groups": ["farmers", "fishers"],
            "villages": [
                {
                    "village_code": f"32.16.01.200{i}",
                    "village_name": f"Desa {i}",
                    "kecamatan": "K",
                    "dana_desa_idr": 1e9,
                    "add_idr": 4e8,
                    "uninsured": {"farmers": 40 + i, "fishers": 9},
                    "enrolled": {"farmers": 3},
                    "priority": 1.0 + i,
                }
                for i in (1, 2)
            ],
        },
        "scenario": {
            "packages": [
                {"code": "A", "monthly_premium_idr": 16800},
                {"code": "B", "monthly_premium_idr": 36800, "value": 1.3},
            ],
            "budget": {"dana_desa_share": 0.03, "apbd_pool_idr": 1e7},
            "targets": {"min_coverage": 0.2},
        },
    }
)


def warm_up() -> None:
    """One tiny solve while the process waits for its job: a fresh process's first solve costs
    tens of milliseconds more than the next (schemas built, first calls of PuLP and HiGHS), and
    a job should not wait for that."""
    with contextlib.suppress(Exception):
        solver.solve(
            Problem.model_validate_json(_WARM_UP), SolveOptions(time_limit_s=10, workers=1, threads=1)
        )


def solve_in_process(
    problem_json: str,
    options_json: str,
    conn: Connection,
    limits: ChildLimits | None = None,
    fanout: FanOut | None = None,
) -> None:
    """The job's solve; with `fanout` (the Redis queue), its blocks may go to other workers.
    After the plan, the files its supervisor orders (`build_files`)."""
    limits = limits or ChildLimits()
    with _answering(conn, limits):
        problem = Problem.model_validate_json(problem_json)
        options = SolveOptions.model_validate_json(options_json)
        run = RunContext(options, listener=ProgressSender(conn))
        if fanout is None:
            plan = solver.solve(problem, run=run)
        else:
            from app.processes import fanout as fan

            plan = fan.solve(problem, run, fanout)
        conn.send(("plan", plan_to_bytes(plan)))
        build_files(conn, plan)


def build_files(conn: Connection, plan: Plan) -> None:
    """The plan's files its supervisor orders once the plan is saved: a list of
    `app.processes.filework.FileOrder`, or None (or a closed pipe) for none. Built here, from the plan this
    process already holds, rather than loaded again from the database on a first download."""
    try:
        orders: list[FileOrder] | None = conn.recv()
    except (EOFError, OSError):
        return
    from scenarios.shared_frames import plan_files  # pandas only once files are built

    with plan_files(plan):  # the tables every file is written from, built once
        for order in orders or []:
            conn.send(("file", (order.variant, order.build(plan, *order.args))))
    conn.send(("files", None))


def sweep_in_process(
    problem_json: str,
    options_json: str,
    task_json: str,
    conn: Connection,
    limits: ChildLimits | None = None,
) -> None:
    """A sweep job's curve (`solver.curves.sweep`): ("curve", JSON) through the pipe."""
    limits = limits or ChildLimits()
    with _answering(conn, limits):
        problem = Problem.model_validate_json(problem_json)
        options = SolveOptions.model_validate_json(options_json)
        task = json.loads(task_json)
        curve = sweep(
            problem,
            Lever.model_validate(task["lever"]),
            task["values"],
            options,
            breakpoints=task["breakpoints"],
        )
        conn.send(("curve", curve.model_dump_json()))


def solve_blocks_in_process(payload: bytes, conn: Connection, limits: ChildLimits | None = None) -> None:
    """A block task of a fanned-out solve (`app.processes.fanout`): ("blocks", [BlockResult, ...]) or
    ("error", traceback) through the pipe."""
    limits = limits or ChildLimits()
    try:
        apply_limits(limits)
        from app.processes.fanout import solve_task_payload

        solve_task_payload(payload, conn)
    except MemoryError:
        conn.send(("error", "the block task needs more memory than a solver process may use"))
    except Exception:
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


def run_bounded(fn: Callable[..., Any], args: tuple[Any, ...], conn: Connection, service_pid: int) -> None:
    """A bounded process (`app.processes.bounded`): `fn(*args)` through the pipe, as ("ok", result),
    ("input_error", (class, title, issues)) or ("error", traceback)."""
    try:
        apply_limits(ChildLimits(service_pid=service_pid))
        conn.send(("ok", fn(*args)))
    except InputError as exc:
        issues = [issue.model_dump() for issue in exc.issues]
        conn.send(("input_error", (type(exc), exc.title, issues)))
    except Exception:
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()
