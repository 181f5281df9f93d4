"""A plan's letters job, its rows: what its process is handed, each kabupaten's zip stored with
the plan's files as it comes, and the job finished. Its supervisor is a solve's (`app.jobs.run`):
the process sends ("progress", ...), ("letters_file", (variant, name, bytes)) per kabupaten, and
at the end ("letters", summary)."""

from __future__ import annotations

import json

from sqlalchemy import Engine
from sqlmodel import Session

from app.queue import rows
from app.services import documents, plans
from models.tables import Job, JobStatus, PlanFile


def prepare(engine: Engine, job_id: int) -> tuple[str, str]:
    """The job's plan as JSON, and its request with the plan's reference and date."""
    with Session(engine) as session:
        job = session.get(Job, job_id)
        assert job is not None
        assert job.result is not None
        request = dict(job.result["request"])
        record = plans.get_record(session, request["plan_id"])
        ref, day = documents.plan_ref(session, record)
        request.update(ref=ref, date=day.isoformat())
        return plans.load_plan(session, request["plan_id"]).model_dump_json(), json.dumps(request)


def store_file(engine: Engine, job_id: int, payload: tuple[str, str, bytes]) -> None:
    """One kabupaten's zip, stored with the plan's files as it comes."""
    variant, name, content = payload
    with Session(engine) as session:
        job = session.get(Job, job_id)
        assert job is not None
        assert job.result is not None
        plan_id = job.result["request"]["plan_id"]
        if session.get(PlanFile, (plan_id, variant)) is None:
            session.add(
                PlanFile(plan_id=plan_id, variant=variant, file_name=name, file_format="zip", content=content)
            )
            session.commit()


def finish(engine: Engine, job_id: int, summary_json: str) -> None:
    summary = json.loads(summary_json)
    phase = f"done: {summary['letters']:,} letters in {summary['kabupaten']:,} kabupaten"
    if rows.beat(engine, job_id, 1.0, phase):  # still running: not cancelled meanwhile
        rows.finish(engine, job_id, JobStatus.succeeded, phase, None)
