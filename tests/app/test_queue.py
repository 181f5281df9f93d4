"""Solves on the Redis queue, run by real `desaplan worker` processes, on PostgreSQL.

The service under test runs in this process (TestClient) with DESAPLAN_QUEUE_URL set; the workers
are subprocesses, as on a deployment. Each test has its own database schema and queue name."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from servers import DESAPLAN, HEARTBEAT_TIMEOUT_S, Workers
from sqlalchemy import func, select
from sqlmodel import Session

from app.main import create_app
from app.settings import Settings
from models.tables import Job, PlanRecord, PlanVillage

Upload = Callable[..., dict[str, Any]]
FINISHED = ("succeeded", "failed", "cancelled")


@pytest.fixture
def service(queue: dict[str, str]) -> Iterator[TestClient]:
    settings = Settings(
        database_url=queue["DATABASE_URL"],
        solve_time_limit_s=30,
        load_examples=False,
        queue_url=queue["DESAPLAN_QUEUE_URL"],
        queue_name=queue["DESAPLAN_QUEUE_NAME"],
        job_heartbeat_timeout_s=HEARTBEAT_TIMEOUT_S,
        auth="off",  # one local user: these tests are about the queue
    )
    with TestClient(create_app(settings)) as client:
        yield client


def scenario(client: TestClient, dataset_id: int, body: dict[str, Any]) -> int:
    response = client.post("/scenarios", json={"dataset_id": dataset_id, "scenario": body})
    assert response.status_code == 201, response.text
    scenario_id: int = response.json()["id"]
    return scenario_id


def wait_for(
    client: TestClient, job_ids: list[int], timeout_s: float, workers: Workers
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout_s
    while True:
        jobs = [client.get(f"/jobs/{job_id}").json() for job_id in job_ids]
        if all(j["status"] in FINISHED for j in jobs):
            return jobs
        assert time.monotonic() < deadline, (
            [(j["id"], j["status"]) for j in jobs if j["status"] not in FINISHED],
            workers.logs(),
        )
        time.sleep(0.2)


def test_the_planner_path_runs_on_a_worker(
    service: TestClient, workers: Workers, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    worker = workers.start()
    scenario_id = scenario(service, upload_small(service)["id"], small_scenario)

    plan = service.post("/solves", json={"scenario_id": scenario_id})  # waits for the worker

    assert plan.status_code == 200, (plan.text, workers.logs())
    assert plan.json()["status"] == "optimal" and plan.json()["totals"]["villages"] == 4
    job = service.get("/jobs", params={"scenario_id": scenario_id}).json()["items"][0]
    assert job["status"] == "succeeded" and job["plan_id"] == plan.json()["id"]
    assert job["worker"].endswith(f":{worker.pid}")  # run by the worker, not by the service
    targets = service.get(f"/plans/{job['plan_id']}/targets")
    assert targets.status_code == 200 and targets.text.startswith("village_code")
    queued = service.post("/solves", params={"mode": "async"}, json={"scenario_id": scenario_id})
    assert queued.status_code == 202
    [done] = wait_for(service, [queued.json()["id"]], 30, workers)
    assert done["status"] == "succeeded" and done["progress"] == 1.0


def test_a_cancel_stops_the_running_solve_on_the_worker(
    service: TestClient,
    workers: Workers,
    upload_small: Upload,
    upload_large: Upload,
    small_scenario: dict[str, Any],
) -> None:
    workers.start()
    large = upload_large(service)["id"]
    slow = service.post(
        "/solves",
        params={"mode": "async"},
        json={"scenario_id": scenario(service, large, {**small_scenario, "integer": True})},
    ).json()
    deadline = time.monotonic() + 30
    while service.get(f"/jobs/{slow['id']}").json()["status"] != "running":
        assert time.monotonic() < deadline, workers.logs()
        time.sleep(0.1)

    cancelled = service.post(f"/jobs/{slow['id']}/cancel")

    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    # the only worker is free again at once: a small solve does not wait for the large one
    started = time.monotonic()
    small_id = scenario(service, upload_small(service)["id"], small_scenario)
    small = service.post("/solves", json={"scenario_id": small_id})
    assert small.status_code == 200, small.text
    assert time.monotonic() - started < 10
    assert service.get(f"/jobs/{slow['id']}").json()["plan_id"] is None
    assert service.get("/plans").json()["total"] == 1


def test_a_worker_killed_mid_job_leaves_no_job_running_and_nothing_half_written(
    service: TestClient, workers: Workers, upload_large: Upload, small_scenario: dict[str, Any]
) -> None:
    victim, survivor = workers.start(), workers.start()
    medium = upload_large(service, 500)["id"]
    scenario_id = scenario(service, medium, small_scenario)
    job_ids = []
    for _ in range(20):
        response = service.post("/solves", params={"mode": "async"}, json={"scenario_id": scenario_id})
        assert response.status_code == 202, response.text
        job_ids.append(response.json()["id"])
    deadline = time.monotonic() + 30
    killed_job = None
    while killed_job is None:
        assert time.monotonic() < deadline, workers.logs()
        for job in service.get("/jobs", params={"status": "running"}).json()["items"]:
            if job["worker"] and job["worker"].endswith(f":{victim.pid}"):
                killed_job = job["id"]
        time.sleep(0.02)

    os.kill(victim.pid, signal.SIGKILL)
    jobs = wait_for(service, job_ids, 50, workers)

    statuses = {j["id"]: j["status"] for j in jobs}
    assert set(statuses.values()) <= {"succeeded", "failed"}, statuses
    assert statuses[killed_job] == "failed"
    killed = next(j for j in jobs if j["id"] == killed_job)
    assert killed["plan_id"] is None and "stopped" in killed["error"]
    assert survivor.poll() is None  # the other worker ran on
    assert any(j["worker"].endswith(f":{survivor.pid}") and j["status"] == "succeeded" for j in jobs)
    engine = service.app.state.engine  # type: ignore[attr-defined]
    with Session(engine) as session:
        plans = session.scalar(select(func.count()).select_from(PlanRecord))
        villages = session.scalar(select(func.count()).select_from(PlanVillage))
        with_plans = session.scalar(select(func.count()).select_from(Job).where(Job.plan_id.is_not(None)))  # type: ignore[union-attr]
    succeeded = sum(1 for s in statuses.values() if s == "succeeded")
    # every plan belongs to a succeeded job, and every plan is whole
    assert plans == with_plans == succeeded
    assert villages == 500 * succeeded


def test_a_worker_without_a_queue_url_says_so() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DESAPLAN_QUEUE_URL"}

    result = subprocess.run([str(DESAPLAN), "worker"], env=env, capture_output=True, text=True, timeout=60)

    assert result.returncode == 2
    assert "DESAPLAN_QUEUE_URL is not set" in result.stderr
