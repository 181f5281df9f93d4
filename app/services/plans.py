"""Plans: saved in one transaction with their villages in bulk, read back whole or by page."""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter
from pydantic_core import to_json
from sqlalchemy import func, select
from sqlmodel import Session, col

import scenarios
from app import filework
from app.bounded import building
from app.errors import Conflict, NotFound
from app.i18n import Lang, speaker
from app.services.bulk import insert_rows, json_cell, select_rows
from models import InputError, InputIssue, Plan, Scenario, VillagePlan
from models.plan import targets_allowed
from models.tables import (
    Dataset,
    Page,
    PlanPublic,
    PlanRecord,
    PlanVillage,
    ScenarioRecord,
    ScenarioVersion,
    utc_now,
)

_VILLAGES = PlanVillage.__table__  # type: ignore[attr-defined]
_VILLAGE_COLUMNS = [c.name for c in _VILLAGES.columns if c.name not in ("plan_id", "position")]
_SCALARS_BEFORE = _VILLAGE_COLUMNS[: _VILLAGE_COLUMNS.index("enrollments")]
_SCALARS_AFTER = _VILLAGE_COLUMNS[_VILLAGE_COLUMNS.index("enrollments") + 1 :]
_VILLAGE_LIST = TypeAdapter(list[VillagePlan])
# the columns a page of villages may be sorted by; `new_<group>_<package>` works too
SORTABLE = [c for c in _VILLAGE_COLUMNS if c != "enrollments"]


def save_plan(session: Session, plan: Plan, version: ScenarioVersion, dataset_id: int) -> PlanRecord:
    """Store a plan solved from `version` of a scenario over dataset `dataset_id`.

    Flushes but does not commit, so the caller keeps the plan and whatever else it writes (the
    job's status) in one transaction. The villages go in with one executemany."""
    assert version.id is not None
    record = PlanRecord(
        scenario_id=version.scenario_id,
        scenario_version_id=version.id,
        dataset_id=dataset_id,
        status=plan.status.value,
        objective=plan.objective,
        objective_name=plan.objective_name,
        scenario_name=plan.scenario_name,
        village_count=len(plan.villages),
        detail=plan.model_dump(mode="json", exclude={"villages"}),
    )
    session.add(record)
    session.flush()
    rows = [
        (
            record.id,
            position,
            *(getattr(village, name) for name in _SCALARS_BEFORE),
            to_json(village.enrollments).decode(),
            *(getattr(village, name) for name in _SCALARS_AFTER),
        )
        for position, village in enumerate(plan.villages)
    ]
    insert_rows(session, _VILLAGES, ["plan_id", "position", *_VILLAGE_COLUMNS], rows)
    return record


def get_record(session: Session, plan_id: int) -> PlanRecord:
    record = session.get(PlanRecord, plan_id)
    if record is None:
        raise NotFound(f"Plan {plan_id} does not exist.")
    return record


def refuse_unchecked(record: PlanRecord, what: str) -> None:
    """A plan whose own check failed gives no targets, comparisons or exports: 409 with why."""
    detail = Plan.model_validate(record.detail)
    if detail.status == "error" or (detail.check is not None and not detail.check.ok):
        raise Conflict(f"Plan {record.id} failed its own check, so it has no {what}: "
                       f"{detail.message or 'see the plan'}")


def _village(row: Any) -> VillagePlan:
    return VillagePlan.model_validate({name: getattr(row, name) for name in _VILLAGE_COLUMNS})


def load_plan(session: Session, plan_id: int) -> Plan:
    """The whole plan, villages in the dataset's order."""
    record = get_record(session, plan_id)
    rows = select_rows(session, _VILLAGES, _VILLAGE_COLUMNS, "plan_id", plan_id, "position")
    at = _VILLAGE_COLUMNS.index("enrollments")
    villages = [dict(zip(_VILLAGE_COLUMNS, row, strict=True)) for row in rows]
    for village, row in zip(villages, rows, strict=True):
        village["enrollments"] = json_cell(row[at])
    plan = Plan.model_validate(record.detail)
    plan.villages = _VILLAGE_LIST.validate_python(villages)
    return plan


def public(session: Session, record: PlanRecord) -> PlanPublic:
    assert record.id is not None
    version = session.get(ScenarioVersion, record.scenario_version_id)
    assert version is not None
    detail = Plan.model_validate(record.detail)
    return PlanPublic(
        id=record.id,
        scenario_id=record.scenario_id,
        scenario_version=version.version,
        dataset_id=record.dataset_id,
        created_at=record.created_at,
        village_count=record.village_count,
        has_targets=targets_allowed(detail.status, detail.check, record.village_count),
        **detail.model_dump(
            include={
                "status",
                "objective",
                "objective_name",
                "scenario_name",
                "message",
                "integer",
                "method",
                "lp_bound",
                "gap_to_lp_bound",
                "build_seconds",
                "solve_seconds",
                "check_seconds",
                "total_seconds",
                "blocks",
                "preferred",
                "fallback_blocks",
                "marginals_from",
                "totals",
                "pools",
                "explanations",
                "group_reasons",
                "check",
                "groups",
                "packages",
            }
        ),
    )


def list_plans(
    session: Session,
    offset: int,
    limit: int,
    scenario_id: int | None = None,
    dataset_id: int | None = None,
) -> Page[PlanPublic]:
    where = []
    if scenario_id is not None:
        where.append(col(PlanRecord.scenario_id) == scenario_id)
    if dataset_id is not None:
        where.append(col(PlanRecord.dataset_id) == dataset_id)
    total = session.scalar(select(func.count()).select_from(PlanRecord).where(*where)) or 0
    records = session.scalars(
        select(PlanRecord).where(*where).order_by(col(PlanRecord.id)).offset(offset).limit(limit)
    ).all()
    return Page[PlanPublic](
        items=[public(session, r) for r in records], total=total, offset=offset, limit=limit
    )


def _sort_expression(record: PlanRecord, sort: str) -> Any:
    name = sort.removeprefix("-")
    expression = _VILLAGES.c[name] if name in SORTABLE else _enrolment_column(record, name)
    return expression.desc() if sort.startswith("-") else expression.asc()


def _enrolment_column(record: PlanRecord, name: str) -> Any:
    """`new_<group>_<package>`: one cell of the villages' enrolment JSON."""
    for group in record.detail.get("groups", []):
        for package in record.detail.get("packages", []):
            if name == f"new_{group}_{package}":
                # SQLAlchemy's JSON path: json_extract on SQLite, #>> on PostgreSQL
                return _VILLAGES.c.enrollments[(group, package)].as_float()
    allowed = [*SORTABLE, "new_<group>_<package>"]
    raise InputError(
        [
            InputIssue(
                field="sort",
                message=f"cannot sort by '{name}'; use one of {', '.join(allowed)}, "
                "with a leading '-' for descending",
            )
        ],
        title="The request was refused",
    )


def village_page(
    session: Session,
    plan_id: int,
    offset: int,
    limit: int,
    kecamatan: str | None = None,
    sort: str | None = None,
) -> Page[VillagePlan]:
    record = get_record(session, plan_id)
    where = [_VILLAGES.c.plan_id == plan_id]
    if kecamatan:
        where.append(func.lower(_VILLAGES.c.kecamatan) == kecamatan.strip().lower())
    order = [_sort_expression(record, sort)] if sort else []
    order.append(_VILLAGES.c.position)  # ties keep the table's order
    total = session.scalar(select(func.count()).select_from(_VILLAGES).where(*where)) or 0
    rows = session.execute(select(_VILLAGES).where(*where).order_by(*order).offset(offset).limit(limit)).all()
    return Page[VillagePlan](items=[_village(row) for row in rows], total=total, offset=offset, limit=limit)


def _clean(value: Any) -> Any:
    """JSON has no NaN: an empty cell is null."""
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value


def kecamatan_summary(session: Session, plan_id: int) -> list[dict[str, Any]]:
    frame = scenarios.kecamatan_summary(load_plan(session, plan_id))
    return [{str(k): _clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _slug_date(created_at: datetime) -> str:
    return created_at.date().isoformat()


def targets_file(
    session: Session, plan_id: int, file_format: str, time_limit_s: float = 0
) -> tuple[bytes, str]:
    """The CLI's targets table as CSV or XLSX, named for dataset, scenario, version and date:
    `targets_<dataset>_<scenario>_v<version>_<YYYY-MM-DD>.<ext>`; built within `time_limit_s`
    (503; 0: no limit)."""
    record = get_record(session, plan_id)
    refuse_without_targets(record)
    plan = load_plan(session, plan_id)
    name = _targets_name(session, record, file_format)
    return building(time_limit_s, name, filework.targets_bytes, plan, file_format), name


def refuse_without_targets(record: PlanRecord) -> None:
    """409 for a plan that failed its check, or has no plan at all (infeasible, or nothing in time)."""
    refuse_unchecked(record, "targets")
    if record.village_count == 0:
        raise Conflict(f"Plan {record.id} has no targets: its status is {record.status} "
                       f"({Plan.model_validate(record.detail).message})")


def _targets_name(session: Session, record: PlanRecord, file_format: str) -> str:
    """`targets_<dataset>_<scenario>_v<version>_<YYYY-MM-DD>.<ext>`."""
    dataset = session.get(Dataset, record.dataset_id)
    scenario = session.get(ScenarioRecord, record.scenario_id)
    version = session.get(ScenarioVersion, record.scenario_version_id)
    assert dataset is not None and scenario is not None and version is not None
    name = (
        f"targets_{dataset.slug}_{scenario.slug}_v{version.version}_"
        f"{_slug_date(record.created_at)}.{file_format}"
    )
    return re.sub(r"[^A-Za-z0-9_.-]", "-", name)


def _about(session: Session, record: PlanRecord, lang: Lang) -> tuple[list[tuple[str, Any]], str, Scenario]:
    """What a printed sheet names to be defended: plan, dataset, scenario version, dates (WIB)."""
    say = speaker(lang)
    dataset = session.get(Dataset, record.dataset_id)
    scenario = session.get(ScenarioRecord, record.scenario_id)
    version = session.get(ScenarioVersion, record.scenario_version_id)
    assert dataset is not None and scenario is not None and version is not None
    rows: list[tuple[str, Any]] = [
        (say.gettext("Plan"), record.id),
        (say.gettext("Village table"), f"{dataset.name} ({dataset.id})"),
        (say.gettext("Scenario version"), f"{scenario.name} v{version.version}"),
        (say.gettext("Solved"), say.fmt.datetime(record.created_at)),
        (say.gettext("Written"), say.fmt.datetime(utc_now())),
    ]
    title = f"{say.gettext('Plan')} {record.id} · {scenario.name} v{version.version} · {dataset.name}"
    return rows, title, Scenario.model_validate(version.body)


def planner_targets_file(
    session: Session,
    plan_id: int,
    file_format: str,
    lang: Lang,
    csv_style: str = "comma",
    split: str | None = None,
    time_limit_s: float = 0,
) -> tuple[bytes, str, str]:
    """The targets for people: headers in `lang`, the Indonesian-Excel CSV on request, or one
    workbook per kabupaten or kecamatan zipped. Returns content, file name and format."""
    record = get_record(session, plan_id)
    refuse_without_targets(record)
    name = _targets_name(session, record, file_format)
    plan = load_plan(session, plan_id)
    about, title, scenario = _about(session, record, lang)
    stem = name.rsplit(".", 1)[0]
    if split is not None:
        name, answered = f"{stem}_{split}.zip", "zip"
    else:
        answered = "xlsx" if file_format == "xlsx" else "csv"
    content = building(time_limit_s, name, filework.planner_targets_bytes,
        plan, lang, scenario, about, title, stem, answered, csv_style, split,
    )
    return content, name, answered

