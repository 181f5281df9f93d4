"""The exact curve's one model: built once in HiGHS, its rows' bounds following the lever.

`Parametric.solve_at(t)` re-solves warm (dual simplex from the last optimal basis) and gives a
`Vertex` (the lever, the objective and a supergradient from the rows' duals); `plan_point` walks
the order of preference on the warm model and checks the plan, as `solve` would. Used by
`solver.curves`.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from models import (
    CurvePoint,
    Lever,
    LeverKind,
    Objective,
    Problem,
    SolveOptions,
    Status,
)
from solver.check import check_plan
from solver.clean import clean_plan
from solver.context import RunContext
from solver.data import Arrays
from solver.extract import objective_value, split_sources, totals, whole_rupiah
from solver.levers import LeverBase, arrays_at
from solver.model import MONEY_UNIT_IDR, build_model
from solver.preference import prefer
from solver.run import run_highs
from solver.solution import solver_model, to_cube


@dataclass
class Vertex:
    t: float  # the lever in internal units (millions of rupiah for pools)
    f: float  # the objective, as `solve` reports it
    slope: float  # a supergradient of sign * f in internal units, times sign


class Parametric:
    """One built model whose rows follow the lever; `at(t)` re-solves warm."""

    def __init__(
        self, problem: Problem, base: LeverBase, lever: Lever, top: float, options: SolveOptions
    ) -> None:
        self.base, self.lever, self.options = base, lever, options
        self.scale = MONEY_UNIT_IDR if lever.kind == LeverKind.apbd_pool else 1.0
        # built at the top of the range, so that every pool column and floor row the range needs
        # exists; below it they are held by their bounds
        structure = arrays_at(base, lever, top)
        self.model = build_model(structure)
        m = self.model
        self.sign = 1.0 if structure.objective == Objective.max_protection else -1.0
        self.unit = MONEY_UNIT_IDR if structure.objective == Objective.min_cost else 1.0
        n_caps = int((structure.uninsured > 0).sum()) if len(structure.packages) > 1 else 0
        first_floor = n_caps + len(m.budget_row_ids) + len(m.pool_row_ids)
        self.floor_v = np.nonzero(structure.total_need > 0)[0]
        self.floor_rows = np.arange(first_floor, first_floor + len(self.floor_v), dtype=np.int32)
        self.solves = 0
        self.highs: highspy.Highs | None = None
        self.data = structure

    def arrays(self, t: float) -> Arrays:
        return arrays_at(self.base, self.lever, t * self.scale)

    def _set(self, data: Arrays) -> None:
        m, highs = self.model, self.highs
        assert highs is not None
        if len(m.budget_row_ids):
            rows = m.budget_row_ids.astype(np.int32)
            highs.changeRowsBounds(  # type: ignore[attr-defined]
                len(rows),
                rows,
                np.full(len(rows), -np.inf),
                data.own_idr[m.budget_v] / MONEY_UNIT_IDR,
            )
        if len(m.pool_row_ids):
            rows = m.pool_row_ids.astype(np.int32)
            highs.changeRowsBounds(  # type: ignore[attr-defined]
                len(rows),
                rows,
                np.full(len(rows), -np.inf),
                data.pool_idr[m.pool_k] / MONEY_UNIT_IDR,
            )
        if len(self.floor_rows):
            highs.changeRowsBounds(  # type: ignore[attr-defined]
                len(self.floor_rows),
                self.floor_rows,
                data.total_need[self.floor_v],
                np.full(len(self.floor_rows), np.inf),
            )

    def solve_at(self, t: float) -> Vertex | None:
        """The LP optimum at t (None: no plan), left in HiGHS."""
        data = self.arrays(t)
        self.solves += 1
        if self.highs is None:
            self.data = data
            m = self.model
            # the first solve goes through the model's own path at the structure's bounds
            first = run_highs(m, self.options.time_limit_s, threads=self.options.threads, mip=False)
            self.highs = solver_model(m)
            self.highs.setOptionValue("presolve", "off")  # re-solves start from the basis
            self.highs.setOptionValue("simplex_strategy", 1)  # dual simplex after a bound change
            del first
        self._set(data)
        highs = self.highs
        highs.setOptionValue("time_limit", max(self.options.time_limit_s, 0.01))
        highs.run()
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        self.data = data
        f = float(highs.getInfo().objective_function_value) * self.unit
        return Vertex(t=t, f=f, slope=self.sign * self._slope(data) * self.unit)

    def _slope(self, data: Arrays) -> float:
        """d objective / d t from the rows' duals (HiGHS units per internal unit of the lever)."""
        assert self.highs is not None
        dual = np.asarray(self.highs.getSolution().row_dual)
        m, kind = self.model, self.lever.kind
        if kind in (LeverKind.dana_desa_share, LeverKind.add_share):
            direction = (
                np.where(self.base.follows_share, self.base.dana_desa_idr, 0.0)
                if kind == LeverKind.dana_desa_share
                else self.base.add_idr
            )
            return float(dual[m.budget_row_ids] @ (direction[m.budget_v] / MONEY_UNIT_IDR))
        if kind == LeverKind.apbd_pool:
            if self.lever.kabupaten is None:
                moved = np.ones(len(m.pool_k))
            else:
                k = data.pool_names.index(self.lever.kabupaten)
                moved = (m.pool_k == k).astype(float)
            return float(dual[m.pool_row_ids] @ moved)  # pools are in millions: per million
        # min_coverage: a floor's need m T - E grows by T where it is positive
        total = (data.uninsured + data.enrolled).sum(axis=1)[self.floor_v]
        growing = data.min_coverage * total - data.enrolled.sum(axis=1)[self.floor_v] >= 0
        return float(dual[self.floor_rows] @ np.where(growing, total, 0.0))

    def plan_point(self, t: float, kind: str) -> CurvePoint:
        """The preferred plan at t, checked, as a point (the model is left as it was)."""
        vertex = self.solve_at(t)
        value = t * self.scale
        if vertex is None:
            return CurvePoint(lever_value=value, kind=kind, status=Status.infeasible.value)
        highs = self.highs
        assert highs is not None
        lp = highs.getLp()
        saved = (
            np.asarray(lp.col_lower_).copy(),
            np.asarray(lp.col_upper_).copy(),
            np.asarray(lp.row_lower_).copy(),
            np.asarray(lp.row_upper_).copy(),
            np.asarray(lp.col_cost_).copy(),
            highs.getBasis(),
        )
        data = self.data
        run = RunContext(self.options)
        col_value = (
            prefer(highs, self.model, data, run).col_value
            if self.options.tie_break
            else np.asarray(highs.getSolution().col_value)
        )
        self._restore(saved)
        # without the solver's noise, as `solve` hands its plans out: a warm re-solve at a pool of
        # Rp0 keeps its pool columns, and their dust would otherwise be reported as spending
        x = clean_plan(data, to_cube(self.model, data, col_value))
        y, w, z = split_sources(data, x)
        check = check_plan(data, x, y, w, z, self.options.feasibility_tolerance)
        y, w, z, _ = whole_rupiah(data, y, w, z)
        t_ = totals(data, x, y, w, z)
        return CurvePoint(
            lever_value=value,
            kind=kind,
            status=Status.optimal.value if check.ok else Status.error.value,
            objective=objective_value(data, x),
            new_enrollments=t_.new_enrollments,
            coverage_after=t_.coverage_after,
            spend_dana_desa_idr=t_.spend_dana_desa_idr,
            spend_add_idr=t_.spend_add_idr,
            spend_apbd_idr=t_.spend_apbd_idr,
            spend_total_idr=t_.spend_total_idr,
            check_ok=check.ok,
        )

    def _restore(self, saved: tuple) -> None:  # type: ignore[type-arg]
        highs = self.highs
        assert highs is not None
        col_lower, col_upper, row_lower, row_upper, cost, basis = saved
        n_cols, n_rows = len(col_lower), len(row_lower)
        cols = np.arange(n_cols, dtype=np.int32)
        highs.changeColsBounds(n_cols, cols, col_lower, col_upper)
        highs.changeRowsBounds(  # type: ignore[attr-defined]
            n_rows,
            np.arange(n_rows, dtype=np.int32),
            row_lower,
            row_upper,
        )
        highs.changeColsCost(n_cols, cols, cost)
        highs.changeObjectiveSense(
            highspy.ObjSense.kMaximize if self.model.maximize else highspy.ObjSense.kMinimize
        )
        highs.setBasis(basis)
