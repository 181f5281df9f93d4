"""A job's input read and its result stored: the jobs layer's own storage functions.

The supervisor of a job (`app.jobs.run`) reads the job's problem here and saves its plan or
curve here, with the job's status, in one transaction: it never calls back the services that
submitted the job (`app.services.solves`, `app.services.insights`); those only queue jobs and
read them. Reading a table and saving a plan go through the stores' own functions
(`app.services.datasets`, `app.services.plans`)."""

from __future__ import annotations

import json

from sqlalchemy import Engine, select, update
from sqlmodel import Session, col

from app.processes.handover import VillageColumns
from app.services import datasets, plans, sweeps
from app.services import scenarios as scenario_service
from models import Curve, Plan, Scenario, SolveOptions, Status
from models.tables import Job, JobStatus, ScenarioRecord, ScenarioVersion, SweepCreate, utc_now


def _job(session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    assert job is not None, f"job {job_id} is gone while it runs"
    return job


def _solved(session: Session, job_id: int) -> tuple[Job, ScenarioVersion, int]:
    """A solve job, the scenario version it solves and the dataset it solves it on, in one read."""
    row = session.execute(
        select(Job, ScenarioVersion, col(ScenarioRecord.dataset_id))
        .join(ScenarioVersion, col(ScenarioVersion.id) == col(Job.scenario_version_id))
        .join(ScenarioRecord, col(ScenarioRecord.id) == col(ScenarioVersion.scenario_id))
        .where(col(Job.id) == job_id)
    ).one_or_none()
    assert row is not None, f"job {job_id} is gone while it runs"
    return row[0], row[1], int(row[2])


def prepare(engine: Engine, job_id: int) -> tuple[str, str]:
    """The worker's input as JSON: the problem (`models.Problem`: the dataset's table, the
    scenario version) and the options. The table's JSON is written once per dataset
    (`datasets.table_json`); the solver process validates it."""
    with Session(engine) as session:
        job, version, dataset_id = _solved(session, job_id)
        table = datasets.table_json(session, dataset_id)
        scenario = Scenario.model_validate(version.body).model_dump_json()
        problem = f'{{"table":{table},"scenario":{scenario}}}'
        return problem, SolveOptions.model_validate(job.options).model_dump_json()


def store_result(
    engine: Engine, job_id: int, plan: Plan, villages: VillageColumns | None = None
) -> int | None:
    """Save the plan and mark the job in ONE transaction; the plan's id. A plan whose own check
    failed (status `error`) is kept, so its violations can be read, but its job is failed.

    None, with nothing written, when the job is no longer running (cancelled, or failed by a
    reaper, while the plan was on its way). `villages`: the plan's villages as its solver process
    handed them over (`app.processes.handover`), when `plan` comes without them."""
    with Session(engine) as session:
        _, version, dataset_id = _solved(session, job_id)
        saved = plans.save_plan(session, plan, version, dataset_id, villages)
        plan_id = saved.id  # read before the commit, which expires the record: no reload after
        assert plan_id is not None
        if not _end_with_plan(session, job_id, plan_id, plan):
            session.rollback()
            return None
        session.commit()
        return plan_id


def _end_with_plan(session: Session, job_id: int, plan_id: int, plan: Plan) -> bool:
    """The running job ends with its plan: `succeeded`, or `failed` when the plan failed its own
    check. False, with nothing changed, when the job is no longer running."""
    now = utc_now()
    checked = plan.status != Status.error
    result = session.execute(
        update(Job)
        .where(col(Job.id) == job_id, col(Job.status) == JobStatus.running.value)
        .execution_options(synchronize_session=False)  # no object of the session to match
        .values(
            status=(JobStatus.succeeded if checked else JobStatus.failed).value,
            error=None if checked else f"the plan failed its own check: {plan.message}",
            plan_id=plan_id,
            progress=1.0,
            phase=f"done: plan {plan_id} ({plan.status.value})",
            finished_at=now,
            heartbeat_at=now,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def store_plan(engine: Engine, job_id: int, plan: Plan, villages: VillageColumns | None = None) -> int | None:
    """Save the plan while its job still runs (its files come next, `app.jobs.run`); the plan's
    id, or None with nothing written when the job is no longer running. `finish_plan` ends the
    job, or takes the plan away again."""
    with Session(engine) as session:
        _, version, dataset_id = _solved(session, job_id)
        plan_id = plans.save_plan(session, plan, version, dataset_id, villages).id
        assert plan_id is not None
        result = session.execute(
            update(Job)
            .where(col(Job.id) == job_id, col(Job.status) == JobStatus.running.value)
            .execution_options(synchronize_session=False)  # no object of the session to match
            .values(progress=0.95, phase=f"writing the files of plan {plan_id}", heartbeat_at=utc_now())
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            session.rollback()
            return None
        session.commit()
        return plan_id


def finish_plan(engine: Engine, job_id: int, plan_id: int, plan: Plan) -> bool:
    """The job of a plan saved by `store_plan` ends as `store_result` ends it; False when the job
    is no longer running (a cancel, a reaper): then the plan, its villages and its files go."""
    with Session(engine) as session:
        if _end_with_plan(session, job_id, plan_id, plan):
            session.commit()
            return True
        session.rollback()
        plans.delete_plan(session, plan_id)
        session.commit()
        return False


def prepare_sweep(engine: Engine, job_id: int) -> tuple[str, str, str]:
    """A sweep job's input as JSON: the problem (with the request's whole-number setting), the
    options, and {"lever": ..., "values": [...], "breakpoints": ...}."""
    with Session(engine) as session:
        job = _job(session, job_id)
        assert job.result is not None
        body = SweepCreate.model_validate(job.result["request"])
        version = session.get(ScenarioVersion, job.scenario_version_id)
        assert version is not None
        record = scenario_service.get_record(session, version.scenario_id)
        # the table's JSON as solves hand it over (`datasets.table_json`, written once per dataset)
        problem = (
            f'{{"table":{datasets.table_json(session, record.dataset_id)},'
            f'"scenario":{sweeps.scenario(body, version).model_dump_json()}}}'
        )
        task = {
            "lever": sweeps.lever(body).model_dump(mode="json"),
            "values": sweeps.values(body),
            "breakpoints": body.breakpoints,
        }
        return (problem, SolveOptions.model_validate(job.options).model_dump_json(), json.dumps(task))


def store_curve(engine: Engine, job_id: int, curve: Curve) -> bool:
    """The curve and the job's status in ONE statement; False, with nothing written, when the job
    is no longer running (cancelled, or failed by a reaper, while the curve was on its way)."""
    with Session(engine) as session:
        job = _job(session, job_id)
        assert job.result is not None
        now = utc_now()
        result = session.execute(
            update(Job)
            .where(col(Job.id) == job_id, col(Job.status) == JobStatus.running.value)
            .execution_options(synchronize_session=False)  # no object of the session to match
            .values(
                status=JobStatus.succeeded.value,
                error=None,
                progress=1.0,
                result={"request": job.result["request"], "curve": curve.model_dump(mode="json")},
                phase=f"done: a curve of {len(curve.points)} points",
                finished_at=now,
                heartbeat_at=now,
            )
        )
        session.commit()
        return bool(result.rowcount)  # type: ignore[attr-defined]
