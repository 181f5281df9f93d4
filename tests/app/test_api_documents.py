"""The documents through the ASGI app: a plan's letters (zip and merged PDF) with the district's
letterhead, and the refusals (no targets, a plan too large to write in the request)."""

from __future__ import annotations

import io
import json
import time
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
    path.write_text(
        "kabupaten: Bekasi\nplace: Cikarang Pusat\nnumber: 400.10/77/DPMD\n"
        "signatory_name: Nama Bupati\nbudget_line: Sub Bidang Jaminan Sosial Desa\n"
    )
    return path


def test_a_plans_letters_as_a_zip_and_one_pdf(
    apps: Apps, upload_small: Upload, small_scenario: dict[str, Any], letterhead: Path
) -> None:
    client = apps.open(load_examples=False, letterhead_file=str(letterhead))
    plan = solve(client, upload_small, small_scenario)

    response = client.get(f"/plans/{plan['id']}/letters", params={"format": "zip"})

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert f"surat_edaran_plan{plan['id']}_id.zip" in response.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = archive.namelist()
        assert names == [
            "01-Babelan/3216022001-Sukamekar.pdf",
            "01-Babelan/3216022002-Bunibakti.pdf",
            "02-Tarumajaya/3216012001-Sagara Makmur.pdf",
            "02-Tarumajaya/3216012002-Segarajaya.pdf",
        ]
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
    assert (
        client.get(f"/plans/{plan['id']}/letters", params={"format": "pdf", "lang": "en"}).content
        == merged.content
    )


def test_no_letters_without_targets(
    empty_client: TestClient, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    impossible = {**small_scenario, "budget": {"dana_desa_share": 0.001}, "targets": {"min_coverage": 0.9}}
    plan = solve(empty_client, upload_small, impossible)
    assert plan["status"] == "infeasible"

    response = empty_client.get(f"/plans/{plan['id']}/letters")

    assert response.status_code == 409
    assert "tidak memiliki target" in response.json()["detail"]
    assert empty_client.get("/plans/999/letters").status_code == 404
    assert empty_client.get(f"/plans/{plan['id']}/letters", params={"format": "docx"}).status_code == 422


def test_a_large_plans_letters_are_written_by_a_job(
    apps: Apps, upload_small: Upload, small_scenario: dict[str, Any], letterhead: Path
) -> None:
    client = apps.open(load_examples=False, plan_files_min_villages=3, letterhead_file=str(letterhead))
    plan = solve(client, upload_small, small_scenario)
    refused = client.get(f"/plans/{plan['id']}/letters")
    assert refused.status_code == 409 and f"POST /plans/{plan['id']}/letters/job" in refused.json()["detail"]
    assert client.get(f"/plans/{plan['id']}/letters", params={"kabupaten": "Bekasi"}).status_code == 404

    started = client.post(f"/plans/{plan['id']}/letters/job")

    assert started.status_code == 202, started.text
    job = started.json()
    assert job["kind"] == "letters"
    deadline = time.monotonic() + 120
    while job["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.5)
        job = client.get(f"/jobs/{job['id']}").json()
    assert job["status"] == "succeeded", job
    assert job["progress"] == pytest.approx(1.0) and "4 letters in 1 kabupaten" in job["phase"]
    response = client.get(f"/plans/{plan['id']}/letters", params={"kabupaten": "Bekasi"})
    assert response.status_code == 200
    assert f"surat_edaran_plan{plan['id']}_Bekasi_id.zip" in response.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert len(archive.namelist()) == 4
        assert "Yth. Kepala Desa Bunibakti" in text_of(archive.read("01-Babelan/3216022002-Bunibakti.pdf"))
    assert client.get(f"/plans/{plan['id']}/letters", params={"kabupaten": "Bogor"}).status_code == 404


A4 = (595.28, 841.89)


def _a4_pages(content: bytes) -> int:
    reader = PdfReader(io.BytesIO(content))
    assert all(
        (float(p.mediabox.width), float(p.mediabox.height)) == pytest.approx(A4, abs=0.5)
        for p in reader.pages
    )
    return len(reader.pages)


def small_boundaries(codes: list[tuple[str, str, str]]) -> bytes:
    from maps.synthetic import voronoi_boundaries

    return json.dumps(voronoi_boundaries(codes)).encode()


SMALL_VILLAGES = [
    ("32.16.01.2001", "Sagara Makmur", "Tarumajaya"),
    ("32.16.01.2002", "Segarajaya", "Tarumajaya"),
    ("32.16.02.2001", "Sukamekar", "Babelan"),
    ("32.16.02.2002", "Bunibakti", "Babelan"),
]


def test_the_brief_of_a_plan_and_of_a_comparison(
    empty_client: TestClient, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    plan = solve(empty_client, upload_small, small_scenario)
    richer = solve(empty_client, upload_small, {**small_scenario, "budget": {"dana_desa_share": 0.05}})

    response = empty_client.get(f"/plans/{plan['id']}/brief")

    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert 1 <= _a4_pages(response.content) <= 2
    text = text_of(response.content)
    sentence = empty_client.get(f"/plans/{plan['id']}/summary").json()["text"]
    assert " ".join(sentence.split()) in text
    assert "Menurut kelompok pekerja" in text and "Menurut kecamatan" in text and "Babelan" in text

    comparison = empty_client.post(
        "/comparisons",
        json={
            "baseline_plan_id": plan["id"],
            "plan_ids": [richer["id"]],
            "rules": [{"kind": "no_village_loses_enrollments"}, {"kind": "max_spend_idr", "value": 1}],
        },
    )
    assert comparison.status_code in (200, 201), comparison.text
    brief = empty_client.get(f"/comparisons/{comparison.json()['id']}/brief", params={"lang": "en"})
    assert brief.status_code == 200
    assert 1 <= _a4_pages(brief.content) <= 2
    text = text_of(brief.content)
    assert "Comparison brief" in text and "Promises kept or broken" in text
    assert "kept" in text and "broken" in text  # no village loses; the spend is over Rp1
    assert empty_client.get("/comparisons/999/brief").status_code == 404


def test_boundaries_put_the_plan_on_the_map(
    empty_client: TestClient, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    plan = solve(empty_client, upload_small, small_scenario)
    assert empty_client.get(f"/plans/{plan['id']}/map").status_code == 404
    assert 'class="chart plan-map"' not in empty_client.get(f"/ui/plans/{plan['id']}").text

    stored = empty_client.put(
        f"/datasets/{plan['dataset_id']}/boundaries",
        files={"file": ("batas.geojson", small_boundaries(SMALL_VILLAGES[:3]))},
    )

    assert stored.status_code == 200, stored.text
    assert stored.json()["desa"] == 3 and stored.json()["missing"] == ["32.16.02.2002"]
    figure = empty_client.get(f"/plans/{plan['id']}/map").json()
    assert figure["layout"]["geo"]["fitbounds"] == "locations"
    assert sorted(figure["data"][0]["locations"]) == ["32.16.01.2001", "32.16.01.2002", "32.16.02.2001"]
    page = empty_client.get(f"/ui/plans/{plan['id']}").text
    assert page.count('class="chart plan-map"') == 2 and "/ui/static/maps.js" in page
    assert 'id="download-brief"' in page and 'id="download-letters-zip"' in page
    brief = text_of(empty_client.get(f"/plans/{plan['id']}/brief").content)
    assert "Peta: cakupan sesudah rencana" in brief


def test_bad_boundaries_are_refused_naming_the_feature(
    empty_client: TestClient, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    plan = solve(empty_client, upload_small, small_scenario)
    collection = json.loads(small_boundaries(SMALL_VILLAGES))
    collection["features"][1]["properties"]["village_code"] = "32.16.09.2001"
    collection["features"][3]["geometry"] = {
        "type": "Polygon",
        "coordinates": [[[107.0, -6.0], [107.1, -6.1], [107.1, -6.0], [107.0, -6.1], [107.0, -6.0]]],
    }

    response = empty_client.put(
        f"/datasets/{plan['dataset_id']}/boundaries",
        files={"file": ("batas.geojson", json.dumps(collection).encode())},
    )

    assert response.status_code == 422
    body = response.text
    assert "feature 2 (32.16.09.2001): unknown code" in body
    assert f"feature 4 ({collection['features'][3]['properties']['village_code']}): broken geometry" in body
    assert empty_client.get(f"/datasets/{plan['dataset_id']}/boundaries").status_code == 404
