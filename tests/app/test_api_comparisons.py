"""/comparisons through the ASGI app."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

Upload = Callable[..., dict[str, Any]]


@pytest.fixture
def two_plans(
    empty_client: TestClient, upload_small: Upload, small_scenario: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    dataset = upload_small(empty_client)
    plans = []
    for share in (0.02, 0.05):
        body = {**small_scenario, "name": f"{share:.0%} of dana desa"}
        body["budget"] = {"dana_desa_share": share, "apbd_pool_idr": 50_000_000}
        scenario = empty_client.post(
            "/scenarios", json={"dataset_id": dataset["id"], "scenario": body}
        ).json()
        plans.append(empty_client.post("/solves", json={"scenario_id": scenario["id"]}).json())
    return plans[0], plans[1]


def test_compare_two_plans(
    empty_client: TestClient, two_plans: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    base, richer = two_plans

    response = empty_client.post(
        "/comparisons", json={"baseline_plan_id": base["id"], "plan_ids": [richer["id"]]}
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"/comparisons/{body['id']}"
    assert body["baseline"].startswith(f"plan {base['id']}:")
    totals = {row["plan"]: row for row in body["totals"]}
    row = totals[body["plans"][0]]
    expected = richer["totals"]["new_enrollments"] - base["totals"]["new_enrollments"]
    assert row["new_enrollments_delta"] == pytest.approx(expected)
    assert row["spend_dana_desa_idr_delta"] > 0
    assert len(body["villages"]) == 4 and len(body["kecamatan"]) == 2
    village_sum = sum(v["new_enrollments_delta"] for v in body["villages"])
    assert village_sum == pytest.approx(expected)
    kecamatan_sum = sum(k["new_enrollments_delta"] for k in body["kecamatan"])
    assert kecamatan_sum == pytest.approx(expected)
    gains = [v["new_enrollments_delta"] for v in body["gainers"]]
    assert gains == sorted(gains, reverse=True) and all(g > 0 for g in gains)
    assert all(v["new_enrollments_delta"] < 0 for v in body["losers"])
    for village in body["villages"]:
        assert 0 <= village["coverage_after"] <= 1


def test_comparison_as_csv_and_xlsx(
    empty_client: TestClient, two_plans: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    base, richer = two_plans
    created = empty_client.post(
        "/comparisons", json={"baseline_plan_id": base["id"], "plan_ids": [richer["id"]]}
    ).json()
    url = f"/comparisons/{created['id']}"

    as_csv = empty_client.get(url, params={"format": "csv", "table": "kecamatan"})
    as_xlsx = empty_client.get(url, params={"format": "xlsx"})
    as_json = empty_client.get(url, params={"villages": False}).json()

    assert as_csv.headers["content-disposition"].endswith(f'comparison_{created["id"]}_kecamatan.csv"')
    kecamatan = pd.read_csv(io.BytesIO(as_csv.content))
    assert sorted(kecamatan["kecamatan"]) == ["Babelan", "Tarumajaya"]
    assert "spend_apbd_idr_delta" in kecamatan.columns
    sheets = pd.read_excel(io.BytesIO(as_xlsx.content), sheet_name=None)
    assert list(sheets) == ["totals", "kecamatan", "villages", "gainers", "losers"]
    assert len(sheets["villages"]) == 4
    assert as_json["villages"] is None and len(as_json["totals"]) == 2
    assert empty_client.get("/comparisons").json()["total"] == 1


def test_comparison_refusals(
    empty_client: TestClient, two_plans: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    base, richer = two_plans

    itself = empty_client.post(
        "/comparisons", json={"baseline_plan_id": base["id"], "plan_ids": [base["id"]]}
    )
    missing = empty_client.post(
        "/comparisons", json={"baseline_plan_id": base["id"], "plan_ids": [richer["id"], 99]}
    )
    empty = empty_client.post("/comparisons", json={"baseline_plan_id": base["id"], "plan_ids": []})

    assert itself.status_code == 422
    assert itself.json()["errors"][0]["field"] == "plan_ids"
    assert missing.status_code == 404 and missing.json()["detail"] == "Rencana 99 tidak ada."
    assert empty.status_code == 422
    assert empty_client.get("/comparisons/5").status_code == 404
    assert empty_client.get("/comparisons").json()["total"] == 0
