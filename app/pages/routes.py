"""The page handlers: each reads the request, calls the services the JSON API calls, and renders.
Every write goes through `app.services.writes`, as the JSON API's do: the same roles, the same
kabupaten, the same audit trail.

Forms post here and are answered with a redirect (303) to the page of what was made, or with the
form again and its errors (422)."""

from __future__ import annotations

import json
import math
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.db import SessionDep
from app.i18n import Speaker, speaker
from app.i18n.in_short import comparison_in_short
from app.i18n.meeting import group_sentences, pool_words, shortfall_sentence, technical_note
from app.i18n.summary import remedy_texts
from app.pages.forms import HELP, field_errors, form_values, rules_from_form, scenario_from_form
from app.pages.render import LANG_COOKIE, render, request_lang
from app.pages.years import premium_runs, years_of_villages
from app.services import actuals as actuals_service
from app.services import comparisons as comparison_service
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
from app.web.uploads import ActualsUpload, Upload, read_actuals_upload, read_upload
from models import InputError, InputIssue, Plan, VillageTable
from models.tables import ComparisonCreate, ReplanCreate, SolveCreate
from scenarios import insights_io, labels

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
PRINT_ALL = 2000  # a plan page carries up to this many villages for the browser's print
TOP_MARGINALS = 10  # villages and kecamatan where one more million does most, on the plan page
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


def _form_id(text: str) -> int | None:
    """An id typed in a form: a whole number the database can hold, else None."""
    text = text.strip()
    return int(text) if text.isdigit() and 0 < int(text) <= DB_INT_MAX else None


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _page_links(request: Request, total: int, offset: int, limit: int) -> dict[str, Any]:
    """Previous and next page URLs, keeping the other query parameters."""
    params = {k: v for k, v in request.query_params.items() if k != "offset"}

    def url(at: int) -> str:
        return f"{request.url.path}?{urlencode({**params, 'offset': at})}"

    return {
        "first": offset + 1 if total else 0,
        "last": min(offset + limit, total),
        "total": total,
        "previous": url(max(0, offset - limit)) if offset > 0 else None,
        "next": url(offset + limit) if offset + limit < total else None,
    }


def _sort_url(request: Request, column: str, current: str | None) -> str:
    """The header link: sort by `column`, descending when it already sorts ascending."""
    params = {k: v for k, v in request.query_params.items() if k not in ("sort", "offset")}
    wanted = f"-{column}" if current == column else column
    return f"{request.url.path}?{urlencode({**params, 'sort': wanted})}"


def _newest(items: list[Any], count: int) -> list[Any]:
    return list(reversed(items))[:count]


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
            "plans": _newest(plans, 50),
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
    response = _see_other(path + (f"?{kept}" if kept else ""))
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
    return _see_other(f"/ui/datasets/{dataset.id}")


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
            "pages": _page_links(request, page.total, offset, PAGE_SIZE),
            "kecamatan_names": dataset_service.kecamatan_names(session, dataset_id),
            "kecamatan": kecamatan or "",
            "sort": sort,
            "sort_url": lambda column: _sort_url(request, column, sort),
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
    dataset = dataset_service.get_dataset(session, _form_id(dataset_text) or 0)
    assert dataset.id is not None
    try:
        body = scenario_from_form(form, list(dataset.groups), list(dataset.kabupaten))
        created = writes.create_scenario(session, actor, dataset.id, body, None, settings.read_limits())
    except InputError as exc:
        return _refused_form(request, dataset, form, exc, action="create")
    return _see_other(f"/ui/scenarios/{created.id}")


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
            "plans": _newest(plans, 50),
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
    return _see_other(f"/ui/scenarios/{scenario_id}?version={version.version}")


@router.post("/ui/scenarios/{scenario_id}/archive", response_model=None)
def archive_scenario(scenario_id: ItemId, session: SessionDep, actor: ActorDep) -> Response:
    """Kept with its plans, no longer solved or revised until it is unarchived."""
    writes.archive_scenario(session, actor, scenario_id)
    return _see_other(f"/ui/scenarios/{scenario_id}")


@router.post("/ui/scenarios/{scenario_id}/unarchive", response_model=None)
def unarchive_scenario(scenario_id: ItemId, session: SessionDep, actor: ActorDep) -> Response:
    writes.unarchive_scenario(session, actor, scenario_id)
    return _see_other(f"/ui/scenarios/{scenario_id}")


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
    version = _form_id(version_text)
    request_body = SolveCreate(scenario_id=scenario_id, version=version)
    job, _record = writes.solve(session, actor, runner, request_body, settings, "async")
    return _see_other(f"/ui/jobs/{job.id}")


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
    return _see_other(f"/ui/jobs/{job_id}")


# --- plans ----------------------------------------------------------------------------------


def _chart_data(kecamatan: list[dict[str, Any]]) -> dict[str, Any]:
    def clean(value: Any) -> Any:
        return None if isinstance(value, float) and math.isnan(value) else value

    return {
        "kecamatan": [row["kecamatan"] for row in kecamatan],
        "new_enrollments": [clean(row["new_enrollments"]) for row in kecamatan],
        "coverage_before": [clean(row["coverage_before"]) for row in kecamatan],
        "coverage_after": [clean(row["coverage_after"]) for row in kecamatan],
    }


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
            "pages": _page_links(request, page.total, offset, PAGE_SIZE),
            "kecamatan_rows": summary,
            "kecamatan_names": sorted({row["kecamatan"] for row in summary}),
            "kecamatan": kecamatan or "",
            "top_kecamatan": top,
            "sort": sort,
            "sort_url": lambda column: _sort_url(request, column, sort),
            "chart": json.dumps(_chart_data(summary)),
            "download_lang": lang,
            "in_short": plan_service.in_short(session, plan_id, lang).text,
            "remedies": list(zip(plan.remedies, remedy_texts(plan.remedies, say), strict=True)),
            "premium_runs": premium_runs(plan.premiums) if plan.years else [],
            "village_years": (
                years_of_villages(record.detail, [v.village_code for v in page.items]) if plan.years else {}
            ),
            "maps": document_service.plan_maps(session, plan_id, lang),
            **_meeting(full, say),
            "actuals_list": actuals_service.list_for_plan(session, plan_id, 0, 100).items,
            "replans": plan_service.replans_of_plan(session, plan_id),
        },
    )


def _meeting(plan: Plan, say: Speaker) -> dict[str, Any]:
    """The meeting's questions answered on the plan page: why each group got what it got, what
    one more billion buys in workers, where one more million does most, how a shortfall adds up."""
    helps = bool(plan.totals) and plan.marginals_from is not None and plan.objective_name != "min_cost"
    villages = (
        [
            {str(k): v for k, v in row.items()}
            for row in insights_io.top_villages(plan, TOP_MARGINALS).to_dict(orient="records")
        ]
        if helps
        else []
    )
    kecamatan = _top_kecamatan(plan) if helps else []
    return {
        "group_sentences": group_sentences(plan, say) if plan.totals else [],
        "pool_words": [pool_words(plan, pool, say) for pool in plan.pools],
        "shortfall_sentences": [shortfall_sentence(plan, e, say) for e in plan.explanations],
        "marginals_from": plan.marginals_from,
        "technical_note": technical_note(plan, say),
        "top_villages": villages,
        "top_kecamatan_marginals": kecamatan,
        "marginal_chart": json.dumps(_marginal_chart(villages, kecamatan)),
    }


def _marginal_chart(villages: list[dict[str, Any]], kecamatan: list[dict[str, Any]]) -> dict[str, Any]:
    """The bars of where one more million does most: the same figures as the two tables."""

    def number(value: Any) -> float:
        return 0.0 if value is None or value != value else float(value)

    return {
        "villages": [f"{v['village_name']} ({v['kecamatan']})" for v in villages],
        "village_workers": [number(v["marginal_enrollments_per_million"]) for v in villages],
        "kecamatan": [k["kecamatan"] for k in kecamatan],
        "kecamatan_workers": [number(k["enrollments_of_a_million_each"]) for k in kecamatan],
    }


def _top_kecamatan(plan: Plan) -> list[dict[str, Any]]:
    """The kecamatan where Rp1 million more in each village buys most workers together."""
    frame = insights_io.kecamatan_marginals(plan)
    frame = frame[frame["villages_where_money_helps"] > 0]
    frame = frame.sort_values(
        ["enrollments_of_a_million_each", "kabupaten", "kecamatan"],
        ascending=[False, True, True],
        kind="stable",
    )
    rows = frame.head(TOP_MARGINALS).to_dict(orient="records")
    return [{str(k): v for k, v in row.items()} for row in rows]


# --- comparisons ----------------------------------------------------------------------------


def _plan_choices(session: Any) -> list[Any]:
    total = plan_service.list_plans(session, 0, 1).total
    return _newest(plan_service.list_plans(session, max(0, total - 200), 200).items, 200)


@router.get("/ui/compare", response_class=HTMLResponse)
def compare_form(request: Request, session: SessionDep, baseline: int | None = None) -> HTMLResponse:
    return render(
        request,
        "compare_form.html",
        {"plans": _plan_choices(session), "baseline": baseline, "issues": []},
    )


@router.post("/ui/compare", response_model=None)
async def create_comparison(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    form = await request.form()
    baseline_text = str(form.get("baseline_plan_id") or "")
    others = [i for v in form.getlist("plan_ids") if (i := _form_id(str(v))) is not None]
    try:
        body = ComparisonCreate.model_validate(
            {"baseline_plan_id": _form_id(baseline_text), "plan_ids": others, "rules": rules_from_form(form)}
        )
        comparison = writes.create_comparison(session, actor, body)
    except InputError as exc:
        return render(
            request,
            "compare_form.html",
            {"plans": _plan_choices(session), "baseline": None, "issues": exc.issues},
            status_code=422,
        )
    except ValueError:  # pydantic: no baseline, or no plan to compare
        return render(
            request,
            "compare_form.html",
            {"plans": _plan_choices(session), "baseline": None, "issues": [], "incomplete": True},
            status_code=422,
        )
    return _see_other(f"/ui/comparisons/{comparison.id}")


@router.get("/ui/comparisons/{comparison_id}", response_class=HTMLResponse)
def comparison_page(request: Request, comparison_id: ItemId, session: SessionDep) -> HTMLResponse:
    comparison = comparison_service.get(session, comparison_id)
    lang = request_lang(request)
    computed = comparison_service.compute(session, comparison, top=10, lang=lang)
    frames = {name: computed.table(name) for name in ("totals", "kecamatan", "gainers", "losers")}
    records = {name: frame.to_dict(orient="records") for name, frame in frames.items()}
    chart = {
        "plans": computed.labels,
        "series": [
            {
                "plan": label,
                "kecamatan": [r["kecamatan"] for r in records["kecamatan"] if r["plan"] == label],
                "delta": [r["new_enrollments_delta"] for r in records["kecamatan"] if r["plan"] == label],
            }
            for label in computed.labels
        ],
    }
    # acceptance: each plan's own check of every budget, cap and floor, baseline first as in totals
    plan_ids = [comparison.baseline_plan_id, *comparison.plan_ids]
    checks = [plan_service.public(session, plan_service.get_record(session, i)).check for i in plan_ids]
    # the promises the comparison keeps, answered for every compared plan
    promises = comparison_service.checks(
        session, comparison, comparison_service.stored_rules(comparison), lang
    )
    return render(
        request,
        "comparison.html",
        {
            "checks": checks,
            "promises": promises,
            "rule_names": labels.RULE_NAMES,
            "plan_ids": plan_ids,
            "comparison": comparison,
            "baseline": computed.baseline,
            "labels": computed.labels,
            "tables": records,
            "chart": json.dumps(chart),
            "download_lang": lang,
            "in_short": comparison_in_short(computed, lang),
            "maps": document_service.comparison_maps(session, comparison_id, lang),
        },
    )


# --- plan against actual and the re-plan --------------------------------------------------------


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
    return _see_other(f"/ui/actuals/{stored.id}")


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
    return _see_other(f"/ui/plans/{saved.id}")
