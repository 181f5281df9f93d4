"""A multi-year plan's page, through the ASGI interface: its years, its months and its premiums."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from scenarios.examples import BEKASI_MULTIYEAR_2026_2028


def _solve_on_the_page(client: TestClient, scenario: dict[str, Any]) -> dict[str, Any]:
    """The scenario stored through the API, solved with the scenario page's button: the plan."""
    dataset_id = client.get("/datasets").json()["items"][0]["id"]
    created = client.post("/scenarios", json={"dataset_id": dataset_id, "scenario": scenario})
    assert created.status_code == 201, created.text
    job = client.post(f"/ui/scenarios/{created.json()['id']}/solve", data={}, follow_redirects=False)
    assert job.status_code == 303, job.text
    job_id = job.headers["location"].rsplit("/", 1)[1]
    deadline = time.monotonic() + 240
    while (state := client.get(f"/jobs/{job_id}").json())["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, state
        time.sleep(0.2)
    assert state["status"] == "succeeded", state
    plan: dict[str, Any] = client.get(f"/plans/{state['plan_id']}").json()
    return plan


def _rupiah(value: float) -> str:
    return "Rp" + f"{round(value):,}".replace(",", ".")


def _count(value: float) -> str:
    return f"{round(value):,}".replace(",", ".")


@pytest.fixture(scope="module")
def multi_year_plan(client: TestClient) -> dict[str, Any]:
    return _solve_on_the_page(client, json.loads(BEKASI_MULTIYEAR_2026_2028.read_text()))


def test_the_years_table_shows_each_year_of_the_plan(
    client: TestClient, multi_year_plan: dict[str, Any]
) -> None:
    page = client.get(f"/ui/plans/{multi_year_plan['id']}")

    assert page.status_code == 200 and '<section id="years">' in page.text
    assert "<h2>Tahun demi tahun</h2>" in page.text and "<th>Tahun anggaran</th>" in page.text
    rows = re.findall(r'<tr data-year="(\d)">(.*?)</tr>', page.text)
    assert [number for number, _ in rows] == ["1", "2", "3"]
    for (_, row), year in zip(rows, multi_year_plan["years"], strict=True):
        cells = re.findall(r"<td[^>]*>([^<]*)</td>", row)
        spend = year["spend_dana_desa_idr"] + year["spend_add_idr"] + year["spend_apbd_idr"]
        assert cells[:8] == [
            str(year["fiscal_year"]),
            str(year["months"]),
            _count(year["new_enrollments"]),
            _count(year["funded"]),
            _rupiah(year["spend_dana_desa_idr"]),
            _rupiah(year["spend_add_idr"]),
            _rupiah(year["spend_apbd_idr"]),
            _rupiah(spend),
        ]
        assert re.fullmatch(r"\d+,\d%", cells[8])
    assert [y["fiscal_year"] for y in multi_year_plan["years"]] == [2026, 2027, 2028]
    assert multi_year_plan["years"][0]["months"] == 9  # April to December 2026


def test_the_months_and_the_rules_premiums_are_on_the_page(
    client: TestClient, multi_year_plan: dict[str, Any]
) -> None:
    page = client.get(f"/ui/plans/{multi_year_plan['id']}").text

    assert "Bulan yang dibiayai: April 2026 sampai Desember 2028, 33 bulan." in page
    rules = multi_year_plan["rules"]
    assert f"Iuran menurut aturan iuran {rules['name']}, versi {rules['version']}." in page
    premiums = re.findall(
        r"<tr><td>(JKK-JKM[-A-Z]*)</td><td>([^<]*)</td><td>([^<]*)</td>"
        r"<td>([^<]*)</td><td class=\"num\">([^<]*)</td>",
        page,
    )
    # PP 50/2025: dana desa pays half of JKK and JKM from April to December 2026 outside transport
    assert ("JKK-JKM", "Dana desa", "sektor lain", "April 2026 – Desember 2026", "Rp8.400") in premiums
    assert ("JKK-JKM", "Dana desa", "sektor lain", "Januari 2027 – Desember 2028", "Rp16.800") in premiums
    # the APBD pool always pays the full premium
    assert all(p[4] in ("Rp16.800", "Rp36.800") for p in premiums if p[1] == "Dana APBD")
    used = {(p["package"], p["premium_idr"]) for p in multi_year_plan["premiums"]}
    assert {(p[0], p[4]) for p in premiums} == {(code, _rupiah(idr)) for code, idr in used}


def test_a_one_year_plan_has_no_years_table(client: TestClient) -> None:
    plan = _solve_on_the_page(
        client,
        {
            "name": "Satu tahun",
            "packages": [{"code": "JKK-JKM", "monthly_premium_idr": 16800}],
            "budget": {"dana_desa_share": 0.02},
        },
    )

    page = client.get(f"/ui/plans/{plan['id']}").text

    assert plan["years"] == [] and 'id="summary"' in page
    assert 'id="years"' not in page and "Tahun demi tahun" not in page and 'id="premiums"' not in page


def test_each_village_on_the_page_opens_onto_its_years(
    client: TestClient, multi_year_plan: dict[str, Any]
) -> None:
    """Each village row of a multi-year plan has its years under it (new enrolments, funded
    workers, money per source, coverage), the figures of the plan's targets file, in Indonesian."""
    import csv
    import io

    page = client.get(f"/ui/plans/{multi_year_plan['id']}").text
    blocks = re.findall(r'<tr class="village-years" data-village="([0-9.]+)">(.*?)</details>', page, re.S)
    listed = re.findall(r"<tr><td>(\d\d\.\d\d\.\d\d\.\d{4})</td>", page)
    assert listed and [code for code, _ in blocks] == listed  # one per village of the page
    targets = client.get(f"/plans/{multi_year_plan['id']}/targets", params={"format": "csv"})
    assert targets.status_code == 200, targets.text
    rows = {r["village_code"]: r for r in csv.DictReader(io.StringIO(targets.text))}
    with_years = 0
    for code, block in blocks:
        assert "tahun demi tahun</summary>" in block
        years = re.findall(r'<tr data-village-year="(\d)">(.*?)</tr>', block)
        assert [number for number, _ in years] == ["1", "2", "3"]
        row = rows[code]
        for (_, cells_html), fiscal in zip(years, (2026, 2027, 2028), strict=True):
            cells = re.findall(r"<td[^>]*>([^<]*)</td>", cells_html)
            assert cells[0] == str(fiscal)
            assert cells[1] == _count(float(row[f"new_enrollments_{fiscal}"]))
            assert cells[2] == _count(float(row[f"funded_{fiscal}"]))
            assert cells[3] == _rupiah(float(row[f"spend_dana_desa_idr_{fiscal}"]))
            assert cells[5] == _rupiah(float(row[f"spend_apbd_idr_{fiscal}"]))
            with_years += float(row[f"new_enrollments_{fiscal}"]) > 0
    assert with_years > 0


def test_a_one_year_plans_villages_have_no_years(client: TestClient) -> None:
    plan = _solve_on_the_page(
        client,
        {
            "name": "Satu tahun lagi",
            "packages": [{"code": "JKK-JKM", "monthly_premium_idr": 16800}],
            "budget": {"dana_desa_share": 0.02},
        },
    )
    page = client.get(f"/ui/plans/{plan['id']}").text
    assert 'class="village-years"' not in page and 'id="villages"' in page


def test_an_infeasible_multi_year_plan_names_its_year_and_remedies_on_the_page(
    client: TestClient,
) -> None:
    scenario = json.loads(BEKASI_MULTIYEAR_2026_2028.read_text())
    scenario.update({"name": "Lantai 2028 terlalu tinggi", "integer": False})
    scenario["multi_year"]["min_coverage"] = ["0%", "5%", "60%"]
    plan = _solve_on_the_page(client, scenario)
    assert plan["status"] == "infeasible"
    assert [e["year"] for e in plan["explanations"]] == [3]
    page = client.get(f"/ui/plans/{plan['id']}").text
    assert "<p><strong>Tahun ke-3 (2028): Ada desa yang tidak dapat membiayai" in page
    assert re.search(r"Tahun ke-3 \(2028\): dana APBD Rp[0-9.]+ di seluruh tabel", page)
