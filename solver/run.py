"""One HiGHS run with explicit options, and the one place PuLP's stats map to our status."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import highspy
import pulp

from models import Status

_S = pulp.LpSolveStatus


@dataclass
class RunResult:
    status: Status
    has_solution: bool
    seconds: float
    detail: str  # PuLP's own word for why HiGHS stopped


def to_status(stats: pulp.LpSolveStats) -> tuple[Status, bool]:
    """Map PuLP 4's stats to our status, and say whether a usable solution came back.

    Every variable of our model is bounded (x <= U, z <= pool through its row), so HiGHS's
    "unbounded or infeasible" can only mean infeasible.
    """
    if stats.status == _S.Optimal:
        return Status.optimal, True
    if stats.status in (_S.Infeasible, _S.Undefined):
        return Status.infeasible, False
    if stats.status in (_S.TimeLimit, _S.IterationLimit, _S.NodeLimit, _S.GapLimit,
                        _S.SolutionLimit, _S.Interrupted, _S.Stopped):
        return Status.time_limit, bool(stats.has_solution)
    return Status.error, False


_BANNER_SHOWN = False


def _silence_banner() -> None:
    """HiGHS prints a copyright banner on stdout when a process makes its first solver, whatever
    the log options; make that first solver with stdout pointed at /dev/null, once."""
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        return
    _BANNER_SHOWN = True
    try:
        saved = os.dup(1)
    except OSError:
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def run_highs(prob: pulp.LpProblem, time_limit_s: float, gap_rel: float | None = None,
              threads: int | None = None, mip: bool = True) -> RunResult:
    """Solve `prob` with HiGHS (highspy), quietly, under a time limit."""
    _silence_banner()
    solver = pulp.HiGHS(msg=False, mip=mip, timeLimit=max(time_limit_s, 0.01), gapRel=gap_rel,
                        threads=threads)
    start = time.perf_counter()
    stats = prob.solve(solver)
    status, has_solution = to_status(stats)
    return RunResult(status=status, has_solution=has_solution,
                     seconds=time.perf_counter() - start, detail=stats.status_str)
