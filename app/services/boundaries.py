"""A village table's boundaries: the district's desa and kecamatan polygons, checked against the
table's codes (`maps.read_boundaries`) and stored with the dataset; a new upload replaces them."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from app.errors import NotFound
from app.i18n import N_
from app.processes.bounded import reading
from app.services import datasets
from maps import Boundaries, boundaries_from_geojson, read_boundaries
from models.tables import BoundariesPublic, DatasetBoundaries, DatasetVillage


def _codes(session: Session, dataset_id: int) -> set[str]:
    return set(
        session.scalars(
            select(col(DatasetVillage.village_code)).where(col(DatasetVillage.dataset_id) == dataset_id)
        )
    )


def public(row: DatasetBoundaries) -> BoundariesPublic:
    return BoundariesPublic.model_validate(row, from_attributes=True)


def store(
    session: Session, dataset_id: int, content: bytes, filename: str, time_limit_s: float = 0
) -> BoundariesPublic:
    """Check the file against the dataset's villages and store it (replacing any before); a
    refused file (422, every bad feature named) stores nothing."""
    datasets.get_dataset(session, dataset_id)
    codes = _codes(session, dataset_id)
    shapes = reading(time_limit_s, filename, read_boundaries, content, filename, codes)
    levels = shapes.levels
    row = session.get(DatasetBoundaries, dataset_id) or DatasetBoundaries(
        dataset_id=dataset_id, file_name=filename, geojson={}
    )
    row.file_name = filename
    row.geojson = shapes.geojson()
    row.desa = levels.get("desa", 0)
    row.kecamatan = levels.get("kecamatan", 0)
    row.missing = shapes.missing
    session.add(row)
    session.commit()
    session.refresh(row)
    return public(row)


def get(session: Session, dataset_id: int) -> DatasetBoundaries:
    datasets.get_dataset(session, dataset_id)
    row = session.get(DatasetBoundaries, dataset_id)
    if row is None:
        raise NotFound(
            N_(
                "Dataset %(dataset)s has no boundaries: upload them with "
                "PUT /datasets/%(dataset)s/boundaries."
            ),
            dataset=dataset_id,
        )
    return row


def stored_shapes(session: Session, dataset_id: int) -> Boundaries | None:
    row = session.get(DatasetBoundaries, dataset_id)
    if row is None:
        return None
    return boundaries_from_geojson({**row.geojson, "missing": row.missing})
