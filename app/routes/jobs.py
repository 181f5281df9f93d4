"""/jobs: solve jobs, their status and progress; cancel one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.db import SessionDep
from app.services import jobs as service
from app.services import writes
from app.web.auth import ActorDep
from app.web.deps import RunnerDep
from app.web.responses import ItemId, Limit, Offset, OptionalId
from models.tables import JobPublic, JobStatus, Page

router = APIRouter(prefix="/jobs", tags=["jobs"])


@router.get("", summary="List solve jobs, newest first")
def list_jobs(
    session: SessionDep,
    status: Annotated[JobStatus | None, Query()] = None,
    scenario_id: OptionalId = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Page[JobPublic]:
    return service.list_jobs(session, offset, limit, status.value if status else None, scenario_id)


@router.get("/{job_id}", summary="A job: status, progress, phase, its plan when done")
def get_job(job_id: ItemId, session: SessionDep) -> JobPublic:
    return service.public(session, service.get_job(session, job_id))


@router.post("/{job_id}/cancel", summary="Cancel a queued or running job")
def cancel_job(job_id: ItemId, session: SessionDep, runner: RunnerDep, actor: ActorDep) -> JobPublic:
    """Its worker process is terminated. 409 when the job has already finished."""
    return writes.cancel_job(session, actor, runner, job_id)
