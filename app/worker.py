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

ORPHAN_CHECK_S = 1.0


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
        plan = solver.solve(problem, options)
        conn.send(("plan", plan.model_dump_json()))
    except InputError as exc:
        issues = [issue.model_dump() for issue in exc.issues]
        conn.send(("input_error", json.dumps({"title": exc.title, "issues": issues})))
    except Exception:
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()
