"""The village office's pages: one desa's own plans, targets, months, money, letter and actuals.

    GET  /ui/village                                 its village's page (a list when it keeps several)
    GET  /ui/village/{code}                          the plans the village is in
    GET  /ui/village/{code}/plans/{id}               its targets, months, money, years, coverage,
                                                     downloads and the actuals upload form
    GET  /ui/village/{code}/plans/{id}/letter.pdf    the letter the district sends it
    GET  /ui/village/{code}/plans/{id}/targets.xlsx  its targets (also .csv)
    POST /ui/village/{code}/plans/{id}/actuals       its own actuals (other villages' rows refused)
    GET  /ui/village/{code}/actuals/{id}             its achievement against the plan

A village that is not the village office's own is refused (403), a plan it is not in is not found
(404); the policy table of `app.web.auth` keeps a village office to these pages and nothing else.
The district's roles may open any village's page (a planner sees what its village offices see);
an upload through a village's page takes that village's rows only, whoever sends it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.db import SessionDep
from app.errors import NotFound
from app.i18n import N_
from app.pages.render import render, request_lang
from app.services import actuals as actuals_service
from app.services import documents as document_service
from app.services import plans as plan_service
from app.services import village_office as office
from app.services import writes
from app.settings import SettingsDep
from app.web.auth import ActorDep, PrincipalDep
from app.web.responses import ItemId, file_response
from app.web.uploads import ActualsUpload, read_actuals_upload
from models import InputError

router = APIRouter(include_in_schema=False)


def _codes(who: Any) -> list[str]:
    return sorted(who.village_codes)


@router.get("/ui/village", response_class=HTMLResponse, response_model=None)
def village_home(request: Request, session: SessionDep, who: PrincipalDep) -> Response:
    """A village office of one desa goes straight to its page; of several, picks one."""
    codes = _codes(who)
    if len(codes) == 1:
        return RedirectResponse(f"/ui/village/{codes[0]}", status_code=303)
    villages = [(code, office.village_name(session, code)) for code in codes]
    return render(request, "village_office_list.html", {"villages": villages})


def _village_context(session: Any, who: Any, code: str) -> dict[str, Any]:
    office.require_own(who, code)
    return {
        "code": code,
        "name": office.village_name(session, code) or code,
        "several": len(who.village_codes) > 1,
    }


@router.get("/ui/village/{code}", response_class=HTMLResponse)
def village_page(request: Request, code: str, session: SessionDep, who: PrincipalDep) -> HTMLResponse:
    """The plans the village is in, newest first."""
    context = _village_context(session, who, code)
    records = office.plans_of_village(session, code)
    return render(
        request,
        "village_office.html",
        {**context, "plans": [plan_service.public(session, r) for r in records]},
    )


def _plan_context(
    request: Request, session: Any, settings: Any, who: Any, code: str, plan_id: int
) -> dict[str, Any]:
    context = _village_context(session, who, code)
    record = plan_service.get_record(session, plan_id)
    plan = office.village_plan(session, plan_id, code)
    village = plan.villages[0]
    scenario = office.scenario_of(session, record)
    lang = request_lang(request)
    letter = office.letter(
        session, plan_id, code, lang, document_service.letterhead(settings.letterhead_file)
    )
    return {
        **context,
        "name": village.village_name,
        "record": record,
        "public": plan_service.public(session, record),
        "plan": plan,
        "village": village,
        "targets": office.target_rows(plan, code),
        "money": office.money_rows(plan, scenario, code),
        "sources": office.SOURCES,
        "has_targets": plan.has_targets,
        "letter_built": letter is not None,
        "download_lang": lang,
        "reports": _reports(session, plan_id, code),
        "issues": [],
    }


def _reports(session: Any, plan_id: int, code: str) -> list[dict[str, Any]]:
    """The actuals uploaded against the plan, each with this village's own line only."""
    out = []
    for stored in actuals_service.list_for_plan(session, plan_id, 0, 100).items:
        row = next(
            (v for v in actuals_service.comparison(session, stored.id).villages if v.village_code == code),
            None,
        )
        out.append({"actuals": stored, "village": row})
    return list(reversed(out))


@router.get("/ui/village/{code}/plans/{plan_id}", response_class=HTMLResponse)
def village_plan_page(
    request: Request,
    code: str,
    plan_id: ItemId,
    session: SessionDep,
    who: PrincipalDep,
    settings: SettingsDep,
) -> HTMLResponse:
    context = _plan_context(request, session, settings, who, code, plan_id)
    return render(request, "village_office_plan.html", context)


@router.get("/ui/village/{code}/plans/{plan_id}/letter.pdf", response_model=None)
def village_letter(
    request: Request,
    code: str,
    plan_id: ItemId,
    session: SessionDep,
    who: PrincipalDep,
    settings: SettingsDep,
) -> Response:
    """The village's own letter out of the plan's built letters; 404 in words before they are built."""
    office.require_own(who, code)
    found = office.letter(
        session, plan_id, code, request_lang(request), document_service.letterhead(settings.letterhead_file)
    )
    if found is None:
        raise NotFound(
            N_("The district has not built the letters of plan %(plan)s yet: ask the planner to build them."),
            plan=plan_id,
        )
    content, name = found
    return file_response(content, name, "pdf")


@router.get("/ui/village/{code}/plans/{plan_id}/targets.{file_format}", response_model=None)
def village_targets(
    request: Request,
    code: str,
    plan_id: ItemId,
    file_format: Literal["xlsx", "csv"],
    session: SessionDep,
    who: PrincipalDep,
    settings: SettingsDep,
) -> Response:
    """The village's targets only: the planner's workbook (or CSV) in the page's language."""
    office.require_own(who, code)
    content, name = office.targets_file(
        session, plan_id, code, file_format, request_lang(request), settings.export_time_limit_s
    )
    return file_response(content, name, file_format)


@router.post("/ui/village/{code}/plans/{plan_id}/actuals", response_model=None)
def village_actuals_upload(
    request: Request,
    code: str,
    plan_id: ItemId,
    upload: Annotated[ActualsUpload, Depends(read_actuals_upload)],
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
) -> Response:
    """The same write as POST /plans/{id}/actuals, of this village's rows only; a refused file
    shows its page again with every bad row (nothing stored)."""
    office.require_own(actor.who, code)
    office.require_village_in_plan(session, plan_id, frozenset({code}))
    try:
        stored = writes.upload_actuals(
            session,
            actor,
            plan_id,
            upload,
            settings.read_limits(),
            settings.parse_time_limit_s,
            villages=frozenset({code}),
        )
    except InputError as exc:
        context = _plan_context(request, session, settings, actor.who, code, plan_id)
        context.update(issues=exc.issues, filename=upload.filename, upload_name=upload.name or "")
        return render(request, "village_office_plan.html", context, status_code=422)
    return RedirectResponse(f"/ui/village/{code}/actuals/{stored.id}", status_code=303)


@router.get("/ui/village/{code}/actuals/{actuals_id}", response_class=HTMLResponse)
def village_actuals_page(
    request: Request, code: str, actuals_id: ItemId, session: SessionDep, who: PrincipalDep
) -> HTMLResponse:
    """The village's achievement: planned, expected by now, enrolled, by group."""
    context = _village_context(session, who, code)
    stored = actuals_service.get(session, actuals_id)
    office.require_village_in_plan(session, stored.plan_id, frozenset({code}))
    result = actuals_service.comparison(session, actuals_id)
    row = next(v for v in result.villages if v.village_code == code)
    return render(
        request,
        "village_office_actuals.html",
        {
            **context,
            "name": row.village_name,
            "actuals": actuals_service.public(stored),
            "public": plan_service.public(session, plan_service.get_record(session, stored.plan_id)),
            "result": result,
            "row": row,
        },
    )
