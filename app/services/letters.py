"""A large plan's letters as a job, started: the job row made and queued. The job itself runs in
`app.jobs.letters` (its rows) and `app.processes.letters` (its process)."""

from __future__ import annotations

from sqlmodel import Session

from app.i18n import Lang
from app.processes.letters import LETTERS_HARD_LIMIT_S
from app.queue.interface import JobQueue
from app.services import documents, jobs, plans
from app.settings import Settings
from models import SolveOptions
from models.tables import Job, JobKind

RETRY_AFTER_S = 30


def start(
    session: Session, runner: JobQueue, plan_id: int, lang: Lang, head_file: str | None, settings: Settings
) -> Job:
    """Queue the plan's letters as a job (409 for a plan without targets)."""
    record = plans.get_record(session, plan_id)
    plans.refuse_without_targets(record)
    head = documents.letterhead(head_file)
    job = Job(
        scenario_id=record.scenario_id,
        scenario_version_id=record.scenario_version_id,
        mode="async",
        options=SolveOptions(time_limit_s=LETTERS_HARD_LIMIT_S).model_dump(mode="json"),
        kind=JobKind.letters,
        phase="queued: letters",
        result={"request": {"plan_id": plan_id, "lang": lang, "letterhead": head.model_dump(mode="json")}},
    )
    # counted into the queue and inserted in one step, as a solve is
    job = jobs.add_within_room(session, job, settings.queue_limit, RETRY_AFTER_S)
    assert job.id is not None
    job_id = job.id
    session.close()
    runner.submit(job_id, LETTERS_HARD_LIMIT_S)
    return jobs.get_job(session, job_id)
