"""The documents through the ASGI app: a plan's letters (zip and merged PDF) with the district's
letterhead, and the refusals (no targets, a plan too large to write in the request)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Apps
from fastapi.testclient import TestClient
from pypdf import PdfReader

Upload = Callable[..., dict[str, Any]]


def text_of(content: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split())


def solve(client: TestClient, upload: Upload, scenario: dict[str, Any]) -> dict[str, Any]:
    dataset = upload(client, name="Bekasi utara")
    created = client.post("/scenarios", json={"dataset_id": dataset["id"], "scenario": scenario}).json()
    response = client.post("/solves", json={"scenario_id": created["id"]})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def letterhead(tmp_path: Path) -> Path:
    path = tmp_path / "kop.yaml"
    path.write_text("kabupaten: Bekasi\nplace: Cikarang Pusat\nnumber: 400.10/77/DPMD\n"
                    "signatory_name: Nama Bupati\nbudget_line: Sub Bidang Jaminan Sosial Desa\n")
    return path


def test_a_plans_letters_as_a_zip_and_one_pdf(apps: Apps, upload_small: Upload,
                                              small_scenario: dict[str, Any], letterhead: Path) -> None:
    client = apps.open(load_examples=False, letterhead_file=str(letterhead))
    plan = solve(client, upload_small, small_scenario)

    response = client.get(f"/plans/{plan['id']}/letters", params={"format": "zip"})

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert f'surat_edaran_plan{plan["id"]}_id.zip' in response.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = archive.namelist()
        assert names == ["01-Babelan/3216022001-Sukamekar.pdf", "01-Babelan/3216022002-Bunibakti.pdf",
                         "02-Tarumajaya/3216012001-Sagara Makmur.pdf",
                         "02-Tarumajaya/3216012002-Segarajaya.pdf"]
        sagara = text_of(archive.read(names[2]))
    assert "Yth. Kepala Desa Sagara Makmur" in sagara and "32.16.01.2001" in sagara
    assert "NOMOR : 400.10/77/DPMD" in sagara and "Sub Bidang Jaminan Sosial Desa" in sagara
    assert f"{plan['id']} (small-test-3-of-dana-desa v1)" in sagara

    merged = client.get(f"/plans/{plan['id']}/letters", params={"format": "pdf", "lang": "en"})
    assert merged.status_code == 200 and merged.headers["content-type"] == "application/pdf"
    text = text_of(merged.content)
    assert all(name in text for name in ("Sukamekar", "Bunibakti", "Sagara Makmur", "Segarajaya"))
    assert "To the Head of Desa Segarajaya" in text
    # built once, served from the plan's files after that
    assert client.get(f"/plans/{plan['id']}/letters", params={"format": "pdf", "lang": "en"}).content \
        == merged.content


def test_no_letters_without_targets(empty_client: TestClient, upload_small: Upload,
                                    small_scenario: dict[str, Any]) -> None:
    impossible = {**small_scenario, "budget": {"dana_desa_share": 0.001}, "targets": {"min_coverage": 0.9}}
    plan = solve(empty_client, upload_small, impossible)
    assert plan["status"] == "infeasible"

    response = empty_client.get(f"/plans/{plan['id']}/letters")

    assert response.status_code == 409
    assert "no targets" in response.json()["detail"]
    assert empty_client.get("/plans/999/letters").status_code == 404
    assert empty_client.get(f"/plans/{plan['id']}/letters", params={"format": "docx"}).status_code == 422


def test_a_large_plans_letters_wait_for_their_job(apps: Apps, upload_small: Upload,
                                                  small_scenario: dict[str, Any]) -> None:
    client = apps.open(load_examples=False, plan_files_min_villages=3)
    plan = solve(client, upload_small, small_scenario)

    response = client.get(f"/plans/{plan['id']}/letters")

    assert response.status_code == 409
    assert f"POST /plans/{plan['id']}/letters/job" in response.json()["detail"]
