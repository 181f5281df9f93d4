"""The documents a district hands out: a plan's letters to its villages and the meeting's briefs."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, Response, UploadFile

from app.db import SessionDep
from app.errors import TooLarge
from app.i18n import N_
from app.services import boundaries as boundary_service
from app.services import datasets as dataset_service
from app.services import documents as service
from app.services import jobs as job_service
from app.services import letters as letters_job_service
from app.services import writes
from app.settings import SettingsDep
from app.web.auth import ActorDep
from app.web.deps import RunnerDep
from app.web.responses import ItemId, file_response, file_responses
from models.tables import BoundariesPublic, JobPublic

router = APIRouter(tags=["documents"])

LangQuery = Annotated[Literal["id", "en"], Query(description="Bahasa Indonesia or English")]


@router.get(
    "/plans/{plan_id}/letters",
    response_class=Response,
    responses=file_responses("zip", "pdf"),
    summary="Every village's circular letter and its attachment (zip of PDFs, or one PDF)",
)
def letters(
    plan_id: ItemId,
    session: SessionDep,
    settings: SettingsDep,
    format: Annotated[
        Literal["zip", "pdf"],
        Query(
            description="zip: one PDF per village in folders by kecamatan; pdf: every letter in one "
            "file for printing"
        ),
    ] = "zip",
    lang: LangQuery = "id",
    kabupaten: Annotated[
        str | None, Query(description="one kabupaten's letters (zip), as the plan's letters job stored them")
    ] = None,
) -> Response:
    """Each village's letter (letterhead, number, addressee, the target, the money in figures and
    words, the legal basis, the plan's fingerprint) and its attachment, with the letterhead the
    district set in DESAPLAN_LETTERHEAD_FILE. 409 for a plan without targets, and for a plan of
    DESAPLAN_PLAN_FILES_MIN_VILLAGES villages or more: its letters job writes them, one zip per
    kabupaten (`kabupaten=`)."""
    head = service.letterhead(settings.letterhead_file)
    if kabupaten is not None:
        content, name = service.kabupaten_letters(session, plan_id, kabupaten, lang, head)
        return file_response(content, name, "zip")
    content, name = service.plan_letters(
        session, plan_id, format, lang, head, settings.export_time_limit_s, settings.plan_files_min_villages
    )
    return file_response(content, name, format)


@router.post("/plans/{plan_id}/letters/job", status_code=202, summary="Write a large plan's letters as a job")
def letters_job(
    plan_id: ItemId,
    session: SessionDep,
    settings: SettingsDep,
    runner: RunnerDep,
    actor: ActorDep,
    lang: LangQuery = "id",
) -> JobPublic:
    """Every village's letter written in a job (its progress at `GET /jobs/{id}`): one zip per
    kabupaten, stored with the plan's files as each is done and served at
    `GET /plans/{id}/letters?kabupaten=...`. 409 for a plan without targets."""
    writes.require_writer(actor)
    job = letters_job_service.start(session, runner, plan_id, lang, settings.letterhead_file, settings)
    writes.record(session, actor, "letters.job", f"plan/{plan_id}", job_id=job.id, lang=lang)
    return job_service.public(session, job)


@router.get(
    "/plans/{plan_id}/brief",
    response_class=Response,
    responses=file_responses("pdf"),
    summary="The plan's brief for the meeting (PDF, one or two A4 pages)",
)
def plan_brief(plan_id: ItemId, session: SessionDep, lang: LangQuery = "id") -> Response:
    """The plan in short (the sentence the plan's page opens with), totals by group, package,
    source and kecamatan, coverage before and after with a chart, what one more billion buys, the
    remedies of an infeasible plan, the rules used, and the map where the village table's district
    has uploaded its boundaries."""
    content, name = service.plan_brief(session, plan_id, lang)
    return file_response(content, name, "pdf")


@router.get(
    "/comparisons/{comparison_id}/brief",
    response_class=Response,
    responses=file_responses("pdf"),
    summary="The comparison's brief for the meeting (PDF, one or two A4 pages)",
)
def comparison_brief(comparison_id: ItemId, session: SessionDep, lang: LangQuery = "id") -> Response:
    """Each plan against the baseline in short, their totals side by side with a chart, and the
    comparison's promises kept or broken."""
    content, name = service.comparison_brief(session, comparison_id, lang)
    return file_response(content, name, "pdf")


@router.put("/datasets/{dataset_id}/boundaries", summary="Upload a village table's boundaries")
def upload_boundaries(
    dataset_id: ItemId,
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
    file: Annotated[UploadFile, File(description="GeoJSON FeatureCollection, or a zipped shapefile")],
) -> BoundariesPublic:
    """Desa and/or kecamatan polygons keyed by Kemendagri code (a property `village_code`,
    `kode_desa`, `kode`, `kdepum`, ...: `32.16.01.2001` for a desa, `32.16.01` for a kecamatan).
    Checked against the village table: a feature that is not a polygon, has no code, has a code of
    no village of the table, or has broken geometry is refused (422, every one named) and nothing is
    stored; the table's villages without a shape are listed in `missing`. Replaces the boundaries
    uploaded before. A planner uploads for its own kabupaten's tables only."""
    writes.require_kabupaten(session, actor, dataset_service.get_dataset(session, dataset_id))
    content = file.file.read(settings.max_upload_bytes + 1)
    if len(content) > settings.max_upload_bytes:
        raise TooLarge(N_("The file is larger than %(limit)s bytes."), limit=float(settings.max_upload_bytes))
    stored = boundary_service.store(
        session, dataset_id, content, file.filename or "boundaries.geojson", settings.parse_time_limit_s
    )
    writes.record(
        session,
        actor,
        "boundaries.upload",
        f"dataset/{dataset_id}",
        file_name=stored.file_name,
        desa=stored.desa,
        kecamatan=stored.kecamatan,
    )
    return stored


@router.get("/datasets/{dataset_id}/boundaries", summary="A village table's boundaries as GeoJSON")
def get_boundaries(dataset_id: ItemId, session: SessionDep) -> dict[str, Any]:
    row = boundary_service.get(session, dataset_id)
    return {**row.geojson, "missing": row.missing}


@router.get("/plans/{plan_id}/map", summary="A plan on its village table's boundaries (plotly figure)")
def plan_map(
    plan_id: ItemId,
    session: SessionDep,
    measure: Annotated[
        Literal["coverage_after", "new_enrollments", "shortfall_idr"],
        Query(description="what colours each shape"),
    ] = "coverage_after",
    lang: LangQuery = "id",
) -> dict[str, Any]:
    """A plotly choropleth (data and layout) fitted to the shapes, with no base map: what the plan
    page draws. 404 where the village table has no boundaries."""
    return service.plan_map_figure(session, plan_id, measure, lang)
