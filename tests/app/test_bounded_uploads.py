"""Uploads bounded before they are read whole: an XLSX of a few kilobytes that names row
1,048,576 in r-less cells, or holds 300,000 r-less rows, is a 422 naming the file and the limit,
as a village table and as actuals against a plan; nothing is stored."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from app.web import uploads
from bench.bounded_reads import far_row_xlsx, many_rows_csv, rless_rows_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _datasets(client: TestClient) -> int:
    total: int = client.get("/datasets").json()["total"]
    return total


def test_a_small_xlsx_naming_row_1048576_is_422(empty_client: TestClient) -> None:
    content = far_row_xlsx()
    assert len(content) < 2_600

    response = empty_client.post("/datasets", files={"file": ("far.xlsx", content, XLSX)})

    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    assert error["file"] == "far.xlsx"
    assert "1,048,576 rows" in error["message"] and "200,000 villages" in error["message"]
    assert _datasets(empty_client) == 0


def test_300000_r_less_rows_are_422(empty_client: TestClient) -> None:
    response = empty_client.post("/datasets", files={"file": ("rows.xlsx", rless_rows_xlsx(300_000), XLSX)})

    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    assert error["file"] == "rows.xlsx"
    assert "at least" in error["message"] and "200,000 villages" in error["message"]
    assert _datasets(empty_client) == 0


def test_a_csv_past_the_setting_is_422_counted_while_read(apps: Any) -> None:
    client = apps.open(load_examples=False, max_villages=500)

    response = client.post("/datasets", files={"file": ("desa.csv", many_rows_csv(30_000), "text/csv")})

    assert response.status_code == 422, response.text
    assert "more than 500 villages; the limit is 500" in response.json()["errors"][0]["message"]


def test_actuals_naming_row_1048576_or_of_300000_rows_are_422(
    empty_client: TestClient, upload_small: Any, small_scenario: dict[str, Any]
) -> None:
    dataset = upload_small(empty_client)
    scenario = empty_client.post("/scenarios", json={"dataset_id": dataset["id"], "scenario": small_scenario})
    plan = empty_client.post("/solves", json={"scenario_id": scenario.json()["id"]})
    assert plan.status_code == 200, plan.text

    url = f"/plans/{plan.json()['id']}/actuals"

    far = empty_client.post(url, files={"file": ("laporan.xlsx", far_row_xlsx(), XLSX)})
    many = empty_client.post(url, files={"file": ("banyak.xlsx", rless_rows_xlsx(300_000), XLSX)})

    assert far.status_code == 422, far.text
    error = far.json()["errors"][0]
    assert error["file"] == "laporan.xlsx"
    assert "1,048,576 rows" in error["message"]
    # four villages, twelve months: 48 rows at most
    assert "at most 48 rows (a row per village and month)" in error["message"]
    assert many.status_code == 422, many.text
    assert many.json()["errors"][0]["file"] == "banyak.xlsx"
    assert "at most 48 rows" in many.json()["errors"][0]["message"]
    assert empty_client.get(url).json()["total"] == 0


def _never_parsed(monkeypatch: Any) -> None:
    """The JSON rows' parser fails the test if it is reached."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the rows were parsed")

    monkeypatch.setattr(uploads.DatasetRowsCreate, "model_validate_json", refuse)


def test_json_rows_past_the_village_limit_are_422_before_they_are_parsed(
    empty_client: TestClient, monkeypatch: Any
) -> None:
    body = b'{"name": "many", "rows": [' + b",".join([b"{}"] * 300_000) + b"]}"
    _never_parsed(monkeypatch)

    response = empty_client.post("/datasets", content=body, headers={"content-type": "application/json"})

    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    assert error["file"] == "rows" and "more than 200,000 villages" in error["message"]
    assert _datasets(empty_client) == 0


def test_json_rows_nested_or_too_wide_are_422_naming_the_row(apps: Any, monkeypatch: Any) -> None:
    client = apps.open(load_examples=False, max_columns=20)
    row = {"village_code": "32.16.01.2001", "village_name": "A, [B]", "dana_desa_idr": 1}
    nested = {"rows": [row, {**row, "village_name": ["x"] * 1_000_000}]}
    wide = {"rows": [row, row, {str(n): n for n in range(21)}]}
    _never_parsed(monkeypatch)

    refused_nested = client.post("/datasets", json=nested)
    refused_wide = client.post("/datasets", json=wide)

    assert refused_nested.status_code == 422, refused_nested.text
    assert refused_nested.json()["errors"][0]["row"] == 2
    assert "not lists or objects" in refused_nested.json()["errors"][0]["message"]
    assert refused_wide.status_code == 422, refused_wide.text
    assert refused_wide.json()["errors"][0]["row"] == 3
    assert "more than 20 columns" in refused_wide.json()["errors"][0]["message"]
    assert _datasets(client) == 0


def test_json_rows_over_the_upload_size_are_413(apps: Any) -> None:
    client = apps.open(load_examples=False, max_upload_bytes=10_000)
    rows = [{"village_code": f"32.16.01.{2001 + n}", "village_name": f"D{n}"} for n in range(500)]

    response = client.post("/datasets", json={"name": "big", "rows": rows})

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


def test_json_rows_within_the_bounds_are_read(apps: Any) -> None:
    client = apps.open(load_examples=False, max_villages=3)
    rows = [
        {
            "village_code": f"32.16.01.{2001 + n}",
            "village_name": f'Desa [{n}], "{{x}}"',
            "kecamatan": "K",
            "dana_desa_idr": 1_500_000_000,
            "uninsured_farmers": 100,
        }
        for n in range(3)
    ]

    response = client.post("/datasets", json={"name": "three", "rows": rows})

    assert response.status_code == 201, response.text
    assert response.json()["village_count"] == 3
