"""Solving one block of villages: the LP, the tie-break pass, and whole-number plans.

A block is a set of villages no constraint links to any other village (see `solver.blocks`).
Everything here takes and returns plain arrays so blocks can be solved in other processes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from models import IntegerMethod, Method, Objective, SolveOptions, Status
from solver import pool_price
from solver.data import Arrays
from solver.model import MONEY_UNIT_IDR, build_model
from solver.rounding import round_and_repair
from solver.run import run_highs
from solver.solution import Solution, solver_model, tie_break, to_cube


@dataclass
class BlockResult:
    status: Status
    x: np.ndarray  # (n, G, P) new enrolments of the block's villages
    lp_objective: float | None  # the continuous optimum (a bound for whole-number plans)
    method: Method
    budget_dual: np.ndarray  # (n,) extra objective per extra million rupiah of the village's cap (LP)
    pool_dual: dict[int, float]  # pool index -> extra objective per extra million in the pool (LP)
    build_seconds: float
    solve_seconds: float
    message: str = ""


def solve_block(data: Arrays, options: SolveOptions, deadline: float,
                decompose: bool = True) -> BlockResult:
    """Solve one block before `deadline` (a time.perf_counter() value)."""
    if decompose and pool_price.applies(data, options.price_pool_min_villages):
        priced = _solve_priced(data, options, deadline)
        if priced is not None:
            return priced
    n, n_groups, n_packages = data.n, len(data.groups), len(data.packages)
    empty = np.zeros((n, n_groups, n_packages))
    start = time.perf_counter()
    model = build_model(data)
    build_seconds = time.perf_counter() - start
    if not model.n_x:  # nobody to enrol: the empty plan is the only plan, and floors ask nothing
        return BlockResult(status=Status.optimal, x=empty, lp_objective=0.0,
                           method=Method.lp_rounded if data.integer else Method.lp,
                           budget_dual=np.zeros(n), pool_dual={}, build_seconds=build_seconds,
                           solve_seconds=0.0)

    first = run_highs(model, deadline - time.perf_counter(), threads=options.threads,
                      mip=False)
    solve_seconds = first.seconds
    if not first.has_solution:
        return BlockResult(status=first.status, x=empty, lp_objective=None, method=Method.lp,
                           budget_dual=np.zeros(n), pool_dual={}, build_seconds=build_seconds,
                           solve_seconds=solve_seconds, message=first.detail)

    highs = solver_model(model)
    solution = Solution.read(highs, model)
    lp_objective = float(solution.col_value[: model.n_x] @ model.objective_coef)
    budget_dual = np.zeros(n)
    pool_dual: dict[int, float] = {}
    if first.status == Status.optimal:
        # rows are in millions of rupiah; min_cost's HiGHS objective is too
        unit = MONEY_UNIT_IDR if data.objective == Objective.min_cost else 1.0
        budget_dual[model.budget_v] = solution.row_dual[model.budget_row_ids] * unit
        pool_dual = dict(zip(model.pool_k.tolist(),
                             (solution.row_dual[model.pool_row_ids] * unit).tolist(), strict=True))
    x = to_cube(model, data, solution.col_value)

    status = first.status
    if (options.tie_break and status == Status.optimal
            and data.objective == Objective.max_protection):
        tie_start = time.perf_counter()
        x = tie_break(highs, model, data, solution, lp_objective, x, deadline)
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
    result = run_highs(model, deadline - time.perf_counter(), gap_rel=options.gap_rel,
                       threads=options.threads, mip=True)
    if not result.has_solution:
        return (np.zeros_like(x_lp), Method.mip, result.status, result.detail,
                (build_seconds, result.seconds))
    x = np.round(to_cube(model, data, Solution.read(solver_model(model), model).col_value))
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
    seconds = time.perf_counter() - start
    status, method, message = Status.optimal, Method.lp, ""
    if data.integer:
        x, method, status, message, _ = _whole_numbers(data, x, status, options, deadline)
    return BlockResult(status=status, x=x, lp_objective=lp_objective, method=method,
                       budget_dual=priced.budget_dual,
                       pool_dual={int(data.pool_of[0]): priced.price}, build_seconds=0.0,
                       solve_seconds=seconds, message=message)

