"""Datasets: validated village tables, stored once and never changed."""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import PurePath
from typing import Any

from pydantic import TypeAdapter
from pydantic_core import to_json
from sqlalchemy import func, select
from sqlmodel import Session, col

from app.errors import NotFound
from app.i18n import N_, Lang, gettext_for
from app.processes import filework
from app.processes.bounded import building, reading
from app.services.bulk import insert_rows, json_cell, select_rows
from app.services.naming import slugify
from models import UploadedTable, Village, VillageTable
from models.tables import Dataset, DatasetScope, DatasetVillage, Page
from scenarios.limits import ReadLimits

_VILLAGES = DatasetVillage.__table__  # type: ignore[attr-defined]
_COLUMNS = [c.name for c in _VILLAGES.columns if c.name not in ("dataset_id", "position")]
_JSON_COLUMNS = ("uninsured", "enrolled")
_VILLAGE_LIST = TypeAdapter(list[Village])
SORTABLE = [c for c in _COLUMNS if c not in _JSON_COLUMNS]


def parse_upload(
    content: bytes, filename: str, limits: ReadLimits | None = None, time_limit_s: float = 0
) -> VillageTable:
    """CSV or XLSX bytes -> a validated table (raises VillageTableError with every bad row),
    stopped after `time_limit_s` (503; 0: no limit)."""
    return reading(time_limit_s, filename, filework.read_file, content, filename, limits)


def parse_rows(
    rows: list[dict[str, Any]], limits: ReadLimits | None = None, time_limit_s: float = 0
) -> VillageTable:
    return reading(time_limit_s, "the rows", filework.read_rows, rows, limits)


def add_dataset(
    session: Session, table: VillageTable, name: str, source_filename: str | None = None
) -> Dataset:
    """Store a table and its villages. The caller commits: one transaction for the whole upload."""
    dataset = Dataset(
        name=name,
        slug=slugify(name, fallback="dataset"),
        source_filename=source_filename,
        groups=list(table.groups),
        kabupaten=table.kabupaten,
        village_count=len(table.villages),
        kecamatan_count=len({v.kecamatan for v in table.villages}),
        headers=dict(table.headers) if isinstance(table, UploadedTable) and table.headers else None,
    )
    session.add(dataset)
    session.flush()  # the id, for the villages' foreign key
    rows = [
        (
            dataset.id,
            position,
            v.village_code,
            v.village_name,
            v.kecamatan,
            v.kabupaten,
            v.dana_desa_idr,
            v.add_idr,
            to_json(v.uninsured).decode(),
            to_json(v.enrolled).decode(),
            v.priority,
            v.max_share,
        )
        for position, v in enumerate(table.villages)
    ]
    # one COPY or executemany: a national table in about a second, not minutes of ORM objects
    insert_rows(session, _VILLAGES, ["dataset_id", "position", *_COLUMNS], rows)
    return dataset


def create_dataset(
    session: Session,
    table: VillageTable,
    name: str | None,
    source_filename: str | None,
    kabupaten_scope: str | None = None,
) -> Dataset:
    """Store the table; `kabupaten_scope` is the kabupaten it belongs to (a planner's upload),
    saved in the same transaction."""
    if not name:
        name = PurePath(source_filename).stem if source_filename else "Village table"
    dataset = add_dataset(session, table, name, source_filename)
    if kabupaten_scope is not None:
        assert dataset.id is not None
        session.add(DatasetScope(dataset_id=dataset.id, kabupaten=kabupaten_scope))
    session.commit()
    session.refresh(dataset)
    return dataset


def get_dataset(session: Session, dataset_id: int) -> Dataset:
    dataset = session.get(Dataset, dataset_id)
    if dataset is None:
        raise NotFound(N_("Dataset %(dataset)s does not exist."), dataset=dataset_id)
    return dataset


def list_datasets(session: Session, offset: int, limit: int) -> Page[Dataset]:
    total = session.scalar(select(func.count()).select_from(Dataset)) or 0
    items = session.scalars(select(Dataset).order_by(col(Dataset.id)).offset(offset).limit(limit))
    return Page[Dataset](items=list(items), total=total, offset=offset, limit=limit)


def _village(row: Any) -> Village:
    return Village(
        village_code=row.village_code,
        village_name=row.village_name,
        kecamatan=row.kecamatan,
        kabupaten=row.kabupaten,
        dana_desa_idr=row.dana_desa_idr,
        add_idr=row.add_idr,
        uninsured=row.uninsured,
        enrolled=row.enrolled,
        priority=row.priority,
        max_share=row.max_share,
    )


def village_page(
    session: Session,
    dataset_id: int,
    offset: int,
    limit: int,
    kecamatan: str | None = None,
    sort: str | None = None,
) -> Page[Village]:
    """A page of villages in upload order, or by `sort` (a scalar column, `-` first for descending)."""
    get_dataset(session, dataset_id)
    where = [_VILLAGES.c.dataset_id == dataset_id]
    if kecamatan:
        where.append(func.lower(_VILLAGES.c.kecamatan) == kecamatan.strip().lower())
    total = session.scalar(select(func.count()).select_from(_VILLAGES).where(*where)) or 0
    order = []
    if sort and sort.removeprefix("-") in SORTABLE:
        column = _VILLAGES.c[sort.removeprefix("-")]
        order.append(column.desc() if sort.startswith("-") else column.asc())
    order.append(_VILLAGES.c.position)  # ties keep the table's order
    rows = session.execute(select(_VILLAGES).where(*where).order_by(*order).offset(offset).limit(limit)).all()
    return Page[Village](items=[_village(row) for row in rows], total=total, offset=offset, limit=limit)


def kecamatan_names(session: Session, dataset_id: int) -> list[str]:
    rows = session.execute(
        select(_VILLAGES.c.kecamatan)
        .where(_VILLAGES.c.dataset_id == dataset_id)
        .distinct()
        .order_by(_VILLAGES.c.kecamatan)
    ).all()
    return [row[0] for row in rows]


def load_table(session: Session, dataset_id: int) -> VillageTable:
    """The stored table, villages in upload order, as the solver and the file writers take it."""
    dataset = get_dataset(session, dataset_id)
    rows = select_rows(session, _VILLAGES, _COLUMNS, "dataset_id", dataset_id, "position")
    villages = []
    for row in rows:
        village = dict(zip(_COLUMNS, row, strict=True))
        for name in _JSON_COLUMNS:
            village[name] = json_cell(village[name])
        villages.append(village)
    return VillageTable(
        groups=list(dataset.groups),
        villages=_VILLAGE_LIST.validate_python(villages),
        source=dataset.source_filename or dataset.name,
    )


# The stored tables as their solver processes read them, by database, id and creation time (a
# stored dataset never changes; an id another database, or a database made again, gives to
# another table is another key). Bounded: the least recently used go first.
TABLE_JSON_CACHE_CHARS = 256 * 1024 * 1024  # about eight national tables
_table_json: OrderedDict[tuple[str, int, str], str] = OrderedDict()
_table_json_lock = threading.Lock()


def table_json(session: Session, dataset_id: int) -> str:
    """The stored table as `VillageTable` JSON, villages in upload order: what a solver process
    validates (`models.Problem`). Written from the rows as they come from the database, without
    building a `Village` each (the solver process validates them), once per dataset and process."""
    dataset = get_dataset(session, dataset_id)
    key = (str(session.connection().engine.url), dataset_id, dataset.created_at.isoformat())
    with _table_json_lock:
        cached = _table_json.get(key)
        if cached is not None:
            _table_json.move_to_end(key)
            return cached
    rows = select_rows(session, _VILLAGES, _COLUMNS, "dataset_id", dataset_id, "position")
    at = [_COLUMNS.index(name) for name in _JSON_COLUMNS]
    villages = []
    for row in rows:
        village = dict(zip(_COLUMNS, row, strict=True))
        for name, index in zip(_JSON_COLUMNS, at, strict=True):
            village[name] = json_cell(row[index])
        villages.append(village)
    text = to_json(
        {
            "groups": list(dataset.groups),
            "villages": villages,
            "source": dataset.source_filename or dataset.name,
        }
    ).decode()
    with _table_json_lock:
        _table_json[key] = text
        while sum(map(len, _table_json.values())) > TABLE_JSON_CACHE_CHARS and len(_table_json) > 1:
            _table_json.popitem(last=False)
    return text


def download(
    session: Session, dataset_id: int, file_format: str, time_limit_s: float = 0, lang: str | None = None
) -> tuple[bytes, str]:
    """The table as CSV or XLSX bytes under the headers it was uploaded with (or, with `lang`,
    in that language), with a file name naming the dataset; the file is built within
    `time_limit_s` (503; 0: no limit)."""
    dataset = get_dataset(session, dataset_id)
    table = load_table(session, dataset_id)
    name = f"villages_{dataset.slug}.{file_format}"
    content = building(
        time_limit_s, name, filework.villages_bytes, table, file_format, dataset.headers or None, lang
    )
    return content, name


def template(lang: Lang) -> bytes:
    """The import template in `lang` (see `scenarios.village_writers.template_xlsx_bytes`)."""
    from scenarios.village_writers import template_xlsx_bytes

    return template_xlsx_bytes(gettext_for(lang))
