"""`solve(problem, options) -> Plan`: the one public entry of the solver. Pure: data in, plan out.

Steps: put the table in its canonical order (villages by Kemendagri code, groups by name), so that no
step can depend on the order of the file's rows or columns; prepare arrays; explain and stop if the
money cannot meet the floors or the target (exact checks, see `solver.explain`); split into
independent blocks (`solver.blocks`); solve each block (`solver.block`: the LP with HiGHS, its
marginals, the order of preference, whole numbers if asked), in worker processes when there are many;
pay each village from dana desa, then ADD, then the pool; check the plan against every constraint
ourselves; build the plan in the table's own order. The steps are parts anyone may call: `split`
(up to the blocks), `solve_blocks` (or any other way of running `solve_block` on each block's
arrays: the service's queue sends them to other workers, `app.processes.fanout`), then `assemble` (the rest),
so every way of solving the blocks gives the same plan.

Among plans with the optimal objective the solver takes, in this order: the least APBD pool money;
then the fewest rupiah; then the even sharing, the least sum of x[v,g,p]^2 / U[v,g], which gives
equally valued groups and villages the same share of their uninsured workers (`solver.preference`).

The time limit governs the solving (`solver.context.RunContext`): its clock starts once the table
is prepared and cut into blocks, and every step of the solving asks for the time left. A block the
limit cuts short keeps a plan only if that plan passes the check; otherwise it gets the
floors-first fallback (`solver.fallback`), and the plan names it and counts the blocks that were not
solved (`Plan.unsolved_blocks`). A plan whose own check fails is `error`, and nobody should use its
targets.
"""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from multiprocessing import get_context
from typing import Any

import numpy as np

from models import (
    Explanation,
    Method,
    Objective,
    Plan,
    Problem,
    Scenario,
    SolveOptions,
    SourceEnrollment,
    Status,
    Village,
    VillageTable,
)
from models.rules import MonthlyPremium
from solver.block import BlockResult, solve_block
from solver.blocks import split_blocks
from solver.check import check_plan
from solver.clean import clean_by_source, clean_plan
from solver.context import RunContext
from solver.data import SOURCES, Arrays, prepare
from solver.explain import explain_infeasibility
from solver.extract import (
    group_reasons,
    objective_value,
    pool_uses,
    split_sources,
    totals,
    village_plans,
    whole_rupiah,
)
from solver.fallback import fallback_block, fallback_payer_block
from solver.multiyear import is_multi_year, solve_years
from solver.payer_infeasible import payer_explanations, payer_remedies, payer_short_villages
from solver.payers import solve_payer_block, source_spend
from solver.remedies import remedies, short_villages

# below this, starting worker processes costs more than it saves (measured: West Java, 5,957
# villages, 2.1 s in one process against 3.2 s in two)
PARALLEL_MIN_VILLAGES = 20_000


@dataclass
class Split:
    """A problem prepared and cut into independent blocks, before any block is solved."""

    table: VillageTable  # the table in its own order
    canonical: Problem
    data: Arrays
    blocks: list[np.ndarray]  # village indices (canonical order) of each block
    base: dict[str, Any]  # what every plan of this problem says about it

    def subproblems(self) -> list[Arrays]:
        """Each block's own arrays: what `solve_blocks` takes, in another process or machine."""
        return [self.data.subset(b, with_target=self.data.min_new > 0) for b in self.blocks]

    @property
    def by_payer(self) -> bool:
        """Premiums differ by who pays: the blocks take `solver.payers`' model."""
        return self.data.payer_cost_idr is not None

    @property
    def villages(self) -> list[int]:
        return [len(b) for b in self.blocks]


def solve(problem: Problem, options: SolveOptions | None = None, run: RunContext | None = None) -> Plan:
    """Solve one scenario on one village table. Infeasible and time limits are statuses, not errors."""
    run = run or RunContext(options)
    prepared = split(problem, run)
    if isinstance(prepared, Plan):
        return prepared
    run.villages = prepared.data.n
    run.start_clock()  # read, prepared and cut into blocks: the solving starts
    if prepared.by_payer:
        results = []
        run.report("blocks", 0, len(prepared.blocks))
        for i, sub in enumerate(prepared.subproblems()):
            results.append(solve_payer_block(sub, run))
            run.report("blocks", i + 1, len(prepared.blocks))
        return assemble(prepared, results, run)
    return assemble(prepared, solve_blocks(prepared.subproblems(), run), run)


def split(problem: Problem, run: RunContext) -> Split | Plan:
    """The canonical problem cut into independent blocks; or, when the exact money checks already
    prove there is no plan, the infeasible plan with its explanations. A multi-year scenario
    comes back solved (`solver.multiyear`: its own LP of every year, on the same blocks)."""
    start = time.perf_counter()
    table = problem.table
    canonical = _canonical(problem)
    if is_multi_year(problem.scenario):
        # years 1..T with continuity: their own LP over the same blocks (`solver.multiyear`)
        run.start_clock()
        return solve_years(
            problem, run, canonical, _base(problem, canonical.table), _table_order(table, canonical.table)
        )
    data = prepare(canonical)
    run.report("prepare", data.n, data.n)
    scenario = problem.scenario
    base: dict[str, Any] = dict(
        objective_name=scenario.objective.value,
        scenario_name=scenario.name,
        integer=scenario.integer,
        groups=list(table.groups),
        packages=data.packages,
        fiscal_year=scenario.fiscal_year,
        months=scenario.months(),
        rules=scenario.rules,
        premiums=premiums_used(scenario),
    )
    by_payer = data.payer_cost_idr is not None

    unsolved = Method.lp_rounded if scenario.integer else Method.lp
    explanations = explain_infeasibility(data, canonical.table.villages)
    if explanations:
        rows = canonical.table.villages
        if by_payer:
            # the money checks run at the cheapest premium of each package: a scenario they refuse
            # has no plan, and the payers' own LP says by how much (`solver.payer_infeasible`)
            return _payer_infeasible(
                data, rows, scenario, run, unsolved, build_seconds=time.perf_counter() - start, **base
            )
        return Plan(
            status=Status.infeasible,
            objective=None,
            explanations=explanations,
            message=explanations[0].message,
            short_villages=short_villages(data, rows),
            remedies=remedies(
                data,
                rows,
                dana_desa_idr=np.array([v.dana_desa_idr for v in rows], dtype=float),
                follows_share=np.array([v.max_share is None for v in rows]),
                add_idr=np.array([v.add_idr for v in rows], dtype=float),
                dana_desa_share=scenario.budget.dana_desa_share,
                add_share=scenario.budget.add_share,
            ),
            build_seconds=time.perf_counter() - start,
            total_seconds=run.elapsed_s(),
            method=unsolved,
            **base,
        )

    return Split(table=table, canonical=canonical, data=data, blocks=split_blocks(data), base=base)


def _base(problem: Problem, canonical: VillageTable) -> dict[str, Any]:
    """What every multi-year plan of this problem says about it."""
    scenario = problem.scenario
    return dict(
        objective_name=scenario.objective.value,
        scenario_name=scenario.name,
        integer=scenario.integer,
        groups=list(problem.table.groups),
        packages=[p.code for p in scenario.packages],
        fiscal_year=scenario.fiscal_year,
        months=scenario.months(),
        rules=scenario.rules,
        premiums=premiums_used(scenario),
    )


def assemble(prepared: Split, results: list[BlockResult], run: RunContext) -> Plan:
    """One plan from the blocks' results (in the order of `prepared.blocks`): fallbacks where a
    block's plan fails its check, the plan checked against every constraint, in the table's order.
    The same whether the blocks were solved here, in worker processes or on other machines."""
    table, canonical, data, blocks, base = (
        prepared.table,
        prepared.canonical,
        prepared.data,
        prepared.blocks,
        prepared.base,
    )
    results = list(results)
    scenario = canonical.scenario
    by_payer = prepared.by_payer
    unsolved = Method.lp_rounded if scenario.integer else Method.lp
    common: dict[str, Any] = dict(
        blocks=len(blocks),
        build_seconds=sum(r.build_seconds for r in results),
        solve_seconds=sum(r.solve_seconds for r in results),
        **base,
    )
    infeasible = [(b, r) for b, r in zip(blocks, results, strict=True) if r.status == Status.infeasible]
    if infeasible and by_payer:
        return _payer_infeasible(data, canonical.table.villages, scenario, run, unsolved, **common)
    if infeasible:
        explained = _solver_explanations(data, infeasible)
        return Plan(
            status=Status.infeasible,
            objective=None,
            message=explained[0].message,
            explanations=explained,
            total_seconds=run.elapsed_s(),
            method=Method.mip if data.integer else Method.lp,
            **common,
        )

    # every block's plan without the solver's noise (`solver.clean`); a block without a proven
    # plan keeps what it has only if it passes the check
    fallbacks: list[str] = []
    missing: list[str] = []
    for i, (villages, result) in enumerate(zip(blocks, results, strict=True)):
        sub = data.subset(villages, with_target=data.min_new > 0)
        results[i] = result = _cleaned(sub, result)
        if result.status == Status.optimal and result.x is not None:
            continue
        if result.x is None or not _passes(
            sub, result.x, run.options.feasibility_tolerance, result.x_by_source
        ):
            fall_back = fallback_payer_block if by_payer else fallback_block
            results[i] = result = fall_back(sub, result, run.options.feasibility_tolerance)
            (fallbacks if result.x is not None else missing).append(_block_name(data, villages))
    if missing:
        return Plan(
            status=Status.time_limit,
            objective=None,
            total_seconds=run.elapsed_s(),
            message=(
                f"The time limit came before a plan that meets every floor and target was "
                f"found for {', '.join(missing[:5])}"
                f"{' and others' if len(missing) > 5 else ''}; allow more time."
            ),
            method=unsolved,
            **common,
        )

    x = np.zeros((data.n, len(data.groups), len(data.packages)))
    x_src = np.zeros((3, *x.shape)) if by_payer else None
    for villages, result in zip(blocks, results, strict=True):
        assert result.x is not None
        x[villages] = result.x
        if x_src is not None:
            assert result.x_by_source is not None
            x_src[:, villages] = result.x_by_source
    y, w, z = split_sources(data, x) if x_src is None else source_spend(data, x_src)
    run.report("check", 0, 1)
    check_start = time.perf_counter()
    check = check_plan(data, x, y, w, z, run.options.feasibility_tolerance, x_src)
    check_seconds = time.perf_counter() - check_start
    run.report("check", 1, 1)

    objective = (
        float((y + w + z).sum())
        if by_payer and data.objective == Objective.min_cost
        else objective_value(data, x)
    )
    unsolved_blocks = sum(r.status != Status.optimal for r in results)
    status = Status.optimal if not unsolved_blocks else Status.time_limit
    bounds = [r.bound for r in results]
    bound = float(sum(b for b in bounds if b is not None)) if all(b is not None for b in bounds) else None
    if not check.ok:
        status = Status.error
    methods = {r.method for r in results}
    method = Method.mip if Method.mip in methods else (Method.lp_rounded if data.integer else Method.lp)
    marginals = [r.marginals for r in results]
    has_marginals = status != Status.error and all(m is not None for m in marginals)
    preferred = all(r.preferred for r in results)
    gap = (abs(bound - objective) / max(1.0, abs(bound))) if bound is not None else None
    message = _message(
        status, method, check.violations, fallbacks, preferred, unsolved_blocks, len(blocks), gap
    )
    if by_payer and status != Status.error:
        message = (message + " " + BY_PAYER_NOTE).strip()

    # back to the table's own order of villages and groups
    back = _table_order(table, canonical.table)
    group_back = [data.groups.index(g) for g in table.groups]
    xt = x[back][:, group_back, :]
    rules_split = _source_enrollments(scenario, data, x, y, w, z, x_src, canonical.table)
    y, w, z, _ = whole_rupiah(data, y, w, z)
    data_t = data.subset(back, with_target=True).with_groups(group_back)
    village_marginals = _village_marginals(data, blocks, results, back) if has_marginals else None
    return Plan(
        status=status,
        objective=objective,
        message=message,
        method=method,
        lp_bound=bound,
        gap_to_lp_bound=gap,
        check=check,
        check_seconds=check_seconds,
        total_seconds=run.elapsed_s(),
        preferred=preferred,
        fallback_blocks=fallbacks,
        unsolved_blocks=unsolved_blocks,
        marginals_from=(None if not has_marginals else "lp_relaxation" if data.integer else "lp"),
        totals=totals(data_t, xt, y[back], w[back], z[back]),
        villages=village_plans(table, data_t, xt, y[back], w[back], z[back], village_marginals),
        pools=pool_uses(
            data, z, [r.marginals for r in results] if has_marginals else None, _lp_objective(results)
        ),
        group_reasons=group_reasons(data_t, xt),
        new_by_source=(
            {s.value: float(x_src[i].sum()) for i, s in enumerate(SOURCES)} if x_src is not None else {}
        ),
        source_enrollments=rules_split,
        **common,
    )


BY_PAYER_NOTE = (
    "The premiums differ by who pays (the contribution rules), so each enrolment has its paying source."
)


def _payer_infeasible(
    data: Arrays, rows: list[Village], scenario: Scenario, run: RunContext, method: Method, **fields: Any
) -> Plan:
    """The infeasible plan where premiums differ by who pays: explanations and the least changes
    from the payers' own model (`solver.payer_infeasible`)."""
    found = payer_remedies(data, rows, scenario.budget.dana_desa_share, scenario.budget.add_share, run)
    short = payer_short_villages(data, rows)
    explained = payer_explanations(data, found, short)
    return Plan(
        status=Status.infeasible,
        objective=None,
        explanations=explained,
        message=explained[0].message,
        short_villages=short,
        remedies=found,
        total_seconds=run.elapsed_s(),
        method=method,
        **fields,
    )


def _lp_objective(results: list[BlockResult]) -> float | None:
    """The plan's continuous optimum: the blocks' LP objectives together (None if one has none)."""
    values = [r.lp_objective for r in results]
    return None if any(v is None for v in values) else float(sum(v for v in values if v is not None))


def _source_enrollments(
    scenario: Scenario,
    data: Arrays,
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    z: np.ndarray,
    x_src: np.ndarray | None,
    table: VillageTable,
) -> list[SourceEnrollment]:
    """For a plan priced by the rules: each village's new workers by paying source, sector and
    package (where every source pays the same, in proportion to what each source pays)."""
    if not any(p.from_rules for p in scenario.packages):
        return []
    if x_src is None:
        spend = y + w + z
        shares = [np.divide(s, spend, out=np.zeros_like(spend), where=spend > 0) for s in (y, w, z)]
        x_src = np.stack([x * share[:, None, None] for share in shares])
    sectors = [scenario.group_sectors.get(g, "general") for g in data.groups]
    out = []
    for s, source in enumerate(SOURCES):
        for v, g, p in zip(*np.nonzero(x_src[s] > 1e-9), strict=True):
            out.append(
                (
                    table.villages[v].village_code,
                    source.value,
                    sectors[g],
                    data.packages[p],
                    float(x_src[s, v, g, p]),
                )
            )
    merged: dict[tuple[str, str, str, str], float] = {}
    for code, source_name, sector, package, workers in out:
        key = (code, source_name, sector, package)
        merged[key] = merged.get(key, 0.0) + workers
    return [
        SourceEnrollment(
            village_code=k[0],
            source=k[1],
            sector=k[2],
            package=k[3],
            workers=float(round(n)) if abs(n - round(n)) < 1e-6 else n,
        )
        for k, n in sorted(merged.items())
    ]


def premiums_used(scenario: Scenario) -> list[MonthlyPremium]:
    """Every premium the plan is priced at: the rules' per month, sector and source; a typed one
    once (every month, sector and source)."""
    out = []
    for package in scenario.packages:
        if package.monthly_premium_idr is not None:
            out.append(MonthlyPremium(package=package.code, premium_idr=package.monthly_premium_idr))
    return out + list(scenario.premium_schedule)


def _canonical(problem: Problem) -> Problem:
    """The same problem with villages sorted by code and groups by name."""
    table = problem.table
    villages = sorted(table.villages, key=lambda v: v.village_code)
    canonical = VillageTable(groups=sorted(table.groups), villages=villages, source=table.source)
    return Problem.model_construct(table=canonical, scenario=problem.scenario)


def _table_order(table: VillageTable, canonical: VillageTable) -> np.ndarray:
    """back[i] = canonical position of the table's village i."""
    position = {v.village_code: i for i, v in enumerate(canonical.villages)}
    return np.array([position[v.village_code] for v in table.villages], dtype=np.int64)


def _cleaned(data: Arrays, result: BlockResult) -> BlockResult:
    """The block's result with its plan cleaned of the solver's noise (`solver.clean`)."""
    if result.x is None:
        return result
    if result.x_by_source is not None:
        x_src = clean_by_source(data, result.x_by_source)
        return replace(result, x=x_src.sum(axis=0), x_by_source=x_src)
    return replace(result, x=clean_plan(data, result.x))


def _passes(data: Arrays, x: np.ndarray, tolerance: float, x_by_source: np.ndarray | None = None) -> bool:
    if x_by_source is not None:
        y, w, z = source_spend(data, x_by_source)
        return check_plan(data, x, y, w, z, tolerance, x_by_source).ok
    y, w, z = split_sources(data, x)
    return check_plan(data, x, y, w, z, tolerance).ok


def _block_name(data: Arrays, villages: np.ndarray) -> str:
    pools = sorted({data.pool_names[k] for k in np.unique(data.pool_of[villages]).tolist()})
    named = ", ".join(p for p in pools if p)
    return f"{len(villages)} villages" + (f" of {named}" if named else "")


def _message(
    status: Status,
    method: Method,
    violations: list[str],
    fallbacks: list[str],
    preferred: bool,
    unsolved: int = 0,
    blocks: int = 1,
    gap: float | None = None,
) -> str:
    if status == Status.error:
        return "The solver's plan breaks a constraint, so no targets are given: " + "; ".join(violations[:3])
    parts = []
    if status == Status.time_limit:
        parts.append(
            "Stopped at the time limit: this plan meets every constraint but is not proven "
            "optimal; "
            + (
                f"it is within {gap:.4%} of the best bound (gap_to_lp_bound)."
                if gap is not None
                else "see gap_to_lp_bound."
            )
        )
        if blocks > 1:
            parts.append(
                f"{unsolved} of {blocks} blocks were not solved to the optimum before the "
                f"time limit (unsolved_blocks); the other {blocks - unsolved} keep their "
                f"optimal plans."
            )
        if fallbacks:
            parts.append(
                "These blocks have the floors-first plan, not an optimised one: "
                + "; ".join(fallbacks[:5])
                + (" and others." if len(fallbacks) > 5 else ".")
            )
    elif method == Method.lp_rounded:
        parts.append(
            "Whole workers: the LP's plan rounded to whole workers, proven the best "
            "whole-number plan (by the LP bound or HiGHS's branch and bound); "
            "gap_to_lp_bound is its distance to the continuous optimum."
        )
    elif method == Method.mip:
        parts.append(
            "Whole workers: HiGHS's branch and bound proved this the best whole-number "
            "plan; gap_to_lp_bound is its distance to the continuous optimum."
        )
    if not preferred and status != Status.error:
        parts.append(
            "The time limit came before every tie between equally good plans was settled "
            "by the order of preference."
        )
    return " ".join(parts)


def _village_marginals(
    data: Arrays, blocks: list[np.ndarray], results: list[BlockResult], back: np.ndarray
) -> np.ndarray:
    """(n, 3) per village in the table's order: objective and workers per Rp1 million, range."""
    out = np.zeros((data.n, 3))
    for villages, result in zip(blocks, results, strict=True):
        m = result.marginals
        assert m is not None
        out[villages] = np.stack([m.value_per_million, m.workers_per_million, m.range_idr], axis=1)
    return out[back]


def solve_blocks(subsets: list[Arrays], run: RunContext) -> list[BlockResult]:
    """Solve independent blocks, in `run.options.workers` processes when the table is large."""
    workers = min(run.options.workers, len(subsets))
    total = len(subsets)
    run.report("blocks", 0, total)
    if workers <= 1 or sum(s.n for s in subsets) < PARALLEL_MIN_VILLAGES:
        solved = []
        for i, s in enumerate(subsets):
            solved.append(solve_block(s, run))
            run.report("blocks", i + 1, total)
        return solved
    # largest blocks first onto the least loaded worker, a few tasks per worker process so that
    # progress comes back while they run
    batches = balanced_batches([s.n for s in subsets], workers * 8)
    results: list[BlockResult | None] = [None] * len(subsets)
    done = 0
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(solve_batch, [subsets[i] for i in batch], run): batch for batch in batches}
        for future in as_completed(futures):
            batch = futures[future]
            for i, result in zip(batch, future.result(), strict=True):
                results[i] = result
            done += len(batch)
            run.report("blocks", done, total)
    return [r for r in results if r is not None]


def balanced_batches(sizes: list[int], tasks: int) -> list[list[int]]:
    """Block indices in at most `tasks` non-empty batches of about equal villages: the largest
    block first onto the least loaded batch."""
    order = sorted(range(len(sizes)), key=lambda i: -sizes[i])
    batches: list[list[int]] = [[] for _ in range(max(1, min(tasks, len(sizes))))]
    load = [0] * len(batches)
    for i in order:
        j = load.index(min(load))
        batches[j].append(i)
        load[j] += sizes[i]
    return [b for b in batches if b]


def solve_batch(subsets: list[Arrays], run: RunContext) -> list[BlockResult]:
    """Blocks solved one after another, in this process."""
    return [solve_block(s, run) for s in subsets]


def _solver_explanations(data: Arrays, infeasible: list[tuple[np.ndarray, BlockResult]]) -> list[Explanation]:
    """For infeasibility only HiGHS could prove (whole workers, where the money checks pass)."""
    out = []
    for villages, _ in infeasible:
        pools = sorted({data.pool_names[k] for k in np.unique(data.pool_of[villages]).tolist()})
        where = ", ".join(p for p in pools if p) or "the table"
        out.append(
            Explanation(
                constraint="solver",
                message=(
                    f"HiGHS proved that no whole-number plan for the {len(villages)} villages in "
                    f"{where} meets every floor and target with this money, although it would "
                    f"suffice for fractional workers: whole workers need a little more money, or "
                    f"lower floors or target."
                ),
                kabupaten=where,
            )
        )
    return out
