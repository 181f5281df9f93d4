"""The pages over the services, through the ASGI interface: language, forms, errors, downloads."""

from __future__ import annotations

import io
import re
import time
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from app.pages.forms import parse_decimal, parse_rupiah, scenario_from_form
from models import InputError


def _form(**values: str) -> dict[str, str]:
    base = {
        "name": "Dua persen",
        "horizon_months": "12",
        "package_code_0": "JKK-JKM",
        "package_premium_0": "16.800",
        "package_value_0": "1",
        "package_code_1": "",
        "package_premium_1": "",
        "package_value_1": "",
        "dana_desa_share": "2",
        "add_share": "0",
        "apbd_pool_idr": "100.000.000",
        "min_coverage": "0",
        "min_new_enrollments": "0",
        "objective": "max_protection",
    }
    return {**base, **values}


def test_numbers_as_planners_type_them() -> None:
    assert parse_rupiah("Rp1.500.000.000") == 1_500_000_000
    assert parse_rupiah("1,500,000,000") == parse_rupiah("1500000000") == 1_500_000_000
    assert parse_decimal("2,5") == 2.5 and parse_decimal("1.300,5") == 1300.5 and parse_decimal("0.3") == 0.3
    with pytest.raises(ValueError):
        parse_rupiah("-5")


def test_the_scenario_form_reads_as_the_contract_scenario() -> None:
    form = _form(weight_fishers="3", floor_village_officials="100", integer="1", pool_0="250.000.000")

    body = scenario_from_form(form, ["farmers", "fishers", "village_officials"], ["Bekasi", "Karawang"])

    assert body["packages"] == [{"code": "JKK-JKM", "monthly_premium_idr": 16800.0, "value": 1.0}]
    assert body["budget"] == {
        "dana_desa_share": 0.02,
        "add_share": 0.0,
        "apbd_pool_idr": {"Bekasi": 250_000_000},
    }
    assert body["group_weights"] == {"fishers": 3.0}
    assert body["targets"]["group_min_coverage"] == {"village_officials": 1.0}
    assert body["integer"] is True


def test_a_form_field_that_is_not_a_number_is_named() -> None:
    with pytest.raises(InputError) as refused:
        scenario_from_form(_form(dana_desa_share="tiga"), ["farmers"], [])
    assert refused.value.issues[0].field == "budget.dana_desa_share"


def test_home_speaks_indonesian_by_default_and_english_by_the_switch(client: TestClient) -> None:
    home = client.get("/")
    assert home.status_code == 200 and '<html lang="id">' in home.text
    assert "Perencana anggaran desa" in home.text and "Kabupaten Bekasi (contoh)" in home.text

    switched = client.get("/ui/lang", params={"lang": "en", "next": "/?lang=id"}, follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/"
    assert "desaplan_lang=en" in switched.headers["set-cookie"]
    english = client.get("/")  # the client keeps the cookie
    assert '<html lang="en">' in english.text and "Village budget planner" in english.text
    assert (
        client.get(
            "/ui/lang", params={"lang": "id", "next": "//evil.example"}, follow_redirects=False
        ).headers["location"]
        == "/"
    )


def test_upload_with_bad_rows_shows_each_problem(client: TestClient) -> None:
    bad = "village_code,village_name,kecamatan,dana_desa_idr,uninsured_farmers\n32.16.08.2010,A,K,abc,1\n"

    answer = client.post(
        "/ui/datasets", files={"file": ("bad.csv", bad.encode(), "text/csv")}, data={"name": "x"}
    )

    assert answer.status_code == 422 and "Tabel ditolak" in answer.text
    assert "&#39;abc&#39; bukan jumlah rupiah" in answer.text  # the reason in Bahasa Indonesia too
    assert re.search(r"<td>bad.csv</td><td class=\"num\">2</td><td>dana_desa_idr</td>", answer.text)
    assert client.get("/datasets").json()["total"] == 1  # nothing stored


def _wait_for_plan(client: TestClient, job_url: str) -> int:
    job_id = job_url.rsplit("/", 1)[1]
    for _ in range(300):
        job: dict[str, Any] = client.get(f"/jobs/{job_id}").json()
        if job["status"] not in ("queued", "running"):
            assert job["status"] == "succeeded", job
            return int(job["plan_id"])
        time.sleep(0.1)
    raise AssertionError("the job did not finish")


def test_scenario_revise_solve_plan_and_compare(client: TestClient) -> None:
    created = client.post("/ui/scenarios", data={"dataset_id": "1", **_form()}, follow_redirects=False)
    assert created.status_code == 303
    scenario_url = created.headers["location"]
    refused = client.post(f"{scenario_url}/versions", data=_form(package_premium_0="nol"))
    assert refused.status_code == 422 and "packages.0.monthly_premium_idr" not in refused.text
    # the refusal named by the form's label, and on the field itself
    named = "<td>Paket 1: Iuran per pekerja per bulan (Rp)</td><td>bukan jumlah rupiah: &#39;nol&#39;</td>"
    assert named in refused.text
    assert re.search(
        r'name="package_premium_0"[^>]* value="nol" aria-invalid="true" '
        r'aria-describedby="error-package_premium_0"><span class="field-error" '
        r'id="error-package_premium_0">bukan jumlah rupiah: &#39;nol&#39;</span>',
        refused.text,
    )
    assert "<th>Berkas</th>" not in refused.text and "<th>Baris</th>" not in refused.text
    revised = client.post(
        f"{scenario_url}/versions", data=_form(dana_desa_share="3", note="3%"), follow_redirects=False
    )
    assert revised.headers["location"].endswith("?version=2")

    plans = []
    for version in ("1", "2"):
        job = client.post(f"{scenario_url}/solve", data={"version": version}, follow_redirects=False)
        assert re.fullmatch(r"/ui/jobs/\d+", job.headers["location"])
        assert "job-progress" in client.get(job.headers["location"]).text
        plans.append(_wait_for_plan(client, job.headers["location"]))

    page = client.get(
        f"/ui/plans/{plans[1]}", params={"sort": "-new_enrollments", "kecamatan": "Muaragembong"}
    )
    assert page.status_code == 200 and "Rencana ini mendaftarkan" in page.text
    assert re.search(
        r'id="in-short"><strong>Ringkasnya:</strong> 3% dana desa dan Rp100 juta dari '
        r"APBD mendaftarkan [\d.,]+ pekerja di \d+ desa",
        page.text,
    ), re.search(r'id="in-short">.{0,300}', page.text)
    rows = re.findall(r"<tr><td>(32\.16\.\d\d\.\d{4})</td><td>[^<]*</td><td>Muaragembong</td>", page.text)
    assert len(rows) == 6  # the kecamatan's villages only
    assert re.search(r"Rp\d{1,3}(\.\d{3})+", page.text) and re.search(r"\d,\d%", page.text)

    promises = {"rule_no_village_loses": "1", "rule_max_spend_idr": "1.000.000"}
    refused = client.post(
        "/ui/compare",
        data={
            "baseline_plan_id": str(plans[0]),
            "plan_ids": [str(plans[1])],
            **promises,
            "rule_min_village_coverage": "lima",
        },
    )
    assert refused.status_code == 422 and "rules.min_village_coverage" not in refused.text
    assert "<td>Setiap desa paling sedikit cakupan ini, dalam %</td>" in refused.text
    compared = client.post(
        "/ui/compare",
        data={"baseline_plan_id": str(plans[0]), "plan_ids": [str(plans[1])], **promises},
        follow_redirects=False,
    )
    comparison = client.get(compared.headers["location"])
    # 3% against 2%: no village loses, but it spends more than Rp1.000.000
    assert re.search(
        r'<tr data-kind="no_village_loses_enrollments" data-passed="yes"><td>[^<]+</td>'
        r"<td>Tidak ada desa yang berkurang pesertanya</td><td>✔ terpenuhi",
        comparison.text,
    )
    assert re.search(
        r'<tr data-kind="max_spend_idr" data-passed="no"><td>[^<]+</td>'
        r"<td>Belanja paling banyak Rp1.000.000</td><td>✘ dilanggar",
        comparison.text,
    )
    stored = client.get("/comparisons/" + compared.headers["location"].rsplit("/", 1)[1]).json()
    assert [r["kind"] for r in stored["rules"]] == ["no_village_loses_enrollments", "max_spend_idr"]
    assert comparison.status_code == 200 and 'id="chart-delta"' in comparison.text
    assert comparison.text.count("✔ setiap anggaran, batas atas dan batas bawah terpenuhi") == 2
    assert re.search(
        r"Ringkasnya:</strong> Dua persen \(versi 2\) mendaftarkan [\d.,]+ pekerja lebih "
        r"banyak daripada Dua persen \(versi 1\)",
        comparison.text,
    ), re.search(r'id="in-short">.{0,300}', comparison.text)
    assert client.post("/ui/compare", data={"plan_ids": [str(plans[1])]}).status_code == 422


def test_page_errors_are_pages_and_api_errors_stay_problems(client: TestClient) -> None:
    page = client.get("/ui/plans/999")
    api = client.get("/plans/999")

    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "Tidak ditemukan" in page.text
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"


def test_an_infeasible_plan_shows_the_way_out_and_every_short_village(client: TestClient) -> None:
    created = client.post(
        "/ui/scenarios",
        data={"dataset_id": "1", **_form(dana_desa_share="0,01", apbd_pool_idr="0", min_coverage="60")},
        follow_redirects=False,
    )
    job = client.post(f"{created.headers['location']}/solve", data={}, follow_redirects=False)
    plan_id = _wait_for_plan(client, job.headers["location"])

    page = client.get(f"/ui/plans/{plan_id}").text

    assert "Jalan keluar, masing-masing perubahan sendiri:" in page
    assert re.search(r'<li data-lever="apbd_pool">dana APBD Rp[\d.]+ di ', page)
    assert '<li data-lever="dana_desa_share">' in page and '<li data-lever="min_coverage">' in page
    short = client.get(f"/plans/{plan_id}/shortfalls").json()["short_villages"]
    assert f"Semua desa yang kurang ({len(short)})" in page
    assert len(short) > 100  # every one of them, not the first hundred
    assert f'href="/plans/{plan_id}/shortfalls?format=xlsx&amp;lang=id"' in page


def test_an_unreachable_target_speaks_of_the_target_not_of_floors(client: TestClient) -> None:
    created = client.post(
        "/ui/scenarios",
        data={"dataset_id": "1", **_form(apbd_pool_idr="0", min_new_enrollments="100.000")},
        follow_redirects=False,
    )
    job = client.post(f"{created.headers['location']}/solve", data={}, follow_redirects=False)
    plan_id = _wait_for_plan(client, job.headers["location"])

    page = client.get(f"/ui/plans/{plan_id}").text

    assert re.search(
        r'<p class="remedy">Perubahan terkecil yang membuatnya mungkin: sekitar Rp[\d.]+ '
        r"lagi pada batas belanja desa atau dana APBD-nya, atau target yang lebih "
        r"rendah\.</p>",
        page,
    )
    assert "batas bawah yang lebih rendah di desa-desa ini" not in page
    assert re.search(r'<li data-lever="apbd_pool">dana APBD Rp[\d.]+ di .+ untuk target</li>', page)


def test_the_curve_page_draws_a_lever_with_its_breakpoints_and_files(client: TestClient) -> None:
    created = client.post("/ui/scenarios", data={"dataset_id": "1", **_form()}, follow_redirects=False)
    scenario_url = created.headers["location"]
    assert 'id="curve-link"' in client.get(scenario_url).text
    form = client.get(f"{scenario_url}/curve")
    assert form.status_code == 200 and 'id="curve-form"' in form.text and 'id="curve"' not in form.text

    query = {"lever": "apbd_pool", "start": "0", "stop": "Rp500.000.000.000", "points": "6"}
    page = client.get(f"{scenario_url}/curve", params=query)

    assert page.status_code == 200, page.text
    kinds = re.findall(r'<tr data-kind="(\w+)">', page.text)
    assert kinds.count("sampled") == 6 and "breakpoint" in kinds and "saturated_from" in kinds
    assert "Tepat:" in page.text and 'id="saturated-from"' in page.text
    assert "setiap pekerja yang belum terdaftar sudah didaftarkan" in page.text
    pools = re.findall(r'<tr data-kind="sampled"><td class="num">(Rp[\d.]+)</td>', page.text)
    assert pools == [
        "Rp0",
        "Rp100.000.000.000",
        "Rp200.000.000.000",
        "Rp300.000.000.000",
        "Rp400.000.000.000",
        "Rp500.000.000.000",
    ]
    points = pd.read_csv(
        io.BytesIO(client.get(f"{scenario_url}/curve", params={**query, "format": "csv"}).content)
    )
    assert sorted(points.loc[points["kind"] == "sampled", "lever_value"]) == pytest.approx(
        [0, 1e11, 2e11, 3e11, 4e11, 5e11]
    )
    # the same curve as POST /sweeps gives
    swept = client.post(
        "/sweeps",
        json={
            "scenario_id": int(scenario_url.rsplit("/", 1)[1]),
            "lever": "apbd_pool",
            "start": 0,
            "stop": 5e11,
            "points": 6,
        },
    ).json()
    assert [p["objective"] for p in swept["points"]] == pytest.approx(list(points["objective"]))
    png = client.get(f"{scenario_url}/curve", params={**query, "format": "png"})
    assert png.content[:4] == b"\x89PNG"

    refused = client.get(f"{scenario_url}/curve", params={**query, "stop": "banyak", "points": "1"})
    assert refused.status_code == 422
    assert "bukan jumlah rupiah: &#39;banyak&#39;" in refused.text
    assert "harus dari 2 sampai 100" in refused.text
