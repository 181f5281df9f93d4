"""Plans: saved in one transaction with their villages in bulk, read back whole or by page."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import datetime
from itertools import repeat
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

import scenarios
from app.errors import Conflict, NotFound, Said
from app.i18n import N_, Lang, speaker
from app.processes import filework
from app.processes.bounded import building
from app.processes.filework import FileOrder
from app.processes.handover import VillageColumns, village_columns
from app.services.bulk import insert_rows, json_cell, select_rows
from models import InputError, InputIssue, Plan, Scenario, VillagePlan
from models.plan import targets_allowed
from models.tables import (
    Dataset,
    InShort,
    Page,
    PlanFile,
    PlanPublic,
    PlanRecord,
    PlanShortfalls,
    PlanVillage,
    ReplanLink,
    ScenarioRecord,
    ScenarioVersion,
    utc_now,
)
from scenarios.labels import STATUS_NAMES

_VILLAGES = PlanVillage.__table__  # type: ignore[attr-defined]
_VILLAGE_COLUMNS = [c.name for c in _VILLAGES.columns if c.name not in ("plan_id", "position")]
_SCALARS_BEFORE = _VILLAGE_COLUMNS[: _VILLAGE_COLUMNS.index("enrollments")]
_SCALARS_AFTER = _VILLAGE_COLUMNS[_VILLAGE_COLUMNS.index("enrollments") + 1 :]
_VILLAGE_LIST = TypeAdapter(list[VillagePlan])
# the columns a page of villages may be sorted by; `new_<group>_<package>` works too
SORTABLE = [c for c in _VILLAGE_COLUMNS if c != "enrollments"]


def save_plan(
    session: Session,
    plan: Plan,
    version: ScenarioVersion,
    dataset_id: int,
    villages: VillageColumns | None = None,
) -> PlanRecord:
    """Store a plan solved from `version` of a scenario over dataset `dataset_id`; its villages
    from `villages` when given (as a solver process hands them over), else from the plan.

    Flushes but does not commit, so the caller keeps the plan and whatever else it writes (the
    job's status) in one transaction. The villages go in with one executemany, column by column."""
    assert version.id is not None
    columns = villages if villages is not None else village_columns(plan.villages)
    record = PlanRecord(
        scenario_id=version.scenario_id,
        scenario_version_id=version.id,
        dataset_id=dataset_id,
        status=plan.status.value,
        objective=plan.objective,
        objective_name=plan.objective_name,
        scenario_name=plan.scenario_name,
        village_count=len(columns),
        detail=plan.model_dump(mode="json", exclude={"villages"}),
    )
    session.add(record)
    session.flush()
    count = len(columns)
    rows = list(
        zip(
            repeat(record.id, count),
            range(count),
            *(columns.column(name) for name in _SCALARS_BEFORE),
            columns.column("enrollments"),  # JSON text
            *(columns.column(name) for name in _SCALARS_AFTER),
            strict=True,
        )
    )
    insert_rows(session, _VILLAGES, ["plan_id", "position", *_VILLAGE_COLUMNS], rows)
    return record


def delete_plan(session: Session, plan_id: int) -> None:
    """A plan whose job ended another way while its files were written: its files, villages and
    record go (the caller commits)."""
    session.execute(delete(PlanFile).where(col(PlanFile.plan_id) == plan_id))
    session.execute(delete(_VILLAGES).where(_VILLAGES.c.plan_id == plan_id))
    session.execute(delete(PlanRecord).where(col(PlanRecord.id) == plan_id))


def get_record(session: Session, plan_id: int) -> PlanRecord:
    record = session.get(PlanRecord, plan_id)
    if record is None:
        raise NotFound(N_("Plan %(plan)s does not exist."), plan=plan_id)
    return record


# what a plan that failed its own check does not give
UNCHECKED_WHAT = {
    "brief": N_("brief"),
    "comparisons": N_("comparisons"),
    "targets": N_("targets"),
    "marginals": N_("figures of the next rupiah"),
}


def refuse_unchecked(record: PlanRecord, what: str) -> None:
    """A plan whose own check failed gives no targets, comparisons or exports: 409 with why."""
    detail = Plan.model_validate(record.detail)
    if detail.status == "error" or (detail.check is not None and not detail.check.ok):
        raise Conflict(
            N_("Plan %(plan)s failed its own check, so it has no %(what)s: %(why)s"),
            plan=record.id,
            what=Said(UNCHECKED_WHAT.get(what, what)),
            why=Said(detail.message or N_("see the plan")),
        )


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


def in_short(session: Session, plan_id: int, lang: Lang) -> InShort:
    """The plan in a planner's words: the money, what it buys, what one more billion adds."""
    from app.i18n.in_short import plan_in_short

    record = get_record(session, plan_id)
    version = session.get(ScenarioVersion, record.scenario_version_id)
    assert version is not None
    scenario = Scenario.model_validate(version.body)
    return InShort(lang=lang, text=plan_in_short(Plan.model_validate(record.detail), scenario, lang))


def shortfalls(session: Session, plan_id: int) -> PlanShortfalls:
    """Every village whose own money cannot pay its floors, and the remedies, of a stored plan."""
    record = get_record(session, plan_id)
    detail = Plan.model_validate(record.detail)
    assert record.id is not None
    return PlanShortfalls(plan_id=record.id, short_villages=detail.short_villages, remedies=detail.remedies)


def shortfalls_plan(session: Session, plan_id: int) -> Plan:
    """The stored plan without its villages: what the shortfalls workbook is written from."""
    return Plan.model_validate(get_record(session, plan_id).detail)


def public(session: Session, record: PlanRecord) -> PlanPublic:
    assert record.id is not None
    version = session.get(ScenarioVersion, record.scenario_version_id)
    assert version is not None
    detail = Plan.model_validate(record.detail)
    link = session.get(ReplanLink, record.id)
    return PlanPublic(
        id=record.id,
        replan_of_plan_id=link.source_plan_id if link else None,
        replan_of_actuals_id=link.actuals_id if link else None,
        scenario_id=record.scenario_id,
        scenario_version=version.version,
        dataset_id=record.dataset_id,
        created_at=record.created_at,
        village_count=record.village_count,
        has_targets=targets_allowed(detail.status, detail.check, record.village_count),
        short_village_count=len(detail.short_villages),
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
                "unsolved_blocks",
                "marginals_from",
                "totals",
                "pools",
                "explanations",
                "remedies",
                "group_reasons",
                "check",
                "groups",
                "packages",
                "replan",
                "fiscal_year",
                "months",
                "rules",
                "premiums",
                "new_by_source",
                "years",
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


def replans_of_plan(session: Session, plan_id: int) -> list[ReplanLink]:
    """The re-plans made from a plan, oldest first."""
    return list(
        session.scalars(
            select(ReplanLink)
            .where(col(ReplanLink.source_plan_id) == plan_id)
            .order_by(col(ReplanLink.plan_id))
        ).all()
    )


def replans_of_actuals(session: Session, actuals_id: int) -> list[ReplanLink]:
    """The re-plans made from one upload of actuals, oldest first."""
    return list(
        session.scalars(
            select(ReplanLink)
            .where(col(ReplanLink.actuals_id) == actuals_id)
            .order_by(col(ReplanLink.plan_id))
        ).all()
    )


def kecamatan_summary(session: Session, plan_id: int) -> list[dict[str, Any]]:
    return kecamatan_rows(load_plan(session, plan_id))


def kecamatan_rows(plan: Plan) -> list[dict[str, Any]]:
    """A loaded plan's kecamatan summary as JSON-ready rows."""
    frame = scenarios.kecamatan_summary(plan)
    return [{str(k): _clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _slug_date(created_at: datetime) -> str:
    return created_at.date().isoformat()


# the files a large plan's job builds right after the solve, before its status is final
# (`app.jobs.run.PlanFiles`): those the plan's page links in each of its languages (the planner's
# workbook and the CSV for Indonesian Excel), and the contract's CSV and XLSX of the API; only the
# zips of one workbook per kabupaten or kecamatan are built on their first download
FILES_WITH_THE_PLAN = ("xlsx-id", "csv", "xlsx", "csv-excel-id-id", "xlsx-en", "csv-excel-id-en")


def _contract_order(session: Session, record: PlanRecord, file_format: str) -> FileOrder:
    return FileOrder(
        variant=file_format,
        name=_targets_name(session, record, file_format),
        file_format=file_format,
        build=filework.targets_bytes,
        args=(file_format,),
    )


def file_orders(session: Session, plan_id: int) -> list[FileOrder]:
    """How to build the plan's `FILES_WITH_THE_PLAN` not stored yet; none for a plan without
    targets (a failed check, infeasible, nothing in time)."""
    record = get_record(session, plan_id)
    try:
        refuse_without_targets(record)
    except Conflict:
        return []
    stored = set(session.scalars(select(col(PlanFile.variant)).where(col(PlanFile.plan_id) == plan_id)))
    orders = [
        _planner_order(session, record, "xlsx", "id", "comma", None),
        _contract_order(session, record, "csv"),
        _contract_order(session, record, "xlsx"),
        _planner_order(session, record, "csv", "id", "excel-id", None),
        _planner_order(session, record, "xlsx", "en", "comma", None),
        _planner_order(session, record, "csv", "en", "excel-id", None),
    ]
    assert [o.variant for o in orders] == list(FILES_WITH_THE_PLAN)
    return [o for o in orders if o.variant not in stored]


def store_file(session: Session, plan_id: int, order: FileOrder, content: bytes) -> None:
    """Store a file built from `order` and commit; a file stored first (a download that raced
    the job) stays."""
    try:
        session.add(
            PlanFile(
                plan_id=plan_id,
                variant=order.variant,
                file_name=order.name,
                file_format=order.file_format,
                content=content,
            )
        )
        session.commit()
    except IntegrityError:
        session.rollback()


def _built(
    session: Session, plan_id: int, order: FileOrder, time_limit_s: float
) -> Callable[[], tuple[bytes, str, str]]:
    def build() -> tuple[bytes, str, str]:
        plan = load_plan(session, plan_id)
        content = building(time_limit_s, order.name, order.build, plan, *order.args)
        return content, order.name, order.file_format

    return build


def targets_file(
    session: Session, plan_id: int, file_format: str, time_limit_s: float = 0
) -> tuple[bytes, str]:
    """The CLI's targets table as CSV or XLSX, named for dataset, scenario, version and date:
    `targets_<dataset>_<scenario>_v<version>_<YYYY-MM-DD>.<ext>`. Built by a large plan's job
    (`FILES_WITH_THE_PLAN`) or on the first download, within `time_limit_s` (503; 0: no limit),
    and served from the store after that (`stored_file`)."""
    record = get_record(session, plan_id)
    refuse_without_targets(record)
    order = _contract_order(session, record, file_format)
    content, name, _ = stored_file(
        session, plan_id, file_format, _built(session, plan_id, order, time_limit_s)
    )
    return content, name


def stored_file(
    session: Session, plan_id: int, variant: str, build: Callable[[], tuple[bytes, str, str]]
) -> tuple[bytes, str, str]:
    """A plan's file (content, name, format) as first written: from the store, or built by
    `build` and stored. A plan never changes, so its files are built once; a national plan's
    workbook takes tens of seconds to write and a moment to read back. Where two first
    downloads race, the one stored first is served to both from then on."""
    stored = session.get(PlanFile, (plan_id, variant))
    if stored is not None:
        return stored.content, stored.file_name, stored.file_format
    content, name, file_format = build()
    row = PlanFile(plan_id=plan_id, variant=variant, file_name=name, file_format=file_format, content=content)
    try:
        session.add(row)
        session.commit()
    except IntegrityError:
        session.rollback()
        stored = session.get(PlanFile, (plan_id, variant))
        if stored is not None:
            return stored.content, stored.file_name, stored.file_format
        raise
    return content, name, file_format


def refuse_without_targets(record: PlanRecord) -> None:
    """409 for a plan that failed its check, or has no plan at all (infeasible, or nothing in time)."""
    refuse_unchecked(record, "targets")
    if record.village_count == 0:
        raise Conflict(
            N_("Plan %(plan)s has no targets: its status is %(status)s (%(why)s)"),
            plan=record.id,
            status=Said(STATUS_NAMES.get(str(record.status), str(record.status))),
            why=Said(Plan.model_validate(record.detail).message),
        )


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
    variant = _planner_variant(file_format, lang, csv_style, split)
    if (stored := session.get(PlanFile, (plan_id, variant))) is not None:
        return stored.content, stored.file_name, stored.file_format
    order = _planner_order(session, record, file_format, lang, csv_style, split)
    return stored_file(session, plan_id, variant, _built(session, plan_id, order, time_limit_s))


def _planner_variant(file_format: str, lang: Lang, csv_style: str, split: str | None) -> str:
    return (
        f"zip-{split}-{lang}"
        if split is not None
        else f"xlsx-{lang}"
        if file_format == "xlsx"
        else f"csv-excel-id-{lang}"
        if csv_style == "excel-id"
        else "csv"
    )


def _planner_order(
    session: Session, record: PlanRecord, file_format: str, lang: Lang, csv_style: str, split: str | None
) -> FileOrder:
    name = _targets_name(session, record, file_format)
    about, title, scenario = _about(session, record, lang)
    stem = name.rsplit(".", 1)[0]
    if split is not None:
        name, answered = f"{stem}_{split}.zip", "zip"
    else:
        answered = "xlsx" if file_format == "xlsx" else "csv"
    return FileOrder(
        variant=_planner_variant(file_format, lang, csv_style, split),
        name=name,
        file_format=answered,
        build=filework.planner_targets_bytes,
        args=(lang, scenario, about, title, stem, answered, csv_style, split),
    )
