"""The page handlers: each reads the request, calls the services the JSON API calls, and renders.
Every write goes through `app.services.writes`, as the JSON API's do: the same roles, the same
kabupaten, the same audit trail.

Forms post here and are answered with a redirect (303) to the page of what was made, or with the
form again and its errors (422)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.db import SessionDep
from app.i18n import speaker
from app.i18n.summary import remedy_texts
from app.pages.forms import HELP, field_errors, form_values, scenario_from_form
from app.pages.links import form_id, newest, page_links, see_other, sort_url
from app.pages.meeting import kecamatan_chart, meeting_answers
from app.pages.render import LANG_COOKIE, render, request_lang
from app.pages.years import premium_runs, years_of_villages
from app.services import actuals as actuals_service
from app.services import datasets as dataset_service
from app.services import documents as document_service
from app.services import jobs as job_service
from app.services import plans as plan_service
from app.services import scenarios as scenario_service
from app.services import writes
from app.settings import SettingsDep
from app.web.auth import ActorDep
from app.web.deps import RunnerDep
from app.web.responses import DB_INT_MAX, ItemId, Offset, OptionalId
from app.web.uploads import Upload, read_upload
from models import InputError, InputIssue, VillageTable
from models.tables import SolveCreate

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
PRINT_ALL = 2000  # a plan page carries up to this many villages for the browser's print
DATASET_SORTS = [
    "village_code",
    "village_name",
    "kecamatan",
    "kabupaten",
    "dana_desa_idr",
    "add_idr",
    "priority",
]
PLAN_SORTS = [
    "village_code",
    "village_name",
    "kecamatan",
    "new_enrollments",
    "spend_dana_desa_idr",
    "spend_add_idr",
    "spend_apbd_idr",
    "spend_total_idr",
    "coverage_before",
    "coverage_after",
]


# --- home and language ----------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep) -> HTMLResponse:
    """The planner's home: the village tables, the scenarios and the plans."""
    datasets = dataset_service.list_datasets(session, 0, 1000).items
    scenarios = scenario_service.list_scenarios(session, 0, 1000).items
    plans_total = plan_service.list_plans(session, 0, 1).total
    plans = plan_service.list_plans(session, max(0, plans_total - 50), 50).items
    jobs = job_service.list_jobs(session, 0, 10, None, None).items
    dataset_names = {d.id: d.name for d in datasets}
    return render(
        request,
        "home.html",
        {
            "datasets": datasets,
            "scenarios": scenarios,
            "plans": newest(plans, 50),
            "jobs": jobs,
            "dataset_names": dataset_names,
        },
    )


@router.get("/ui/lang")
def switch_language(lang: str, next: str = "/") -> Response:
    """Remember the language in a cookie and go back to the page."""
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    # a ?lang= in the page's own address would outvote the cookie
    path, _, query = target.partition("?")
    kept = "&".join(p for p in query.split("&") if p and not p.startswith("lang="))
    response = see_other(path + (f"?{kept}" if kept else ""))
    code = "en" if lang == "en" else "id"
    response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="lax")
    return response


# --- datasets -------------------------------------------------------------------------------


@router.get("/ui/datasets/new", response_class=HTMLResponse)
def new_dataset(request: Request) -> HTMLResponse:
    return render(request, "dataset_new.html", {"issues": [], "name": ""})


@router.post("/ui/datasets", response_model=None)
def upload_dataset(
    request: Request,
    upload: Annotated[Upload, Depends(read_upload)],
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
) -> Response:
    """The same write as POST /datasets; a refused table shows every bad row."""
    content, filename = upload.content, upload.filename
    if content is None or filename is None:
        return render(request, "dataset_new.html", {"issues": [], "name": upload.name or ""}, 415)

    def read() -> VillageTable:
        return dataset_service.parse_upload(
            content, filename, settings.read_limits(), settings.parse_time_limit_s
        )

    try:
        dataset = writes.upload_dataset(session, actor, read, upload.name, filename)
    except InputError as exc:
        return render(
            request,
            "dataset_new.html",
            {"issues": exc.issues, "name": upload.name or "", "filename": filename},
            status_code=422,
        )
    return see_other(f"/ui/datasets/{dataset.id}")


@router.get("/ui/datasets/{dataset_id}", response_class=HTMLResponse)
def dataset_page(
    request: Request,
    dataset_id: ItemId,
    session: SessionDep,
    kecamatan: str | None = None,
    sort: str | None = None,
    offset: Offset = 0,
) -> HTMLResponse:
    dataset = dataset_service.get_dataset(session, dataset_id)
    if sort and sort.removeprefix("-") not in DATASET_SORTS:
        sort = None
    page = dataset_service.village_page(session, dataset_id, offset, PAGE_SIZE, kecamatan or None, sort)
    scenarios = scenario_service.list_scenarios(session, 0, 1000, dataset_id=dataset_id).items
    return render(
        request,
        "dataset.html",
        {
            "dataset": dataset,
            "villages": page.items,
            "pages": page_links(request, page.total, offset, PAGE_SIZE),
            "kecamatan_names": dataset_service.kecamatan_names(session, dataset_id),
            "kecamatan": kecamatan or "",
            "sort": sort,
            "sort_url": lambda column: sort_url(request, column, sort),
            "scenarios": scenarios,
        },
    )


# --- scenarios ------------------------------------------------------------------------------


def _form_context(dataset: Any, values: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"dataset": dataset, "values": values, "help": HELP, "issues": [], **extra}


@router.get("/ui/scenarios/new", response_class=HTMLResponse)
def new_scenario(
    request: Request, dataset_id: Annotated[int, Query(ge=1, le=DB_INT_MAX)], session: SessionDep
) -> HTMLResponse:
    dataset = dataset_service.get_dataset(session, dataset_id)
    return render(request, "scenario_form.html", _form_context(dataset, form_values(None), action="create"))


def _refused_form(request: Request, dataset: Any, form: Any, exc: InputError, **extra: Any) -> HTMLResponse:
    """The form again, as typed, with the errors."""
    typed = {key: form.get(key) for key in form}
    issues, errors = field_errors(form, list(dataset.groups), list(dataset.kabupaten), exc.issues)
    return render(
        request,
        "scenario_form.html",
        {
            **_form_context(dataset, form_values(None), **extra),
            "typed": typed,
            "issues": issues,
            "field_errors": errors,
        },
        status_code=422,
    )


@router.post("/ui/scenarios", response_model=None)
async def create_scenario(
    request: Request, session: SessionDep, settings: SettingsDep, actor: ActorDep
) -> Response:
    form = await request.form()
    dataset_text = str(form.get("dataset_id") or "")
    dataset = dataset_service.get_dataset(session, form_id(dataset_text) or 0)
    assert dataset.id is not None
    try:
        body = scenario_from_form(form, list(dataset.groups), list(dataset.kabupaten))
        created = writes.create_scenario(session, actor, dataset.id, body, None, settings.read_limits())
    except InputError as exc:
        return _refused_form(request, dataset, form, exc, action="create")
    return see_other(f"/ui/scenarios/{created.id}")


@router.get("/ui/scenarios/{scenario_id}", response_class=HTMLResponse)
def scenario_page(
    request: Request, scenario_id: ItemId, session: SessionDep, version: OptionalId = None
) -> HTMLResponse:
    scenario = scenario_service.public(session, scenario_service.get_record(session, scenario_id))
    shown = scenario_service.version_public(scenario_service.get_version(session, scenario_id, version))
    history = [
        scenario_service.version_public(scenario_service.get_version(session, scenario_id, v))
        for v in reversed(scenario.versions)
    ]
    dataset = dataset_service.get_dataset(session, scenario.dataset_id)
    plans = plan_service.list_plans(session, 0, 1000, scenario_id=scenario_id).items
    jobs = job_service.list_jobs(session, 0, 5, None, scenario_id).items
    return render(
        request,
        "scenario.html",
        {
            "scenario": scenario,
            "shown": shown,
            "body": shown.scenario,
            "history": history,
            "dataset": dataset,
            "plans": newest(plans, 50),
            "jobs": jobs,
            **_form_context(dataset, form_values(scenario.scenario), action="revise"),
        },
    )


@router.post("/ui/scenarios/{scenario_id}/versions", response_model=None)
async def revise_scenario(
    request: Request, scenario_id: ItemId, session: SessionDep, settings: SettingsDep, actor: ActorDep
) -> Response:
    record = scenario_service.get_record(session, scenario_id)
    dataset = dataset_service.get_dataset(session, record.dataset_id)
    form = await request.form()
    note = str(form.get("note") or "").strip() or None
    try:
        body = scenario_from_form(form, list(dataset.groups), list(dataset.kabupaten))
        version = writes.revise_scenario(session, actor, scenario_id, body, note, settings.read_limits())
    except InputError as exc:
        return _refused_form(request, dataset, form, exc, action="revise", scenario_id=scenario_id)
    return see_other(f"/ui/scenarios/{scenario_id}?version={version.version}")


@router.post("/ui/scenarios/{scenario_id}/archive", response_model=None)
def archive_scenario(scenario_id: ItemId, session: SessionDep, actor: ActorDep) -> Response:
    """Kept with its plans, no longer solved or revised until it is unarchived."""
    writes.archive_scenario(session, actor, scenario_id)
    return see_other(f"/ui/scenarios/{scenario_id}")


@router.post("/ui/scenarios/{scenario_id}/unarchive", response_model=None)
def unarchive_scenario(scenario_id: ItemId, session: SessionDep, actor: ActorDep) -> Response:
    writes.unarchive_scenario(session, actor, scenario_id)
    return see_other(f"/ui/scenarios/{scenario_id}")


@router.post("/ui/scenarios/{scenario_id}/solve", response_model=None)
async def solve_scenario(
    request: Request,
    scenario_id: ItemId,
    session: SessionDep,
    runner: RunnerDep,
    settings: SettingsDep,
    actor: ActorDep,
) -> Response:
    """Always a job, so the planner watches it run and lands on its plan."""
    form = await request.form()
    version_text = str(form.get("version") or "").strip()
    version = form_id(version_text)
    request_body = SolveCreate(scenario_id=scenario_id, version=version)
    job, _record = writes.solve(session, actor, runner, request_body, settings, "async")
    return see_other(f"/ui/jobs/{job.id}")


# --- jobs -----------------------------------------------------------------------------------


@router.get("/ui/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job_id: ItemId, session: SessionDep) -> HTMLResponse:
    row = job_service.get_job(session, job_id)
    job = job_service.public(session, row)
    scenario = scenario_service.get_record(session, job.scenario_id)
    refused = row.input_error or {}  # a scenario refused by the solve: its problems, each in words
    issues = [InputIssue.model_validate(issue) for issue in refused.get("issues", [])]
    return render(request, "job.html", {"job": job, "scenario": scenario, "issues": issues})


@router.post("/ui/jobs/{job_id}/cancel", response_model=None)
def cancel_job(job_id: ItemId, session: SessionDep, runner: RunnerDep, actor: ActorDep) -> Response:
    writes.cancel_job(session, actor, runner, job_id)
    return see_other(f"/ui/jobs/{job_id}")


# --- plans ----------------------------------------------------------------------------------


@router.get("/ui/plans/{plan_id}", response_class=HTMLResponse)
def plan_page(
    request: Request,
    plan_id: ItemId,
    session: SessionDep,
    kecamatan: str | None = None,
    sort: str | None = None,
    offset: Offset = 0,
) -> HTMLResponse:
    record = plan_service.get_record(session, plan_id)
    plan = plan_service.public(session, record)
    if sort and sort.removeprefix("-") not in PLAN_SORTS:
        sort = None
    page = plan_service.village_page(session, plan_id, offset, PAGE_SIZE, kecamatan or None, sort)
    printed = (  # every village of the filter, in a table only the print shows
        plan_service.village_page(session, plan_id, 0, PRINT_ALL, kecamatan or None, sort).items
        if PAGE_SIZE < page.total <= PRINT_ALL
        else []
    )
    full = plan_service.load_plan(session, plan_id)
    summary = plan_service.kecamatan_rows(full) if plan.village_count else []
    lang = request_lang(request)
    top = max(summary, key=lambda row: row["new_enrollments"] or 0) if summary else None
    say = speaker(lang)
    return render(
        request,
        "plan.html",
        {
            "plan": plan,
            "scenario": scenario_service.get_record(session, plan.scenario_id),
            "dataset": dataset_service.get_dataset(session, plan.dataset_id),
            "villages": page.items,
            "print_villages": printed,
            "pages": page_links(request, page.total, offset, PAGE_SIZE),
            "kecamatan_rows": summary,
            "kecamatan_names": sorted({row["kecamatan"] for row in summary}),
            "kecamatan": kecamatan or "",
            "top_kecamatan": top,
            "sort": sort,
            "sort_url": lambda column: sort_url(request, column, sort),
            "chart": json.dumps(kecamatan_chart(summary)),
            "download_lang": lang,
            "in_short": plan_service.in_short(session, plan_id, lang).text,
            "remedies": list(zip(plan.remedies, remedy_texts(plan.remedies, say), strict=True)),
            "premium_runs": premium_runs(plan.premiums) if plan.years else [],
            "village_years": (
                years_of_villages(record.detail, [v.village_code for v in page.items]) if plan.years else {}
            ),
            "maps": document_service.plan_maps(session, plan_id, lang),
            **meeting_answers(full, say),
            "actuals_list": actuals_service.list_for_plan(session, plan_id, 0, 100).items,
            "replans": plan_service.replans_of_plan(session, plan_id),
        },
    )
