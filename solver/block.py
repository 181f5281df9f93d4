"""Solving one block of villages: the LP, the tie-break pass, and whole-number plans.

A block is a set of villages no constraint links to any other village (see `solver.blocks`).
Everything here takes and returns plain arrays so blocks can be solved in other processes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np

from models import IntegerMethod, Method, Objective, SolveOptions, Status
from solver import pool_price
from solver.data import Arrays
from solver.model import BuiltModel, build_model
from solver.rounding import round_and_repair
from solver.run import run_highs

# The tie-break pass may lose at most this much of the optimum (relative) to numerics.
TIE_BREAK_SLACK = 1e-9
# A block linked by one pool and this many villages is solved by pricing the pool (solver.pool_price).
PRICE_MIN_VILLAGES = 20_000
# Reduced costs and duals below this are zero: such columns and rows stay free in the tie-break.
_DUAL_EPS = 1e-9


@dataclass
class BlockResult:
    status: Status
    x: np.ndarray  # (n, G, P) new enrolments of the block's villages
    lp_objective: float | None  # the continuous optimum (a bound for whole-number plans)
    method: Method
    budget_dual: np.ndarray  # (n,) d objective / d rupiah of the village's own cap (LP)
    pool_dual: dict[int, float]  # pool index -> d objective / d rupiah of the pool (LP)
    build_seconds: float
    solve_seconds: float
    message: str = ""


def solve_lp(data: Arrays, options: SolveOptions, deadline: float) -> tuple[np.ndarray, np.ndarray] | None:
    """The continuous optimum of a block: (x, budget duals), or None if HiGHS did not prove one."""
    continuous = data.subset(np.arange(data.n), with_target=data.min_new > 0)
    continuous.integer = False
    result = solve_block(continuous, options.model_copy(update={"tie_break": False}), deadline,
                         decompose=False)
    if result.status != Status.optimal:
        return None
    return result.x, result.budget_dual


def solve_block(data: Arrays, options: SolveOptions, deadline: float,
                decompose: bool = True) -> BlockResult:
    """Solve one block before `deadline` (a time.perf_counter() value)."""
    if decompose and pool_price.applies(data, PRICE_MIN_VILLAGES):
        priced = _solve_priced(data, options, deadline)
        if priced is not None:
            return priced
    n, n_groups, n_packages = data.n, len(data.groups), len(data.packages)
    empty = np.zeros((n, n_groups, n_packages))
    start = time.perf_counter()
    model = build_model(data)
    build_seconds = time.perf_counter() - start
    if not model.x:  # nobody to enrol: the empty plan is the only plan, and floors ask nothing
        return BlockResult(status=Status.optimal, x=empty, lp_objective=0.0,
                           method=Method.lp_rounded if data.integer else Method.lp,
                           budget_dual=np.zeros(n), pool_dual={}, build_seconds=build_seconds,
                           solve_seconds=0.0)

    first = run_highs(model.prob, deadline - time.perf_counter(), threads=options.threads,
                      mip=False)
    solve_seconds = first.seconds
    if not first.has_solution:
        return BlockResult(status=first.status, x=empty, lp_objective=None, method=Method.lp,
                           budget_dual=np.zeros(n), pool_dual={}, build_seconds=build_seconds,
                           solve_seconds=solve_seconds, message=first.detail)

    highs = model.prob.solverModel
    solution = _Solution.read(highs, model)
    lp_objective = float(solution.col_value[: len(model.x)] @ model.objective_coef)
    budget_dual = np.zeros(n)
    pool_dual: dict[int, float] = {}
    if first.status == Status.optimal:
        budget_dual[model.budget_v] = solution.row_dual[model.budget_row_ids]
        pool_dual = dict(zip(model.pool_k.tolist(),
                             solution.row_dual[model.pool_row_ids].tolist(), strict=True))
    x = _to_cube(model, data, solution.col_value)

    status = first.status
    if (options.tie_break and status == Status.optimal
            and data.objective == Objective.max_protection):
        tie_start = time.perf_counter()
        x = _tie_break(highs, model, data, solution, lp_objective, x, deadline)
        solve_seconds += time.perf_counter() - tie_start

    method = Method.lp
    message = ""
    if data.integer:
        x, method, status, message, extra = _whole_numbers(data, x, status, options, deadline)
        build_seconds += extra[0]
        solve_seconds += extra[1]
    return BlockResult(status=status, x=x, lp_objective=lp_objective, method=method,
                       budget_dual=budget_dual, pool_dual=pool_dual, build_seconds=build_seconds,
                       solve_seconds=solve_seconds, message=message)


@dataclass
class _Solution:
    col_value: np.ndarray
    col_dual: np.ndarray
    row_value: np.ndarray
    row_dual: np.ndarray

    @classmethod
    def read(cls, highs: highspy.Highs, model: BuiltModel) -> _Solution:
        """The solution straight from HiGHS's arrays. PuLP hands HiGHS the variables that appear in
        the model in creation order (every x and z does: each sits in its village's budget row), so
        column j is model.x[j], then model.z; rows are in the order they were added."""
        if highs.getNumCol() != len(model.x) + len(model.z):
            raise RuntimeError("HiGHS's columns do not match the model's variables")
        sol = highs.getSolution()
        return cls(col_value=np.asarray(sol.col_value), col_dual=np.asarray(sol.col_dual),
                   row_value=np.asarray(sol.row_value), row_dual=np.asarray(sol.row_dual))


def _to_cube(model: BuiltModel, data: Arrays, col_value: np.ndarray) -> np.ndarray:
    x = np.zeros((data.n, len(data.groups), len(data.packages)))
    x[model.xv, model.xg, model.xp] = np.maximum(col_value[: len(model.x)], 0.0)
    return x


def _tie_break(highs: highspy.Highs, model: BuiltModel, data: Arrays, solution: _Solution,
               optimum: float, x: np.ndarray, deadline: float) -> np.ndarray:
    """Among optimal plans, take one that spends the fewest rupiah.

    By complementary slackness with the optimal duals, a plan is optimal exactly when every column
    with a non-zero reduced cost stays at its bound and every row with a non-zero dual stays tight.
    So we fix those columns and rows in the HiGHS model already solved, change the objective to the
    rupiah spent, and re-solve from the optimal basis. If the objective moved by more than
    TIE_BREAK_SLACK (numerics), or the pass does not finish, the first plan stands.
    """
    n_cols = highs.getNumCol()
    fixed = np.nonzero(np.abs(solution.col_dual) > _DUAL_EPS)[0].astype(np.int32)
    if len(fixed):
        values = solution.col_value[fixed]
        highs.changeColsBounds(len(fixed), fixed, values, values)
    tight = np.nonzero(np.abs(solution.row_dual) > _DUAL_EPS)[0].astype(np.int32)
    if len(tight):
        values = solution.row_value[tight]
        highs.changeRowsBounds(len(tight), tight, values, values)
    cost = np.zeros(n_cols)
    cost[: len(model.x)] = data.cost_idr[model.xp]
    highs.changeColsCost(n_cols, np.arange(n_cols, dtype=np.int32), cost)
    highs.changeObjectiveSense(highspy.ObjSense.kMinimize)
    highs.setOptionValue("time_limit", max(deadline - time.perf_counter(), 0.01))
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return x
    second = np.asarray(highs.getSolution().col_value)
    if second[: len(model.x)] @ model.objective_coef < optimum - TIE_BREAK_SLACK * max(1.0, abs(optimum)):
        return x
    return _to_cube(model, data, second)


def _whole_numbers(data: Arrays, x_lp: np.ndarray, lp_status: Status, options: SolveOptions,
                   deadline: float) -> tuple[np.ndarray, Method, Status, str, tuple[float, float]]:
    """A whole-number plan: the LP rounded and repaired, or HiGHS's MIP (also when repair fails)."""
    if options.integer_method == IntegerMethod.round:
        rounded = round_and_repair(data, x_lp)
        if rounded is not None:
            return rounded, Method.lp_rounded, lp_status, "", (0.0, 0.0)
    start = time.perf_counter()
    model = build_model(data, mip=True)
    build_seconds = time.perf_counter() - start
    result = run_highs(model.prob, deadline - time.perf_counter(), gap_rel=options.gap_rel,
                       threads=options.threads, mip=True)
    if not result.has_solution:
        return (np.zeros_like(x_lp), Method.mip, result.status, result.detail,
                (build_seconds, result.seconds))
    x = np.round(_to_cube(model, data, _Solution.read(model.prob.solverModel, model).col_value))
    return x, Method.mip, result.status, "", (build_seconds, result.seconds)


def _solve_priced(data: Arrays, options: SolveOptions, deadline: float) -> BlockResult | None:
    """The block through the pool's price; whole numbers and the tie-break as for any block."""
    continuous = data.subset(np.arange(data.n), with_target=False)
    continuous.integer = False
    start = time.perf_counter()
    priced = pool_price.solve_priced(continuous, options, deadline)
    if priced is None:
        return None
    x = priced.x
    lp_objective = float((x * data.objective_coef()).sum())
    if options.tie_break:
        x = _tie_break_with_money_fixed(continuous, x, lp_objective, options, deadline)
    seconds = time.perf_counter() - start
    status, method, message = Status.optimal, Method.lp, ""
    if data.integer:
        x, method, status, message, _ = _whole_numbers(data, x, status, options, deadline)
    return BlockResult(status=status, x=x, lp_objective=lp_objective, method=method,
                       budget_dual=priced.budget_dual,
                       pool_dual={int(data.pool_of[0]): priced.price}, build_seconds=0.0,
                       solve_seconds=seconds, message=message)


def _tie_break_with_money_fixed(data: Arrays, x: np.ndarray, optimum: float, options: SolveOptions,
                                deadline: float) -> np.ndarray:
    """The fewest-rupiah pass for a block solved through the pool's price.

    Each village's share of the pool is fixed as money of its own (pool money it did not need goes
    back), which unlinks the villages; chunks are then solved as ordinary blocks, tie-break included.
    No village gets less money than its plan spends, so the objective cannot fall, and no village
    takes more pool money than before, so the pool holds.
    """
    from solver.extract import split_sources

    _, _, z = split_sources(data, x)
    unlinked = data.subset(np.arange(data.n), with_target=False)
    unlinked.cap_add_idr = unlinked.cap_add_idr + z
    unlinked.pool_idr = np.zeros_like(unlinked.pool_idr)
    better = np.empty_like(x)
    for lo in range(0, data.n, pool_price.PART_VILLAGES):
        villages = np.arange(lo, min(lo + pool_price.PART_VILLAGES, data.n))
        result = solve_block(unlinked.subset(villages, with_target=False), options, deadline,
                             decompose=False)
        if result.status != Status.optimal:
            return x
        better[villages] = result.x
    coef = data.objective_coef()
    if float((better * coef).sum()) < optimum - TIE_BREAK_SLACK * max(1.0, abs(optimum)) * 10:
        return x
    return better
