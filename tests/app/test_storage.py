"""The database underneath: migrations, pragmas, plans saved and loaded whole, transactions."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

import scenarios
import solver
from app.db import make_engine, normalise_url
from app.jobs import storage
from app.migrate import upgrade
from app.services.datasets import add_dataset
from app.services.plans import load_plan, save_plan
from app.services.scenarios import add_scenario
from models import Problem, Scenario
from models.tables import Dataset, DatasetVillage, Job, PlanRecord, PlanVillage, ScenarioVersion, utc_now

Upload = Callable[..., dict[str, Any]]


@pytest.fixture
def engine(database_url: str, tmp_path: Path) -> Iterator[Engine]:
    if database_url.startswith("sqlite"):
        database_url = f"sqlite:///{tmp_path / 'data' / 'store.sqlite'}"
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def count(engine: Engine, table: type[SQLModel]) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def test_migrations_create_exactly_the_tables_of_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)

    assert differences == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'store.sqlite'}")
    upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert (tmp_path / "data" / "store.sqlite").exists()  # the folder was created
    engine.dispose()


def test_postgresql_urls_mean_psycopg_3() -> None:
    assert normalise_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("sqlite:///x.sqlite").drivername == "sqlite"


def test_plan_saves_and_loads_whole(engine: Engine, small_csv: str, small_scenario: dict[str, Any]) -> None:
    table = scenarios.read_villages(small_csv.encode(), filename="small.csv")
    scenario = Scenario.model_validate(small_scenario)
    plan = solver.solve(Problem(table=table, scenario=scenario))
    with Session(engine) as session:
        dataset = add_dataset(session, table, "small")
        assert dataset.id is not None
        record = add_scenario(session, dataset.id, scenario)
        version = session.scalars(
            select(ScenarioVersion).where(ScenarioVersion.scenario_id == record.id)  # type: ignore[arg-type]
        ).one()
        saved = save_plan(session, plan, version, dataset.id)
        session.commit()
        assert saved.id is not None
        plan_id = saved.id

    with Session(engine) as session:
        loaded = load_plan(session, plan_id)

    assert loaded == plan


def test_a_failed_upload_leaves_nothing(engine: Engine, small_csv: str) -> None:
    table = scenarios.read_villages(small_csv.encode(), filename="small.csv")
    # a second copy of the first village breaks the unique code rule in the database itself
    table.villages.append(table.villages[0].model_copy())

    with Session(engine) as session, pytest.raises(IntegrityError):
        add_dataset(session, table, "twice")
        session.commit()

    assert count(engine, Dataset) == 0 and count(engine, DatasetVillage) == 0


def test_a_failed_plan_save_leaves_nothing(
    apps: Any,
    upload_small: Upload,
    small_scenario: dict[str, Any],
    tmp_path: Path,
) -> None:
    client = apps.open(load_examples=False)
    dataset = upload_small(client)
    scenario = client.post(
        "/scenarios", json={"dataset_id": dataset["id"], "scenario": small_scenario}
    ).json()
    good = client.post("/solves", json={"scenario_id": scenario["id"]})
    job_id = client.get("/jobs").json()["items"][0]["id"]
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    with Session(engine) as session:
        plan = load_plan(session, good.json()["id"])
        # a village without a name: NOT NULL refuses it after the plan row went in
        plan.villages[-1].village_name = None  # type: ignore[assignment]
        job = session.get(Job, job_id)
        assert job is not None
        job.status, job.plan_id = "running", None
        session.add(job)
        session.commit()
    before = count(engine, PlanRecord), count(engine, PlanVillage)

    with pytest.raises(IntegrityError):
        storage.store_result(engine, job_id, plan)

    assert (count(engine, PlanRecord), count(engine, PlanVillage)) == before
    with Session(engine) as session:
        assert session.get(Job, job_id).status == "running"  # type: ignore[union-attr]


def test_jobs_cut_off_by_a_restart_are_failed_at_the_next_start(
    apps: Any,
    upload_large: Upload,
    small_scenario: dict[str, Any],
) -> None:
    first = apps.open(load_examples=False)
    dataset = upload_large(first)
    scenario = first.post(
        "/scenarios",
        json={"dataset_id": dataset["id"], "scenario": {**small_scenario, "integer": True}},
    ).json()
    job = first.post("/solves", json={"scenario_id": scenario["id"]}).json()
    engine: Engine = first.app.state.engine  # type: ignore[attr-defined]
    # a crash leaves a job "running" with no process behind it
    with Session(engine) as session:
        session.add(
            Job(scenario_id=scenario["id"], scenario_version_id=1, mode="async", status="running", options={})
        )
        session.commit()
    apps.close(first)

    second = apps.open(load_examples=False)
    jobs = second.get("/jobs").json()["items"]

    assert [j["status"] for j in jobs] == ["failed", "failed"]
    assert all(j["error"] == "interrupted by a restart of the service" for j in jobs)
    assert all(j["finished_at"] is not None for j in jobs)
    assert second.get(f"/jobs/{job['id']}").json()["plan_id"] is None


def test_targets_survive_a_restart_byte_for_byte(
    apps: Any, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    first = apps.open(load_examples=False)
    dataset = upload_small(first)
    scenario = first.post("/scenarios", json={"dataset_id": dataset["id"], "scenario": small_scenario}).json()
    plan = first.post("/solves", json={"scenario_id": scenario["id"]}).json()
    before = first.get(f"/plans/{plan['id']}/targets").content
    apps.close(first)

    second = apps.open(load_examples=False)

    assert second.get(f"/plans/{plan['id']}/targets").content == before
    assert io.BytesIO(before).read(12) == b"village_code"


def test_a_job_whose_worker_went_silent_is_failed_not_left_running(
    apps: Any, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    client = apps.open(load_examples=False, job_heartbeat_timeout_s=1)
    dataset = upload_small(client)
    scenario = client.post(
        "/scenarios", json={"dataset_id": dataset["id"], "scenario": small_scenario}
    ).json()
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    # a worker on another machine claimed the job, beat once, and was lost
    with Session(engine) as session:
        job = Job(
            scenario_id=scenario["id"],
            scenario_version_id=1,
            mode="async",
            status="running",
            options={},
            worker="elsewhere:4242",
            heartbeat_at=utc_now() - timedelta(seconds=5),
        )
        session.add(job)
        session.commit()
        job_id = job.id

    deadline = time.monotonic() + 20
    while (answer := client.get(f"/jobs/{job_id}").json())["status"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.2)

    assert answer["status"] == "failed" and answer["plan_id"] is None
    assert "the worker running this job stopped" in answer["error"]
    assert answer["finished_at"] is not None
