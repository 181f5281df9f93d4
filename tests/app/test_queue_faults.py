"""Jobs always end: the Redis queue's faults, with a redis-server of the test's own.

Redis killed mid-queue and restarted empty (no persistence), a worker that cannot reach the
database, a full queue raced by simultaneous solves: every job ends `succeeded` or `failed` with
words that say why, within the bound stated here, none stays queued, and the workers serve on.
The bounds are generous (a loaded 2-core machine); they bound a wait, they time nothing."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import SMALL_CSV
from fastapi.testclient import TestClient
from servers import HEARTBEAT_TIMEOUT_S, CuttableProxy, RedisServer, Server, Workers, free_port
from sqlalchemy.engine import make_url

from app.i18n import speaker
from app.i18n.reasons import reason
from app.main import create_app
from app.settings import Settings

Upload = Callable[..., dict[str, Any]]
FINISHED = ("succeeded", "failed", "cancelled")
ENDS_WITHIN_S = 240  # every job of these tests ends within this, however loaded the machine


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def own_queue(pg_url: str, redis_server: RedisServer) -> dict[str, str]:
    """The environment of a service and its workers: this test's database and its own Redis."""
    return {
        "DATABASE_URL": pg_url,
        "DESAPLAN_QUEUE_URL": redis_server.url,
        "DESAPLAN_QUEUE_NAME": "desaplan",
        "DESAPLAN_JOB_HEARTBEAT_TIMEOUT": str(HEARTBEAT_TIMEOUT_S),
        "DESAPLAN_SOLVE_TIME_LIMIT": "120",
        "DESAPLAN_AUTH": "off",
    }


@pytest.fixture
def own_workers(own_queue: dict[str, str], tmp_path: Path) -> Iterator[Workers]:
    started = Workers(own_queue, tmp_path)
    yield started
    started.stop()


def service_for(env: dict[str, str], **overrides: object) -> TestClient:
    settings = Settings.model_validate(
        {
            "database_url": env["DATABASE_URL"],
            "queue_url": env["DESAPLAN_QUEUE_URL"],
            "queue_name": env["DESAPLAN_QUEUE_NAME"],
            "solve_time_limit_s": 120,
            "load_examples": False,
            "job_heartbeat_timeout_s": HEARTBEAT_TIMEOUT_S,
            "auth": "off",
            "rate_limit_per_minute": 0,
            **overrides,
        }
    )
    return TestClient(create_app(settings))


def scenario(client: TestClient | httpx.Client, dataset_id: int, body: dict[str, Any]) -> int:
    response = client.post("/scenarios", json={"dataset_id": dataset_id, "scenario": body})
    assert response.status_code == 201, response.text
    scenario_id: int = response.json()["id"]
    return scenario_id


def until(condition: Callable[[], bool], within_s: float, why: Callable[[], object]) -> None:
    deadline = time.monotonic() + within_s
    while not condition():
        assert time.monotonic() < deadline, why()
        time.sleep(0.2)


def jobs_of(client: TestClient, job_ids: list[int]) -> list[dict[str, Any]]:
    return [client.get(f"/jobs/{job_id}").json() for job_id in job_ids]


def whole_logs(workers: Workers) -> str:
    return "\n".join(p.read_text() for p in sorted(workers.folder.glob("worker*.log")))


def all_ended(client: TestClient, job_ids: list[int], workers: Workers) -> list[dict[str, Any]]:
    until(
        lambda: all(j["status"] in FINISHED for j in jobs_of(client, job_ids)),
        ENDS_WITHIN_S,
        lambda: ([(j["id"], j["status"]) for j in jobs_of(client, job_ids)], workers.logs()),
    )
    return jobs_of(client, job_ids)


def test_redis_killed_mid_queue_every_job_still_ends_and_the_workers_serve_on(
    own_queue: dict[str, str],
    own_workers: Workers,
    redis_server: RedisServer,
    upload_small: Upload,
    upload_large: Upload,
    small_scenario: dict[str, Any],
) -> None:
    first, second = own_workers.start(), own_workers.start()
    with service_for(own_queue) as service:
        scenario_id = scenario(service, upload_large(service, 2000)["id"], small_scenario)
        job_ids = []
        for _ in range(10):
            response = service.post("/solves", params={"mode": "async"}, json={"scenario_id": scenario_id})
            assert response.status_code == 202, response.text
            job_ids.append(response.json()["id"])
        until(lambda: any(j["status"] == "running" for j in jobs_of(service, job_ids)), 60, own_workers.logs)
        before = jobs_of(service, job_ids)
        succeeded_before = sum(j["status"] == "succeeded" for j in before)
        assert any(j["status"] == "queued" for j in before)  # entries for Redis to lose

        redis_server.kill()  # every queued entry is lost with it
        # Redis stays away until a job a worker was running has ended and the worker has met the
        # outage handing its result back to the queue (RQ's loop ends; the worker's goes on)
        until(
            lambda: sum(j["status"] == "succeeded" for j in jobs_of(service, job_ids)) > succeeded_before,
            ENDS_WITHIN_S,
            own_workers.logs,
        )
        until(
            lambda: "the job queue is not reachable" in whole_logs(own_workers),
            ENDS_WITHIN_S,
            own_workers.logs,
        )
        redis_server.start()  # empty

        jobs = all_ended(service, job_ids, own_workers)
        assert [j["status"] for j in jobs] == ["succeeded"] * len(job_ids), (jobs, own_workers.logs())
        assert first.poll() is None and second.poll() is None, own_workers.logs()
        # both workers take jobs again once Redis is back
        small_id = scenario(service, upload_small(service)["id"], small_scenario)
        after = []
        for _ in range(6):
            response = service.post("/solves", params={"mode": "async"}, json={"scenario_id": small_id})
            assert response.status_code == 202, response.text
            after.append(response.json()["id"])
        ran = all_ended(service, after, own_workers)
    assert [j["status"] for j in ran] == ["succeeded"] * len(after), own_workers.logs()
    assert {j["worker"].rsplit(":", 1)[1] for j in ran} <= {str(first.pid), str(second.pid)}


def test_a_worker_without_its_database_takes_no_job_and_the_healthy_one_runs_them(
    own_queue: dict[str, str],
    tmp_path: Path,
    upload_small: Upload,
    small_scenario: dict[str, Any],
) -> None:
    unreachable = {**own_queue, "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"}
    blind_folder, healthy_folder = tmp_path / "blind", tmp_path / "healthy"
    blind_folder.mkdir()
    healthy_folder.mkdir()
    blind, healthy = Workers(unreachable, blind_folder), Workers(own_queue, healthy_folder)
    try:
        blind_worker = blind.start()
        until(lambda: "the database is not reachable" in whole_logs(blind), 120, blind.logs)
        with service_for(own_queue) as service:
            scenario_id = scenario(service, upload_small(service)["id"], small_scenario)
            job_ids = []
            for _ in range(6):
                response = service.post(
                    "/solves", params={"mode": "async"}, json={"scenario_id": scenario_id}
                )
                assert response.status_code == 202, response.text
                job_ids.append(response.json()["id"])
            # the blind worker has had the queue to itself, long enough to look at it twice
            deadline = time.monotonic() + 12
            while time.monotonic() < deadline:
                assert all(j["status"] == "queued" for j in jobs_of(service, job_ids)), blind.logs()
                time.sleep(0.5)
            healthy_worker = healthy.start()
            jobs = all_ended(service, job_ids, healthy)
        assert [j["status"] for j in jobs] == ["succeeded"] * len(job_ids), (jobs, healthy.logs())
        assert {j["worker"].rsplit(":", 1)[1] for j in jobs} == {str(healthy_worker.pid)}
        assert blind_worker.poll() is None  # it waits for its database, it does not quit
        assert "desaplan job" not in whole_logs(blind)  # RQ logs every job a worker takes
    finally:
        blind.stop()
        healthy.stop()


def test_a_ten_second_database_outage_mid_job_delays_it_and_uploads_meanwhile_get_503(
    own_queue: dict[str, str],
    tmp_path: Path,
    upload_small: Upload,
    upload_large: Upload,
    small_scenario: dict[str, Any],
) -> None:
    database = make_url(own_queue["DATABASE_URL"])
    proxy = CuttableProxy((database.host or "127.0.0.1", database.port or 5432))
    through = database.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    # the heartbeat's timeout is longer than the outage: a job that goes on must not be reaped
    env = {**own_queue, "DATABASE_URL": through, "DESAPLAN_JOB_HEARTBEAT_TIMEOUT": "60"}
    workers = Workers(env, tmp_path)
    try:
        worker = workers.start()
        with service_for(env, job_heartbeat_timeout_s=60) as service:
            scenario_id = scenario(service, upload_large(service)["id"], small_scenario)
            job_ids = [
                service.post("/solves", params={"mode": "async"}, json={"scenario_id": scenario_id}).json()[
                    "id"
                ]
                for _ in range(2)
            ]
            until(lambda: any(j["status"] == "running" for j in jobs_of(service, job_ids)), 120, workers.logs)

            proxy.cut()
            upload = service.post("/datasets", files={"file": ("small.csv", SMALL_CSV.encode(), "text/csv")})
            time.sleep(10)  # the outage lasts ten seconds (nothing is timed)
            proxy.restore()

            jobs = all_ended(service, job_ids, workers)
            after = service.post("/solves", params={"mode": "async"}, json={"scenario_id": scenario_id})
            [again] = all_ended(service, [after.json()["id"]], workers)
    finally:
        workers.stop()
        proxy.close()

    assert upload.status_code == 503, upload.text
    assert upload.headers["content-type"].startswith("application/problem+json")
    assert int(upload.headers["retry-after"]) > 0
    assert [j["status"] for j in jobs] == ["succeeded", "succeeded"], (jobs, workers.logs())
    assert again["status"] == "succeeded" and again["worker"].endswith(f":{worker.pid}")


def test_a_job_no_worker_takes_is_failed_in_words_within_the_bound(
    own_queue: dict[str, str],
    upload_small: Upload,
    small_scenario: dict[str, Any],
) -> None:
    # no worker at all, and room for one job
    with service_for(own_queue, queue_wait_limit_s=3, queue_limit=1) as service:
        scenario_id = scenario(service, upload_small(service)["id"], small_scenario)
        job = service.post("/solves", params={"mode": "async"}, json={"scenario_id": scenario_id}).json()
        full = service.post("/solves", params={"mode": "async"}, json={"scenario_id": scenario_id})
        until(
            lambda: service.get(f"/jobs/{job['id']}").json()["status"] != "queued",
            120,
            lambda: service.get(f"/jobs/{job['id']}").json(),
        )
        ended = service.get(f"/jobs/{job['id']}").json()
        # the bound is free again: the failed job no longer counts against the queue
        again = service.post("/solves", params={"mode": "async"}, json={"scenario_id": scenario_id})

    assert full.status_code == 503
    assert ended["status"] == "failed" and ended["plan_id"] is None
    assert ended["error"].startswith("no worker took this job within 3 s")
    assert reason(ended["error"], speaker("id")).startswith(
        "tidak ada worker yang mengambil pekerjaan ini dalam 3 detik"
    )
    assert again.status_code == 202


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_twelve_simultaneous_solves_against_a_bound_of_three_accept_exactly_three(
    backend: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    redis_server: RedisServer,
    upload_small: Upload,
    small_scenario: dict[str, Any],
) -> None:
    env = {
        "DESAPLAN_QUEUE_URL": redis_server.url,
        "DESAPLAN_QUEUE_LIMIT": "3",
        "DESAPLAN_LOAD_EXAMPLES": "false",
        "DESAPLAN_RATE_LIMIT_PER_MINUTE": "0",
    }
    if backend == "postgresql":
        env["DATABASE_URL"] = request.getfixturevalue("pg_url")
    server = Server(tmp_path, **env)  # no worker: the accepted jobs stay queued
    try:
        table = {"file": ("small.csv", SMALL_CSV.encode(), "text/csv")}
        uploaded = server.http.post("/datasets", files=table)
        assert uploaded.status_code == 201, uploaded.text
        scenario_id = scenario(server.http, uploaded.json()["id"], small_scenario)
        start = threading.Barrier(12)
        answers: list[httpx.Response] = []

        def solve() -> None:
            with httpx.Client(base_url=server.url, timeout=120) as http:
                start.wait()
                answers.append(
                    http.post("/solves", params={"mode": "async"}, json={"scenario_id": scenario_id})
                )

        senders = [threading.Thread(target=solve) for _ in range(12)]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join(180)
        queued = server.http.get("/jobs", params={"status": "queued"}).json()["total"]
    finally:
        server.stop()

    codes = sorted(a.status_code for a in answers)
    assert codes == [202] * 3 + [503] * 9, [a.text for a in answers]
    assert all(a.headers["retry-after"] for a in answers if a.status_code == 503)
    assert queued == 3
