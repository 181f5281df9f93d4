"""One lever of a scenario moved to a value: on the scenario itself, and on the prepared arrays.

The money levers (`dana_desa_share`, `add_share`, an APBD pool) and the coverage floor only move
right-hand sides of the LP; a package's premium moves coefficients. `arrays_at` gives exactly the
arrays `solver.data.prepare` would give for `scenario_at`, without preparing the table again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from models import InputIssue, Lever, LeverKind, Package, Problem, Scenario, ScenarioError
from solver.data import Arrays, _floor_need, prepare
from solver.multiyear import refuse_multi_year


@dataclass
class LeverBase:
    """The canonical problem's arrays and what the levers act on."""

    problem: Problem
    data: Arrays
    dana_desa_idr: np.ndarray  # (n,)
    follows_share: np.ndarray  # (n,) the village has no `max_share` of its own
    add_idr: np.ndarray  # (n,)
    horizon_months: int


def lever_base(problem: Problem) -> LeverBase:
    villages = problem.table.villages
    refuse_multi_year(problem.scenario, "a budget-outcome curve")
    data = prepare(problem)
    if data.payer_cost_idr is not None:
        # the parametric analysis moves one budget row per village; premiums by payer have more
        raise ScenarioError(
            [
                InputIssue(
                    field="packages",
                    message="curves are not yet drawn where the contribution rules make the premiums differ "
                    "by who pays or by sector; solve the scenario at each value instead",
                )
            ]
        )
    return LeverBase(
        problem=problem,
        data=data,
        dana_desa_idr=np.array([v.dana_desa_idr for v in villages], dtype=float),
        follows_share=np.array([v.max_share is None for v in villages], dtype=bool),
        add_idr=np.array([v.add_idr for v in villages], dtype=float),
        horizon_months=problem.scenario.horizon_months,
    )


def check_lever(problem: Problem, lever: Lever) -> None:
    """Refuse a lever the scenario cannot move."""
    scenario = problem.scenario
    issue = None
    pool = scenario.budget.apbd_pool_idr
    if scenario.multi_year is not None and scenario.multi_year.apbd_pool_idr is not None:
        pool = scenario.multi_year.apbd_pool_idr[0]  # the pools per year have one form
    if lever.kind == LeverKind.apbd_pool and lever.kabupaten is not None:
        if not isinstance(pool, dict):
            issue = (
                "the scenario has one APBD pool for the whole table; leave the kabupaten out or "
                "give the pool per kabupaten"
            )
        elif lever.kabupaten not in problem.table.kabupaten:
            issue = f"no village of the table is in kabupaten '{lever.kabupaten}'"
    if (
        lever.kind == LeverKind.premium
        and lever.package is not None
        and lever.package not in [p.code for p in scenario.packages]
    ):
        issue = f"the scenario has no package '{lever.package}'"
    elif lever.kind == LeverKind.premium and any(
        p.from_rules for p in scenario.packages if lever.package in (None, p.code)
    ):
        issue = "a package priced by the contribution rules has no typed premium to move"
    if issue:
        raise ScenarioError([InputIssue(field="lever", message=issue)])


def current_value(scenario: Scenario, lever: Lever) -> float:
    budget = scenario.budget
    if lever.kind == LeverKind.dana_desa_share:
        return budget.dana_desa_share
    if lever.kind == LeverKind.add_share:
        return budget.add_share
    if lever.kind == LeverKind.apbd_pool:
        pool = budget.apbd_pool_idr
        if not isinstance(pool, dict):
            return float(pool)
        if lever.kabupaten is not None:
            return float(pool.get(lever.kabupaten, 0.0))
        return float(max(pool.values(), default=0.0))
    if lever.kind == LeverKind.premium:
        premium = _package(scenario, lever).monthly_premium_idr
        if premium is None:  # check_lever refuses a package priced by the rules
            raise ScenarioError([InputIssue(field="lever", message="the package has no typed premium")])
        return premium
    return scenario.targets.min_coverage


def _package(scenario: Scenario, lever: Lever) -> Package:
    if lever.package is None:
        return scenario.packages[0]
    return next(p for p in scenario.packages if p.code == lever.package)


def scenario_at(problem: Problem, lever: Lever, value: float) -> Scenario:
    """The scenario with the lever at `value` (every pool at `value` for a lever on every pool).
    A multi-year scenario's pools or floors given per year are every year at `value` (a pool of
    one kabupaten: that kabupaten's, every year)."""
    return _every_year_at(problem, lever, value, _scenario_at(problem, lever, value))


def _every_year_at(problem: Problem, lever: Lever, value: float, scenario: Scenario) -> Scenario:
    multi = scenario.multi_year
    if multi is None:
        return scenario
    if lever.kind == LeverKind.apbd_pool and multi.apbd_pool_idr is not None:
        yearly: list[float | dict[str, float]] = []
        for pool in multi.apbd_pool_idr:
            if not isinstance(pool, dict):
                yearly.append(value)
            elif lever.kabupaten is not None:
                yearly.append({**pool, lever.kabupaten: value})
            else:
                yearly.append({k: value for k in problem.table.kabupaten})
        return scenario.model_copy(update={"multi_year": multi.model_copy(update={"apbd_pool_idr": yearly})})
    if lever.kind == LeverKind.min_coverage and multi.min_coverage is not None:
        return scenario.model_copy(
            update={"multi_year": multi.model_copy(update={"min_coverage": [value] * multi.years})}
        )
    return scenario


def _scenario_at(problem: Problem, lever: Lever, value: float) -> Scenario:
    scenario = problem.scenario
    budget, targets = scenario.budget, scenario.targets
    if lever.kind == LeverKind.dana_desa_share:
        return scenario.model_copy(update={"budget": budget.model_copy(update={"dana_desa_share": value})})
    if lever.kind == LeverKind.add_share:
        return scenario.model_copy(update={"budget": budget.model_copy(update={"add_share": value})})
    if lever.kind == LeverKind.apbd_pool:
        pool = budget.apbd_pool_idr
        new_pool: float | dict[str, float]
        if not isinstance(pool, dict):
            new_pool = value
        elif lever.kabupaten is not None:
            new_pool = {**pool, lever.kabupaten: value}
        else:
            new_pool = {k: value for k in problem.table.kabupaten}
        return scenario.model_copy(update={"budget": budget.model_copy(update={"apbd_pool_idr": new_pool})})
    if lever.kind == LeverKind.premium:
        code = _package(scenario, lever).code
        packages = [
            p.model_copy(update={"monthly_premium_idr": value}) if p.code == code else p
            for p in scenario.packages
        ]
        return scenario.model_copy(update={"packages": packages})
    return scenario.model_copy(update={"targets": targets.model_copy(update={"min_coverage": value})})


def arrays_at(base: LeverBase, lever: Lever, value: float) -> Arrays:
    """`prepare(scenario_at(...))` for the canonical problem, from the prepared arrays."""
    data = base.data
    if lever.kind == LeverKind.dana_desa_share:
        cap = np.where(base.follows_share, value * base.dana_desa_idr, data.cap_dana_desa_idr)
        return replace(data, cap_dana_desa_idr=cap)
    if lever.kind == LeverKind.add_share:
        return replace(data, cap_add_idr=value * base.add_idr)
    if lever.kind == LeverKind.apbd_pool:
        pool = data.pool_idr.copy()
        if lever.kabupaten is None:
            pool[:] = value
        else:
            pool[data.pool_names.index(lever.kabupaten)] = value
        return replace(data, pool_idr=pool)
    if lever.kind == LeverKind.premium:
        codes = [p.code for p in base.problem.scenario.packages]
        p = 0 if lever.package is None else codes.index(lever.package)
        cost = data.cost_idr.copy()
        cost[p] = value * base.horizon_months
        return replace(data, cost_idr=cost)
    total = data.uninsured + data.enrolled
    need = _floor_need(value, total.sum(axis=1), data.enrolled.sum(axis=1), data.integer)
    return replace(data, total_need=need, min_coverage=value)


def lever_rhs_direction(base: LeverBase, lever: Lever) -> np.ndarray | None:
    """For a money lever, d(own money of each village)/d(value) in rupiah (None for pools)."""
    if lever.kind == LeverKind.dana_desa_share:
        return np.where(base.follows_share, base.dana_desa_idr, 0.0)
    if lever.kind == LeverKind.add_share:
        return base.add_idr.copy()
    return None


def remedy_scenario(
    problem: Problem, lever: str, value: float, kabupaten: str | None = None, group: str | None = None
) -> Scenario:
    """The scenario with one remedy's lever (`models.Remedy.lever`) at `value`."""
    scenario = problem.scenario
    if lever == "group_min_coverage":
        assert group is not None
        floors = {**scenario.targets.group_min_coverage, group: value}
        return scenario.model_copy(
            update={"targets": scenario.targets.model_copy(update={"group_min_coverage": floors})}
        )
    if lever == "min_new_enrollments":
        return scenario.model_copy(
            update={"targets": scenario.targets.model_copy(update={"min_new_enrollments": value})}
        )
    return scenario_at(problem, Lever(kind=LeverKind(lever), kabupaten=kabupaten), value)
