"""/sweeps and /plans/{id}/marginals: budget-outcome curves and the next rupiah."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from fastapi.responses import JSONResponse

from app.db import SessionDep
from app.processes.filework import records
from app.services import insights as service
from app.services import jobs as job_service
from app.services import writes
from app.services.solves import Mode
from app.settings import SettingsDep
from app.web.auth import ActorDep
from app.web.deps import RunnerDep
from app.web.responses import MEDIA_TYPES, ItemId, WorkbookLang, curve_answer, file_response
from models import Curve
from models.tables import FairnessCreate, JobPublic, SweepCreate
from scenarios import insights_io

router = APIRouter(tags=["insights"])

ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "model": Curve,
        "content": {MEDIA_TYPES["csv"]: {}, MEDIA_TYPES["xlsx"]: {}, "image/png": {}},
        "description": "The curve as JSON, its points as CSV, a workbook, or a chart.",
    }
}
SWEEP_ANSWERS: dict[int | str, dict[str, Any]] = {
    **ANSWERS,
    202: {"model": JobPublic, "description": "A job: read the curve at `Location`."},
}


@router.post("/sweeps", responses=SWEEP_ANSWERS, summary="A budget-outcome curve of a scenario")
def create_sweep(
    body: SweepCreate,
    session: SessionDep,
    settings: SettingsDep,
    runner: RunnerDep,
    actor: ActorDep,
    format: Literal["json", "csv", "xlsx", "png"] = "json",
    lang: WorkbookLang = "id",
    mode: Annotated[
        Mode,
        Query(
            description="auto: in the request when the dataset has at most the service's "
            "sync limit of villages, else a job; async: always a job; sync: always in "
            "the request (refused over the limit)"
        ),
    ] = "auto",
) -> Any:
    """Move one lever (dana_desa_share, add_share, apbd_pool, premium, min_coverage) over a range
    or a list of points: per point the status, objective, new enrolments, coverage, spend by
    source and marginal value; for continuous plans the curve's exact breakpoints, where a plan
    starts to exist and where more money stops helping. Answered in the request for tables up to
    the service's synchronous limit; a larger table (or `mode=async`) answers 202 with a job,
    whose curve is read at `Location` (`GET /sweeps/{id}`) once it has succeeded. Every value
    must lie in the scenario's own range at the lever (422 naming it); a planner sweeps only
    scenarios of its own kabupaten (403)."""
    if service.wants_job(session, body, settings, mode):
        job = writes.start_sweep(session, actor, runner, body, settings)
        return JSONResponse(
            job_service.public(session, job).model_dump(mode="json"),
            status_code=status.HTTP_202_ACCEPTED,
            headers={"Location": f"/sweeps/{job.id}"},
        )
    writes.require_scenario_kabupaten(session, actor, body.scenario_id)
    curve, name = service.sweep(session, body, settings)
    return curve_answer(curve, name, format, lang)


@router.get("/sweeps/{sweep_id}", responses=SWEEP_ANSWERS, summary="The curve of a sweep job")
def read_sweep(
    sweep_id: ItemId,
    session: SessionDep,
    format: Literal["json", "csv", "xlsx", "png"] = "json",
    lang: WorkbookLang = "id",
) -> Any:
    """The curve of a sweep that ran as a job, as JSON, CSV, a workbook or a chart; 202 with the
    job while it is queued or running; 409 when it failed or was cancelled."""
    job, curve, name = service.sweep_result(session, sweep_id)
    if curve is None:
        return JSONResponse(
            job_service.public(session, job).model_dump(mode="json"),
            status_code=status.HTTP_202_ACCEPTED,
            headers={"Location": f"/jobs/{job.id}"},
        )
    return curve_answer(curve, name, format, lang)


@router.post("/fairness", summary="The cost of each floor of a scenario")
def cost_of_fairness(
    body: FairnessCreate,
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
    format: Literal["json", "csv", "xlsx"] = "json",
    lang: WorkbookLang = "id",
) -> Any:
    """The scenario solved with every floor and without each floor family (coverage floor, group
    floors, table-wide target): objective and enrolments given up, rupiah moved, villages that
    gain and lose; JSON (with the village tables), the summary as CSV, or a workbook. A planner
    only on scenarios of its own kabupaten (403), as for a sweep."""
    writes.require_scenario_kabupaten(session, actor, body.scenario_id)
    summary, villages = service.fairness(session, body.scenario_id, body.version, settings)
    if format == "csv":
        return file_response(insights_io.frame_csv_bytes(summary), "fairness.csv", "csv")
    if format == "xlsx":
        return file_response(service.fairness_workbook(summary, villages, lang), "fairness.xlsx", "xlsx")
    return {
        "floors": records(summary),
        "villages": {family: records(frame) for family, frame in villages.items()},
    }


Table = Literal["top", "villages", "kecamatan", "pools", "village_years", "pool_years"]


@router.get("/plans/{plan_id}/marginals", summary="The next rupiah: what Rp1 million more buys")
def plan_marginals(
    plan_id: ItemId,
    session: SessionDep,
    settings: SettingsDep,
    format: Literal["json", "csv", "xlsx"] = "json",
    table: Annotated[Table, Query(description="the table a CSV holds")] = "top",
    top: Annotated[int, Query(ge=1, le=1000)] = 20,
    lang: WorkbookLang = "id",
) -> Any:
    """Per village (its own cap), per kecamatan and per APBD pool: objective points and new
    enrolments one more Rp1 million buys and over which range; the villages where it does most."""
    answer = service.marginals(session, plan_id, format, table, top, settings, lang)
    if isinstance(answer, bytes):
        name = f"marginals_{plan_id}.xlsx" if format == "xlsx" else f"marginals_{plan_id}_{table}.csv"
        return file_response(answer, name, format)
    return answer
