"""The village table's shapes, and the database tables' and API shapes' families."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlmodel import Session, SQLModel, create_engine, select

from models import Village, VillageTable
from models.api import DatasetPublic, Page
from models.enums import FINISHED_JOB_STATUSES, JobKind, JobStatus, Role
from models.tables import Dataset, Job, ScenarioRecord, ScenarioVersion


def village(code: str, **extra: object) -> Village:
    fields: dict[str, object] = {
        "village_code": code,
        "village_name": "Desa",
        "kecamatan": "K",
        "dana_desa_idr": 1e9,
        "uninsured": {"farmers": 10},
    }
    return Village.model_validate({**fields, **extra})


def test_a_kelurahan_is_read_from_its_code() -> None:
    assert village("32.16.01.1001").is_kelurahan
    assert not village("32.16.01.2001").is_kelurahan


@pytest.mark.parametrize(
    "bad",
    [
        {"dana_desa_idr": -1.0},
        {"uninsured": {"farmers": -3}},
        {"max_share": 1.5},
        {"priority": -0.1},
    ],
)
def test_a_village_out_of_range_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        village("32.16.01.2001", **bad)


def test_the_table_lists_its_kabupaten_in_first_seen_order() -> None:
    table = VillageTable(
        groups=["farmers"],
        villages=[
            village("32.17.01.2001", kabupaten="32.17"),
            village("32.16.01.2001", kabupaten="32.16"),
            village("32.17.01.2002", kabupaten="32.17"),
        ],
    )

    assert table.kabupaten == ["32.17", "32.16"]


def test_the_job_vocabulary() -> None:
    assert {JobStatus.succeeded, JobStatus.failed, JobStatus.cancelled} == FINISHED_JOB_STATUSES
    assert JobStatus.queued not in FINISHED_JOB_STATUSES and JobStatus.running not in FINISHED_JOB_STATUSES
    assert JobStatus("succeeded") is JobStatus.succeeded and JobKind("sweep") is JobKind.sweep
    assert {r.value for r in Role} >= {"admin"}


def test_the_old_import_path_still_names_the_same_shapes() -> None:
    from models import tables

    assert tables.DatasetPublic is DatasetPublic and tables.JobStatus is JobStatus


def test_tables_round_trip_through_a_database() -> None:
    engine = create_engine("sqlite://")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        dataset = Dataset(
            name="bekasi",
            slug="bekasi",
            village_count=2,
            kecamatan_count=1,
            groups=["farmers"],
            kabupaten=["32.16"],
        )
        session.add(dataset)
        session.commit()
        session.refresh(dataset)
        assert dataset.id is not None
        record = ScenarioRecord(name="3% of dana desa", slug="3-of-dana-desa", dataset_id=dataset.id)
        session.add(record)
        session.commit()
        session.refresh(record)
        assert record.id is not None
        version = ScenarioVersion(scenario_id=record.id, version=1, body={"packages": []})
        session.add(version)
        session.commit()
        session.refresh(version)
        assert version.id is not None
        session.add(
            Job(
                scenario_id=record.id,
                scenario_version_id=version.id,
                mode="async",
                options={"time_limit_s": 60},
            )
        )
        session.commit()

        job = session.exec(select(Job)).one()
        assert job.status == JobStatus.queued and job.kind == JobKind.solve
        assert job.created_at.tzinfo is not None  # stored and read back as aware UTC
        public = DatasetPublic.model_validate(dataset, from_attributes=True)
        assert public.name == "bekasi" and public.village_count == 2


def test_a_page_counts_what_it_does_not_hold() -> None:
    page = Page[int](items=[1, 2], total=5, offset=0, limit=2)
    assert page.model_dump() == {"items": [1, 2], "total": 5, "offset": 0, "limit": 2}
    assert Page[int].model_validate(page.model_dump()) == page
