"""The first start of an empty database loads the Kabupaten Bekasi example, once."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from scenarios.examples import bekasi_scenarios


def test_first_start_loads_bekasi_and_a_restart_does_not_load_it_again(apps: Any, client: TestClient) -> None:
    datasets = client.get("/datasets").json()
    scenarios = client.get("/scenarios").json()

    assert datasets["total"] == 1
    bekasi = datasets["items"][0]
    assert (bekasi["village_count"], bekasi["kecamatan_count"]) == (187, 23)
    assert scenarios["total"] == len(bekasi_scenarios())
    assert {s["dataset_id"] for s in scenarios["items"]} == {bekasi["id"]}
    apps.close(client)

    again = apps.open()

    assert again.get("/datasets").json()["total"] == 1
    assert again.get("/scenarios").json()["total"] == len(bekasi_scenarios())


def test_an_example_scenario_solves_at_once(client: TestClient) -> None:
    scenario = client.get("/scenarios").json()["items"][0]

    response = client.post("/solves", json={"scenario_id": scenario["id"]})

    assert response.status_code == 200, response.text
    assert response.json()["totals"]["villages"] == 187
