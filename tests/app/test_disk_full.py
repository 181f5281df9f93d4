"""A full disk, for real: said as 507 (or as a job's words), nothing half-written, the log cut back.

Three ways to fill it: a small tmpfs under the SQLite file, filled by a file to the last block;
a PostgreSQL server of the test's own whose villages' tables live in a tablespace on a small
tmpfs (mounting needs root, and the server a `postgres` user: elsewhere these say why they do not
run); and SQLite's own `max_page_count`, which makes the database "full" at its current size on
any machine (SQLite answers SQLITE_FULL, "database or disk is full", as it does on a full disk)."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest import SMALL_SCENARIO, make_settings, village_rows_csv
from fastapi.testclient import TestClient
from servers import free_port, unavailable
from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError

from app.errors import is_disk_full
from app.main import create_app
from app.queue.rows import DISK_FULL

PROBLEM = "application/problem+json"
WORDS_ID = "Disk tempat layanan menyimpan datanya penuh"
WORDS_EN = "The disk where the service keeps its data is full"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MB tmpfs of the test's own."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mount_tmpfs(folder, "3m")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def mount_tmpfs(folder: Path, size: str) -> None:
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        unavailable("a small tmpfs", mounted.stderr.strip() or "mount refused")


def as_postgres(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", *command], capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def postgres_on_a_small_disk() -> Iterator[str]:
    """A PostgreSQL server of the test's own (trust, loopback, a free port) with a tablespace
    `small` on a 512 kB tmpfs; its URL. The server runs as the `postgres` user, as it must."""
    if shutil.which("initdb") is None or shutil.which("runuser") is None:
        unavailable("initdb and runuser", "not installed")
    folder = Path(tempfile.mkdtemp(prefix="desaplan-pg-"))
    folder.chmod(0o755)
    data, small = folder / "data", folder / "small"
    small.mkdir()
    mount_tmpfs(small, "512k")
    port = free_port()
    started = False
    try:
        shutil.chown(folder, "postgres")
        shutil.chown(small, "postgres")
        made = as_postgres("initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
        if made.returncode != 0:
            unavailable("a PostgreSQL of the test's own", made.stderr.strip()[-300:])
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        run = as_postgres("pg_ctl", "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start")
        assert run.returncode == 0, run.stderr + (folder / "log").read_text()
        started = True
        url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f"CREATE TABLESPACE small LOCATION '{small}'")
        yield url
    finally:
        if started:
            as_postgres("pg_ctl", "-D", str(data), "-m", "immediate", "stop")
        subprocess.run(["umount", "-l", str(small)], check=False)
        shutil.rmtree(folder, ignore_errors=True)


def fill(folder: Path) -> Path:
    """A file that takes every free block of `folder`'s filesystem."""
    filler = folder / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for size in (65536, 4096, 512, 1):
            try:
                while True:
                    os.write(descriptor, b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    finally:
        os.close(descriptor)
    return filler


def cap_pages(engine: Engine) -> None:
    """The database full at its present size: every new connection may not add a page."""
    with engine.connect() as connection:
        pages = int(connection.exec_driver_sql("PRAGMA page_count").scalar_one())

    def cap(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    event.listen(engine, "connect", cap)
    engine.dispose()


def open_service(database: Path, **overrides: object) -> TestClient:
    client = TestClient(create_app(make_settings(f"sqlite:///{database}", load_examples=False, **overrides)))
    client.__enter__()
    return client


def upload(client: TestClient, villages: int, name: str) -> Any:
    return client.post(
        "/datasets",
        files={"file": (f"{name}.csv", village_rows_csv(villages).encode(), "text/csv")},
        data={"name": name},
    )


def assert_disk_full_problem(response: Any, words: str) -> None:
    assert response.status_code == 507, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["type"] == "/problems/disk-full"
    assert words in body["detail"]
    assert "correlation" not in response.text


def wal_size(database: Path) -> int:
    wal = database.with_name(database.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def test_an_upload_on_a_full_filesystem_is_507_and_nothing_is_kept(small_disk: Path) -> None:
    database = small_disk / "desaplan.sqlite"
    client = open_service(database)
    try:
        assert upload(client, 5, "before").status_code == 201
        filler = fill(small_disk)

        refused = upload(client, 3000, "too-much")
        assert_disk_full_problem(refused, WORDS_ID)  # Bahasa Indonesia unless asked otherwise
        assert refused.json()["title"] == "Disk penuh"
        in_english = client.post(
            "/datasets?lang=en",
            files={"file": ("x.csv", village_rows_csv(3000).encode(), "text/csv")},
            data={"name": "too-much"},
        )
        assert_disk_full_problem(in_english, WORDS_EN)
        assert in_english.json()["title"] == "The disk is full"
        names = [d["name"] for d in client.get("/datasets").json()["items"]]
        assert names == ["before"]  # nothing half-written

        # the log holds frames committed before (not yet in the database file, which has no room
        # to take them) and the failed ones; once there is room, the next request cuts it back
        assert wal_size(database) > 0
        filler.unlink()
        assert client.get("/datasets").status_code == 200
        assert wal_size(database) == 0

        # with the committed frames in the database (SQLite's own checkpoint every 1,000 pages),
        # the failed write's frames are given back at once, on the full disk
        filler = fill(small_disk)
        assert_disk_full_problem(upload(client, 3000, "too-much"), WORDS_ID)
        assert wal_size(database) == 0

        filler.unlink()  # space again: the service goes on as before
        again = upload(client, 3000, "after")
        assert again.status_code == 201, again.text
        assert again.json()["village_count"] == 3000
        assert [d["name"] for d in client.get("/datasets").json()["items"]] == ["before", "after"]
    finally:
        client.__exit__(None, None, None)


def test_an_upload_that_cannot_be_spooled_to_a_full_disk_is_507(
    small_disk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file itself: a large upload is spooled to the temporary folder before it is read; on
    a full disk that write fails with ENOSPC, answered as what it is."""
    client = open_service(tmp_path / "desaplan.sqlite")
    try:
        monkeypatch.setattr(tempfile, "tempdir", str(small_disk))  # where the spool goes
        fill(small_disk)
        large = village_rows_csv(20_000).encode()  # past the 1 MB a spool keeps in memory
        assert len(large) > 1024 * 1024

        refused = client.post(
            "/datasets?lang=en", files={"file": ("large.csv", large, "text/csv")}, data={"name": "large"}
        )

        assert_disk_full_problem(refused, WORDS_EN)
        assert client.get("/datasets").json()["items"] == []
    finally:
        client.__exit__(None, None, None)


def test_an_upload_into_a_full_database_is_507_and_nothing_is_kept(tmp_path: Path) -> None:
    client = open_service(tmp_path / "desaplan.sqlite")
    try:
        assert upload(client, 5, "before").status_code == 201
        cap_pages(client.app.state.engine)  # type: ignore[attr-defined]

        assert_disk_full_problem(upload(client, 3000, "too-much"), WORDS_ID)

        names = [d["name"] for d in client.get("/datasets").json()["items"]]
        assert names == ["before"]
    finally:
        client.__exit__(None, None, None)


def test_a_job_whose_plan_does_not_fit_fails_with_words(tmp_path: Path) -> None:
    client = open_service(tmp_path / "desaplan.sqlite", sync_max_villages=0)
    try:
        dataset = upload(client, 600, "kabupaten")
        assert dataset.status_code == 201, dataset.text
        scenario = client.post(
            "/scenarios", json={"dataset_id": dataset.json()["id"], "scenario": SMALL_SCENARIO}
        )
        assert scenario.status_code == 201, scenario.text
        cap_pages(client.app.state.engine)  # type: ignore[attr-defined]

        started = client.post("/solves", json={"scenario_id": scenario.json()["id"]})
        assert started.status_code == 202, started.text
        deadline = time.monotonic() + 120
        while (job := client.get(started.headers["location"]).json())["status"] in ("queued", "running"):
            assert time.monotonic() < deadline, job
            time.sleep(0.2)

        assert job["status"] == "failed", job
        assert job["error"] == DISK_FULL
        assert job["plan_id"] is None
        assert client.get("/plans").json()["items"] == []  # nothing of the plan stored
        # the pages say it in Bahasa Indonesia
        said = client.get(f"/jobs/{job['id']}", params={"lang": "id"}).json()
        assert said["status"] == "failed"
    finally:
        client.__exit__(None, None, None)


def test_postgresql_s_full_disk_is_507_and_a_job_s_failure_in_words(postgres_on_a_small_disk: str) -> None:
    client = TestClient(
        create_app(make_settings(postgres_on_a_small_disk, load_examples=False, sync_max_villages=0))
    )
    client.__enter__()
    try:
        dataset = upload(client, 300, "kabupaten")
        assert dataset.status_code == 201, dataset.text
        scenario = client.post(
            "/scenarios", json={"dataset_id": dataset.json()["id"], "scenario": SMALL_SCENARIO}
        )
        assert scenario.status_code == 201, scenario.text
        with psycopg.connect(postgres_on_a_small_disk, autocommit=True) as connection:
            for table in ("dataset_village", "plan_village"):
                connection.execute(f"ALTER TABLE {table} SET TABLESPACE small")

        # a table too large for the disk: PostgreSQL's disk_full, said as such
        assert_disk_full_problem(upload(client, 6000, "too-much"), WORDS_ID)
        names = [d["name"] for d in client.get("/datasets").json()["items"]]
        assert names == ["kabupaten"]  # nothing half-written

        # a plan too large for what is left: the job says the disk is full
        filler = upload(client, 1500, "filler")
        assert filler.status_code in (201, 507), filler.text
        while upload(client, 400, "more").status_code == 201:
            pass
        started = client.post("/solves", json={"scenario_id": scenario.json()["id"]})
        assert started.status_code == 202, started.text
        deadline = time.monotonic() + 120
        while (job := client.get(started.headers["location"]).json())["status"] in ("queued", "running"):
            assert time.monotonic() < deadline, job
            time.sleep(0.2)
        assert job["status"] == "failed" and job["error"] == DISK_FULL, job
        assert client.get("/plans").json()["items"] == []
    finally:
        client.__exit__(None, None, None)


@pytest.mark.parametrize(
    "error",
    [
        OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)),
        OSError(errno.EDQUOT, os.strerror(errno.EDQUOT)),
        psycopg.errors.DiskFull("could not extend file: No space left on device"),
    ],
    ids=["ENOSPC", "EDQUOT", "postgresql-disk-full"],
)
def test_every_kind_of_full_disk_is_known_through_its_wrappers(error: Exception) -> None:
    assert is_disk_full(error)
    wrapped = OperationalError("INSERT INTO plan ...", {}, error)
    assert is_disk_full(wrapped)
    try:
        try:
            raise error
        except Exception as inner:
            raise RuntimeError("writing the file") from inner
    except RuntimeError as outer:
        assert is_disk_full(outer)


def test_other_errors_are_not_a_full_disk() -> None:
    assert not is_disk_full(OSError(errno.EACCES, "Permission denied"))
    assert not is_disk_full(psycopg.errors.AdminShutdown("terminating connection"))
    assert not is_disk_full(ValueError("database or disk is full"))  # only SQLite's own error
