"""Solving one block of villages: the LP, its marginals, the order of preference, whole numbers.

A block is a set of villages no constraint links to any other village (see `solver.blocks`).
Everything here takes and returns plain arrays so blocks can be solved in other processes. A block
that runs out of time hands back what it has (or nothing); `solver.solve` checks it and, where the
check fails or nothing came back, falls back to `solver.rounding.fallback_plan`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from models import IntegerMethod, Method, Objective, Status
from solver import pool_price
from solver.context import RunContext
from solver.data import Arrays
from solver.marginals import BlockMarginals, PoolMarginal, lp_marginals
from solver.model import MONEY_UNIT_IDR, build_model
from solver.preference import prefer
from solver.rounding import round_and_repair
from solver.run import run_highs
from solver.solution import Solution, solver_model, to_cube


@dataclass
class BlockResult:
    status: Status  # optimal, time_limit (a plan not proven optimal, or none), infeasible, error
    x: np.ndarray | None  # (n, G, P) new enrolments of the block's villages; None: no plan
    bound: float | None  # the best bound on the block's objective (LP optimum, MIP or Lagrangian bound)
    lp_objective: float | None  # the continuous optimum, when the LP was solved
    method: Method
    marginals: BlockMarginals | None
    build_seconds: float
    solve_seconds: float
    message: str = ""
    preferred: bool = True  # the order of preference was walked to its end
    fallback: bool = False  # the block's plan is the floors-first fallback
    # (3, n, G, P) the enrolments paid by dana desa, ADD and the pool, where premiums differ by
    # who pays (`solver.payers`); None otherwise
    x_by_source: np.ndarray | None = None


def solve_block(data: Arrays, run: RunContext, decompose: bool = True) -> BlockResult:
    """Solve one block within the run's deadline."""
    options = run.options
    if run.expired():
        return _out_of_time(data, 0.0, 0.0)
    if decompose and pool_price.applies(data, options.price_pool_min_villages):
        priced = _solve_priced(data, run)
        if priced is not None:
            return priced
    n, n_groups, n_packages = data.n, len(data.groups), len(data.packages)
    start = time.perf_counter()
    model = build_model(data)
    build_seconds = time.perf_counter() - start
    if not model.n_x:  # nobody to enrol: the empty plan is the only plan, and floors ask nothing
        return BlockResult(
            status=Status.optimal,
            x=np.zeros((n, n_groups, n_packages)),
            bound=0.0,
            lp_objective=0.0,
            method=Method.lp_rounded if data.integer else Method.lp,
            marginals=BlockMarginals(np.zeros(n), np.zeros(n), np.full(n, np.inf)),
            build_seconds=build_seconds,
            solve_seconds=0.0,
        )
    if run.expired():
        return _out_of_time(data, build_seconds, 0.0)

    first = run_highs(model, run.remaining_s(), threads=options.threads, mip=False)
    solve_seconds = first.seconds
    if first.status == Status.infeasible:
        return BlockResult(
            status=Status.infeasible,
            x=None,
            bound=None,
            lp_objective=None,
            method=Method.lp,
            marginals=None,
            build_seconds=build_seconds,
            solve_seconds=solve_seconds,
            message=first.detail,
        )
    if first.status != Status.optimal:
        # stopped early: a primal simplex point may already be a plan; the caller checks it
        x = (
            to_cube(model, data, Solution.read(solver_model(model), model).col_value)
            if first.has_solution
            else None
        )
        return BlockResult(
            status=first.status if first.status == Status.error else Status.time_limit,
            x=x,
            bound=None,
            lp_objective=None,
            method=Method.lp,
            marginals=None,
            build_seconds=build_seconds,
            solve_seconds=solve_seconds,
            message=first.detail,
        )

    highs = solver_model(model)
    lp_objective = float(np.asarray(highs.getSolution().col_value)[: model.n_x] @ model.objective_coef)
    tick = time.perf_counter()
    marginals = lp_marginals(highs, model, n, data.objective)
    preferred = False
    if options.tie_break:
        chosen = prefer(highs, model, data, run)
        col_value, preferred = chosen.col_value, chosen.complete
    else:
        col_value = np.asarray(highs.getSolution().col_value)
    solve_seconds += time.perf_counter() - tick
    x = to_cube(model, data, col_value)

    result = BlockResult(
        status=Status.optimal,
        x=x,
        bound=lp_objective,
        lp_objective=lp_objective,
        method=Method.lp,
        marginals=marginals,
        build_seconds=build_seconds,
        solve_seconds=solve_seconds,
        preferred=preferred,
    )
    if data.integer:
        _whole_numbers(data, result, run)
    return result


def _out_of_time(data: Arrays, build_seconds: float, solve_seconds: float) -> BlockResult:
    return BlockResult(
        status=Status.time_limit,
        x=None,
        bound=None,
        lp_objective=None,
        method=Method.lp_rounded if data.integer else Method.lp,
        marginals=None,
        build_seconds=build_seconds,
        solve_seconds=solve_seconds,
        message="the time limit came before this block was solved",
    )


def _whole_numbers(data: Arrays, result: BlockResult, run: RunContext) -> None:
    """Make the block's plan whole, and the proven whole-number optimum wherever HiGHS can prove it.

    The LP's preferred plan is rounded and repaired (`solver.rounding`); where its objective
    reaches the LP bound (on the grid of whole-number objectives) it is proven optimal at once.
    Otherwise HiGHS's branch and bound runs, within the block's share of the time limit
    (`RunContext.share_s`; all the time left with `--integer-method mip`). Proven optimal and no
    better than the rounded plan: the rounded plan stands, now proven (it keeps the LP's order of
    preference, the even sharing included). Proven and better: the MIP's plan, which the order of
    preference reaches only as far as its sources go (the pool pays last for its enrolments): a
    branch and bound per pass, held to the optimum, took minutes where the optimum took seconds.
    Not proven in time: the better of the two, status `time_limit`, and the bound is the tighter
    of the LP's and HiGHS's, so the plan says how far it may be from the optimum."""
    assert result.x is not None
    options = run.options
    rounded = round_and_repair(data, result.x) if options.integer_method == IntegerMethod.round else None
    if rounded is not None and _reaches_bound(data, rounded, result.bound):
        result.x, result.method = rounded, Method.lp_rounded  # proven by the LP bound alone
        return
    limit = run.share_s(data.n) if rounded is not None else run.remaining_s()
    start = time.perf_counter()
    model = build_model(data, mip=True)
    result.build_seconds += time.perf_counter() - start
    mip = run_highs(model, limit, gap_rel=options.gap_rel, threads=options.threads, mip=True)
    result.solve_seconds += mip.seconds
    highs = solver_model(model)
    if mip.status == Status.infeasible and rounded is None:
        result.status, result.x, result.message = Status.infeasible, None, mip.detail
        return
    maximise = data.objective == Objective.max_protection
    coef = data.objective_coef()

    def value(x: np.ndarray) -> float:
        return float((x * coef).sum())

    def better(a: float, b: float) -> bool:  # a strictly better than b, beyond numerics
        margin = 1e-9 * max(1.0, abs(b))
        return a > b + margin if maximise else a < b - margin

    found = (
        np.round(to_cube(model, data, Solution.read(highs, model).col_value)) if mip.has_solution else None
    )
    proven = mip.status == Status.optimal
    if rounded is not None and (found is None or not better(value(found), value(rounded))):
        result.x, result.method = rounded, Method.lp_rounded
    elif found is not None:
        # ties among whole-number optima follow HiGHS on the canonical order (the order of
        # preference for MIP plans, README); the sources pay dana desa first, then ADD, then the
        # pool (`solver.extract.split_sources`)
        result.x, result.method = found, Method.mip
    else:
        result.status, result.x, result.message = Status.time_limit, None, mip.detail
        return
    result.message = mip.detail
    if proven:
        result.status = Status.optimal
        return
    result.status = Status.time_limit
    # HiGHS's bound is in its own objective (min_cost in millions of rupiah)
    dual_bound = float(highs.getInfo().mip_dual_bound) * (1.0 if maximise else MONEY_UNIT_IDR)
    if np.isfinite(dual_bound) and result.bound is not None:
        result.bound = (min if maximise else max)(result.bound, dual_bound)


def _reaches_bound(data: Arrays, x: np.ndarray, bound: float | None) -> bool:
    """The whole-number plan x is proven optimal without branch and bound: its objective reaches
    the LP bound, brought to the grid every whole-number objective lies on (the objective
    coefficients' greatest common step: 0.25 for weights and priorities in quarters, Rp4,800 for
    premiums of Rp16,800 and Rp36,800 over 12 months)."""
    if bound is None:
        return False
    coef = data.objective_coef()
    value = float((x * coef).sum())
    step = _grid(np.asarray(coef, float)[data.uninsured > 0])
    tolerance = 1e-9 * max(1.0, abs(bound))
    if data.objective == Objective.max_protection:
        reachable = np.floor(bound / step + 1e-9) * step if step else bound
        return value >= reachable - tolerance
    reachable = np.ceil(bound / step - 1e-9) * step if step else bound
    return value <= reachable + tolerance


def _grid(values: np.ndarray) -> float | None:
    """The largest step every value is a whole multiple of (values of at most six decimals), or
    None when there is none."""
    values = np.unique(np.abs(values[values != 0]))
    if not len(values):
        return None
    for scale in (1, 10, 100, 1_000, 10_000, 100_000, 1_000_000):
        scaled = values * scale
        whole = np.round(scaled)
        if np.all(np.abs(scaled - whole) <= 1e-9 * np.maximum(1.0, scaled)) and whole.max() < 2**53:
            return float(np.gcd.reduce(whole.astype(np.int64))) / scale
    return None


def _solve_priced(data: Arrays, run: RunContext) -> BlockResult | None:
    """The block through the pool's price; whole numbers as for any block. None when a part fails
    (the caller then solves the block whole)."""
    continuous = data.subset(np.arange(data.n), with_target=False)
    continuous.integer = False
    start = time.perf_counter()
    priced = pool_price.solve_priced(continuous, run)
    if priced is None:
        return None
    seconds = time.perf_counter() - start
    if priced.x is None:
        return _out_of_time(data, 0.0, seconds)
    k = int(data.pool_of[0])
    marginals = BlockMarginals(
        value_per_million=priced.budget_dual,
        workers_per_million=priced.budget_workers,
        range_idr=priced.budget_range_idr,
        pools={
            k: PoolMarginal(
                value_per_million=priced.price,
                workers_per_million=priced.pool_workers,
                range_idr=priced.pool_range_idr,
            )
        },
    )
    lp_objective = float((priced.x * data.objective_coef()).sum())
    result = BlockResult(
        status=priced.status,
        x=priced.x,
        bound=priced.bound,
        lp_objective=lp_objective if priced.status == Status.optimal else None,
        method=Method.lp,
        marginals=marginals,
        build_seconds=0.0,
        solve_seconds=seconds,
        message=priced.message,
        preferred=priced.preferred,
    )
    if data.integer:
        _whole_numbers(data, result, run)
    return result
