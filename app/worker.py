"""What runs inside a solver process: JSON in, `solver.solve`, JSON out through a pipe.

Imported by the forkserver before any job, so each new process starts with PuLP and the solver
already loaded. It touches no database: the parent saves the plan."""

from __future__ import annotations

import json
import traceback
from multiprocessing.connection import Connection

import solver
from models import InputError, Problem, SolveOptions


def solve_in_process(problem_json: str, options_json: str, conn: Connection) -> None:
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
