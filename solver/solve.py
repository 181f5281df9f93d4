"""`solve(problem, options) -> Plan`: the one public entry of the solver. Pure: data in, plan out.

Steps: prepare arrays; explain and stop if the money cannot meet the floors or the target (exact
checks, see `solver.explain`); split into independent blocks (`solver.blocks`); solve each block
(`solver.block`: the LP with HiGHS, a tie-break pass, whole numbers if asked), in worker processes when
there are many; pay each village from dana desa, then ADD, then the pool; check the plan against every
constraint ourselves; build the plan.

Tie-break: among plans with the optimal objective, the solver prefers the one that spends the APBD pool
last and the fewest rupiah overall. The pool comes last by construction: each village's premiums are
paid from dana desa first, then ADD, then the pool (`solver.extract.split_sources`), which changes no
enrolment. For `max_protection` a second pass minimises the rupiah spent over the optimal face of the
LP (columns with a non-zero reduced cost and rows with a non-zero dual held where they are, see
`solver.solution.tie_break`), warm-started in HiGHS, so the objective does not move; `min_cost`
already minimises rupiah.
"""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

import numpy as np

from models import Explanation, Method, Plan, Problem, SolveOptions, Status
from solver.block import BlockResult, solve_block
from solver.blocks import split_blocks
from solver.check import check_plan
from solver.data import Arrays, prepare
from solver.explain import explain_infeasibility
from solver.extract import (
    objective_value,
    pool_uses,
    split_sources,
    totals,
    village_plans,
)

# below this, starting worker processes costs more than it saves (measured: West Java, 5,957
# villages, 2.1 s in one process against 3.2 s in two)
PARALLEL_MIN_VILLAGES = 20_000
_WORST_FIRST = [Status.error, Status.infeasible, Status.time_limit, Status.optimal]


def solve(problem: Problem, options: SolveOptions | None = None) -> Plan:
    """Solve one scenario on one village table. Infeasible and time limits are statuses, not errors."""
    options = options or SolveOptions()
    start = time.perf_counter()
    deadline = start + options.time_limit_s
    data = prepare(problem)
    scenario = problem.scenario
    base: dict[str, Any] = dict(objective_name=scenario.objective.value, scenario_name=scenario.name,
                integer=scenario.integer, groups=data.groups, packages=data.packages)

    explanations = explain_infeasibility(data, problem.table.villages)
    if explanations:
        return Plan(status=Status.infeasible, objective=None, explanations=explanations,
                    message=explanations[0].message, build_seconds=time.perf_counter() - start,
                    total_seconds=time.perf_counter() - start, **base)

    blocks = split_blocks(data)
    results = _solve_blocks(data, blocks, options, deadline)
    status = min((r.status for r in results), key=_WORST_FIRST.index, default=Status.optimal)
    build_seconds = sum(r.build_seconds for r in results)
    solve_seconds = sum(r.solve_seconds for r in results)
    common: dict[str, Any] = dict(blocks=len(blocks), build_seconds=build_seconds,
                                  solve_seconds=solve_seconds, **base)
    usable = all(r.status in (Status.optimal, Status.time_limit) and r.lp_objective is not None
                 for r in results)
    if not usable:
        return Plan(status=status, objective=None, total_seconds=time.perf_counter() - start,
                    message=_failure_message(data, blocks, results),
                    explanations=_solver_explanations(data, blocks, results), **common)

    x = np.zeros((data.n, len(data.groups), len(data.packages)))
    budget_dual = np.zeros(data.n)
    pool_dual: dict[int, float] = {}
    for villages, result in zip(blocks, results, strict=True):
        x[villages] = result.x
        budget_dual[villages] = result.budget_dual
        pool_dual.update(result.pool_dual)
    y, w, z = split_sources(data, x)

    check_start = time.perf_counter()
    check = check_plan(data, x, y, w, z, options.feasibility_tolerance)
    check_seconds = time.perf_counter() - check_start
    message = ""
    if not check.ok:
        message = "The solver's plan breaks a constraint: " + "; ".join(check.violations[:3])
        if status == Status.optimal:
            status = Status.error

    objective = objective_value(data, x)
    lp_bound = sum(r.lp_objective or 0.0 for r in results)
    continuous_optimum = not scenario.integer and status == Status.optimal
    methods = {r.method for r in results}
    method = Method.mip if Method.mip in methods else next(iter(methods), Method.lp)
    return Plan(
        status=status, objective=objective, message=message or _ok_message(status, method),
        method=method, lp_bound=lp_bound,
        gap_to_lp_bound=abs(lp_bound - objective) / max(1.0, abs(lp_bound)),
        check=check, check_seconds=check_seconds, total_seconds=time.perf_counter() - start,
        totals=totals(data, x, y, w, z),
        villages=village_plans(problem.table, data, x, y, w, z,
                               budget_dual if continuous_optimum else None),
        pools=pool_uses(data, z, pool_dual if continuous_optimum else None),
        **common,
    )


def _ok_message(status: Status, method: Method) -> str:
    if status == Status.time_limit:
        return "Stopped at the time limit; this is the best plan found, not a proven optimum."
    if method == Method.lp_rounded:
        return "Optimal continuous plan rounded to whole workers; see gap_to_lp_bound."
    return ""


def _solve_blocks(data: Arrays, blocks: list[np.ndarray], options: SolveOptions,
                  deadline: float) -> list[BlockResult]:
    subsets = [data.subset(b, with_target=data.min_new > 0) for b in blocks]
    workers = min(options.workers, len(blocks))
    if workers <= 1 or data.n < PARALLEL_MIN_VILLAGES:
        return [solve_block(s, options, deadline) for s in subsets]
    # largest blocks first onto the least loaded worker, one task per worker process
    batches: list[list[int]] = [[] for _ in range(workers)]
    load = [0] * workers
    for i in sorted(range(len(blocks)), key=lambda i: -len(blocks[i])):
        j = load.index(min(load))
        batches[j].append(i)
        load[j] += len(blocks[i])
    remaining = deadline - time.perf_counter()
    results: list[BlockResult | None] = [None] * len(blocks)
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(_solve_batch, [subsets[i] for i in batch], options, remaining)
                   for batch in batches if batch]
        for batch, future in zip([b for b in batches if b], futures, strict=True):
            for i, result in zip(batch, future.result(), strict=True):
                results[i] = result
    return [r for r in results if r is not None]


def _solve_batch(subsets: list[Arrays], options: SolveOptions,
                 remaining_s: float) -> list[BlockResult]:
    deadline = time.perf_counter() + remaining_s
    return [solve_block(s, options, deadline) for s in subsets]


def _failure_message(data: Arrays, blocks: list[np.ndarray], results: list[BlockResult]) -> str:
    worst = min(results, key=lambda r: _WORST_FIRST.index(r.status))
    if worst.status == Status.time_limit:
        return "The time limit was reached before any plan was found; allow more time."
    if worst.status == Status.infeasible:
        return _solver_explanations(data, blocks, results)[0].message
    return f"HiGHS stopped without a plan ({worst.message})."


def _solver_explanations(data: Arrays, blocks: list[np.ndarray],
                         results: list[BlockResult]) -> list[Explanation]:
    """For infeasibility the exact money checks did not catch (whole-number rounding, mostly)."""
    out = []
    for villages, result in zip(blocks, results, strict=True):
        if result.status != Status.infeasible:
            continue
        pools = sorted({data.pool_names[k] for k in np.unique(data.pool_of[villages]).tolist()})
        where = ", ".join(p for p in pools if p) or "the table"
        out.append(Explanation(
            constraint="solver",
            message=(f"HiGHS proved that no plan for {len(villages)} villages in {where} meets every "
                     f"floor and target with this money, although the money would suffice for "
                     f"fractional workers: whole-number enrolments need a little more."),
            kabupaten=where))
    return out
