"""Sweeps bounded over HTTP: every lever value checked against the scenario's own range (422
naming the value, in the request and before a job is queued), the number of points bounded, and
the cost of fairness and a sweep in the request kept, like writes, to a planner's own kabupaten."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import SMALL_CSV
from fastapi.testclient import TestClient
from test_auth import bearer, make_user

from models.tables import Role


def _scenario(
    client: TestClient,
    upload_small: Any,
    small_scenario: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> int:
    dataset = (
        client.post(
            "/datasets", files={"file": ("small.csv", _small_csv(), "text/csv")}, headers=headers or {}
        )
        if headers
        else None
    )
    dataset_id = dataset.json()["id"] if dataset is not None else upload_small(client)["id"]
    created = client.post(
        "/scenarios", json={"dataset_id": dataset_id, "scenario": small_scenario}, headers=headers or {}
    )
    assert created.status_code == 201, created.text
    scenario_id: int = created.json()["id"]
    return scenario_id


def _small_csv() -> bytes:
    return SMALL_CSV.encode()


def _jobs(client: TestClient) -> int:
    total: int = client.get("/jobs").json()["total"]
    return total


@pytest.mark.parametrize(
    ("lever", "values", "named"),
    [
        ("dana_desa_share", [0.01, 1e308], "1e+308 for budget.dana_desa_share: must be between 0 and 1"),
        ("dana_desa_share", [-5], "-5 for budget.dana_desa_share: must be between 0 and 1"),
        ("min_coverage", [0.1, 7], "7 for targets.min_coverage: must be between 0 and 1"),
        ("add_share", [-0.1], "-0.1 for budget.add_share"),
        ("apbd_pool", [-1], "-1 for budget.apbd_pool_idr: an APBD pool must be >= 0 rupiah"),
        ("apbd_pool", [1e20], "1e+20 for budget.apbd_pool_idr"),
        ("premium", [0], "0 for packages[JKK-JKM].monthly_premium_idr: must be >= 1"),
    ],
)
def test_a_value_out_of_the_scenarios_range_is_422_naming_it(
    empty_client: TestClient,
    upload_small: Any,
    small_scenario: dict[str, Any],
    lever: str,
    values: list[float],
    named: str,
) -> None:
    scenario_id = _scenario(empty_client, upload_small, small_scenario)
    body = {"scenario_id": scenario_id, "lever": lever, "values": values}

    at_once = empty_client.post("/sweeps", params={"mode": "sync"}, json=body)
    as_job = empty_client.post("/sweeps", params={"mode": "async"}, json=body)

    for response in (at_once, as_job):
        assert response.status_code == 422, response.text
        errors = response.json()["errors"]
        assert errors[0]["field"] == "values"
        assert named in errors[0]["message"]
    assert _jobs(empty_client) == 0  # refused before any job was queued


def test_a_range_whose_end_is_out_of_range_names_the_end(
    empty_client: TestClient, upload_small: Any, small_scenario: dict[str, Any]
) -> None:
    scenario_id = _scenario(empty_client, upload_small, small_scenario)

    response = empty_client.post(
        "/sweeps",
        json={"scenario_id": scenario_id, "lever": "min_coverage", "start": 0, "stop": 7, "points": 5},
    )

    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    assert error["field"] == "stop" and "7 for targets.min_coverage" in error["message"]


def test_values_within_range_still_give_a_curve(
    empty_client: TestClient, upload_small: Any, small_scenario: dict[str, Any]
) -> None:
    scenario_id = _scenario(empty_client, upload_small, small_scenario)

    response = empty_client.post(
        "/sweeps", json={"scenario_id": scenario_id, "lever": "min_coverage", "values": [0, 0.5, 1]}
    )

    assert response.status_code == 200, response.text
    assert {p["lever_value"] for p in response.json()["points"]} >= {0.0, 0.5, 1.0}


def test_the_number_of_points_is_bounded(
    empty_client: TestClient, upload_small: Any, small_scenario: dict[str, Any]
) -> None:
    scenario_id = _scenario(empty_client, upload_small, small_scenario)

    too_many = empty_client.post(
        "/sweeps",
        json={
            "scenario_id": scenario_id,
            "lever": "dana_desa_share",
            "values": [i / 1000 for i in range(501)],
        },
    )
    too_many_points = empty_client.post(
        "/sweeps",
        json={"scenario_id": scenario_id, "lever": "dana_desa_share", "start": 0, "stop": 0.1, "points": 501},
    )

    assert too_many.status_code == 422 and too_many_points.status_code == 422


def test_fairness_and_sweeps_in_the_request_are_a_planners_own_kabupatens(
    apps: Any, small_scenario: dict[str, Any]
) -> None:
    service: TestClient = apps.open(load_examples=False, auth="on")
    bekasi = bearer(make_user(service, "bekasi", Role.planner, kabupaten="Kabupaten Bekasi"))
    karawang = bearer(make_user(service, "karawang", Role.planner, kabupaten="Kabupaten Karawang"))
    viewer = bearer(make_user(service, "vina", Role.viewer))
    scenario_id = _scenario(service, None, small_scenario, headers=bekasi)
    sweep = {"scenario_id": scenario_id, "lever": "dana_desa_share", "values": [0.01, 0.03]}
    fairness = {"scenario_id": scenario_id}

    for headers in (karawang, viewer):
        refused_sweep = service.post("/sweeps", params={"mode": "sync"}, json=sweep, headers=headers)
        refused_fairness = service.post("/fairness", json=fairness, headers=headers)
        assert refused_sweep.status_code == 403, refused_sweep.text
        assert refused_fairness.status_code == 403, refused_fairness.text
    assert "Kabupaten Karawang" in service.post("/fairness", json=fairness, headers=karawang).json()["detail"]

    own_sweep = service.post("/sweeps", params={"mode": "sync"}, json=sweep, headers=bekasi)
    own_fairness = service.post("/fairness", json=fairness, headers=bekasi)
    assert own_sweep.status_code == 200, own_sweep.text
    assert own_fairness.status_code == 200, own_fairness.text
