"""/comparisons: plans against a baseline, as JSON, CSV or XLSX."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status

from app.db import SessionDep
from app.services import comparisons as service
from app.services import writes
from app.settings import SettingsDep
from app.web.auth import ActorDep
from app.web.responses import MEDIA_TYPES, ItemId, Limit, Offset, file_response
from models.tables import (
    ComparisonChecks,
    ComparisonChecksResult,
    ComparisonCreate,
    ComparisonPublic,
    ComparisonResult,
    InShort,
    Page,
)

router = APIRouter(prefix="/comparisons", tags=["comparisons"])

Top = Annotated[int, Query(ge=1, le=1000, description="villages in the gainers and losers lists")]


@router.post("", status_code=status.HTTP_201_CREATED, summary="Compare plans with a baseline")
def create_comparison(
    body: ComparisonCreate,
    session: SessionDep,
    response: Response,
    actor: ActorDep,
    villages: bool = True,
    top: Top = 10,
) -> ComparisonResult:
    """Totals, per kecamatan and per village deltas (new enrolments, spend by source,
    coverage), and the villages that gain and lose most new enrolments."""
    comparison = writes.create_comparison(session, actor, body)
    response.headers["Location"] = f"/comparisons/{comparison.id}"
    return service.result(session, comparison, villages=villages, top=top)


@router.post("/{comparison_id}/checks", summary="Acceptance rules answered for a comparison")
def check_comparison(
    comparison_id: ItemId, body: ComparisonChecks, session: SessionDep
) -> ComparisonChecksResult:
    """Each rule (no village loses enrolments, every village at least a coverage, spend within
    a sum, objective not lower) pass or fail per compared plan, with the villages that break it;
    and warnings when the plans compare different datasets or objectives. These rules are
    answered, not stored: the comparison keeps the rules it was created with."""
    return service.checks(session, service.get(session, comparison_id), body.rules)


@router.get("", summary="List comparisons")
def list_comparisons(session: SessionDep, offset: Offset = 0, limit: Limit = 100) -> Page[ComparisonPublic]:
    return service.list_comparisons(session, offset, limit)


ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "model": ComparisonResult,
        "content": {MEDIA_TYPES["csv"]: {}, MEDIA_TYPES["xlsx"]: {}},
        "description": "JSON, or a CSV of one table, or an XLSX with one sheet per table.",
    }
}


@router.get("/{comparison_id}/summary", summary="The comparison in a planner's words")
def comparison_in_short(
    comparison_id: ItemId,
    session: SessionDep,
    lang: Annotated[Literal["id", "en"], Query(description="Bahasa Indonesia or English")] = "id",
) -> InShort:
    """Each compared plan against the baseline in one sentence: how many more or fewer workers it
    enrols, how much more or less it spends, how many villages gain and lose."""
    return service.in_short(session, service.get(session, comparison_id), lang)


@router.get("/{comparison_id}", responses=ANSWERS, summary="A comparison as JSON, CSV or XLSX")
def get_comparison(
    comparison_id: ItemId,
    session: SessionDep,
    settings: SettingsDep,
    format: Literal["json", "csv", "xlsx"] = "json",
    table: Annotated[
        Literal["totals", "kecamatan", "villages", "gainers", "losers"],
        Query(description="the table a CSV holds"),
    ] = "villages",
    villages: bool = True,
    top: Top = 10,
    lang: Annotated[
        Literal["id", "en"] | None,
        Query(description="files for people: headers in Bahasa Indonesia or English, formatted sheets"),
    ] = None,
    csv: Annotated[
        Literal["comma", "excel-id"],
        Query(description="excel-id: ';' separated, decimal comma, UTF-8 with BOM (Indonesian Excel)"),
    ] = "comma",
) -> Any:
    comparison = service.get(session, comparison_id)
    if format == "json":
        return service.result(session, comparison, villages=villages, top=top)
    content, filename = service.comparison_file(
        session, comparison, top, format, table, lang, csv, settings.export_time_limit_s
    )
    return file_response(content, filename, format)
