"""The multi-year plan: every block solved, rounded, checked and put into the plan's shape."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from models import (
    Explanation,
    Method,
    Objective,
    Plan,
    PoolUse,
    PoolYear,
    Problem,
    Status,
    Village,
    VillageYear,
    YearTotals,
)
from solver.blocks import split_blocks
from solver.check import check_years
from solver.context import RunContext
from solver.data import SOURCES, Arrays
from solver.explain import explain_infeasibility
from solver.extract import group_reasons, totals, village_plans, whole_rupiah
from solver.multiyear.data import _EPS, ADD, DANA_DESA, POOL, Years, accounts_of, prepare_years
from solver.multiyear.model import YearMarginals, solve_years_block
from solver.multiyear.remedies import (
    continuity_remedies,
    short_years,
    year_label,
    year_remedies,
)
from solver.remedies import short_villages


def paid_by_source(
    years: Years, accounts: list[tuple[int, ...]], x: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Funded workers by source (3, n, G, P, T) and what dana desa, ADD and the pool pay each
    village each year (T, n): dana desa first, then ADD, then (uniform premiums) the pool."""
    data, T = years.base, years.T
    funded = np.cumsum(x, axis=-1)
    by_source = np.zeros((3, *funded.shape[1:]))
    paid = np.zeros((3, T, data.n))
    for a, sources in enumerate(accounts):
        cost = years.cost[sources[0]]
        spend = np.einsum("vgpt,tgp->tv", funded[a], cost)
        if len(sources) == 1 and not years.uniform:
            by_source[sources[0]] += funded[a]
            paid[sources[0]] += spend
            continue
        y = np.minimum(spend, years.cap_dd)
        w = np.minimum(spend - y, years.cap_add)
        z = spend - y - w
        for s, part in ((DANA_DESA, y), (ADD, w), (POOL, z)):
            share = np.divide(part, spend, out=np.zeros_like(spend), where=spend > 0)  # (T, n)
            by_source[s] += funded[a] * share.T[:, None, None, :]
            paid[s] += part
    return by_source, paid[DANA_DESA], paid[ADD], paid[POOL]


def solve_years(
    problem: Problem,
    run: RunContext,
    canonical: Problem,
    base: dict[str, Any],
    back: np.ndarray,
    adjust: Callable[[Years, list[Village]], Years] | None = None,
) -> Plan:
    """The multi-year plan of a canonical problem; `back` maps the table's villages to it.
    `adjust` changes the prepared years before anything else (a re-plan's money left free in each
    year, village by village: `solver.multiyear.actuals`)."""
    start = time.perf_counter()
    years = prepare_years(canonical)
    if adjust is not None:
        years = adjust(years, canonical.table.villages)
    data = years.base
    unsolved = Method.lp_rounded if data.integer else Method.lp
    run.report("prepare", data.n, data.n)
    explanations = []
    for t in range(years.T):
        label = year_label(years, t)
        for e in explain_infeasibility(years.year(t), canonical.table.villages):
            explanations.append(
                e.model_copy(
                    update={
                        "message": f"{label}: {e.message}",
                        "year": t + 1,
                        "fiscal_year": years.fiscal_years[t],
                    }
                )
            )
    if explanations:
        return Plan(
            status=Status.infeasible,
            objective=None,
            explanations=explanations,
            message=explanations[0].message,
            method=unsolved,
            remedies=year_remedies(years, canonical.table.villages, canonical.scenario, run),
            short_villages=[
                s.model_copy(update={"year": t + 1})
                for t in short_years(years, canonical.table.villages)
                for s in short_villages(years.year(t), canonical.table.villages)
            ],
            build_seconds=time.perf_counter() - start,
            total_seconds=run.elapsed_s(),
            **base,
        )
    # one pool shared by many villages is one block, solved whole: T pool rows link the years,
    # so the one-year plan's price decomposition (one price) does not apply; HiGHS takes the LP
    blocks = split_blocks(data)
    shape = (data.n, len(data.groups), len(data.packages), years.T)
    x_src = np.zeros((3, *shape))
    new = np.zeros(shape)
    y = np.zeros((years.T, data.n))
    w, z = np.zeros_like(y), np.zeros_like(y)
    statuses, bounds, preferred_all, used_mip = [], [], True, False
    build_s = solve_s = 0.0
    # marginal values per year: villages (3, T, n), pools (3, T, K); known for every block or none
    village_m = np.full((3, years.T, data.n), np.nan)
    pool_m = np.full((3, years.T, len(data.pool_names)), np.nan)
    marginals_known = years.uniform
    run.report("blocks", 0, len(blocks))
    for i, villages in enumerate(blocks):
        sub = years.subset(villages)
        read: list[YearMarginals] = []
        status, x, bound, preferred, b_s, s_s, detail = solve_years_block(sub, run, read)
        if read:
            village_m[:, :, villages] = read[0].village
            known = ~np.isnan(read[0].pool)
            pool_m[known] = read[0].pool[known]
        elif sub.base.uninsured.any():
            marginals_known = False
        used_mip |= detail == "mip"
        build_s, solve_s = build_s + b_s, solve_s + s_s
        if status == Status.infeasible:
            return Plan(
                status=Status.infeasible,
                objective=None,
                method=Method.lp,
                message=_infeasible_message(sub, villages),
                blocks=len(blocks),
                explanations=[Explanation(constraint="solver", message=_infeasible_message(sub, villages))],
                remedies=continuity_remedies(
                    years, villages, canonical.table.villages, canonical.scenario, run
                ),
                build_seconds=build_s,
                solve_seconds=solve_s,
                total_seconds=run.elapsed_s(),
                **base,
            )
        if x is None:
            return Plan(
                status=Status.time_limit,
                objective=None,
                method=unsolved,
                message="The time limit came before a plan of every year that meets every "
                "floor was found; allow more time.",
                blocks=len(blocks),
                build_seconds=build_s,
                solve_seconds=solve_s,
                total_seconds=run.elapsed_s(),
                **base,
            )
        accounts = accounts_of(sub)
        src, y_b, w_b, z_b = paid_by_source(sub, accounts, x)
        x_src[:, villages], new[villages] = src, x.sum(axis=0)
        y[:, villages], w[:, villages], z[:, villages] = y_b, w_b, z_b
        statuses.append(status)
        bounds.append(bound)
        preferred_all &= preferred
        run.report("blocks", i + 1, len(blocks))

    funded_src = x_src  # funded workers by source and year
    run.report("check", 0, 1)
    tick = time.perf_counter()
    check = check_years(
        years, new, funded_src.sum(axis=0), funded_src, y, w, z, run.options.feasibility_tolerance
    )
    funded = np.cumsum(new, axis=-1)  # what the plan reports: exactly last year's and the new
    check_s = time.perf_counter() - tick
    run.report("check", 1, 1)
    weights = years.T - np.arange(years.T)
    if data.objective == Objective.min_cost:
        objective = float((y + w + z).sum())
    else:
        objective = float((new * data.objective_coef()[..., None] * weights).sum())
    status = Status.optimal if all(s == Status.optimal for s in statuses) else Status.time_limit
    bound = float(sum(b for b in bounds if b is not None)) if None not in bounds else None
    if not check.ok:
        status = Status.error
    method = Method.mip if used_mip else unsolved
    if status == Status.error:
        message = "The solver's plan breaks a constraint, so no targets are given: " + "; ".join(
            check.violations[:3]
        )
    else:
        message = (
            f"A plan over {years.T} years: every worker enrolled stays funded in the plan's later years."
        )
        if method == Method.lp_rounded:
            message += " Optimal continuous plan rounded to whole workers; see gap_to_lp_bound."
        elif method == Method.mip:
            message += (
                " Whole workers from HiGHS's branch and bound, where rounding the LP "
                "could not meet every floor; see gap_to_lp_bound."
            )

    # yearly figures in whole rupiah, each source's total kept (as the one-year plan)
    for t in range(years.T):
        y[t], w[t], z[t], _ = whole_rupiah(years.year(t), y[t], w[t], z[t])
    table = problem.table
    group_back = [data.groups.index(g) for g in table.groups]
    data_t = data.subset(back, with_target=True).with_groups(group_back)
    new_t = new[back][:, group_back]
    funded_t = funded[back][:, group_back]
    plan_new = new_t.sum(axis=-1)
    ys, ws, zs = y.sum(axis=0)[back], w.sum(axis=0)[back], z.sum(axis=0)[back]
    marginals_known &= status != Status.error
    village_years = _village_years(
        table,
        data_t,
        years,
        new_t,
        funded_t,
        y[:, back],
        w[:, back],
        z[:, back],
        village_m[:, :, back] if marginals_known else None,
    )
    pool_years = _pool_years(years, z, pool_m if marginals_known else None)
    year_totals = _year_totals(years, new, funded, y, w, z)
    pools = [
        PoolUse(
            kabupaten=name,
            pool_idr=float(years.pool[:, k].sum()),
            spent_idr=float(
                np.bincount(data.pool_of, weights=z.sum(axis=0), minlength=len(data.pool_names))[k]
            ),
        )
        for k, name in enumerate(data.pool_names)
    ]
    return Plan(
        status=status,
        objective=objective,
        message=message,
        method=method,
        lp_bound=bound,
        gap_to_lp_bound=(abs(bound - objective) / max(1.0, abs(bound))) if bound is not None else None,
        check=check,
        check_seconds=check_s,
        total_seconds=run.elapsed_s(),
        preferred=preferred_all,
        build_seconds=build_s,
        solve_seconds=solve_s,
        blocks=len(blocks),
        totals=totals(data_t, plan_new, ys, ws, zs),
        villages=village_plans(table, data_t, plan_new, ys, ws, zs, None),
        pools=pools,
        group_reasons=group_reasons(data_t, plan_new),
        new_by_source={
            s.value: float(np.diff(funded_src[i], axis=-1, prepend=0.0).sum()) for i, s in enumerate(SOURCES)
        }
        if not years.uniform
        else {},
        years=year_totals,
        village_years=village_years,
        pool_years=pool_years,
        marginals_from=(None if not marginals_known else "lp_relaxation" if data.integer else "lp"),
        **base,
    )


def _infeasible_message(years: Years, villages: np.ndarray) -> str:
    pools = sorted({years.base.pool_names[k] for k in np.unique(years.base.pool_of).tolist()})
    where = ", ".join(p for p in pools if p) or "the table"
    return (
        f"HiGHS proved that no plan for the {len(villages)} villages in {where} keeps every "
        f"worker funded and meets every year's floors and targets with each year's money, "
        f"although each year's money alone would suffice: the later years need more money, "
        f"or lower floors."
    )


def _whole(value: float) -> float:
    rounded = round(value)
    return float(rounded) if abs(value - rounded) < _EPS else float(value)


def _marginal(values: np.ndarray | None, *at: int) -> dict[str, Any]:
    """The three marginal fields of a village or pool in a year; None where not known (a range
    without end is None too)."""
    if values is None or np.isnan(values[(0, *at)]):
        return {}
    span = float(values[(2, *at)])
    return {
        "marginal_value_per_million": float(values[(0, *at)]),
        "marginal_enrollments_per_million": float(values[(1, *at)]),
        "marginal_range_idr": span if np.isfinite(span) else None,
    }


def _pool_years(years: Years, z: np.ndarray, marginals: np.ndarray | None) -> list[PoolYear]:
    """Each pool in each year: its money, the plan's spend of it, its marginal values."""
    data = years.base
    K = len(data.pool_names)
    out = []
    for t in range(years.T):
        spent = np.bincount(data.pool_of, weights=z[t], minlength=K)
        for k, name in enumerate(data.pool_names):
            if (
                years.pool[t, k] <= 0
                and spent[k] <= 0
                and (marginals is None or np.isnan(marginals[0, t, k]))
            ):
                continue
            out.append(
                PoolYear(
                    kabupaten=name,
                    year=t + 1,
                    fiscal_year=years.fiscal_years[t],
                    pool_idr=float(years.pool[t, k]),
                    spent_idr=float(spent[k]),
                    **_marginal(marginals, t, k),
                )
            )
    return out


def _village_years(
    table: Any,
    data: Arrays,
    years: Years,
    new: np.ndarray,
    funded: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    z: np.ndarray,
    marginals: np.ndarray | None = None,
) -> list[VillageYear]:
    """Per village and year (the table's order): only the non-zero counts, walked once each.
    `marginals` (3, T, n) in the table's order, or None."""
    total = (data.uninsured + data.enrolled).sum(axis=1)
    enrolled = data.enrolled.sum(axis=1)
    T = years.T
    by_new: list[dict[str, dict[str, float]]] = [{} for _ in range(data.n * T)]
    by_funded: list[dict[str, dict[str, float]]] = [{} for _ in range(data.n * T)]
    for counts, into in ((new, by_new), (funded, by_funded)):
        at = np.nonzero(counts > _EPS)
        values = counts[at].tolist()
        for v, g, p, t, value in zip(*(i.tolist() for i in at), values, strict=True):
            into[v * T + t].setdefault(data.groups[g], {})[data.packages[p]] = _whole(value)
    new_sum = new.sum(axis=(1, 2))  # (n, T)
    funded_sum = funded.sum(axis=(1, 2))
    covered = enrolled[:, None] + funded_sum
    out = []
    construct = VillageYear.model_construct
    for i, village in enumerate(table.villages):
        for t in range(T):
            out.append(
                construct(
                    village_code=village.village_code,
                    year=t + 1,
                    fiscal_year=years.fiscal_years[t],
                    new_enrollments=_whole(float(new_sum[i, t])),
                    funded=_whole(float(funded_sum[i, t])),
                    enrollments=by_new[i * T + t],
                    funded_by=by_funded[i * T + t],
                    spend_dana_desa_idr=float(y[t, i]),
                    spend_add_idr=float(w[t, i]),
                    spend_apbd_idr=float(z[t, i]),
                    coverage_after=float(covered[i, t] / total[i]) if total[i] > 0 else None,
                    **_marginal(marginals, t, i),
                )
            )
    return out


def _year_totals(
    years: Years, new: np.ndarray, funded: np.ndarray, y: np.ndarray, w: np.ndarray, z: np.ndarray
) -> list[YearTotals]:
    data = years.base
    total = float((data.uninsured + data.enrolled).sum())
    enrolled = float(data.enrolled.sum())
    return [
        YearTotals(
            year=t + 1,
            fiscal_year=years.fiscal_years[t],
            months=years.months[t],
            new_enrollments=_whole(float(new[..., t].sum())),
            funded=_whole(float(funded[..., t].sum())),
            spend_dana_desa_idr=float(y[t].sum()),
            spend_add_idr=float(w[t].sum()),
            spend_apbd_idr=float(z[t].sum()),
            cap_dana_desa_idr=float(years.cap_dd[t].sum()),
            cap_add_idr=float(years.cap_add[t].sum()),
            pool_idr=float(years.pool[t].sum()),
            coverage_after=(enrolled + float(funded[..., t].sum())) / total if total > 0 else None,
            min_coverage=float(years.min_coverage[t]),
            min_new_enrollments=float(years.min_new[t]),
        )
        for t in range(years.T)
    ]
