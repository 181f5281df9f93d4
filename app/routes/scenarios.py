"""/scenarios: scenarios against a dataset, revised as versions, archived but kept."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from app.db import SessionDep
from app.services import scenarios as service
from app.services import writes
from app.settings import SettingsDep
from app.web.auth import ActorDep
from app.web.responses import ItemId, Limit, Offset, OptionalId
from models.tables import (
    Page,
    ScenarioCreate,
    ScenarioPublic,
    ScenarioRevise,
    ScenarioVersionPublic,
)

router = APIRouter(prefix="/scenarios", tags=["scenarios"])


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a scenario")
def create_scenario(
    body: ScenarioCreate,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    actor: ActorDep,
) -> ScenarioPublic:
    """Validated on its own and against the dataset's table: 422 names the field."""
    created = writes.create_scenario(
        session, actor, body.dataset_id, body.scenario, body.slug, settings.read_limits()
    )
    response.headers["Location"] = f"/scenarios/{created.id}"
    return created


@router.get("", summary="List scenarios")
def list_scenarios(
    session: SessionDep,
    dataset_id: OptionalId = None,
    include_archived: bool = False,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Page[ScenarioPublic]:
    return service.list_scenarios(session, offset, limit, dataset_id, include_archived)


@router.get("/{scenario_id}", summary="A scenario, with its latest version")
def get_scenario(scenario_id: ItemId, session: SessionDep) -> ScenarioPublic:
    return service.public(session, service.get_record(session, scenario_id))


@router.get("/{scenario_id}/versions/{version}", summary="One version of a scenario")
def get_version(scenario_id: ItemId, version: ItemId, session: SessionDep) -> ScenarioVersionPublic:
    return service.version_public(service.get_version(session, scenario_id, version))


@router.post(
    "/{scenario_id}/versions",
    status_code=status.HTTP_201_CREATED,
    summary="Revise a scenario (a new version)",
)
def revise_scenario(
    scenario_id: ItemId,
    body: ScenarioRevise,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    actor: ActorDep,
) -> ScenarioVersionPublic:
    """Earlier versions and their plans stay readable. 409 for an archived scenario, or when
    another revision of the same version came first."""
    version = writes.revise_scenario(
        session, actor, scenario_id, body.scenario, body.note, settings.read_limits()
    )
    response.headers["Location"] = f"/scenarios/{scenario_id}/versions/{version.version}"
    return version


@router.post("/{scenario_id}/archive", summary="Archive a scenario")
def archive_scenario(scenario_id: ItemId, session: SessionDep, actor: ActorDep) -> ScenarioPublic:
    """An archived scenario stays readable with its plans but can no longer be solved or
    revised, until it is unarchived."""
    return writes.archive_scenario(session, actor, scenario_id)


@router.post("/{scenario_id}/unarchive", summary="Unarchive a scenario")
def unarchive_scenario(scenario_id: ItemId, session: SessionDep, actor: ActorDep) -> ScenarioPublic:
    """Undo an archive: the scenario can be solved and revised again. 409 when it is not archived."""
    return writes.unarchive_scenario(session, actor, scenario_id)
