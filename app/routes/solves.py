"""/solves: solve a scenario version; at once for a small table, else a job to poll."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import JSONResponse

from app.db import SessionDep
from app.services import jobs as job_service
from app.services import plans as plan_service
from app.services import writes
from app.services.solves import Mode
from app.settings import SettingsDep
from app.web.auth import ActorDep
from app.web.deps import RunnerDep
from models.tables import JobPublic, PlanPublic, SolveCreate

router = APIRouter(prefix="/solves", tags=["solves"])

ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"model": PlanPublic, "description": "Solved at once: the plan."},
    202: {"model": JobPublic, "description": "Queued: poll the job at `Location`."},
}


@router.post("", responses=ANSWERS, summary="Solve a scenario version")
def solve(
    body: SolveCreate,
    session: SessionDep,
    runner: RunnerDep,
    settings: SettingsDep,
    actor: ActorDep,
    mode: Annotated[
        Mode,
        Query(
            description="auto: at once when the dataset has at most the service's sync limit "
            "of villages, else a job; async: always a job; sync: always wait"
        ),
    ] = "auto",
) -> Any:
    """Every solve runs in a worker process with a time limit (the request's
    `options.time_limit_s`, capped by the service). 409 for an archived scenario."""
    job, record = writes.solve(session, actor, runner, body, settings, mode)
    if record is None:
        return JSONResponse(
            job_service.public(session, job).model_dump(mode="json"),
            status_code=status.HTTP_202_ACCEPTED,
            headers={"Location": f"/jobs/{job.id}"},
        )
    # the plan's JSON written by pydantic in one call, not walked again by FastAPI's encoder
    return Response(
        plan_service.public(session, record).model_dump_json(),
        media_type="application/json",
        headers={"Location": f"/plans/{record.id}"},
    )
