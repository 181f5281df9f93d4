"""Plan against actual: actuals uploaded against a plan, the comparison, and the re-plan of the
months left as a new plan."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response, status

from app.db import SessionDep
from app.services import actuals as service
from app.services import plans as plan_service
from app.services import writes
from app.settings import SettingsDep
from app.web.auth import ActorDep
from app.web.responses import MEDIA_TYPES, ItemId, Limit, Offset, file_response
from app.web.uploads import ACTUALS_OPENAPI_BODY, ActualsUpload, read_actuals_upload
from models import ActualsComparison
from models.tables import ActualsPublic, Page, PlanPublic, ReplanCreate

router = APIRouter(tags=["actuals"])


@router.post(
    "/plans/{plan_id}/actuals",
    status_code=status.HTTP_201_CREATED,
    response_model=ActualsPublic,
    openapi_extra=ACTUALS_OPENAPI_BODY,
    summary="Upload what was enrolled per village and month against a plan",
)
def upload_actuals(
    plan_id: ItemId,
    upload: Annotated[ActualsUpload, Depends(read_actuals_upload)],
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    actor: ActorDep,
) -> ActualsPublic:
    """Validated against the plan's villages, groups, packages and months: 422 lists every bad
    row and column, and nothing of refused actuals is stored. 409 for a plan without targets;
    503 with `Retry-After` when reading takes longer than the service's parse time limit."""
    stored = writes.upload_actuals(
        session, actor, plan_id, upload, settings.read_limits(), settings.parse_time_limit_s
    )
    response.headers["Location"] = f"/actuals/{stored.id}"
    return service.public(stored)


@router.get("/plans/{plan_id}/actuals", summary="The actuals uploaded against a plan")
def list_actuals(
    plan_id: ItemId, session: SessionDep, offset: Offset = 0, limit: Limit = 100
) -> Page[ActualsPublic]:
    return service.list_for_plan(session, plan_id, offset, limit)


ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "model": ActualsComparison,
        "content": {MEDIA_TYPES["csv"]: {}, MEDIA_TYPES["xlsx"]: {}},
        "description": "JSON, or a CSV of one table, or the planner's XLSX with a sheet per table.",
    }
}
Table = Annotated[Literal["villages", "kecamatan", "sources"], Query(description="the table a CSV holds")]
FileLang = Annotated[
    Literal["id", "en"] | None,
    Query(description="the XLSX's headers in Bahasa Indonesia (default) or English"),
]


def _answer(session: SessionDep, actuals_id: int, format: str, table: str, lang: Any) -> Any:
    if format == "json":
        return service.comparison(session, actuals_id)
    content, filename = service.comparison_file(session, actuals_id, format, table, lang)
    return file_response(content, filename, format)


# the file routes first: `/actuals/3.csv` is not an id
@router.get("/actuals/{actuals_id}.csv", responses=ANSWERS, summary="Plan against actual as CSV")
def get_actuals_csv(actuals_id: ItemId, session: SessionDep, table: Table = "villages") -> Any:
    return _answer(session, actuals_id, "csv", table, None)


@router.get("/actuals/{actuals_id}.xlsx", responses=ANSWERS, summary="Plan against actual as XLSX")
def get_actuals_xlsx(actuals_id: ItemId, session: SessionDep, lang: FileLang = None) -> Any:
    return _answer(session, actuals_id, "xlsx", "villages", lang)


@router.get("/actuals/{actuals_id}", responses=ANSWERS, summary="Plan against actual")
def get_actuals(
    actuals_id: ItemId,
    session: SessionDep,
    format: Literal["json", "csv", "xlsx"] = "json",
    table: Table = "villages",
    lang: FileLang = None,
) -> Any:
    """Achievement per village and kecamatan (actual / planned, and against the plan's pro-rata
    share of the months past), the villages behind, and the money per source: spent, committed
    for the months left, free."""
    return _answer(session, actuals_id, format, table, lang)


@router.post(
    "/actuals/{actuals_id}/replan",
    status_code=status.HTTP_201_CREATED,
    summary="Re-plan the months left from the actuals (a new plan)",
)
def create_replan(
    actuals_id: ItemId,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    actor: ActorDep,
    body: ReplanCreate | None = None,
) -> PlanPublic:
    """The actual enrolments become enrolled workers that stay funded, the money already spent and
    committed is gone, and the months left are planned. The new plan pins the plan and the actuals
    it came from (`replan_of_plan_id`, `replan_of_actuals_id`, `replan`); an infeasible re-plan is
    a plan with its explanation."""
    saved = writes.replan(session, actor, actuals_id, body or ReplanCreate(), settings)
    response.headers["Location"] = f"/plans/{saved.id}"
    return plan_service.public(session, saved)
