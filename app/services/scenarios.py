"""Scenarios: a scenario against a dataset, revised as numbered versions, archived but never lost."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col

import scenarios
from app.errors import Conflict, NotFound
from app.i18n import N_
from app.services import datasets
from app.services.naming import slugify
from models import Scenario
from models.tables import (
    Page,
    ScenarioPublic,
    ScenarioRecord,
    ScenarioVersion,
    ScenarioVersionPublic,
    utc_now,
)
from scenarios.limits import ReadLimits


def validate(
    session: Session, dataset_id: int, body: dict[str, Any], limits: ReadLimits | None = None
) -> Scenario:
    """The scenario, checked on its own and against the dataset's table (ScenarioError: 422)."""
    scenario = scenarios.scenario_from_dict(body, source="scenario", limits=limits)
    table = datasets.load_table(session, dataset_id)
    return scenarios.check_scenario_fits(scenario, table)


def add_scenario(
    session: Session, dataset_id: int, scenario: Scenario, slug: str | None = None
) -> ScenarioRecord:
    """Store a validated scenario as version 1. The caller commits."""
    record = ScenarioRecord(
        dataset_id=dataset_id,
        name=scenario.name,
        slug=slugify(slug or scenario.name, fallback="scenario"),
    )
    session.add(record)
    session.flush()
    assert record.id is not None
    session.add(ScenarioVersion(scenario_id=record.id, version=1, body=scenario.model_dump(mode="json")))
    return record


def create_scenario(
    session: Session,
    dataset_id: int,
    body: dict[str, Any],
    slug: str | None,
    limits: ReadLimits | None = None,
) -> ScenarioPublic:
    datasets.get_dataset(session, dataset_id)  # 404 before 422
    scenario = validate(session, dataset_id, body, limits)
    record = add_scenario(session, dataset_id, scenario, slug)
    session.commit()
    return public(session, record)


def get_record(session: Session, scenario_id: int) -> ScenarioRecord:
    record = session.get(ScenarioRecord, scenario_id)
    if record is None:
        raise NotFound(N_("Scenario %(scenario)s does not exist."), scenario=scenario_id)
    return record


def get_version(session: Session, scenario_id: int, version: int | None) -> ScenarioVersion:
    """A version of a scenario; the latest when `version` is None."""
    record = get_record(session, scenario_id)
    wanted = record.latest_version if version is None else version
    found = session.scalars(
        select(ScenarioVersion).where(
            col(ScenarioVersion.scenario_id) == scenario_id,
            col(ScenarioVersion.version) == wanted,
        )
    ).first()
    if found is None:
        raise NotFound(
            N_("Scenario %(scenario)s has no version %(version)s (its versions are 1 to %(latest)s)."),
            scenario=scenario_id,
            version=wanted,
            latest=record.latest_version,
        )
    return found


def public(session: Session, record: ScenarioRecord) -> ScenarioPublic:
    assert record.id is not None
    latest = get_version(session, record.id, None)
    versions = session.scalars(
        select(ScenarioVersion.version)  # type: ignore[call-overload]
        .where(col(ScenarioVersion.scenario_id) == record.id)
        .order_by(col(ScenarioVersion.version))
    ).all()
    return ScenarioPublic(
        id=record.id,
        dataset_id=record.dataset_id,
        name=record.name,
        slug=record.slug,
        latest_version=record.latest_version,
        archived=record.archived,
        created_at=record.created_at,
        archived_at=record.archived_at,
        scenario=latest.body,
        versions=list(versions),
    )


def version_public(version: ScenarioVersion) -> ScenarioVersionPublic:
    return ScenarioVersionPublic(
        scenario_id=version.scenario_id,
        version=version.version,
        note=version.note,
        created_at=version.created_at,
        scenario=version.body,
    )


def list_scenarios(
    session: Session,
    offset: int,
    limit: int,
    dataset_id: int | None = None,
    include_archived: bool = False,
) -> Page[ScenarioPublic]:
    where = []
    if dataset_id is not None:
        where.append(col(ScenarioRecord.dataset_id) == dataset_id)
    if not include_archived:
        where.append(col(ScenarioRecord.archived).is_(False))
    total = session.scalar(select(func.count()).select_from(ScenarioRecord).where(*where)) or 0
    records = session.scalars(
        select(ScenarioRecord).where(*where).order_by(col(ScenarioRecord.id)).offset(offset).limit(limit)
    ).all()
    return Page[ScenarioPublic](
        items=[public(session, r) for r in records], total=total, offset=offset, limit=limit
    )


def revise(
    session: Session,
    scenario_id: int,
    body: dict[str, Any],
    note: str | None,
    limits: ReadLimits | None = None,
) -> ScenarioVersionPublic:
    """Store the next version; earlier versions and their plans stay as they were.

    Revisions at the same moment each get their own number (none is lost); a revision the
    database cannot take at that moment is a 409 to resend, never a half-written version."""
    record = get_record(session, scenario_id)
    if record.archived:
        raise Conflict(
            N_("Scenario %(scenario)s is archived; it can no longer be revised."), scenario=scenario_id
        )
    scenario = validate(session, record.dataset_id, body, limits)
    # the next number in one statement: revisions at the same moment (any process, either
    # database) each get their own, where read-then-write would hand two the same
    try:
        number = session.execute(
            update(ScenarioRecord)
            .where(col(ScenarioRecord.id) == scenario_id, col(ScenarioRecord.archived).is_(False))
            .values(latest_version=col(ScenarioRecord.latest_version) + 1, name=scenario.name)
            .returning(col(ScenarioRecord.latest_version))
        ).scalar_one_or_none()
        if number is None:
            session.rollback()
            raise Conflict(
                N_("Scenario %(scenario)s is archived; it can no longer be revised."), scenario=scenario_id
            )
        version = ScenarioVersion(
            scenario_id=scenario_id,
            version=number,
            body=scenario.model_dump(mode="json"),
            note=note,
        )
        session.add(version)
        session.commit()
    except (IntegrityError, OperationalError):
        # SQLite refuses a writer it cannot wait for any longer ("locked")
        session.rollback()
        raise _concurrent(scenario_id, record.latest_version) from None
    session.refresh(version)
    return version_public(version)


def _concurrent(scenario_id: int, revised: int) -> Conflict:
    return Conflict(
        N_(
            "Scenario %(scenario)s was changed while version %(version)s was being revised "
            "(another revision or an archive came first); read it again and resend the revision."
        ),
        scenario=scenario_id,
        version=revised,
    )


def archive(session: Session, scenario_id: int) -> ScenarioPublic:
    record = get_record(session, scenario_id)
    if record.archived:
        raise Conflict(N_("Scenario %(scenario)s is already archived."), scenario=scenario_id)
    record.archived = True
    record.archived_at = utc_now()
    session.add(record)
    session.commit()
    session.refresh(record)
    return public(session, record)


def unarchive(session: Session, scenario_id: int) -> ScenarioPublic:
    """Undo an archive: the scenario may be solved and revised again."""
    record = get_record(session, scenario_id)
    if not record.archived:
        raise Conflict(N_("Scenario %(scenario)s is not archived."), scenario=scenario_id)
    record.archived = False
    record.archived_at = None
    session.add(record)
    session.commit()
    session.refresh(record)
    return public(session, record)
