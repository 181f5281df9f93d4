"""The plain scenario on the first 1,000 villages of the national table through the service: the
job succeeds with a checked `optimal` plan (its check once refused the solver's dust on a pool of
Rp0, and the job failed with an `error` plan)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from bench.instances import village_table

PLAIN = {"packages": [{"code": "JKK-JKM", "monthly_premium_idr": 16800}], "budget": {"dana_desa_share": 0.03}}


def test_the_plain_scenario_on_a_thousand_villages_is_optimal_through_a_job(apps: Any) -> None:
    client: TestClient = apps.open(load_examples=False)
    table = village_table("national").head(1_000).to_csv(index=False)
    uploaded = client.post("/datasets", files={"file": ("national_1000.csv", table.encode(), "text/csv")})
    assert uploaded.status_code == 201, uploaded.text
    created = client.post("/scenarios", json={"dataset_id": uploaded.json()["id"], "scenario": PLAIN})
    assert created.status_code == 201, created.text

    response = client.post("/solves", params={"mode": "sync"}, json={"scenario_id": created.json()["id"]})

    assert response.status_code == 200, response.text
    plan = response.json()
    assert plan["status"] == "optimal" and plan["check"]["ok"] and plan["has_targets"]
    assert plan["totals"]["villages"] == 1_000
    assert plan["totals"]["spend_apbd_idr"] == 0 and plan["pools"][0]["spent_idr"] == 0
    job = client.get("/jobs", params={"scenario_id": created.json()["id"]}).json()["items"][0]
    assert job["status"] == "succeeded"
