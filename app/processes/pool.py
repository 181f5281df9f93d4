"""The solver processes of a runner: one fresh, bounded process per job, forked before it comes.

Forked from a forkserver that has already imported the solver (`solver_context`), each process
runs `app.processes.child.serve_one`: bounded from its start (memory, and its life tied to the
service's), it waits for its one task and ends with it.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from dataclasses import dataclass
from multiprocessing import forkserver
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from typing import Any

from app.processes import child as worker

log = logging.getLogger("desaplan.jobs")


@dataclass
class Child:
    process: Any  # multiprocessing's Process of the context
    conn: Connection


class SolverProcesses:
    """A runner's solver processes: one fresh process per job, the next one forked (from the
    forkserver, the solver already imported) and bounded before its job comes, so that a job
    neither waits for a fork nor shares a process with another job."""

    def __init__(self, context: BaseContext, limits: worker.ChildLimits) -> None:
        self.context = context
        self.limits = limits
        self._lock = threading.Lock()
        self._spare: Child | None = None
        self._closed = False

    def _fork(self, spare: bool = False) -> Child:
        parent_end, child_end = self.context.Pipe(duplex=True)
        process = self.context.Process(  # type: ignore[attr-defined]
            target=worker.serve_one,
            args=(child_end, self.limits, spare),
            name="desaplan-solve",
            daemon=True,
        )
        process.start()
        child_end.close()
        return Child(process, parent_end)

    def _refill(self) -> None:
        try:
            child = self._fork(spare=True)
        except Exception:  # the next job forks its own
            log.exception("could not fork a spare solver process")
            return
        with self._lock:
            kept = self._spare is None and not self._closed
            if kept:
                self._spare = child
        if not kept:  # another spare came first, or the runner has shut down
            end(child)

    def warm(self) -> None:
        """Fork the spare now and wait for the fork: the first fork waits for the forkserver to
        have imported the solver, which under load takes seconds. A `desaplan worker` calls this
        before it takes a job, whose supervisor writes no heartbeat until its solve runs."""
        self._refill()

    def take(self) -> Child:
        """A fresh solver process for one job: the spare, else one forked now."""
        with self._lock:
            child, self._spare = self._spare, None
        if child is not None and not child.process.is_alive():
            end(child)
            child = None
        return child if child is not None else self._fork()

    def refill(self) -> None:
        """Fork the next job's process, in the background: called once a job's plan is saved (or
        its solve has failed), so that the fork and its warm-up take no core from the solve and
        the answer."""
        with self._lock:
            wanted = self._spare is None and not self._closed
        if wanted:
            threading.Thread(target=self._refill, name="solver-spare", daemon=True).start()

    def close(self) -> None:
        with self._lock:
            child, self._spare, self._closed = self._spare, None, True
        if child is not None:
            end(child)


def end(child: Child) -> None:
    """Close the pipe (a waiting process ends on it), then make sure the process is gone."""
    child.conn.close()
    child.process.join(1)
    if child.process.is_alive():
        child.process.kill()
        child.process.join(5)


def solver_context() -> BaseContext:
    """Forkserver: a fork of a server that has already imported the solver, so a solve's process
    starts in milliseconds, not seconds. Spawn where there is no forkserver."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # app.cli too: a child re-imports the main module (the `desaplan` script, which imports
        # app.cli, scenarios and pandas); already loaded in the server, that costs nothing.
        # app.processes.filework: the readers and writers of the bounded processes (app.processes.bounded)
        context.set_forkserver_preload(
            ["app.processes.child", "app.cli", "app.processes.filework", "app.processes.warm"]
        )
        # start the server now, so the first solve does not wait for it to import the solver
        forkserver.ensure_running()
        return context
    return multiprocessing.get_context("spawn")
