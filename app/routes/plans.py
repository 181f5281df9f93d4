"""/plans: solved plans, their villages, kecamatan summary and enrolment targets."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from app.db import SessionDep
from app.services import insights as insights_service
from app.services import plans as service
from app.services.operator import operator_targets_file, operator_village_page
from app.settings import SettingsDep
from app.web.auth import PrincipalDep
from app.web.responses import (
    FileFormat,
    ItemId,
    Limit,
    Offset,
    OptionalId,
    WorkbookLang,
    file_response,
    file_responses,
)
from models import VillagePlan
from models.tables import InShort, Page, PlanPublic, PlanShortfalls, Role
from scenarios import insights_io

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


@router.get("/{plan_id}/summary", summary="The plan in a planner's words")
def in_short(
    plan_id: ItemId,
    session: SessionDep,
    lang: Annotated[Literal["id", "en"], Query(description="Bahasa Indonesia or English")] = "id",
) -> InShort:
    """One paragraph to read out in a meeting: where the money comes from, how many workers it
    enrols in how many villages, coverage before and after, and what one more Rp1 billion in the
    APBD pool adds; for an infeasible scenario, how far short the villages are and the least
    change that gives a plan. Numbers in the language's formats (`Rp1,5 miliar`, `6,5%`)."""
    return service.in_short(session, plan_id, lang)


@router.get(
    "/{plan_id}/shortfalls",
    response_model=PlanShortfalls,
    responses=file_responses("csv", "xlsx"),
    summary="The way out of infeasibility: every short village and the remedies",
)
def shortfalls(
    plan_id: ItemId,
    session: SessionDep,
    format: Literal["json", "csv", "xlsx"] = "json",
    lang: WorkbookLang = "id",
) -> Any:
    """Every village whose own dana desa and ADD cannot pay its floors (largest shortfall first,
    not only the first hundred) and the least change of each lever that alone makes the
    scenario feasible. CSV holds the villages; XLSX a sheet of villages and one of remedies."""
    if format == "json":
        return service.shortfalls(session, plan_id)
    plan = service.shortfalls_plan(session, plan_id)
    if format == "csv":
        return file_response(
            insights_io.frame_csv_bytes(insights_io.shortfall_frame(plan)), f"shortfalls_{plan_id}.csv", "csv"
        )
    content = insights_service.shortfalls_workbook(plan, lang)
    return file_response(content, f"shortfalls_{plan_id}.xlsx", "xlsx")


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
        session,
        plan_id,
        "xlsx" if split else format,
        lang or "id",
        csv,
        split,
        settings.export_time_limit_s,
    )
    return file_response(content, filename, answered)
