"""The app on a real database, driven through its ASGI interface.

Every test that opens a service (`apps`, `client`, `empty_client`) or takes `database_url` runs
twice: on a temporary SQLite file and on a fresh PostgreSQL schema (see servers.py)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from servers import (
    HEARTBEAT_TIMEOUT_S,
    REDIS_URL,
    Postgres,
    Workers,
    postgres_database,
    redis_reason,
    unavailable,
)

from app.main import create_app
from app.settings import Settings

SMALL_CSV = (
    "village_code,village_name,kecamatan,dana_desa_idr,add_idr,uninsured_farmers,"
    "uninsured_fishers,enrolled_farmers,priority\n"
    "32.16.01.2001,Sagara Makmur,Tarumajaya,1500000000,600000000,400,120,50,1.0\n"
    "32.16.01.2002,Segarajaya,Tarumajaya,1400000000,500000000,350,200,30,1.5\n"
    "32.16.02.2001,Sukamekar,Babelan,1600000000,650000000,500,0,80,1.0\n"
    "32.16.02.2002,Bunibakti,Babelan,1550000000,0,420,60,0,2.0\n"
)

SMALL_SCENARIO = {
    "name": "Small test, 3% of dana desa",
    "packages": [
        {"code": "JKK-JKM", "monthly_premium_idr": 16800, "value": 1.0},
        {"code": "JKK-JKM-JHT", "monthly_premium_idr": 36800, "value": 1.3},
    ],
    "group_weights": {"fishers": 3.0},
    "budget": {"dana_desa_share": 0.03, "apbd_pool_idr": 100000000},
    "targets": {"min_coverage": 0.2},
}


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres | str]:
    """The run's PostgreSQL database (dropped at the end), or why there is none."""
    with postgres_database() as database:
        yield database


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database: a SQLite file, or a new schema of the run's PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'desaplan.sqlite'}"
    database: Postgres | str = request.getfixturevalue("postgres")
    if isinstance(database, str):
        unavailable("PostgreSQL", database)
    assert isinstance(database, Postgres)
    return database.schema_url()


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "solve_time_limit_s": 30.0,
        "workers": 2,
        "auth": "off",  # tests of accounts and roles turn it on
        **overrides,
    }
    return Settings.model_validate(values)


class Apps:
    """Opens services on the test's one database, as starts and restarts would."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.open_clients: list[TestClient] = []

    def open(self, **overrides: object) -> TestClient:
        client = TestClient(create_app(make_settings(self.database_url, **overrides)))
        client.__enter__()  # runs the start-up: migrations, recovery, examples, job runner
        self.open_clients.append(client)
        return client

    def close(self, client: TestClient) -> None:
        self.open_clients.remove(client)
        client.__exit__(None, None, None)


@pytest.fixture
def apps(database_url: str) -> Iterator[Apps]:
    apps = Apps(database_url)
    yield apps
    for client in reversed(apps.open_clients):
        apps.close(client)


@pytest.fixture
def client(apps: Apps) -> TestClient:
    """A service with the Kabupaten Bekasi example loaded, as on a first start."""
    return apps.open()


@pytest.fixture
def empty_client(apps: Apps) -> TestClient:
    """A service on an empty database (no example)."""
    return apps.open(load_examples=False)


@pytest.fixture
def small_csv() -> str:
    """Four villages in two kecamatan, two groups."""
    return SMALL_CSV


@pytest.fixture
def small_scenario() -> dict[str, object]:
    return dict(SMALL_SCENARIO)


Uploader = Callable[..., dict[str, Any]]


@pytest.fixture
def upload_small() -> Uploader:
    """Upload the small table as a CSV file; the created dataset."""

    def upload(client: TestClient, name: str = "small") -> dict[str, Any]:
        response = client.post(
            "/datasets",
            files={"file": ("small.csv", SMALL_CSV.encode(), "text/csv")},
            data={"name": name},
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    return upload


def village_rows_csv(count: int) -> str:
    """A synthetic table of `count` villages in kecamatan of 100 villages each."""
    lines = [
        "village_code,village_name,kecamatan,dana_desa_idr,add_idr,uninsured_farmers,"
        "uninsured_fishers,uninsured_traders,enrolled_farmers,priority"
    ]
    for i in range(count):
        kecamatan, village = divmod(i, 100)
        lines.append(
            f"32.{16 + kecamatan // 99:02d}.{kecamatan % 99 + 1:02d}.{2001 + village},"
            f"Desa {i},Kecamatan {kecamatan},{1_000_000_000 + 7_919 * (i % 500) * 1000},"
            f"{400_000_000 + (i % 37) * 10_000_000},{200 + i % 300},{i % 90},{50 + i % 70},"
            f"{i % 40},{1 + (i % 7) / 10}"
        )
    return "\n".join(lines) + "\n"


@pytest.fixture
def upload_large() -> Uploader:
    """Upload a synthetic table of 12,000 villages: over the sync limit, seconds to prepare and solve."""

    def upload(client: TestClient, count: int = 12_000) -> dict[str, Any]:
        response = client.post(
            "/datasets",
            files={"file": ("large.csv", village_rows_csv(count).encode(), "text/csv")},
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    return upload


# --- the Redis queue and `desaplan worker` processes, on PostgreSQL --------------------------


@pytest.fixture
def pg_url(postgres: Postgres | str) -> str:
    if isinstance(postgres, str):
        unavailable("PostgreSQL", postgres)
    assert isinstance(postgres, Postgres)
    return postgres.schema_url()


@pytest.fixture
def queue(pg_url: str) -> Iterator[dict[str, str]]:
    """The environment of a service and its workers: this test's database and its own queue."""
    reason = redis_reason()
    if reason is not None:
        unavailable("Redis", reason)
    name = f"desaplan-test-{uuid.uuid4().hex[:8]}"
    yield {
        "DATABASE_URL": pg_url,
        "DESAPLAN_QUEUE_URL": REDIS_URL,
        "DESAPLAN_QUEUE_NAME": name,
        "DESAPLAN_JOB_HEARTBEAT_TIMEOUT": str(HEARTBEAT_TIMEOUT_S),
        # room for a killed worker's block task to be claimed again on a loaded machine
        "DESAPLAN_SOLVE_TIME_LIMIT": "120",
        "DESAPLAN_AUTH": "off",  # one local user: these tests are about databases and queues
    }
    from redis import Redis
    from rq import Queue

    with Redis.from_url(REDIS_URL) as redis:
        Queue(name, connection=redis).delete(delete_jobs=True)


@pytest.fixture
def workers(queue: dict[str, str], tmp_path: Path) -> Iterator[Workers]:
    started = Workers(queue, tmp_path)
    yield started
    started.stop()
