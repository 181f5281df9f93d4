"""The scenario form's fiscal year, start month and multi-year fields, through the ASGI interface."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

from fastapi.testclient import TestClient

from scenarios.examples import BEKASI_MULTIYEAR_2026_2028

# the Bekasi multi-year example as a planner types it into the form
TYPED = {
    "name": "Bekasi 2026-2028 dari formulir",
    "horizon_months": "12",  # the form's default; year 1 of a multi-year plan runs to December
    "fiscal_year": "2026",
    "start_month": "4",
    "package_code_0": "JKK-JKM",
    "package_premium_0": "",
    "package_income_0": "Rp1.000.000",
    "package_value_0": "1",
    "package_code_1": "JKK-JKM-JHT",
    "package_premium_1": "",
    "package_income_1": "1.000.000",
    "package_value_1": "1,3",
    "weight_fishers": "3",
    "weight_construction": "2,5",
    "weight_farmers": "2",
    "floor_village_officials": "100",
    "dana_desa_share": "3%",
    "add_share": "",
    "apbd_pool_idr": "1.500.000.000",
    "min_coverage": "",
    "min_new_enrollments": "",
    "objective": "max_protection",
    "integer": "1",
    "multi_year_years": "3",
    "multi_year_dana_desa_growth": "3%",
    "multi_year_add_growth": "",
    "multi_year_pool_growth": "5",
    "multi_year_min_coverage": "0%; 5%; 10%",
}


def _dataset_id(client: TestClient) -> int:
    dataset_id: int = client.get("/datasets").json()["items"][0]["id"]
    return dataset_id


def _scenario_count(client: TestClient) -> int:
    total: int = client.get("/scenarios").json()["total"]
    return total


class _FormFields(HTMLParser):
    """The values one form on a page (by its id or action) would post: its inputs, selected
    options, checked boxes."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.select = form_id, False, None
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.inside = self.form_id in (found.get("id"), found.get("action"))
        elif self.inside and tag == "input" and "name" in found:
            if found.get("type") != "checkbox" or "checked" in found:
                self.values[found["name"]] = found.get("value", "")
        elif self.inside and tag == "select":
            self.select = found["name"]
        elif self.inside and tag == "option" and self.select and "selected" in found:
            self.values[self.select] = found["value"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None


def test_a_new_scenario_offers_the_year_the_months_and_the_years(client: TestClient) -> None:
    page = client.get("/ui/scenarios/new", params={"dataset_id": _dataset_id(client)})

    assert page.status_code == 200, page.text
    fields = _FormFields("/ui/scenarios")
    fields.feed(page.text)
    assert fields.values["start_month"] == "1" and fields.values["fiscal_year"] == ""
    assert fields.values["multi_year_years"] == "" and fields.values["package_income_0"] == ""
    months = [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ]
    for number, month in enumerate(months, start=1):
        assert f'<option value="{number}" ' in page.text and f">{month}</option>" in page.text
    assert "<legend>Beberapa tahun</legend>" in page.text and "Pertumbuhan dana desa (%)" in page.text


def test_a_multi_year_scenario_from_the_form_is_the_one_the_api_stores(client: TestClient) -> None:
    dataset_id = _dataset_id(client)
    example = json.loads(BEKASI_MULTIYEAR_2026_2028.read_text()) | {"name": TYPED["name"]}
    through_api = client.post("/scenarios", json={"dataset_id": dataset_id, "scenario": example})
    assert through_api.status_code == 201, through_api.text

    created = client.post(
        "/ui/scenarios", data={"dataset_id": str(dataset_id), **TYPED}, follow_redirects=False
    )

    assert created.status_code == 303, created.text
    scenario_id = created.headers["location"].rsplit("/", 1)[1]
    stored = client.get(f"/scenarios/{scenario_id}").json()["scenario"]
    assert stored == through_api.json()["scenario"]
    assert stored["fiscal_year"] == 2026 and stored["start_month"] == 4 and stored["horizon_months"] == 9
    assert stored["multi_year"]["years"] == 3
    assert stored["multi_year"]["dana_desa_growth"] == [0.03] and stored["multi_year"]["pool_growth"] == [
        0.05
    ]
    assert stored["multi_year"]["min_coverage"] == [0.0, 0.05, 0.1]
    assert stored["packages"][1]["declared_income_idr"] == 1_000_000


def test_a_revision_keeps_the_years_as_the_form_shows_them(client: TestClient) -> None:
    created = client.post(
        "/ui/scenarios", data={"dataset_id": str(_dataset_id(client)), **TYPED}, follow_redirects=False
    )
    scenario_url = created.headers["location"]
    page = client.get(scenario_url).text
    fields = _FormFields("revise")
    fields.feed(page)

    assert '<tr id="scenario-fiscal-year"><th>Tahun anggaran</th><td>2026 mulai April</td></tr>' in page
    assert "<th>Pertumbuhan tahunan</th><td>Dana desa 3,00%, ADD 0,00%, Dana APBD 5,00%</td>" in page
    assert "<th>Batas bawah cakupan setiap tahun</th><td>0,00%; 5,00%; 10,00%</td>" in page
    assert fields.values["fiscal_year"] == "2026" and fields.values["start_month"] == "4"
    assert '<option value="4" selected>April</option>' in page and ">Desember</option>" in page
    assert fields.values["multi_year_years"] == "3"
    assert fields.values["multi_year_dana_desa_growth"] == "3"
    assert fields.values["multi_year_pool_growth"] == "5"
    assert fields.values["multi_year_min_coverage"] == "0; 5; 10"
    assert fields.values["package_income_1"] == "1.000.000"
    revised = client.post(
        f"{scenario_url}/versions", data={**fields.values, "note": "tanpa perubahan"}, follow_redirects=False
    )
    assert revised.status_code == 303 and revised.headers["location"].endswith("?version=2")
    versions: list[dict[str, Any]] = [
        client.get(f"/scenarios/{scenario_url.rsplit('/', 1)[1]}/versions/{v}").json() for v in (1, 2)
    ]
    # the form shows every group's weight (1 by default), so version 2 names the default weights
    kept = versions[1]["scenario"] | {
        "group_weights": {g: w for g, w in versions[1]["scenario"]["group_weights"].items() if w != 1.0}
    }
    assert kept == versions[0]["scenario"]


def test_a_bad_growth_rate_is_refused_naming_the_field_and_nothing_is_stored(client: TestClient) -> None:
    dataset_id = str(_dataset_id(client))
    before = _scenario_count(client)

    not_a_number = client.post(
        "/ui/scenarios", data={"dataset_id": dataset_id, **TYPED, "multi_year_dana_desa_growth": "tiga"}
    )
    too_high = client.post(
        "/ui/scenarios", data={"dataset_id": dataset_id, **TYPED, "multi_year_pool_growth": "2000%"}
    )
    one_floor_short = client.post(
        "/ui/scenarios", data={"dataset_id": dataset_id, **TYPED, "multi_year_min_coverage": "5; 10"}
    )

    assert not_a_number.status_code == 422
    assert "<td>Pertumbuhan dana desa (%)</td><td>bukan angka: &#39;tiga&#39;</td>" in not_a_number.text
    assert 'value="tiga"' in not_a_number.text  # the form as typed, the field marked
    assert 'name="multi_year_dana_desa_growth" value="tiga" aria-invalid="true"' in not_a_number.text
    assert too_high.status_code == 422
    assert (
        "<td>Pertumbuhan dana APBD (%)</td><td>angka pertumbuhan harus di atas -100% dan paling banyak "
        "1000%</td>"
    ) in too_high.text
    assert one_floor_short.status_code == 422
    assert (
        "<td>Batas bawah cakupan setiap tahun (%)</td><td>isi satu nilai per tahun (3), bukan 2</td>"
        in one_floor_short.text
    )
    assert _scenario_count(client) == before


def test_growth_without_the_number_of_years_is_refused(client: TestClient) -> None:
    before = _scenario_count(client)

    refused = client.post(
        "/ui/scenarios", data={"dataset_id": str(_dataset_id(client)), **TYPED, "multi_year_years": ""}
    )

    assert refused.status_code == 422
    assert "<td>Jumlah tahun</td><td>isi jumlah tahun</td>" in refused.text
    assert _scenario_count(client) == before


def test_each_years_pool_and_target_from_the_form_are_the_apis(client: TestClient) -> None:
    dataset_id = _dataset_id(client)
    example = json.loads(BEKASI_MULTIYEAR_2026_2028.read_text())
    example["name"] = "Dana per tahun"
    example["targets"]["min_new_enrollments"] = 1000
    example["multi_year"] |= {
        "apbd_pool_idr": [1_500_000_000, 1_575_000_000, 1_653_750_000],
        "min_new_enrollments": [1000, 2000, 3000],
    }
    through_api = client.post("/scenarios", json={"dataset_id": dataset_id, "scenario": example})
    assert through_api.status_code == 201, through_api.text

    created = client.post(
        "/ui/scenarios",
        data={
            "dataset_id": str(dataset_id),
            **TYPED,
            "name": "Dana per tahun",
            "min_new_enrollments": "1.000",  # a thousand, as the form writes it
            "multi_year_apbd_pool_idr": "Rp1.500.000.000; 1.575.000.000; 1.653.750.000",
            "multi_year_min_new_enrollments": "1.000; 2.000; 3000",
        },
        follow_redirects=False,
    )

    assert created.status_code == 303, created.text
    stored = client.get(f"/scenarios/{created.headers['location'].rsplit('/', 1)[1]}").json()["scenario"]
    assert stored == through_api.json()["scenario"]
    assert stored["multi_year"]["min_new_enrollments"] == [1000, 2000, 3000]
    assert stored["targets"]["min_new_enrollments"] == 1000


def test_a_revision_keeps_each_years_pools_per_kabupaten(client: TestClient) -> None:
    dataset = client.get("/datasets").json()["items"][0]
    kabupaten = dataset["kabupaten"][0]
    example = json.loads(BEKASI_MULTIYEAR_2026_2028.read_text())
    example["multi_year"]["apbd_pool_idr"] = [{kabupaten: 1e9}, {kabupaten: 1.1e9}, {kabupaten: 1.2e9}]
    created = client.post("/scenarios", json={"dataset_id": dataset["id"], "scenario": example})
    assert created.status_code == 201, created.text
    scenario_id = created.json()["id"]
    page = client.get(f"/ui/scenarios/{scenario_id}").text
    fields = _FormFields("revise")
    fields.feed(page)
    assert 'id="year-pools-per-kabupaten"' in page and fields.values["multi_year_apbd_pool_idr"] == ""

    revised = client.post(f"/ui/scenarios/{scenario_id}/versions", data=fields.values, follow_redirects=False)

    assert revised.status_code == 303, revised.text
    second = client.get(f"/scenarios/{scenario_id}/versions/2").json()["scenario"]
    assert second["multi_year"]["apbd_pool_idr"] == example["multi_year"]["apbd_pool_idr"]
