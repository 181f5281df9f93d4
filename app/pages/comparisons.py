"""The comparison pages: the form choosing a baseline and the plans set against it, and a
comparison's page (totals, kecamatan, gainers and losers, each plan's checks and the promises kept)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.db import SessionDep
from app.i18n.in_short import comparison_in_short
from app.pages.forms import rules_from_form
from app.pages.links import form_id, newest, see_other
from app.pages.render import render, request_lang
from app.services import comparisons as comparison_service
from app.services import documents as document_service
from app.services import plans as plan_service
from app.services import writes
from app.web.auth import ActorDep
from app.web.responses import ItemId
from models import InputError
from models.tables import ComparisonCreate
from scenarios import labels

router = APIRouter(include_in_schema=False)


def _plan_choices(session: Any) -> list[Any]:
    total = plan_service.list_plans(session, 0, 1).total
    return newest(plan_service.list_plans(session, max(0, total - 200), 200).items, 200)


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
    others = [i for v in form.getlist("plan_ids") if (i := form_id(str(v))) is not None]
    try:
        body = ComparisonCreate.model_validate(
            {"baseline_plan_id": form_id(baseline_text), "plan_ids": others, "rules": rules_from_form(form)}
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
    return see_other(f"/ui/comparisons/{comparison.id}")


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
