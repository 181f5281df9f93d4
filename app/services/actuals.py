"""Plan against actual in the service: actuals uploaded against a plan, compared with it, and
re-planned into a new plan that pins the plan and the actuals it came from."""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.errors import Conflict, NotFound
from app.i18n import N_, Lang, gettext_for, speaker
from app.processes import filework
from app.processes.bounded import reading
from app.services import datasets, plans
from app.settings import Settings
from models import Actuals, ActualsComparison, InputIssue, Plan, Scenario, SolveOptions, VillageTable
from models.errors import ActualsError
from models.tables import (
    ActualsPublic,
    ActualsRecord,
    Page,
    PlanRecord,
    ReplanCreate,
    ReplanLink,
    ScenarioVersion,
)
from scenarios.actuals_reader import plan_frame
from scenarios.actuals_writers import actuals_csv_bytes, actuals_workbook_bytes
from scenarios.limits import ReadLimits
from solver import compare_actuals as compare
from solver import replan


class ActualsUpload(Protocol):
    """What an upload of actuals carries (`app.web.uploads.ActualsUpload` is one)."""

    name: str | None
    through_month: int | None
    start: str | None
    filename: str | None
    content: bytes | None  # a CSV or XLSX file
    rows: list[dict[str, Any]] | None  # JSON rows


MONTHS_PER_VILLAGE = 12  # an actuals report has a row per village and month


def _context(session: Session, record: PlanRecord) -> tuple[Plan, VillageTable, Scenario, ScenarioVersion]:
    version = session.get(ScenarioVersion, record.scenario_version_id)
    assert version is not None and record.id is not None
    return (
        plans.load_plan(session, record.id),
        datasets.load_table(session, record.dataset_id),
        Scenario.model_validate(version.body),
        version,
    )


def create(
    session: Session,
    plan_id: int,
    upload: ActualsUpload,
    limits: ReadLimits,
    time_limit_s: float = 0,
    only_villages: frozenset[str] | None = None,
) -> ActualsRecord:
    """Validate the actuals against the plan and store them; 409 for a plan without targets, 422
    (nothing stored) for a refused file; the reading stopped after `time_limit_s` (503, nothing
    stored; 0: no limit). `only_villages`: a village office's own villages, every other village's
    row refused (422, naming the row)."""
    record = plans.get_record(session, plan_id)
    plans.refuse_without_targets(record)
    link = session.get(ReplanLink, plan_id)
    if link is not None:
        # a re-plan covers the months left, of a table and scenario derived from the plan's
        raise Conflict(
            N_(
                "Plan %(plan)s is a re-plan of plan %(source)s: upload the actuals, "
                "from the year's first month, against plan %(source)s."
            ),
            plan=plan_id,
            source=link.source_plan_id,
        )
    plan, table, scenario, _ = _context(session, record)
    frame = plan_frame(table, scenario, upload.through_month, upload.start)
    if upload.rows is not None:
        actuals = reading(time_limit_s, "the rows", filework.read_actuals_rows, upload.rows, frame)
    else:
        assert upload.content is not None and upload.filename is not None
        limits = dataclasses.replace(limits, max_rows=limits.max_rows * MONTHS_PER_VILLAGE)
        actuals = reading(
            time_limit_s,
            upload.filename,
            filework.read_actuals_file,
            upload.content,
            frame,
            upload.filename,
            limits,
        )
    if only_villages is not None:
        refuse_other_villages(actuals, only_villages, upload.filename or "rows")
    stored = ActualsRecord(
        plan_id=plan_id,
        name=upload.name or upload.filename or "rows",
        source_filename=upload.filename,
        through_month=actuals.through_month,
        start=actuals.start,
        row_count=len(actuals.rows),
        actual_enrollments=actuals.total,
        body=actuals.model_dump(mode="json"),
    )
    session.add(stored)
    session.commit()
    session.refresh(stored)
    return stored


def refuse_other_villages(actuals: Actuals, own: frozenset[str], source: str) -> None:
    """422 naming every row of a village that is not one of `own` (nothing is stored)."""
    listed = ", ".join(sorted(own))
    issues = [
        InputIssue(
            file=source,
            row=row.row,
            column="Kode Desa",
            message=(
                f"village {row.village_code} is not this account's village: upload only the rows of {listed}"
            ),
        )
        for row in actuals.rows
        if row.village_code not in own
    ]
    if issues:
        raise ActualsError(issues)


def get(session: Session, actuals_id: int) -> ActualsRecord:
    found = session.get(ActualsRecord, actuals_id)
    if found is None:
        raise NotFound(N_("Actuals %(actuals)s do not exist."), actuals=actuals_id)
    return found


def public(record: ActualsRecord) -> ActualsPublic:
    return ActualsPublic.model_validate(record, from_attributes=True)


def list_for_plan(session: Session, plan_id: int, offset: int, limit: int) -> Page[ActualsPublic]:
    plans.get_record(session, plan_id)
    where = col(ActualsRecord.plan_id) == plan_id
    total = session.scalar(select(func.count()).select_from(ActualsRecord).where(where)) or 0
    found = session.scalars(
        select(ActualsRecord).where(where).order_by(col(ActualsRecord.id)).offset(offset).limit(limit)
    ).all()
    return Page[ActualsPublic](items=[public(r) for r in found], total=total, offset=offset, limit=limit)


def comparison(session: Session, actuals_id: int) -> ActualsComparison:
    stored = get(session, actuals_id)
    plan, table, scenario, _ = _context(session, plans.get_record(session, stored.plan_id))
    return compare(table, scenario, plan, Actuals.model_validate(stored.body))


def comparison_file(
    session: Session, actuals_id: int, file_format: str, table: str, lang: Lang | None
) -> tuple[bytes, str]:
    """CSV of one table (the column codes), or the planner's workbook in `lang` (default id)."""
    result = comparison(session, actuals_id)
    if file_format == "xlsx":
        say = speaker(lang or "id")
        title = f"{say.gettext('Plan')} {get(session, actuals_id).plan_id} · {result.scenario_name}"
        return actuals_workbook_bytes(result, gettext_for(say.lang), title), f"actuals_{actuals_id}.xlsx"
    return actuals_csv_bytes(result, table), f"actuals_{actuals_id}_{table}.csv"


def create_replan(session: Session, actuals_id: int, request: ReplanCreate, settings: Settings) -> PlanRecord:
    """Re-plan the months left: solved here (a re-plan is the size of its kabupaten), saved as a new
    plan of the same scenario version and dataset, linked to the plan and actuals it came from."""
    stored = get(session, actuals_id)
    record = plans.get_record(session, stored.plan_id)
    plan, table, scenario, version = _context(session, record)
    asked = request.options
    limit = settings.solve_time_limit_s
    options = SolveOptions.model_validate(
        {
            "time_limit_s": min(asked.time_limit_s or limit, limit),
            "workers": 1,
            "threads": 1,
            **({"gap_rel": asked.gap_rel} if asked.gap_rel is not None else {}),
            **({"integer_method": asked.integer_method} if asked.integer_method is not None else {}),
            **({"tie_break": asked.tie_break} if asked.tie_break is not None else {}),
        }
    )
    new_plan, _ = replan(
        table, scenario, plan, Actuals.model_validate(stored.body), options, source_plan=f"plan/{record.id}"
    )
    assert new_plan.replan is not None
    new_plan.replan.actuals = f"actuals/{actuals_id}"
    saved = plans.save_plan(session, new_plan, version, record.dataset_id)
    assert saved.id is not None and record.id is not None
    session.add(ReplanLink(plan_id=saved.id, source_plan_id=record.id, actuals_id=actuals_id))
    session.commit()
    session.refresh(saved)
    return saved
