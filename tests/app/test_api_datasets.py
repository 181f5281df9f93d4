"""/datasets through the ASGI app."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pandas as pd
from fastapi.testclient import TestClient

PROBLEM = "application/problem+json"
Upload = Callable[..., dict[str, Any]]


def test_upload_csv_then_list_get_and_page(empty_client: TestClient, upload_small: Upload) -> None:
    created = upload_small(empty_client, name="Two kecamatan")

    assert created["village_count"] == 4
    assert created["kecamatan_count"] == 2
    assert created["groups"] == ["farmers", "fishers"]
    listed = empty_client.get("/datasets").json()
    assert [d["id"] for d in listed["items"]] == [created["id"]]
    detail = empty_client.get(f"/datasets/{created['id']}", params={"limit": 3}).json()
    assert detail["kecamatan"] == ["Babelan", "Tarumajaya"]
    assert detail["villages"]["total"] == 4
    assert [v["village_name"] for v in detail["villages"]["items"]] == [
        "Sagara Makmur",
        "Segarajaya",
        "Sukamekar",
    ]


def test_villages_filter_by_kecamatan(empty_client: TestClient, upload_small: Upload) -> None:
    created = upload_small(empty_client)

    page = empty_client.get(
        f"/datasets/{created['id']}/villages", params={"kecamatan": "babelan", "offset": 1}
    ).json()

    assert page["total"] == 2
    assert [v["village_code"] for v in page["items"]] == ["32.16.02.2002"]
    assert page["items"][0]["uninsured"] == {"farmers": 420, "fishers": 60}


def test_upload_json_rows(empty_client: TestClient) -> None:
    rows = [
        {
            "village_code": "3216012001",
            "village_name": "Sagara Makmur",
            "kecamatan": "Tarumajaya",
            "dana_desa_idr": 1500000000,
            "uninsured_farmers": 10,
        }
    ]

    response = empty_client.post("/datasets", json={"name": "rows", "rows": rows})

    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/datasets/{response.json()['id']}"
    villages = empty_client.get(f"/datasets/{response.json()['id']}/villages").json()
    assert villages["items"][0]["village_code"] == "32.16.01.2001"


def test_upload_xlsx_and_download_both_formats(empty_client: TestClient, small_csv: str) -> None:
    frame = pd.read_csv(io.StringIO(small_csv), dtype={"village_code": str})
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)

    created = empty_client.post("/datasets", files={"file": ("villages.xlsx", buffer.getvalue())}).json()
    csv_answer = empty_client.get(f"/datasets/{created['id']}/download")
    xlsx_answer = empty_client.get(f"/datasets/{created['id']}/download", params={"format": "xlsx"})

    assert created["name"] == "villages"
    assert csv_answer.headers["content-disposition"] == 'attachment; filename="villages_villages.csv"'
    back = pd.read_csv(io.BytesIO(csv_answer.content), dtype={"village_code": str})
    assert back["village_code"].tolist() == frame["village_code"].tolist()
    sheet = pd.read_excel(io.BytesIO(xlsx_answer.content), dtype={"village_code": str})
    assert sheet["village_name"].tolist() == frame["village_name"].tolist()


def test_raw_csv_body_is_accepted(empty_client: TestClient, small_csv: str) -> None:
    response = empty_client.post(
        "/datasets?name=raw",
        content=small_csv.encode(),
        headers={"content-type": "text/csv"},
    )

    assert response.status_code == 201, response.text
    assert response.json()["name"] == "raw"


def test_bad_rows_are_422_with_every_row_and_nothing_stored(empty_client: TestClient, small_csv: str) -> None:
    bad = small_csv.replace("1400000000", "-5").replace(",500,0,80", ",many,0,80")

    response = empty_client.post("/datasets", files={"file": ("bad.csv", bad.encode())})

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == 422 and body["type"] == "/problems/invalid-input"
    located = {(e["row"], e["column"]) for e in body["errors"]}
    assert (3, "dana_desa_idr") in located
    assert (4, "uninsured_farmers") in located
    assert all(e["file"] == "bad.csv" for e in body["errors"])
    assert empty_client.get("/datasets").json()["total"] == 0


def test_missing_file_field_is_422(empty_client: TestClient) -> None:
    response = empty_client.post("/datasets", files={"upload": ("a.csv", b"x")})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.file"


def test_json_without_rows_is_422(empty_client: TestClient) -> None:
    response = empty_client.post("/datasets", json={"name": "nothing"})

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert any(e["field"] == "body.rows" for e in response.json()["errors"])


def test_upload_over_the_limit_is_413(apps: Any, small_csv: str) -> None:
    client = apps.open(load_examples=False, max_upload_bytes=100)

    response = client.post("/datasets", files={"file": ("small.csv", small_csv.encode())})

    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert "batasnya 100 byte" in response.json()["detail"]
    assert client.get("/datasets").json()["total"] == 0


def test_unknown_content_type_is_415(empty_client: TestClient) -> None:
    response = empty_client.post("/datasets", content=b"<xml/>", headers={"content-type": "application/xml"})

    assert response.status_code == 415
    assert response.json()["title"] == "Jenis isi tidak diterima"


def test_missing_dataset_is_404(empty_client: TestClient) -> None:
    for path in ("/datasets/99", "/datasets/99/villages", "/datasets/99/download"):
        response = empty_client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["detail"] == "Tabel desa 99 tidak ada."


def test_bad_download_format_is_422(empty_client: TestClient, upload_small: Upload) -> None:
    created = upload_small(empty_client)

    response = empty_client.get(f"/datasets/{created['id']}/download", params={"format": "pdf"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.format"


def test_too_long_a_name_is_422(empty_client: TestClient, small_csv: str) -> None:
    response = empty_client.post(
        "/datasets", files={"file": ("small.csv", small_csv.encode())}, data={"name": "x" * 201}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.name"
