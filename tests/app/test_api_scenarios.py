"""/scenarios through the ASGI app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

Upload = Callable[..., dict[str, Any]]
PROBLEM = "application/problem+json"


def create(client: TestClient, dataset_id: int, scenario: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/scenarios", json={"dataset_id": dataset_id, "scenario": scenario})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_create_list_and_get(
    empty_client: TestClient, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    dataset = upload_small(empty_client)

    created = create(empty_client, dataset["id"], small_scenario)

    assert created["slug"] == "small-test-3-of-dana-desa"
    assert created["latest_version"] == 1 and created["versions"] == [1]
    assert created["scenario"]["budget"]["dana_desa_share"] == 0.03
    assert created["scenario"]["horizon_months"] == 12  # defaults filled in
    listed = empty_client.get("/scenarios", params={"dataset_id": dataset["id"]}).json()
    assert [s["id"] for s in listed["items"]] == [created["id"]]
    assert empty_client.get(f"/scenarios/{created['id']}").json() == created


def test_revise_keeps_old_versions(
    empty_client: TestClient, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    dataset = upload_small(empty_client)
    created = create(empty_client, dataset["id"], small_scenario)
    revised_body = {**small_scenario, "budget": {"dana_desa_share": 0.05}}

    response = empty_client.post(
        f"/scenarios/{created['id']}/versions",
        json={"scenario": revised_body, "note": "5% instead of 3%"},
    )

    assert response.status_code == 201
    assert response.json()["version"] == 2
    assert response.headers["location"] == f"/scenarios/{created['id']}/versions/2"
    latest = empty_client.get(f"/scenarios/{created['id']}").json()
    assert latest["versions"] == [1, 2]
    assert latest["scenario"]["budget"]["dana_desa_share"] == 0.05
    first = empty_client.get(f"/scenarios/{created['id']}/versions/1").json()
    assert first["scenario"]["budget"]["dana_desa_share"] == 0.03
    assert first["note"] is None


def test_archive_hides_it_from_the_list_and_blocks_revisions(
    empty_client: TestClient, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    dataset = upload_small(empty_client)
    created = create(empty_client, dataset["id"], small_scenario)

    archived = empty_client.post(f"/scenarios/{created['id']}/archive")

    assert archived.status_code == 200 and archived.json()["archived"] is True
    assert empty_client.get("/scenarios").json()["total"] == 0
    assert empty_client.get("/scenarios", params={"include_archived": True}).json()["total"] == 1
    again = empty_client.post(f"/scenarios/{created['id']}/archive")
    assert again.status_code == 409 and again.headers["content-type"] == PROBLEM
    revise = empty_client.post(f"/scenarios/{created['id']}/versions", json={"scenario": small_scenario})
    assert revise.status_code == 409
    assert "diarsipkan" in revise.json()["detail"]


def test_bad_scenario_is_422_naming_the_field(
    empty_client: TestClient, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    dataset = upload_small(empty_client)
    bad = {**small_scenario, "budget": {"dana_desa_share": 1.5}}

    response = empty_client.post("/scenarios", json={"dataset_id": dataset["id"], "scenario": bad})

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    fields = [e.get("field") for e in response.json()["errors"]]
    assert "budget.dana_desa_share" in fields
    assert empty_client.get("/scenarios").json()["total"] == 0


def test_scenario_that_does_not_fit_the_table_is_422(
    empty_client: TestClient, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    dataset = upload_small(empty_client)
    misfit = {**small_scenario, "targets": {"group_min_coverage": {"construction": 0.5}}}

    response = empty_client.post("/scenarios", json={"dataset_id": dataset["id"], "scenario": misfit})

    assert response.status_code == 422
    assert "construction" in response.json()["detail"]


def test_missing_things_are_404(
    empty_client: TestClient, small_scenario: dict[str, Any], upload_small: Upload
) -> None:
    assert empty_client.get("/scenarios/5").status_code == 404
    assert empty_client.post("/scenarios/5/archive").status_code == 404
    missing_dataset = empty_client.post("/scenarios", json={"dataset_id": 42, "scenario": small_scenario})
    assert missing_dataset.status_code == 404
    assert missing_dataset.json()["detail"] == "Tabel desa 42 tidak ada."
    dataset = upload_small(empty_client)
    created = create(empty_client, dataset["id"], small_scenario)
    missing_version = empty_client.get(f"/scenarios/{created['id']}/versions/3")
    assert missing_version.status_code == 404
    assert "tidak memiliki versi 3" in missing_version.json()["detail"]
