"""A large plan's letters as a job: every village's letter written in a job's own process, one zip
per kabupaten stored with the plan's files as it is done, the job's progress the share of letters
written. `POST /plans/{id}/letters/job` starts it; `GET /plans/{id}/letters?kabupaten=...` serves
each zip once stored.

The job runs under the same supervisor as a solve (`app.execute`): its process sends
("progress", ...) events, ("letters_file", (variant, name, bytes)) per kabupaten, and at the end
("letters", summary).
"""

from __future__ import annotations

import json
from multiprocessing.connection import Connection
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from app.i18n import Lang
from app.jobs import JobQueue
from app.services import documents, jobs, plans
from app.settings import Settings
from models import SolveOptions
from models.tables import Job, JobKind, PlanFile

RETRY_AFTER_S = 30
# a national plan's 83,762 letters in one process take tens of minutes: the job's hard limit
LETTERS_HARD_LIMIT_S = 4 * 3600.0


def kabupaten_variant(lang: str, head_key: str, index: int) -> str:
    return f"letters-zip-{lang}-{head_key}-k{index}"


def start(session: Session, runner: JobQueue, plan_id: int, lang: Lang, head_file: str | None,
          settings: Settings) -> Job:
    """Queue the plan's letters as a job (409 for a plan without targets)."""
    record = plans.get_record(session, plan_id)
    plans.refuse_without_targets(record)
    head = documents.letterhead(head_file)
    jobs.check_room(session, settings.queue_limit, RETRY_AFTER_S)
    job = Job(scenario_id=record.scenario_id, scenario_version_id=record.scenario_version_id,
              mode="async", options=SolveOptions(time_limit_s=LETTERS_HARD_LIMIT_S).model_dump(mode="json"),
              kind=JobKind.letters, phase="queued: letters",
              result={"request": {"plan_id": plan_id, "lang": lang,
                                  "letterhead": head.model_dump(mode="json")}})
    session.add(job)
    session.commit()
    session.refresh(job)
    assert job.id is not None
    job_id = job.id
    session.close()
    runner.submit(job_id, LETTERS_HARD_LIMIT_S)
    return jobs.get_job(session, job_id)


def prepare(engine: Engine, job_id: int) -> tuple[str, str]:
    """The job's plan as JSON, and its request with the plan's reference and date."""
    with Session(engine) as session:
        job = jobs.get_job(session, job_id)
        assert job.result is not None
        request = dict(job.result["request"])
        record = plans.get_record(session, request["plan_id"])
        ref, day = documents.plan_ref(session, record)
        request.update(ref=ref, date=day.isoformat())
        return plans.load_plan(session, request["plan_id"]).model_dump_json(), json.dumps(request)


def letters_in_process(plan_json: str, request_json: str, conn: Connection, limits: Any = None) -> None:
    """In the job's process: the book compiled in batch processes, in print order (kabupaten first),
    each kabupaten's letters zipped and sent as soon as its last letter is written."""
    import datetime as dt
    import io
    import zipfile

    from app.worker import ChildLimits, _answering
    from documents import Letterhead, PlanRef, letter_book
    from documents.letters import render_chunks
    from models import Plan

    with _answering(conn, limits or ChildLimits()):
        request = json.loads(request_json)
        plan = Plan.model_validate_json(plan_json)
        head = Letterhead.model_validate(request["letterhead"])
        book = letter_book(plan, head, PlanRef(request["ref"], dt.date.fromisoformat(request["date"])),
                           request["lang"])
        del plan
        key = documents.letters_key(head)
        kabupaten_of = {path: letter["kabupaten"]
                        for path, letter in zip(book.paths, book.letters, strict=True)}
        total, done, index = len(book.letters), 0, 0
        current: str | None = None
        buffer = io.BytesIO()
        archive: zipfile.ZipFile | None = None

        def send() -> None:
            assert archive is not None and current is not None
            archive.close()
            name = documents.letters_name(request["plan_id"], "zip", request["lang"], current)
            conn.send(("letters_file", (kabupaten_variant(request["lang"], key, index), name,
                                        buffer.getvalue())))

        for rendered in render_chunks(book):
            for path, pdf in rendered.letters:
                if kabupaten_of[path] != current:
                    if archive is not None:
                        send()
                    current, index = kabupaten_of[path], index + 1
                    buffer = io.BytesIO()
                    archive = zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED)
                assert archive is not None
                archive.writestr(path, pdf)
            done += len(rendered.letters)
            conn.send(("progress", json.dumps({"progress": done / total,
                                               "phase": f"letters: {done:,} of {total:,}"})))
        if archive is not None:
            send()
        conn.send(("letters", json.dumps({"letters": total, "kabupaten": index,
                                          "fingerprint": book.fingerprint})))


def store_file(engine: Engine, job_id: int, payload: tuple[str, str, bytes]) -> None:
    """One kabupaten's zip, stored with the plan's files as it comes."""
    variant, name, content = payload
    with Session(engine) as session:
        job = jobs.get_job(session, job_id)
        assert job.result is not None
        plan_id = job.result["request"]["plan_id"]
        if session.get(PlanFile, (plan_id, variant)) is None:
            session.add(PlanFile(plan_id=plan_id, variant=variant, file_name=name, file_format="zip",
                                 content=content))
            session.commit()


def finish(engine: Engine, job_id: int, summary_json: str) -> None:
    from app.services.jobs import finish as finish_job
    from models.tables import JobStatus

    summary = json.loads(summary_json)
    phase = f"done: {summary['letters']:,} letters in {summary['kabupaten']:,} kabupaten"
    if jobs.beat(engine, job_id, 1.0, phase):  # still running: not cancelled meanwhile
        finish_job(engine, job_id, JobStatus.succeeded, phase, None)
