"""/solves and /jobs through the ASGI app: at once, as a job, cancelled, refused."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient

Upload = Callable[..., dict[str, Any]]
PROBLEM = "application/problem+json"


def scenario_on(client: TestClient, dataset_id: int, scenario: dict[str, Any]) -> int:
    response = client.post("/scenarios", json={"dataset_id": dataset_id, "scenario": scenario})
    assert response.status_code == 201, response.text
    scenario_id: int = response.json()["id"]
    return scenario_id


def poll(client: TestClient, location: str, timeout_s: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        job: dict[str, Any] = client.get(location).json()
        if job["status"] in ("succeeded", "failed", "cancelled") or time.monotonic() > deadline:
            return job
        time.sleep(0.1)


def test_small_solve_answers_the_plan_at_once(
    empty_client: TestClient, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    dataset = upload_small(empty_client)
    scenario_id = scenario_on(empty_client, dataset["id"], small_scenario)

    response = empty_client.post("/solves", json={"scenario_id": scenario_id})

    assert response.status_code == 200, response.text
    plan = response.json()
    assert response.headers["location"] == f"/plans/{plan['id']}"
    assert plan["status"] == "optimal"
    assert plan["scenario_id"] == scenario_id and plan["scenario_version"] == 1
    assert plan["dataset_id"] == dataset["id"]
    assert plan["totals"]["villages"] == 4
    # the budget is what the scenario allows: 3% of dana desa plus the Rp100 million pool
    assert plan["totals"]["spend_apbd_idr"] <= 100_000_000 + 1
    jobs = empty_client.get("/jobs", params={"scenario_id": scenario_id}).json()
    assert jobs["items"][0]["status"] == "succeeded"
    assert jobs["items"][0]["mode"] == "sync"
    assert jobs["items"][0]["plan_id"] == plan["id"]


def test_async_solve_is_a_job_to_poll(
    empty_client: TestClient, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    dataset = upload_small(empty_client)
    scenario_id = scenario_on(empty_client, dataset["id"], small_scenario)

    response = empty_client.post(
        "/solves",
        params={"mode": "async"},
        json={"scenario_id": scenario_id, "options": {"time_limit_s": 10_000}},
    )

    assert response.status_code == 202
    job = response.json()
    assert response.headers["location"] == f"/jobs/{job['id']}"
    assert job["status"] in ("queued", "running")
    assert job["options"]["time_limit_s"] == 30  # capped by the service's limit
    done = poll(empty_client, response.headers["location"])
    assert done["status"] == "succeeded", done
    assert done["progress"] == 1.0
    assert done["started_at"] is not None and done["finished_at"] is not None
    plan = empty_client.get(f"/plans/{done['plan_id']}").json()
    assert plan["status"] == "optimal"


def test_large_table_goes_async_and_can_be_cancelled(
    empty_client: TestClient, upload_large: Upload, small_scenario: dict[str, Any]
) -> None:
    dataset = upload_large(empty_client)
    scenario_id = scenario_on(empty_client, dataset["id"], {**small_scenario, "integer": True})
    response = empty_client.post("/solves", json={"scenario_id": scenario_id})
    assert response.status_code == 202  # 12,000 villages: over the sync limit of 2,000

    cancelled = empty_client.post(f"/jobs/{response.json()['id']}/cancel")

    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["plan_id"] is None
    assert empty_client.get("/plans").json()["total"] == 0
    again = empty_client.post(f"/jobs/{response.json()['id']}/cancel")
    assert again.status_code == 409
    assert again.headers["content-type"] == PROBLEM


def test_jobs_beyond_the_worker_limit_wait_in_the_queue(
    apps: Any,
    upload_large: Upload,
    small_scenario: dict[str, Any],
) -> None:
    client = apps.open(load_examples=False, workers=1)
    dataset = upload_large(client)
    scenario_id = scenario_on(client, dataset["id"], {**small_scenario, "integer": True})
    first = client.post("/solves", json={"scenario_id": scenario_id}).json()
    second = client.post("/solves", json={"scenario_id": scenario_id}).json()
    poll_until = time.monotonic() + 30
    while client.get(f"/jobs/{first['id']}").json()["status"] == "queued":
        assert time.monotonic() < poll_until
        time.sleep(0.05)

    waiting = client.get(f"/jobs/{second['id']}").json()
    running = client.get(f"/jobs/{first['id']}").json()

    assert waiting["status"] == "queued"  # one worker, and it is busy with the first
    assert waiting["progress"] == 0 and waiting["started_at"] is None
    assert running["status"] == "running" and 0 < running["progress"] < 1
    assert running["started_at"] is not None
    assert client.post(f"/jobs/{second['id']}/cancel").json()["status"] == "cancelled"
    assert client.post(f"/jobs/{first['id']}/cancel").json()["status"] == "cancelled"


def test_solving_an_archived_scenario_is_a_conflict(
    empty_client: TestClient, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    dataset = upload_small(empty_client)
    scenario_id = scenario_on(empty_client, dataset["id"], small_scenario)
    empty_client.post(f"/scenarios/{scenario_id}/archive")

    response = empty_client.post("/solves", json={"scenario_id": scenario_id})

    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["detail"] == (
        f"Scenario {scenario_id} is archived; archived scenarios cannot be solved."
    )
    assert empty_client.get("/jobs").json()["total"] == 0


def test_an_old_version_can_still_be_solved(
    empty_client: TestClient, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    dataset = upload_small(empty_client)
    scenario_id = scenario_on(empty_client, dataset["id"], small_scenario)
    richer = {**small_scenario, "budget": {"dana_desa_share": 0.06, "apbd_pool_idr": 1e8}}
    empty_client.post(f"/scenarios/{scenario_id}/versions", json={"scenario": richer})

    old = empty_client.post("/solves", json={"scenario_id": scenario_id, "version": 1}).json()
    new = empty_client.post("/solves", json={"scenario_id": scenario_id}).json()

    assert (old["scenario_version"], new["scenario_version"]) == (1, 2)
    assert new["totals"]["spend_dana_desa_idr"] > old["totals"]["spend_dana_desa_idr"]


def test_missing_and_invalid_solves(
    empty_client: TestClient, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    assert empty_client.post("/solves", json={"scenario_id": 7}).status_code == 404
    assert empty_client.get("/jobs/7").status_code == 404
    assert empty_client.post("/jobs/7/cancel").status_code == 404
    dataset = upload_small(empty_client)
    scenario_id = scenario_on(empty_client, dataset["id"], small_scenario)
    missing_version = empty_client.post("/solves", json={"scenario_id": scenario_id, "version": 9})
    assert missing_version.status_code == 404

    bad = empty_client.post("/solves", json={"scenario_id": scenario_id, "options": {"time_limit_s": -1}})

    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "body.options.time_limit_s"
    bad_mode = empty_client.post("/solves", params={"mode": "later"}, json={"scenario_id": scenario_id})
    assert bad_mode.status_code == 422


def test_a_full_queue_answers_503_with_retry_after(
    apps: Any, upload_large: Upload, small_scenario: dict[str, Any]
) -> None:
    client = apps.open(load_examples=False, workers=1, queue_limit=2)
    dataset = upload_large(client)
    scenario_id = scenario_on(client, dataset["id"], {**small_scenario, "integer": True})
    first = client.post("/solves", json={"scenario_id": scenario_id})
    second = client.post("/solves", json={"scenario_id": scenario_id})
    assert (first.status_code, second.status_code) == (202, 202)

    third = client.post("/solves", json={"scenario_id": scenario_id})

    assert third.status_code == 503
    assert third.headers["content-type"] == PROBLEM
    assert int(third.headers["retry-after"]) > 0
    assert "limit is 2" in third.json()["detail"]
    assert client.get("/jobs").json()["total"] == 2  # the refused solve left no job behind
    client.post(f"/jobs/{second.json()['id']}/cancel")
    assert client.post("/solves", json={"scenario_id": scenario_id}).status_code == 202
    for job in client.get("/jobs", params={"status": "queued"}).json()["items"]:
        client.post(f"/jobs/{job['id']}/cancel")
    client.post(f"/jobs/{first.json()['id']}/cancel")


def test_many_simultaneous_sync_solves_do_not_exhaust_the_database_pool(
    empty_client: TestClient, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    # more waiting requests than the pool has connections (5 + 10 overflow): a wait holds none
    dataset = upload_small(empty_client)
    scenario_id = scenario_on(empty_client, dataset["id"], small_scenario)

    with ThreadPoolExecutor(max_workers=24) as pool:
        answers = list(
            pool.map(lambda _: empty_client.post("/solves", json={"scenario_id": scenario_id}), range(24))
        )

    assert [a.status_code for a in answers] == [200] * 24, [a.text for a in answers if a.status_code != 200]
    assert len({a.json()["id"] for a in answers}) == 24
    assert empty_client.get("/plans").json()["total"] == 24


def test_an_unreachable_queue_answers_503_and_leaves_no_job_waiting(
    apps: Any, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    # nothing listens on port 1: the service starts, and a solve is refused rather than lost
    client = apps.open(load_examples=False, queue_url="redis://127.0.0.1:1/0")
    dataset = upload_small(client)
    scenario_id = scenario_on(client, dataset["id"], small_scenario)

    response = client.post("/solves", json={"scenario_id": scenario_id})

    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == PROBLEM
    assert int(response.headers["retry-after"]) > 0
    [job] = client.get("/jobs").json()["items"]
    assert job["status"] == "failed" and job["error"] == "the job queue was not reachable"


def test_a_multi_year_plan_over_http_and_its_targets(client: TestClient) -> None:
    import io
    import json

    import openpyxl
    import pandas as pd

    from scenarios.examples import BEKASI_MULTIYEAR_2026_2028

    datasets = client.get("/datasets").json()["items"]
    scenario = json.loads(BEKASI_MULTIYEAR_2026_2028.read_text())
    scenario_id = scenario_on(client, datasets[0]["id"], scenario)
    response = client.post("/solves", params={"mode": "async"}, json={"scenario_id": scenario_id})
    assert response.status_code == 202, response.text
    done = poll(client, response.headers["location"], timeout_s=240)
    assert done["status"] == "succeeded", done
    plan = client.get(f"/plans/{done['plan_id']}").json()
    assert plan["status"] in ("optimal", "time_limit")
    assert [y["fiscal_year"] for y in plan["years"]] == [2026, 2027, 2028]

    as_csv = client.get(f"/plans/{plan['id']}/targets")
    assert as_csv.status_code == 200
    targets = pd.read_csv(io.BytesIO(as_csv.content), dtype={"village_code": str})
    assert len(targets) == 187
    assert targets["funded_2028"].sum() == plan["years"][2]["funded"]
    assert (targets["funded_2027"] >= targets["funded_2026"]).all()
    as_xlsx = client.get(f"/plans/{plan['id']}/targets", params={"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content), read_only=True).worksheets[0]
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    assert "new_enrollments_2027" in header and "spend_dana_desa_idr_2028" in header


def test_bad_multi_year_fields_are_422_naming_the_field(client: TestClient) -> None:
    datasets = client.get("/datasets").json()["items"]
    response = client.post(
        "/scenarios",
        json={
            "dataset_id": datasets[0]["id"],
            "scenario": {
                "packages": [{"code": "JKK-JKM", "monthly_premium_idr": 16800}],
                "multi_year": {"years": 3, "min_coverage": ["5%", "10%"]},
            },
        },
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)
    assert "multi_year.min_coverage" in response.text
