"""/plans: solved plans, their villages, kecamatan summary and enrolment targets."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from app.auth import PrincipalDep
from app.auth_views import operator_targets_file, operator_village_page
from app.db import SessionDep
from app.responses import FileFormat, ItemId, Limit, Offset, OptionalId, file_response, file_responses
from app.services import plans as service
from app.settings import SettingsDep
from models import VillagePlan
from models.tables import Page, PlanPublic, Role

router = APIRouter(prefix="/plans", tags=["plans"])


@router.get("", summary="List plans")
def list_plans(
    session: SessionDep,
    scenario_id: OptionalId = None,
    dataset_id: OptionalId = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Page[PlanPublic]:
    return service.list_plans(session, offset, limit, scenario_id, dataset_id)


@router.get("/{plan_id}", summary="A plan: status, objective, totals, explanations, marginals")
def get_plan(plan_id: ItemId, session: SessionDep) -> PlanPublic:
    """Pins the scenario version and the dataset it was solved from. An infeasible plan
    explains why in `explanations`; `pools` carries the marginal value of the APBD pools."""
    return service.public(session, service.get_record(session, plan_id))


@router.get("/{plan_id}/villages", summary="A page of a plan's villages")
def list_villages(
    plan_id: ItemId,
    session: SessionDep,
    who: PrincipalDep,
    kecamatan: Annotated[str | None, Query(description="only this kecamatan")] = None,
    sort: Annotated[
        str | None,
        Query(
            description="a column, '-' first for descending: e.g. -new_enrollments, "
            "spend_total_idr, coverage_after, new_fishers_JKK-JKM",
            examples=["-new_enrollments"],
        ),
    ] = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Page[VillagePlan]:
    """A village operator sees only its own villages."""
    if who.role == Role.operator:
        return operator_village_page(session, who, plan_id, offset, limit)
    return service.village_page(session, plan_id, offset, limit, kecamatan, sort)


@router.get("/{plan_id}/kecamatan", summary="The plan summed per kecamatan")
def kecamatan_summary(plan_id: ItemId, session: SessionDep) -> list[dict[str, Any]]:
    return service.kecamatan_summary(session, plan_id)


@router.get(
    "/{plan_id}/targets",
    response_class=Response,
    responses=file_responses("csv", "xlsx", "zip"),
    summary="Download the enrolment targets per village (CSV or XLSX)",
)
def targets(
    plan_id: ItemId,
    session: SessionDep,
    who: PrincipalDep,
    settings: SettingsDep,
    format: FileFormat = "csv",
    lang: Annotated[
        Literal["id", "en"] | None,
        Query(
            description="the planner's file in Bahasa Indonesia or English: headers in that language, "
            "and for XLSX the kecamatan, monthly contributions and parameters sheets, a totals row, "
            "print setup; without it the contract's column codes"
        ),
    ] = None,
    csv: Annotated[
        Literal["comma", "excel-id"],
        Query(description="excel-id: ';' separated, decimal comma, UTF-8 with BOM (Indonesian Excel)"),
    ] = "comma",
    split: Annotated[
        Literal["kabupaten", "kecamatan"] | None,
        Query(description="one XLSX workbook per kabupaten or kecamatan, zipped"),
    ] = None,
) -> Response:
    """The CLI's targets columns; the file is named for dataset, scenario, version and date.
    A village operator's file holds only its own villages (in the contract's columns)."""
    if who.role == Role.operator:
        content, filename = operator_targets_file(session, who, plan_id, format, settings.export_time_limit_s)
        return file_response(content, filename, format)
    if lang is None and csv == "comma" and split is None:
        content, filename = service.targets_file(session, plan_id, format, settings.export_time_limit_s)
        return file_response(content, filename, format)
    content, filename, answered = service.planner_targets_file(
        session, plan_id, "xlsx" if split else format, lang or "id", csv, split,
        settings.export_time_limit_s,
    )
    return file_response(content, filename, answered)
