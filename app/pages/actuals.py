"""Plan against actual: uploading what was enrolled against a plan, the page of the villages and
kecamatan behind, and the re-plan of the months left."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.db import SessionDep
from app.pages.links import see_other
from app.pages.render import render, request_lang
from app.services import actuals as actuals_service
from app.services import plans as plan_service
from app.services import writes
from app.settings import SettingsDep
from app.web.auth import ActorDep
from app.web.responses import ItemId
from app.web.uploads import ActualsUpload, read_actuals_upload
from models import InputError
from models.tables import ReplanCreate

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25  # as the other pages' tables: the villages behind shown are two pages of them


def _actuals_form(
    request: Request, session: Any, plan_id: int, issues: list[Any], status_code: int, **extra: Any
) -> HTMLResponse:
    plan = plan_service.public(session, plan_service.get_record(session, plan_id))
    return render(request, "actuals_new.html", {"plan": plan, "issues": issues, **extra}, status_code)


@router.get("/ui/plans/{plan_id}/actuals/new", response_class=HTMLResponse)
def new_actuals(request: Request, plan_id: ItemId, session: SessionDep) -> HTMLResponse:
    return _actuals_form(request, session, plan_id, [], 200)


@router.post("/ui/plans/{plan_id}/actuals", response_model=None)
def upload_actuals(
    request: Request,
    plan_id: ItemId,
    upload: Annotated[ActualsUpload, Depends(read_actuals_upload)],
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
) -> Response:
    """The same write as POST /plans/{id}/actuals; refused actuals show every bad row."""
    try:
        stored = writes.upload_actuals(
            session, actor, plan_id, upload, settings.read_limits(), settings.parse_time_limit_s
        )
    except InputError as exc:
        return _actuals_form(
            request, session, plan_id, exc.issues, 422, filename=upload.filename, name=upload.name or ""
        )
    return see_other(f"/ui/actuals/{stored.id}")


@router.get("/ui/actuals/{actuals_id}", response_class=HTMLResponse)
def actuals_page(request: Request, actuals_id: ItemId, session: SessionDep) -> HTMLResponse:
    """Plan against actual: the villages and kecamatan behind, the money per source, the re-plan."""
    stored = actuals_service.get(session, actuals_id)
    result = actuals_service.comparison(session, actuals_id)
    behind = sorted((v for v in result.villages if v.behind), key=lambda v: (-v.gap_to_date, v.village_code))
    replans = plan_service.replans_of_actuals(session, actuals_id)
    return render(
        request,
        "actuals.html",
        {
            "actuals": actuals_service.public(stored),
            "plan": plan_service.public(session, plan_service.get_record(session, stored.plan_id)),
            "result": result,
            "behind": behind[: PAGE_SIZE * 2],
            "behind_count": len(behind),
            "kecamatan_behind": [k for k in result.kecamatan if k.villages_behind],
            "replans": replans,
            "download_lang": request_lang(request),
        },
    )


@router.post("/ui/actuals/{actuals_id}/replan", response_model=None)
def replan(actuals_id: ItemId, session: SessionDep, settings: SettingsDep, actor: ActorDep) -> Response:
    """The months left re-planned from the actuals: a new plan, shown at once."""
    saved = writes.replan(session, actor, actuals_id, ReplanCreate(), settings)
    return see_other(f"/ui/plans/{saved.id}")
