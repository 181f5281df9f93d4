"""/plans through the ASGI app: the plan, its villages, kecamatan and the targets files."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

Upload = Callable[..., dict[str, Any]]
PROBLEM = "application/problem+json"


@pytest.fixture
def plan(empty_client: TestClient, upload_small: Upload, small_scenario: dict[str, Any]) -> dict[str, Any]:
    dataset = upload_small(empty_client, name="Bekasi utara")
    scenario = empty_client.post(
        "/scenarios", json={"dataset_id": dataset["id"], "scenario": small_scenario}
    ).json()
    response = empty_client.post("/solves", json={"scenario_id": scenario["id"]})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_get_plan_pins_its_sources(empty_client: TestClient, plan: dict[str, Any]) -> None:
    fetched = empty_client.get(f"/plans/{plan['id']}").json()

    assert fetched == plan
    assert fetched["groups"] == ["farmers", "fishers"]
    assert fetched["packages"] == ["JKK-JKM", "JKK-JKM-JHT"]
    assert fetched["check"]["ok"] is True
    assert [p["kabupaten"] for p in fetched["pools"]] == [""]
    listed = empty_client.get("/plans", params={"scenario_id": plan["scenario_id"]}).json()
    assert [p["id"] for p in listed["items"]] == [plan["id"]]


def test_villages_page_filter_and_sort(empty_client: TestClient, plan: dict[str, Any]) -> None:
    url = f"/plans/{plan['id']}/villages"

    by_new = empty_client.get(url, params={"sort": "-new_enrollments"}).json()
    babelan = empty_client.get(url, params={"kecamatan": "Babelan", "sort": "village_name"}).json()
    fishers = empty_client.get(url, params={"sort": "-new_fishers_JKK-JKM", "limit": 1}).json()

    counts = [v["new_enrollments"] for v in by_new["items"]]
    assert counts == sorted(counts, reverse=True) and by_new["total"] == 4
    assert [v["village_name"] for v in babelan["items"]] == ["Bunibakti", "Sukamekar"]
    assert fishers["total"] == 4 and len(fishers["items"]) == 1
    top = fishers["items"][0]["enrollments"]["fishers"]["JKK-JKM"]
    every = empty_client.get(url).json()["items"]
    assert top == max(v["enrollments"]["fishers"]["JKK-JKM"] for v in every)


def test_unknown_sort_column_is_422(empty_client: TestClient, plan: dict[str, Any]) -> None:
    response = empty_client.get(f"/plans/{plan['id']}/villages", params={"sort": "-budget"})

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == "sort"


def test_kecamatan_summary_adds_up(empty_client: TestClient, plan: dict[str, Any]) -> None:
    rows = empty_client.get(f"/plans/{plan['id']}/kecamatan").json()

    assert {r["kecamatan"] for r in rows} == {"Babelan", "Tarumajaya"}
    assert sum(r["villages"] for r in rows) == 4
    assert sum(r["new_enrollments"] for r in rows) == pytest.approx(
        plan["totals"]["new_enrollments"], rel=1e-5
    )


def test_targets_csv_and_xlsx(empty_client: TestClient, plan: dict[str, Any]) -> None:
    today = datetime.now(UTC).date().isoformat()

    as_csv = empty_client.get(f"/plans/{plan['id']}/targets")
    as_xlsx = empty_client.get(f"/plans/{plan['id']}/targets", params={"format": "xlsx"})

    assert as_csv.headers["content-disposition"] == (
        f'attachment; filename="targets_bekasi-utara_small-test-3-of-dana-desa_v1_{today}.csv"'
    )
    assert as_xlsx.headers["content-disposition"].endswith(f'_v1_{today}.xlsx"')
    frame = pd.read_csv(io.BytesIO(as_csv.content), dtype={"village_code": str})
    sheet = pd.read_excel(io.BytesIO(as_xlsx.content), dtype={"village_code": str})
    expected = ["village_code", "village_name", "kecamatan", "new_enrollments"]
    assert list(frame.columns[:4]) == expected and list(sheet.columns[:4]) == expected
    assert frame["new_enrollments"].sum() == pytest.approx(plan["totals"]["new_enrollments"])
    assert sheet["village_code"].tolist() == frame["village_code"].tolist()


def test_infeasible_plan_explains_why(
    empty_client: TestClient, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    dataset = upload_small(empty_client)
    impossible = {
        **small_scenario,
        "budget": {"dana_desa_share": 0.001},
        "targets": {"min_coverage": 0.9},
    }
    scenario = empty_client.post(
        "/scenarios", json={"dataset_id": dataset["id"], "scenario": impossible}
    ).json()

    response = empty_client.post("/solves", json={"scenario_id": scenario["id"]})

    assert response.status_code == 200
    plan = response.json()
    assert plan["status"] == "infeasible"
    assert plan["explanations"], plan
    assert plan["explanations"][0]["message"]
    assert empty_client.get(f"/plans/{plan['id']}").json()["status"] == "infeasible"


def test_missing_plan_is_404(empty_client: TestClient) -> None:
    for path in ("/plans/3", "/plans/3/villages", "/plans/3/kecamatan", "/plans/3/targets"):
        response = empty_client.get(path)
        assert response.status_code == 404, path
        assert response.json()["detail"] == "Rencana 3 tidak ada."


def test_bad_targets_format_is_422(empty_client: TestClient, plan: dict[str, Any]) -> None:
    response = empty_client.get(f"/plans/{plan['id']}/targets", params={"format": "pdf"})

    assert response.status_code == 422
