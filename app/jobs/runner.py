"""The job runner this process hands its queue backend: `run_job` with its solver processes.

`app.main` builds one for the embedded runner (`app.queue.embedded`), which calls it on a thread
per job; `desaplan worker` (`app.jobs.worker`) holds the same pieces for the Redis queue.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from sqlalchemy import Engine

from app.jobs.run import PlanFiles, run_job
from app.processes.child import ChildLimits
from app.processes.pool import SolverProcesses, solver_context
from app.settings import Settings


def plan_files(settings: Settings) -> PlanFiles:
    """Which plans' files their job builds (`app.jobs.run`), within the export time limit."""
    return PlanFiles(
        min_villages=settings.plan_files_min_villages, time_limit_s=settings.export_time_limit_s or 86_400.0
    )


def solver_processes(settings: Settings) -> SolverProcesses:
    """This process's solver processes: each capped in memory, and ended with this process."""
    return SolverProcesses(solver_context(), ChildLimits(settings.solver_memory_bytes, os.getpid()))


class LocalJobs:
    """Run one job to its end in this process (`JobRunner` of `app.queue.interface`)."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self._engine = engine
        self._processes = solver_processes(settings)
        self._files = plan_files(settings)

    def run(
        self, job_id: int, hard_limit_s: float, stop: threading.Event, finished: Callable[[], None]
    ) -> None:
        run_job(
            self._engine, job_id, hard_limit_s, self._processes, stop, files=self._files, finished=finished
        )

    def close(self) -> None:
        self._processes.close()
