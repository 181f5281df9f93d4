"""Budget-outcome curves: the plan's outcome as one lever of the scenario moves.

For a continuous plan and a lever on right-hand sides (the share of dana desa or ADD, an APBD pool,
the coverage floor) the optimum is a piecewise linear function of the lever: concave for
`max_protection` (convex for `min_cost`), as the optimum of an LP is in its right-hand side. Its
exact breakpoints come from parametric analysis on one model that stays built in HiGHS: only the
rows' bounds change, and every re-solve starts (dual simplex) from the last optimal basis. The
search is the sandwich of tangents: at two points a < b with values f and slopes s (the rows'
duals times how the lever moves their bounds: a supergradient), the tangents meet at t*; if the
optimum at t* lies on them, f is linear on [a, t*] and [t*, b] and t* is a breakpoint (or not, if
the slopes agree); otherwise both halves are searched again. Every vertex found is an LP optimum,
so the curve drawn through them is exact, not an interpolation of samples.

Where the lever starts to have a plan comes from the exact money checks (`solver.explain`, strict),
bisected; where more money stops helping is the first vertex after which the slope is zero.

Every point reported is a plan like any other: on the warm model the order of preference is walked
(`solver.preference`, the same passes `solve` makes), the plan is checked against every constraint
(`solver.check.check_plan`) and its objective is the one `solve` would give. Whole-number plans and
a package's premium (which moves coefficients, not right-hand sides) are solved point by point with
`solver.solve`; their curves are sampled, not exact.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import highspy
import numpy as np

from models import (
    Curve,
    CurvePoint,
    Lever,
    LeverKind,
    Objective,
    Plan,
    Problem,
    ScenarioError,
    SolveOptions,
    Status,
    VillageTable,
)
from solver.check import check_plan
from solver.clean import clean_plan
from solver.context import RunContext
from solver.data import Arrays
from solver.explain import explain_infeasibility
from solver.extract import objective_value, split_sources, totals, whole_rupiah
from solver.levers import LeverBase, arrays_at, check_lever, lever_base, scenario_at
from solver.model import MONEY_UNIT_IDR, build_model
from solver.multiyear import is_multi_year
from solver.preference import prefer
from solver.run import run_highs
from solver.solution import solver_model, to_cube
from solver.solve import solve

_REL_TOL = 1e-7  # a value on a tangent line, relative to max(1, |value|)
_SLOPE_TOL = 1e-9  # slopes that agree, relative to max(1, |slope|)
_MAX_SOLVES = 2_000


def sweep(
    problem: Problem,
    lever: Lever,
    values: list[float],
    options: SolveOptions | None = None,
    breakpoints: bool = True,
) -> Curve:
    """The outcome at each of `values` (and, for exact curves, at every breakpoint between)."""
    start = time.perf_counter()
    options = options or SolveOptions()
    check_lever(problem, lever)
    values = sorted({float(v) for v in values})
    scenario = problem.scenario
    # a multi-year plan's curve is sampled: the parametric analysis follows one year's rows
    exact = (
        breakpoints
        and not scenario.integer
        and lever.kind != LeverKind.premium
        and bool(values)
        and not is_multi_year(scenario)
    )
    if exact:
        curve = _exact_curve(problem, lever, values, options)
    else:
        curve = _sampled_curve(problem, lever, values, options)
    curve.seconds = time.perf_counter() - start
    return curve


# ---------------------------------------------------------------- sampled, point by point


def _sampled_curve(problem: Problem, lever: Lever, values: list[float], options: SolveOptions) -> Curve:
    points = []
    for value in values:
        plan = solve(
            Problem.model_construct(table=problem.table, scenario=scenario_at(problem, lever, value)), options
        )
        points.append(_plan_point(value, plan))
    planned = (Status.optimal.value, Status.time_limit.value)
    first = next((p for p in points if p.status in planned), None)
    edge = _money_edge(problem, lever, values[0], first.lever_value) if first is not None else None
    if edge is not None:
        # where a plan starts to exist, exactly, between the last point without one and the first with
        plan = solve(
            Problem.model_construct(table=problem.table, scenario=scenario_at(problem, lever, edge)), options
        )
        if plan.status.value in planned:
            points.append(_plan_point(edge, plan).model_copy(update={"kind": "feasible_from"}))
            points.sort(key=lambda p: p.lever_value)
    villages = problem.table.villages
    money = None
    multi = problem.scenario.multi_year if is_multi_year(problem.scenario) else None
    if lever.kind == LeverKind.dana_desa_share:
        money = float(sum(v.dana_desa_idr for v in villages if v.max_share is None))
        if multi is not None:  # the share moves every year's dana desa
            money *= sum(multi.growth("dana_desa_growth"))
    elif lever.kind == LeverKind.add_share:
        money = float(sum(v.add_idr for v in villages))
        if multi is not None:
            money *= sum(multi.growth("add_growth"))
    _chord_slopes(points, lever, money)
    curve = Curve(
        lever=lever,
        objective_name=problem.scenario.objective.value,
        integer=problem.scenario.integer,
        exact=False,
        points=points,
        lp_solves=len(values),
    )
    feasible = [p.lever_value for p in points if p.status == Status.optimal.value]
    if feasible and lever.kind != LeverKind.min_coverage:
        curve.feasible_from = feasible[0]
    exact_from = next((p.lever_value for p in points if p.kind == "feasible_from"), None)
    if exact_from is not None:
        curve.feasible_from = exact_from  # exact: where the money checks say a plan starts
    why = (
        " (whole workers: the curve is not piecewise linear)"
        if curve.integer
        else " (a premium moves the model's coefficients, not its budgets)"
        if lever.kind == LeverKind.premium
        else f" (a plan of {problem.scenario.years} years: the lever moves every year)"
    )
    curve.message = "Sampled: each point solved on its own, slopes between neighbouring points" + why + "."
    return curve


# the grid an exact edge is reported on: whole rupiah, shares to a millionth (as the remedies)
_EDGE_STEPS = {LeverKind.apbd_pool: 1.0, LeverKind.dana_desa_share: 1e-6, LeverKind.add_share: 1e-6}


def _money_edge(problem: Problem, lever: Lever, lo: float, first: float) -> float | None:
    """The least value of a money lever in (lo, first] with a plan, on the lever's grid, by the
    exact money checks (exact for whole workers too, `solver.explain`); None where they do not
    decide (a premium, the floor, several years, premiums by payer) or a plan exists from `lo`."""
    step = _EDGE_STEPS.get(lever.kind)
    if step is None or first <= lo or is_multi_year(problem.scenario):
        return None
    try:
        canonical = _canonical(problem)
        base = lever_base(canonical)
    except ScenarioError:
        return None
    villages = canonical.table.villages

    def has_plan(value: float) -> bool:
        return not explain_infeasibility(arrays_at(base, lever, value), villages, strict=True)

    if has_plan(lo) or not has_plan(first):
        return None  # the checks and the solves disagree: say only what the points show
    threshold = _threshold(has_plan, lo, first, increasing=True)
    if threshold is None:
        return None
    edge = min(first, math.ceil(threshold / step - 1e-9) * step)
    while not has_plan(edge) and edge < first:
        edge = min(first, edge + step)
    edge = round(edge, 6)
    return edge if lo < edge < first else None


def _plan_point(value: float, plan: Plan) -> CurvePoint:
    point = CurvePoint(
        lever_value=value,
        kind="sampled",
        status=plan.status.value,
        objective=plan.objective,
        check_ok=plan.check.ok if plan.check else None,
    )
    if plan.totals is not None and plan.has_targets:
        t = plan.totals
        point.new_enrollments = t.new_enrollments
        point.coverage_after = t.coverage_after
        point.spend_dana_desa_idr = t.spend_dana_desa_idr
        point.spend_add_idr = t.spend_add_idr
        point.spend_apbd_idr = t.spend_apbd_idr
        point.spend_total_idr = t.spend_total_idr
    return point


def _chord_slopes(points: list[CurvePoint], lever: Lever, money_per_unit: float | None) -> None:
    """Each point's slopes from its neighbours on the curve (exact between vertices)."""
    solved = [p for p in points if p.objective is not None and p.status == Status.optimal.value]
    for left, right in zip(solved, solved[1:], strict=False):
        span = right.lever_value - left.lever_value
        if span <= 0:
            continue
        assert left.objective is not None and right.objective is not None
        slope = (right.objective - left.objective) / span
        left.slope_right = slope
        right.slope_left = slope
    for p in solved:
        if p.slope_right is not None:
            p.marginal_value_per_million = _per_million(lever, p.slope_right, money_per_unit)


def _per_million(lever: Lever, slope: float, money_per_unit: float | None) -> float | None:
    if lever.kind == LeverKind.apbd_pool:
        return slope * MONEY_UNIT_IDR
    if lever.kind in (LeverKind.dana_desa_share, LeverKind.add_share) and money_per_unit:
        return slope / money_per_unit * MONEY_UNIT_IDR
    return None


# ---------------------------------------------------------------- exact, parametric


@dataclass
class _Vertex:
    t: float  # the lever in internal units (millions of rupiah for pools)
    f: float  # the objective, as `solve` reports it
    slope: float  # a supergradient of sign * f in internal units, times sign


class _Parametric:
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

    def solve_at(self, t: float) -> _Vertex | None:
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
        return _Vertex(t=t, f=f, slope=self.sign * self._slope(data) * self.unit)

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


def _exact_curve(problem: Problem, lever: Lever, values: list[float], options: SolveOptions) -> Curve:
    canonical = _canonical(problem)
    base = lever_base(canonical)
    villages = canonical.table.villages
    scenario = problem.scenario
    increasing = lever.kind != LeverKind.min_coverage  # more of the lever: more plans
    lo, hi = values[0], values[-1]
    top = hi if increasing else max(hi, scenario.targets.min_coverage)
    param = _Parametric(canonical, base, lever, top, options)
    scale = param.scale
    curve = Curve(lever=lever, objective_name=scenario.objective.value, integer=False, exact=True)

    def has_plan(value: float) -> bool:
        return not explain_infeasibility(arrays_at(base, lever, value), villages, strict=True)

    # the range with plans, by the exact money checks
    if increasing:
        first = lo if has_plan(lo) else _threshold(has_plan, lo, hi, increasing=True)
        feasible = (first, hi) if first is not None else None
        curve.feasible_from = first if first is not None and first > lo else None
    else:
        last = hi if has_plan(hi) else _threshold(has_plan, lo, hi, increasing=False)
        feasible = (lo, last) if last is not None else None
        curve.feasible_up_to = last if last is not None and last < hi else None

    vertices: list[_Vertex] = []
    if feasible is not None:
        a = _solved_vertex(param, feasible[0] / scale, toward=feasible[1] / scale)
        b = _solved_vertex(param, feasible[1] / scale, toward=feasible[0] / scale)
        if a is not None and b is not None:
            vertices = _sandwich(param, a, b) if b.t > a.t else [a]
    tol_t = 1e-12
    kinks = _kinks(vertices)
    curve.breakpoints = [v.t * scale for v in kinks]

    # where more stops helping: the first vertex from which the objective no longer grows
    if increasing and vertices:
        sat = _saturation(vertices)
        if sat is not None and sat.t < vertices[-1].t - tol_t:
            curve.saturated_from = sat.t * scale
    points: dict[float, str] = {v: "sampled" for v in values}
    for t in curve.breakpoints:
        points.setdefault(t, "breakpoint")
    if curve.feasible_from is not None:
        points[curve.feasible_from] = "feasible_from"
    if curve.feasible_up_to is not None:
        points[curve.feasible_up_to] = "feasible_up_to"
    if curve.saturated_from is not None:
        points[curve.saturated_from] = "saturated_from"
    by_t = {v.t * scale: v for v in vertices}
    out = []
    for value in sorted(points):
        if feasible is None or not feasible[0] <= value <= feasible[1]:
            out.append(CurvePoint(lever_value=value, kind=points[value], status=Status.infeasible.value))
            continue
        if points[value] == "breakpoint":
            # a vertex of the curve: its objective is the LP's; the plan behind it is not walked
            # down the order of preference (that is for the points asked for)
            vertex = by_t[value]
            out.append(
                CurvePoint(
                    lever_value=value, kind="breakpoint", status=Status.optimal.value, objective=vertex.f
                )
            )
            continue
        point = param.plan_point(value / scale, points[value])
        if point.status == Status.infeasible.value and value == (feasible[0] if increasing else feasible[1]):
            # at the exact threshold HiGHS may need its hair of tolerance: the nearest solvable
            near = _solved_vertex(
                param, value / scale, toward=(feasible[1] if increasing else feasible[0]) / scale
            )
            if near is not None:
                point = param.plan_point(near.t, points[value])
        out.append(point)
    curve.points = out
    money_per_unit = _money_per_unit(base, lever)
    _segment_slopes(curve, vertices, scale, lever, money_per_unit)
    curve.lp_solves = param.solves
    if curve.saturated_from is not None:
        curve.saturation_reason = _saturation_reason(curve, base.data, scenario.objective)
    curve.message = _curve_message(curve)
    return curve


def _canonical(problem: Problem) -> Problem:
    table = problem.table
    canonical = VillageTable(
        groups=sorted(table.groups),
        villages=sorted(table.villages, key=lambda v: v.village_code),
        source=table.source,
    )
    return Problem.model_construct(table=canonical, scenario=problem.scenario)


def _threshold(has_plan: object, lo: float, hi: float, increasing: bool) -> float | None:
    """The exact edge of the range with plans within [lo, hi], by bisection to the last bit."""
    assert callable(has_plan)
    inside = hi if increasing else lo
    if not has_plan(inside):
        return None
    outside = lo if increasing else hi
    for _ in range(200):
        mid = (inside + outside) / 2
        if mid in (inside, outside):
            break
        if has_plan(mid):
            inside = mid
        else:
            outside = mid
    return float(inside)


def _solved_vertex(param: _Parametric, t: float, toward: float) -> _Vertex | None:
    """The LP at t, or a hair toward the inside of the range when t is its exact edge."""
    vertex = param.solve_at(t)
    step = max(abs(t), 1.0) * 1e-12
    tries = 0
    while vertex is None and tries < 30 and step < abs(toward - t):
        t_try = t + math.copysign(step, toward - t)
        vertex = param.solve_at(t_try)
        step *= 4
        tries += 1
    return vertex


def _sandwich(param: _Parametric, a: _Vertex, b: _Vertex) -> list[_Vertex]:
    """Every vertex of the concave piecewise linear g = sign f between a and b (sorted)."""
    sign = param.sign
    found = {a.t: a, b.t: b}
    stack = [(a, b)]
    while stack and param.solves < _MAX_SOLVES:
        left, right = stack.pop()
        ga, gb = sign * left.f, sign * right.f
        sa, sb = left.slope, right.slope
        span = right.t - left.t
        if span <= 1e-12 * max(1.0, abs(right.t)):
            continue
        chord = (gb - ga) / span
        scale_s = max(1.0, abs(sa), abs(sb))
        if (
            sa - sb <= _SLOPE_TOL * scale_s
            or abs(sa - chord) <= _SLOPE_TOL * scale_s
            or abs(sb - chord) <= _SLOPE_TOL * scale_s
        ):
            continue  # linear between
        t_star = (gb - ga + sa * left.t - sb * right.t) / (sa - sb)
        if not left.t < t_star < right.t:
            t_star = (left.t + right.t) / 2  # numerics: split the interval
        middle = param.solve_at(t_star)
        if middle is None:
            continue
        found[middle.t] = middle
        on_line = ga + sa * (t_star - left.t)
        if abs(sign * middle.f - on_line) <= _REL_TOL * max(1.0, abs(on_line)):
            continue  # linear on both sides of t*: t* is the vertex
        stack += [(left, middle), (middle, right)]
    return [found[t] for t in sorted(found)]


def _kinks(vertices: list[_Vertex]) -> list[_Vertex]:
    """The vertices where the slope between neighbours changes."""
    out = []
    for before, here, after in zip(vertices, vertices[1:], vertices[2:], strict=False):
        s1 = (here.f - before.f) / (here.t - before.t)
        s2 = (after.f - here.f) / (after.t - here.t)
        if abs(s1 - s2) > 1e-7 * max(1.0, abs(s1), abs(s2)):
            out.append(here)
    return out


def _saturation(vertices: list[_Vertex]) -> _Vertex | None:
    """The first vertex after which the objective stays flat to the end."""
    sat = None
    for before, after in zip(reversed(vertices[:-1]), reversed(vertices[1:]), strict=True):
        if abs(after.f - before.f) <= _REL_TOL * max(1.0, abs(after.f)):
            sat = before
        else:
            break
    return sat


def _segment_slopes(
    curve: Curve, vertices: list[_Vertex], scale: float, lever: Lever, money_per_unit: float | None
) -> None:
    """Slopes of the exact curve left and right of each point (per unit of the lever)."""
    ts = np.array([v.t * scale for v in vertices])
    fs = np.array([v.f for v in vertices])

    def slope(i: int) -> float:  # of the segment from vertex i to vertex i + 1
        return float((fs[i + 1] - fs[i]) / (ts[i + 1] - ts[i]))

    for p in curve.points:
        if p.objective is None or len(ts) < 2:
            continue
        near = 1e-9 * max(1.0, abs(p.lever_value))  # a threshold's vertex is a hair inside
        i = int(np.searchsorted(ts, p.lever_value + near, side="right")) - 1  # ts[i] <= value
        if 0 <= i < len(ts) - 1:
            p.slope_right = slope(i)
        j = int(np.searchsorted(ts, p.lever_value - near, side="left"))  # ts[j] >= value
        if 1 <= j < len(ts):
            p.slope_left = slope(j - 1)
        if p.slope_right is not None:
            p.marginal_value_per_million = _per_million(lever, p.slope_right, money_per_unit)


def _money_per_unit(base: LeverBase, lever: Lever) -> float | None:
    """Rupiah of village money one unit of a share lever adds across the table."""
    if lever.kind == LeverKind.dana_desa_share:
        return float(np.where(base.follows_share, base.dana_desa_idr, 0.0).sum())
    if lever.kind == LeverKind.add_share:
        return float(base.add_idr.sum())
    return None


def _saturation_reason(curve: Curve, data: Arrays, objective: Objective) -> str:
    if objective == Objective.min_cost:
        return (
            "a min_cost plan buys only what its floors and target ask: once they are met, "
            "more money changes nothing"
        )
    at = next((p for p in curve.points if p.lever_value == curve.saturated_from), None)
    if (
        at is not None
        and at.new_enrollments is not None
        and at.new_enrollments >= float(data.uninsured.sum()) - 1e-6
    ):
        return "every uninsured worker is enrolled"
    return "the villages with uninsured workers left get no more money from this lever: the other caps bind"


def _curve_message(curve: Curve) -> str:
    parts = [
        f"Exact: {len(curve.breakpoints)} breakpoint"
        f"{'s' if len(curve.breakpoints) != 1 else ''} found by parametric analysis "
        f"({curve.lp_solves} warm LP re-solves)."
    ]
    if curve.feasible_from is not None:
        parts.append(f"A plan exists from {curve.feasible_from:,.6g} on.")
    if curve.feasible_up_to is not None:
        parts.append(f"A plan exists up to {curve.feasible_up_to:,.6g}.")
    if curve.saturated_from is not None:
        parts.append(f"From {curve.saturated_from:,.6g} on more buys nothing: {curve.saturation_reason}.")
    return " ".join(parts)
