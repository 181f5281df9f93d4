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

import numpy as np

from models import (
    Curve,
    CurvePoint,
    Lever,
    LeverKind,
    Objective,
    Plan,
    Problem,
    SolveOptions,
    Status,
)
from solver.curve_edges import canonical_problem, money_edge, plan_threshold
from solver.data import Arrays
from solver.explain import explain_infeasibility
from solver.levers import LeverBase, arrays_at, check_lever, lever_base, scenario_at
from solver.model import MONEY_UNIT_IDR
from solver.multiyear import is_multi_year
from solver.parametric import Parametric, Vertex
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
    edge = money_edge(problem, lever, values[0], first.lever_value) if first is not None else None
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


def _exact_curve(problem: Problem, lever: Lever, values: list[float], options: SolveOptions) -> Curve:
    canonical = canonical_problem(problem)
    base = lever_base(canonical)
    villages = canonical.table.villages
    scenario = problem.scenario
    increasing = lever.kind != LeverKind.min_coverage  # more of the lever: more plans
    lo, hi = values[0], values[-1]
    top = hi if increasing else max(hi, scenario.targets.min_coverage)
    param = Parametric(canonical, base, lever, top, options)
    scale = param.scale
    curve = Curve(lever=lever, objective_name=scenario.objective.value, integer=False, exact=True)

    def has_plan(value: float) -> bool:
        return not explain_infeasibility(arrays_at(base, lever, value), villages, strict=True)

    # the range with plans, by the exact money checks
    if increasing:
        first = lo if has_plan(lo) else plan_threshold(has_plan, lo, hi, increasing=True)
        feasible = (first, hi) if first is not None else None
        curve.feasible_from = first if first is not None and first > lo else None
    else:
        last = hi if has_plan(hi) else plan_threshold(has_plan, lo, hi, increasing=False)
        feasible = (lo, last) if last is not None else None
        curve.feasible_up_to = last if last is not None and last < hi else None

    vertices: list[Vertex] = []
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


def _solved_vertex(param: Parametric, t: float, toward: float) -> Vertex | None:
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


def _sandwich(param: Parametric, a: Vertex, b: Vertex) -> list[Vertex]:
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


def _kinks(vertices: list[Vertex]) -> list[Vertex]:
    """The vertices where the slope between neighbours changes."""
    out = []
    for before, here, after in zip(vertices, vertices[1:], vertices[2:], strict=False):
        s1 = (here.f - before.f) / (here.t - before.t)
        s2 = (after.f - here.f) / (after.t - here.t)
        if abs(s1 - s2) > 1e-7 * max(1.0, abs(s1), abs(s2)):
            out.append(here)
    return out


def _saturation(vertices: list[Vertex]) -> Vertex | None:
    """The first vertex after which the objective stays flat to the end."""
    sat = None
    for before, after in zip(reversed(vertices[:-1]), reversed(vertices[1:]), strict=True):
        if abs(after.f - before.f) <= _REL_TOL * max(1.0, abs(after.f)):
            sat = before
        else:
            break
    return sat


def _segment_slopes(
    curve: Curve, vertices: list[Vertex], scale: float, lever: Lever, money_per_unit: float | None
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
