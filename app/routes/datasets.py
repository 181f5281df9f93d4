"""/datasets: village tables, uploaded once and read back, paged, or as files."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response, status

from app.db import SessionDep
from app.services import datasets as service
from app.services import writes
from app.settings import SettingsDep
from app.web.auth import ActorDep
from app.web.responses import FileFormat, ItemId, Limit, Offset, WorkbookLang, file_response, file_responses
from app.web.uploads import OPENAPI_BODY, Upload, read_upload
from models import Village, VillageTable
from models.tables import Dataset, DatasetDetail, DatasetPublic, Page

router = APIRouter(prefix="/datasets", tags=["datasets"])

Kecamatan = Annotated[str | None, Query(description="only villages of this kecamatan")]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=DatasetPublic,
    openapi_extra=OPENAPI_BODY,
    summary="Upload a village table",
)
def upload_dataset(
    upload: Annotated[Upload, Depends(read_upload)],
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    actor: ActorDep,
) -> Dataset:
    """Validate and store a village table; 422 lists every bad row and column, and nothing
    of a refused table is stored. A corrected table is a new dataset. A planner's table may name
    only its own kabupaten."""
    limits = settings.read_limits()

    def read() -> VillageTable:
        if upload.rows is not None:
            return service.parse_rows(upload.rows, limits, settings.parse_time_limit_s)
        assert upload.content is not None and upload.filename is not None
        return service.parse_upload(upload.content, upload.filename, limits, settings.parse_time_limit_s)

    dataset = writes.upload_dataset(session, actor, read, upload.name, upload.filename)
    response.headers["Location"] = f"/datasets/{dataset.id}"
    return dataset


@router.get("", summary="List datasets")
def list_datasets(session: SessionDep, offset: Offset = 0, limit: Limit = 100) -> Page[DatasetPublic]:
    page = service.list_datasets(session, offset, limit)
    items = [DatasetPublic.model_validate(d, from_attributes=True) for d in page.items]
    return Page[DatasetPublic](items=items, total=page.total, offset=offset, limit=limit)


@router.get(
    "/template",
    response_class=Response,
    responses=file_responses("xlsx"),
    summary="The import template: an XLSX to fill in and upload",
)
def import_template(lang: WorkbookLang = "id") -> Response:
    """The village table's headers in the language (each read back as its column), an example
    row to overwrite, and data validation on every number column."""
    return file_response(service.template(lang), f"village_table_template_{lang}.xlsx", "xlsx")


@router.get("/{dataset_id}", response_model=DatasetDetail, summary="A dataset with its villages")
def get_dataset(
    dataset_id: ItemId,
    session: SessionDep,
    kecamatan: Kecamatan = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> DatasetDetail:
    dataset = service.get_dataset(session, dataset_id)
    return DatasetDetail(
        **DatasetPublic.model_validate(dataset, from_attributes=True).model_dump(),
        kecamatan=service.kecamatan_names(session, dataset_id),
        villages=service.village_page(session, dataset_id, offset, limit, kecamatan),
    )


@router.get("/{dataset_id}/villages", summary="A page of a dataset's villages")
def list_villages(
    dataset_id: ItemId,
    session: SessionDep,
    kecamatan: Kecamatan = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Page[Village]:
    return service.village_page(session, dataset_id, offset, limit, kecamatan)


@router.get(
    "/{dataset_id}/download",
    response_class=Response,
    responses=file_responses("csv", "xlsx"),
    summary="Download a dataset as CSV or XLSX",
)
def download_dataset(
    dataset_id: ItemId,
    session: SessionDep,
    settings: SettingsDep,
    format: FileFormat = "csv",
    lang: Annotated[
        Literal["id", "en"] | None,
        Query(description="headers in Bahasa Indonesia or English; without it, the headers as uploaded"),
    ] = None,
) -> Response:
    """The table under the headers it was uploaded with (a table sent as JSON rows: the
    contract's codes); with `lang`, the planner's workbook in that language."""
    content, filename = service.download(session, dataset_id, format, settings.export_time_limit_s, lang)
    return file_response(content, filename, format)
