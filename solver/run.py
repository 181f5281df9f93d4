"""One HiGHS run with explicit options, and the one place HiGHS's status maps to ours."""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING

import highspy
import numpy as np

from models import Status
from solver.context import RunContext
from solver.model import BuiltModel

if TYPE_CHECKING:
    import pulp


class _S(IntEnum):
    """Why HiGHS stopped, in PuLP's words: `pulp.LpSolveStatus`, its names and values (PuLP itself
    loads only where a model goes through it: `solver.model.to_problem`)."""

    NotSolved = 0
    Optimal = 1
    Infeasible = -1
    Unbounded = -2
    Undefined = -3
    TimeLimit = -4
    MemoryLimit = -5
    NodeLimit = -6
    GapLimit = -7
    IterationLimit = -8
    SolutionLimit = -9
    Interrupted = -10
    Stopped = -11
    NumericalError = -12


@dataclass
class RunResult:
    status: Status
    has_solution: bool
    seconds: float
    detail: str  # why HiGHS stopped, in PuLP's words (`pulp.LpSolveStatus` names)


def to_status(stats: pulp.LpSolveStats) -> tuple[Status, bool]:
    """Map PuLP 4's stats to our status, and say whether a usable solution came back."""
    return _our_status(_S(int(stats.status)), bool(stats.has_solution))


def _our_status(status: _S, has_solution: bool) -> tuple[Status, bool]:
    """Every variable of our model is bounded (x <= U, z <= pool through its row), so HiGHS's
    "unbounded or infeasible" can only mean infeasible."""
    if status == _S.Optimal:
        return Status.optimal, True
    if status in (_S.Infeasible, _S.Undefined):
        return Status.infeasible, False
    if status in (
        _S.TimeLimit,
        _S.IterationLimit,
        _S.NodeLimit,
        _S.GapLimit,
        _S.SolutionLimit,
        _S.Interrupted,
        _S.Stopped,
    ):
        return Status.time_limit, has_solution
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


def pass_model(highs: highspy.Highs, m: BuiltModel, mip: bool) -> None:
    """Hand HiGHS the model as the arrays `solver.model` recorded: the columns (x, then z) in one
    call, the rows in another. Column j and row i are those of `solver.model.to_problem`; tests
    check that both give the same optimum."""
    n_cols = m.n_x + m.n_z
    empty = np.zeros(0, dtype=np.int32)
    highs.addCols(n_cols, m.col_cost, np.zeros(n_cols), m.col_upper, 0, empty, empty, np.zeros(0))
    if m.integer and mip and m.n_x:
        highs.changeColsIntegrality(
            m.n_x, np.arange(m.n_x, dtype=np.int32), np.full(m.n_x, highspy.HighsVarType.kInteger)
        )
    if m.maximize:
        highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
    if m.rows:
        offsets = np.cumsum([0] + [len(ids) for _, ids, _, _, _ in m.rows])
        starts = np.concatenate(
            [starts[:-1] + offset for (starts, *_), offset in zip(m.rows, offsets[:-1], strict=True)]
        )
        indices = np.concatenate([ids for _, ids, _, _, _ in m.rows]).astype(np.int32)
        values = np.concatenate([coefs for _, _, coefs, _, _ in m.rows])
        lower = np.concatenate([low for *_, low, _ in m.rows])
        upper = np.concatenate([up for *_, up in m.rows])
        highs.addRows(len(lower), lower, upper, len(indices), starts.astype(np.int32), indices, values)


_H = highspy.HighsModelStatus
_PULP_STATUS = {
    _H.kOptimal: _S.Optimal,
    _H.kInfeasible: _S.Infeasible,
    _H.kUnboundedOrInfeasible: _S.Undefined,
    _H.kUnbounded: _S.Unbounded,
    _H.kObjectiveBound: _S.GapLimit,
    _H.kObjectiveTarget: _S.GapLimit,
    _H.kInterrupt: _S.Interrupted,
    _H.kTimeLimit: _S.TimeLimit,
    _H.kIterationLimit: _S.IterationLimit,
    _H.kSolutionLimit: _S.SolutionLimit,
    _H.kMemoryLimit: _S.MemoryLimit,
    _H.kNotset: _S.NotSolved,
    _H.kModelEmpty: _S.NotSolved,
}
_STOPPED_EARLY = (
    _H.kObjectiveBound,
    _H.kObjectiveTarget,
    _H.kInterrupt,
    _H.kTimeLimit,
    _H.kIterationLimit,
    _H.kSolutionLimit,
    _H.kMemoryLimit,
)


def run_highs(
    model: BuiltModel,
    time_limit_s: float,
    gap_rel: float | None = None,
    threads: int | None = None,
    mip: bool = True,
    presolve: bool = True,
) -> RunResult:
    """Solve the model with HiGHS (highspy), quietly, under a time limit; the HiGHS instance is
    left in `model.highs`, where `solver.solution` reads the solution as arrays."""
    _silence_banner()
    start = time.perf_counter()
    highs = highspy.Highs()
    highs.setOptionValue("log_to_console", False)
    if gap_rel is not None:
        highs.setOptionValue("mip_rel_gap", gap_rel)
    if threads is not None:
        highs.setOptionValue("threads", threads)
    highs.setOptionValue("time_limit", float(max(time_limit_s, 0.01)))
    if not mip:
        # primal simplex: on these blocks (a few thousand columns, money in millions) 15-20% faster
        # than HiGHS's default dual simplex; branch and bound keeps HiGHS's own choice
        highs.setOptionValue("simplex_strategy", 4)
    if not presolve:
        highs.setOptionValue("presolve", "off")
    pass_model(highs, model, mip)
    highs.run()
    model.highs = highs
    found = highs.getModelStatus()
    has_solution = found == _H.kOptimal or (
        found in _STOPPED_EARLY and math.isfinite(highs.getObjectiveValue())
    )
    pulp_status = _PULP_STATUS.get(found, _S.Undefined)
    status, has_solution = _our_status(pulp_status, has_solution)
    return RunResult(
        status=status, has_solution=has_solution, seconds=time.perf_counter() - start, detail=pulp_status.name
    )


PASS_SLACK = 1e-8  # a later pass may cost an earlier one this much (relative), for numerics


def held_passes(
    highs: highspy.Highs, built: BuiltModel, col: np.ndarray, passes: list[np.ndarray], run: RunContext
) -> tuple[np.ndarray, bool]:
    """Re-solve HiGHS's model once per cost vector of `passes` (each minimised), every pass holding
    the objective before it to within PASS_SLACK by a row, from HiGHS's basis: the order of
    preference among optimal plans (least pool money, then fewest rupiah), within `run`'s time.
    Returns the last solution and whether every pass ended optimal (when one did not, or the time
    was up, the solution of the pass before it)."""
    n = len(col)
    idx = np.arange(n, dtype=np.int32)
    held, maximize = built.col_cost, built.maximize
    for cost in passes:
        if run.expired():
            return col, False
        value = float(col @ held)
        slack = PASS_SLACK * max(1.0, abs(value))
        lower, upper = (value - slack, np.inf) if maximize else (-np.inf, value + slack)
        highs.addRow(lower, upper, n, idx, held)
        highs.changeObjectiveSense(highspy.ObjSense.kMinimize)
        highs.changeColsCost(n, idx, cost)
        highs.setOptionValue("time_limit", max(run.remaining_s(), 0.01))
        highs.run()
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return col, False
        col = np.maximum(np.asarray(highs.getSolution().col_value), 0.0)
        held, maximize = cost, False
    return col, True
