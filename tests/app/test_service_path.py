"""The service's path around the solver: the table handed to the solver process from a cache of
its own, a fresh solver process per job, the plan's files built by its job, rows in bulk."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from multiprocessing import forkserver
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

import scenarios
from app.db import make_engine
from app.jobs import storage
from app.migrate import upgrade
from app.processes import filework
from app.queue import rows
from app.services import datasets
from app.services import plans as plan_service
from models import VillageTable
from models.tables import Job, JobStatus, PlanFile, PlanRecord, PlanVillage

Upload = Callable[..., dict[str, Any]]

ODD_NAMES_CSV = (
    "village_code,village_name,kecamatan,dana_desa_idr,uninsured_farmers\n"
    '32.16.01.2001,"Tab\there, back\\slash",Kec "kutip",1500000000,400\n'
    '32.16.01.2002,"Baris\nbaru; Cibarusah – é",Kec \\N,1400000000,350\n'
)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def _store(engine: Engine, csv: str, name: str) -> int:
    table = scenarios.read_villages(csv.encode(), filename=f"{name}.csv")
    with Session(engine) as session:
        dataset = datasets.add_dataset(session, table, name, f"{name}.csv")
        session.commit()
        assert dataset.id is not None
        return dataset.id


def test_text_of_every_kind_reads_back_as_stored(engine: Engine) -> None:
    """Tabs, backslashes, quotes, line breaks and accents survive the bulk rows both ways."""
    expected = scenarios.read_villages(ODD_NAMES_CSV.encode(), filename="odd.csv")
    dataset_id = _store(engine, ODD_NAMES_CSV, "odd")

    with Session(engine) as session:
        loaded = datasets.load_table(session, dataset_id)
        handed = VillageTable.model_validate_json(datasets.table_json(session, dataset_id))

    assert loaded.villages == expected.villages
    assert handed.villages == expected.villages
    assert handed.groups == expected.groups


def test_the_table_cache_never_serves_another_datasets_rows(tmp_path: Path, small_csv: str) -> None:
    """Two databases each with a dataset 1, and a database made again under the same name: each
    answer is the table that database holds."""
    other_csv = small_csv.replace("Sagara Makmur", "Desa Lain").replace(",400,", ",401,")
    names = []
    for attempt, csv in enumerate([small_csv, other_csv, other_csv.replace("Desa Lain", "Ketiga")]):
        # the third database replaces the first file: the same URL, the same id, other rows
        path = tmp_path / ("first.sqlite" if attempt != 1 else "second.sqlite")
        path.unlink(missing_ok=True)
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        try:
            assert _store(engine, csv, f"table {attempt}") == 1
            with Session(engine) as session:
                handed = json.loads(datasets.table_json(session, 1))
                again = json.loads(datasets.table_json(session, 1))  # from the cache
        finally:
            engine.dispose()
        assert again == handed
        names.append(handed["villages"][0]["village_name"])
        assert handed["villages"][0]["uninsured"]["farmers"] == (400 if attempt == 0 else 401)
    assert names == ["Sagara Makmur", "Desa Lain", "Ketiga"]


def _solve(client: TestClient, upload: Upload, scenario: dict[str, Any]) -> int:
    dataset = upload(client)
    created = client.post("/scenarios", json={"dataset_id": dataset["id"], "scenario": scenario})
    response = client.post("/solves", params={"mode": "sync"}, json={"scenario_id": created.json()["id"]})
    assert response.status_code == 200, response.text
    return int(response.json()["id"])


def _stored_variants(engine: Engine, plan_id: int, wanted: int, timeout_s: float = 60) -> set[str]:
    deadline = time.monotonic() + timeout_s
    while True:
        with Session(engine) as session:
            variants = set(session.scalars(select(PlanFile.variant).where(PlanFile.plan_id == plan_id)))
        if len(variants) >= wanted or time.monotonic() > deadline:
            return variants
        time.sleep(0.1)


def test_a_large_plans_files_are_in_the_store_once_its_job_ends(
    apps: Any, upload_small: Upload, small_scenario: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = apps.open(load_examples=False, plan_files_min_villages=1)  # every plan is "large"
    plan_id = _solve(client, upload_small, small_scenario)
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]

    # stored before the job succeeded, so before the sync answer: no first download waits
    variants = _stored_variants(engine, plan_id, len(plan_service.FILES_WITH_THE_PLAN), timeout_s=0)

    assert variants == set(plan_service.FILES_WITH_THE_PLAN)

    def no_build(*_args: object, **_kwargs: object) -> bytes:
        raise AssertionError("a file the job stored was built again")

    monkeypatch.setattr(plan_service, "building", no_build)
    for params in (
        {"format": "csv"},
        {"format": "xlsx"},
        {"format": "xlsx", "lang": "id"},
        {"format": "xlsx", "lang": "en"},
        {"format": "csv", "csv": "excel-id", "lang": "id"},
        {"format": "csv", "csv": "excel-id", "lang": "en"},
    ):
        response = client.get(f"/plans/{plan_id}/targets", params=params)
        assert response.status_code == 200, (params, response.text)
        assert response.headers["content-disposition"].startswith("attachment")
    # built from the plan its solver process held, the same bytes as from the stored plan
    with Session(engine) as session:
        stored = session.get(PlanFile, (plan_id, "csv"))
        assert stored is not None
        assert stored.content == filework.targets_bytes(plan_service.load_plan(session, plan_id), "csv")
    # a variant the job does not build is built on its first download, as before
    monkeypatch.undo()
    split = client.get(f"/plans/{plan_id}/targets", params={"format": "xlsx", "split": "kecamatan"})
    assert split.status_code == 200


def test_a_small_plans_files_wait_for_their_first_download(
    empty_client: TestClient, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    plan_id = _solve(empty_client, upload_small, small_scenario)  # 4 villages, below 2,000
    engine: Engine = empty_client.app.state.engine  # type: ignore[attr-defined]
    time.sleep(1.0)  # room for a build that should not happen

    assert _stored_variants(engine, plan_id, 1, timeout_s=0) == set()
    assert empty_client.get(f"/plans/{plan_id}/targets", params={"format": "csv"}).status_code == 200
    assert _stored_variants(engine, plan_id, 1, timeout_s=0) == {"csv"}


def _solver_processes() -> set[int]:
    """The processes the forkserver has forked and that still run: solver processes (and
    bounded work, none of which runs here)."""
    server = forkserver._forkserver._forkserver_pid  # type: ignore[attr-defined]
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[1]) == server and fields[0] != "Z":
                found.add(int(entry.name))
    return found


def test_a_killed_solve_leaves_nothing_half_stored_and_the_next_job_gets_a_fresh_process(
    empty_client: TestClient,
    upload_large: Upload,
    upload_small: Upload,
    small_scenario: dict[str, Any],
) -> None:
    dataset = upload_large(empty_client)
    body = {"dataset_id": dataset["id"], "scenario": {**small_scenario, "integer": True}}
    scenario_id = empty_client.post("/scenarios", json=body).json()["id"]
    job = empty_client.post("/solves", params={"mode": "async"}, json={"scenario_id": scenario_id}).json()
    deadline = time.monotonic() + 60
    # its first beat comes once its solver process has the problem
    while (seen := empty_client.get(f"/jobs/{job['id']}").json())["status"] == "queued" or (
        seen["phase"].startswith("loading")
    ):
        assert time.monotonic() < deadline and seen["status"] in ("queued", "running"), seen
        time.sleep(0.05)
    victims = _solver_processes()
    assert victims, "no solver process is running"

    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    while (answer := empty_client.get(f"/jobs/{job['id']}").json())["status"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)

    assert answer["status"] == "failed" and "ended without a plan" in answer["error"], answer
    engine: Engine = empty_client.app.state.engine  # type: ignore[attr-defined]
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(PlanRecord)) == 0
        assert session.scalar(select(func.count()).select_from(PlanVillage)) == 0
        assert session.scalar(select(func.count()).select_from(PlanFile)) == 0
    # the spare forked after the killed solve may have been killed too: the next job still runs
    assert _solve(empty_client, upload_small, small_scenario) > 0
    assert not victims & _solver_processes()


def test_a_job_ended_while_its_plans_files_are_written_leaves_no_plan(
    apps: Any, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    client = apps.open(load_examples=False, plan_files_min_villages=1)
    first = _solve(client, upload_small, small_scenario)
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    with Session(engine) as session:
        done = session.scalars(select(Job).where(col(Job.plan_id) == first)).one()
        plan = plan_service.load_plan(session, first)
        running = Job(
            scenario_id=done.scenario_id,
            scenario_version_id=done.scenario_version_id,
            mode="async",
            options=done.options,
            status=JobStatus.running.value,
        )
        session.add(running)
        session.commit()
        assert running.id is not None
        job_id = running.id
    # the plan is saved while its job runs, one of its files stored, then the job is cancelled
    plan_id = storage.store_plan(engine, job_id, plan)
    assert plan_id is not None
    with Session(engine) as session:
        assert session.get(Job, job_id).status == JobStatus.running.value  # type: ignore[union-attr]
        order = plan_service.file_orders(session, plan_id)[0]
        plan_service.store_file(session, plan_id, order, b"a file")
    rows.finish(engine, job_id, JobStatus.cancelled, JobStatus.cancelled.value, None)

    assert storage.finish_plan(engine, job_id, plan_id, plan) is False
    with Session(engine) as session:
        assert session.get(PlanRecord, plan_id) is None
        for table in (PlanVillage, PlanFile):
            where = col(table.plan_id) == plan_id
            assert session.scalar(select(func.count()).select_from(table).where(where)) == 0
        assert session.get(Job, job_id).status == JobStatus.cancelled.value  # type: ignore[union-attr]
