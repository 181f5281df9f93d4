"""The curves page: a scenario's budget-outcome curve for one lever, as a chart, its breakpoints
and its table, with the same downloads as POST /sweeps.

A curve changes nothing stored, so the page is a GET: the lever and its range are in the address,
and the planner can bookmark or share it. The range is typed as planners type it: shares and the
coverage floor in percent (`0` to `10`, `2,5`), money in rupiah (`1.500.000.000`)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.db import SessionDep
from app.pages.forms import parse_decimal, parse_rupiah
from app.pages.render import render, request_lang
from app.services import datasets as dataset_service
from app.services import insights as insight_service
from app.services import scenarios as scenario_service
from app.settings import SettingsDep
from app.web.responses import ItemId, curve_answer
from models import Curve, InputError, InputIssue, LeverKind, Scenario
from models.tables import SweepCreate
from scenarios import labels

router = APIRouter(include_in_schema=False)

PERCENT_LEVERS = {LeverKind.dana_desa_share, LeverKind.add_share, LeverKind.min_coverage}
LEVER_NAMES = {LeverKind(code): name for code, name in labels.LEVER_NAMES.items()}
KIND_NAMES = labels.POINT_KINDS
SATURATION_REASONS = labels.SATURATION_REASONS
DEFAULT_POINTS = 20


def _default_range(kind: LeverKind, scenario: Scenario, package: str | None) -> tuple[float, float]:
    """A range worth looking at when the planner gives none, around the scenario's own value."""
    if kind == LeverKind.dana_desa_share:
        return 0.0, max(0.10, 2 * scenario.budget.dana_desa_share)
    if kind == LeverKind.add_share:
        return 0.0, max(0.30, 2 * scenario.budget.add_share)
    if kind == LeverKind.min_coverage:
        return 0.0, max(0.5, min(1.0, 2 * scenario.targets.min_coverage))
    if kind == LeverKind.premium:
        chosen = next((p for p in scenario.packages if p.code == package), scenario.packages[0])
        premium = chosen.monthly_premium_idr or 0.0  # none: a premium from declared incomes
        return premium / 2, premium * 2
    pool = scenario.budget.apbd_pool_idr
    largest = max(pool.values(), default=0.0) if isinstance(pool, dict) else pool
    return 0.0, max(5e9, 2 * largest)


def _read(query: dict[str, str], scenario: Scenario) -> tuple[dict[str, Any], list[InputIssue]]:
    """The form's fields as a sweep request's fields, or the problems with what was typed."""
    issues: list[InputIssue] = []
    try:
        kind = LeverKind(query.get("lever", ""))
    except ValueError:
        return {}, [InputIssue(field="lever", message="choose the lever the curve moves")]
    package = query.get("package") or None
    kabupaten = query.get("kabupaten") or None
    low, high = _default_range(kind, scenario, package)

    def number(name: str, default: float) -> float:
        text = (query.get(name) or "").strip()
        if not text:
            return default
        try:
            if kind in PERCENT_LEVERS:
                return round(parse_decimal(text) / 100, 12)
            return parse_rupiah(text)
        except ValueError:
            what = "a number" if kind in PERCENT_LEVERS else "an amount in rupiah"
            issues.append(InputIssue(field=name, message=f"not {what}: '{text}'"))
            return default

    start, stop = number("start", low), number("stop", high)
    points_text = (query.get("points") or "").strip()
    points = DEFAULT_POINTS
    if points_text:
        if not points_text.isdigit():
            issues.append(InputIssue(field="points", message=f"not a whole number: '{points_text}'"))
        elif not 2 <= int(points_text) <= 100:
            issues.append(InputIssue(field="points", message=f"must be from 2 to 100 (got {points_text})"))
        else:
            points = int(points_text)
    integer = {"1": True, "0": False}.get(query.get("integer", ""))
    return {
        "lever": kind.value,
        "kabupaten": kabupaten if kind == LeverKind.apbd_pool else None,
        "package": package if kind == LeverKind.premium else None,
        "start": start,
        "stop": stop,
        "points": points,
        "integer": integer,
    }, issues


def _shown(kind: LeverKind, value: float | None) -> float | None:
    """The lever's value as the form and the chart show it: percent for shares and floors."""
    if value is None:
        return None
    return value * 100 if kind in PERCENT_LEVERS else value


def _chart(curve: Curve) -> dict[str, Any]:
    """The chart's series: shares in percent, a pool in billions of rupiah (its axis says so)."""
    kind = curve.lever.kind
    scale = 1e9 if kind == LeverKind.apbd_pool else 1.0

    def x(value: float | None) -> float | None:
        shown = _shown(kind, value)
        return None if shown is None else shown / scale

    rows = [p for p in curve.points if p.objective is not None]
    return {
        "x": [x(p.lever_value) for p in rows],
        "objective": [p.objective for p in rows],
        # breakpoints carry the objective only: the enrolment line joins the points that have it
        "new_enrollments": [p.new_enrollments for p in rows],
        "breakpoints": [x(b) for b in curve.breakpoints],
        "feasible_from": x(curve.feasible_from),
        "saturated_from": x(curve.saturated_from),
    }


@router.get("/ui/scenarios/{scenario_id}/curve", response_model=None)
def curve_page(request: Request, scenario_id: ItemId, session: SessionDep, settings: SettingsDep) -> Response:
    """The form; with a lever chosen, the curve too (or, with `format`, its file)."""
    query = dict(request.query_params)
    record = scenario_service.get_record(session, scenario_id)
    version_text = query.get("version", "")
    version = int(version_text) if version_text.isdigit() and int(version_text) > 0 else None
    shown = scenario_service.get_version(session, scenario_id, version)
    scenario = Scenario.model_validate(shown.body)
    dataset = dataset_service.get_dataset(session, record.dataset_id)
    context: dict[str, Any] = {
        "scenario": record,
        "version": shown.version,
        "dataset": dataset,
        "body": scenario,
        "levers": LEVER_NAMES,
        "kinds": KIND_NAMES,
        "query": query,
        "issues": [],
        "curve": None,
        "percent": False,
    }
    if "lever" not in query:
        return render(request, "curve.html", context)
    fields, issues = _read(query, scenario)
    if issues:
        return render(request, "curve.html", {**context, "issues": issues}, status_code=422)
    try:
        body = SweepCreate(scenario_id=scenario_id, version=shown.version, **fields)
        curve, name = insight_service.sweep(session, body, settings)
    except InputError as exc:
        return render(request, "curve.html", {**context, "issues": exc.issues}, status_code=422)
    file_format = query.get("format", "")
    if file_format in ("csv", "xlsx", "png"):
        answer: Response = curve_answer(curve, name, file_format, request_lang(request))
        return answer
    kind = curve.lever.kind
    downloads = {
        f: str(request.url.include_query_params(format=f, lang=request_lang(request)))
        for f in ("csv", "xlsx", "png")
    }
    return render(
        request,
        "curve.html",
        {
            **context,
            "curve": curve,
            "chart": json.dumps(_chart(curve)),
            "downloads": downloads,
            "percent": kind in PERCENT_LEVERS,
            "lever_name": LEVER_NAMES[kind],
            "billions": kind == LeverKind.apbd_pool,
            "reason": SATURATION_REASONS.get(curve.saturation_reason, curve.saturation_reason),
            "shown": lambda value: _shown(kind, value),
        },
    )
