"""The planner's whole path in a real browser, in Bahasa Indonesia and in English: upload the
Bekasi table (and one with bad rows), create and revise a scenario, solve and watch the job, read
the plan and its chart, sort the villages, compare two plans, download the targets and read them."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from scenarios.examples import BEKASI_VILLAGES

ACTUALS = BEKASI_VILLAGES.parent / "bekasi_actuals_2026-06.csv"

BAD_TABLE = (
    "village_code,village_name,kecamatan,dana_desa_idr,uninsured_farmers\n"
    "32.16.08.2010,Telajung,Cikarang Barat,1866348000,524\n"
    "32.16.08.2009,Kalijaya,Cikarang Barat,banyak,174\n"
    "32.16.08.2009,Kalijaya lagi,Cikarang Barat,1363921000,-5\n"
)

WORDS = {
    "id": {
        "home": "Perencana anggaran desa",
        "refused": "Tabel ditolak",
        "sheet": "Target",
        "village": "Nama desa",
        "new": "Peserta baru",
        "replan": "(rencana ulang setelah bulan ke-6)",
    },
    "en": {
        "home": "Village budget planner",
        "refused": "The table was refused",
        "sheet": "Targets",
        "village": "Village name",
        "new": "New enrolments",
        "replan": "(re-plan after month 6)",
    },
}


def _number(text: str) -> float:
    """A number as the pages write it in id_ID: `5.916,9`, `10,4%`, `Rp1.000.000`."""
    cleaned = text.strip().replace("Rp", "").replace("%", "").replace(".", "").replace(",", ".")
    return float(cleaned or "nan")


def _column(page: Any, table: str, index: int) -> list[str]:
    cells: list[str] = page.locator(f"#{table} tbody tr td:nth-child({index})").all_inner_texts()
    return cells


def _choose_language(page: Any, lang: str) -> None:
    page.goto("/")
    page.locator(f"form.lang button[value={lang}]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == lang


def _upload(page: Any, name: str, filename: str, content: bytes) -> None:
    page.goto("/ui/datasets/new")
    page.locator("input[name=file]").set_input_files(
        {"name": filename, "mimeType": "text/csv", "buffer": content}
    )
    page.locator("input[name=name]").fill(name)
    page.locator("form.card button[type=submit]").click()
    page.wait_for_load_state()


def _solve(page: Any, visited: list[str]) -> int:
    """Press solve on the scenario page, follow the job's progress page to its plan."""
    page.locator("#solve").click()
    page.wait_for_url(re.compile(r"/ui/plans/\d+"), timeout=120_000)
    assert any(re.search(r"/ui/jobs/\d+$", url) for url in visited), visited
    return int(page.url.rsplit("/", 1)[1].split("?")[0])


@pytest.mark.parametrize("lang", ["id", "en"])
def test_planner_path_in_the_browser(page: Any, lang: str, screenshots: Path) -> None:
    words = WORDS[lang]
    visited: list[str] = []
    page.on("framenavigated", lambda frame: visited.append(frame.url) if frame == page.main_frame else None)
    _choose_language(page, lang)
    assert words["home"] in page.locator("h1").inner_text()

    # a table with bad rows: nothing stored, every problem in a table of file, row, column, reason
    _upload(page, f"bad {lang}", "bad.csv", BAD_TABLE.encode())
    assert words["refused"] in page.locator(".alert").inner_text()
    rows = page.locator("#errors tbody tr")
    problems = {
        (r[1], r[2]) for r in (rows.nth(i).locator("td").all_inner_texts() for i in range(rows.count()))
    }
    assert ("3", "dana_desa_idr") in problems
    assert ("4", "uninsured_farmers") in problems
    assert ("4", "village_code") in problems
    page.screenshot(path=str(screenshots / f"upload_errors_{lang}.png"), full_page=True)

    # the Bekasi table: its villages, filtered by kecamatan and sorted by dana desa
    _upload(page, f"Bekasi {lang}", "bekasi_villages.csv", BEKASI_VILLAGES.read_bytes())
    assert re.search(r"/ui/datasets/\d+$", page.url)
    dataset_url = page.url
    assert "187" in page.locator("main > p").first.inner_text()
    page.locator("select[name=kecamatan]").select_option("Muaragembong")
    page.wait_for_url(re.compile("kecamatan=Muaragembong"))
    assert set(_column(page, "villages", 3)) == {"Muaragembong"}
    page.goto(dataset_url)
    page.locator("#villages thead a[data-sort=dana_desa_idr]").click()
    page.wait_for_url(re.compile("sort=dana_desa_idr"))
    budgets = [_number(t) for t in _column(page, "villages", 4)]
    assert budgets == sorted(budgets) and len(budgets) == 25

    # a scenario from the form, then revised into version 2
    page.locator("a.button[href*='/ui/scenarios/new']").click()
    page.locator("input[name=name]").fill(f"Bekasi 2% ({lang})")
    page.locator("input[name=dana_desa_share]").fill("2")
    page.locator("input[name=apbd_pool_idr]").fill("500.000.000")
    assert page.locator("input[name=integer]").is_checked()  # whole workers by default
    page.screenshot(path=str(screenshots / f"scenario_form_{lang}.png"), full_page=True)
    page.locator("form.scenario-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/ui/scenarios/\d+$"))
    scenario_url = page.url
    revise = page.locator("#revise")
    revise.locator("input[name=name]").fill(f"Bekasi 3% ({lang})")
    revise.locator("input[name=dana_desa_share]").fill("3")
    revise.locator("input[name=note]").fill("3%")
    # version 2 a continuous plan: its curve below has exact breakpoints
    revise.locator("input[name=integer]").uncheck()
    revise.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"version=2"))
    assert page.locator("#history tbody tr").count() == 2

    # solve version 2 and watch its job land on the plan
    second = _solve(page, visited)
    assert page.locator("#plan-status").inner_text().strip()
    kecamatan_rows = page.locator("#kecamatan tbody tr").count()
    assert kecamatan_rows == 23  # Kabupaten Bekasi's kecamatan
    page.wait_for_selector("#chart-new .point")
    assert page.locator("#chart-new .trace.bars .point").count() == kecamatan_rows
    assert page.locator("#chart-coverage .trace.bars").count() == 2
    page.screenshot(path=str(screenshots / f"plan_top_{lang}.png"))
    page.locator(".charts").screenshot(path=str(screenshots / f"plan_charts_{lang}.png"))
    summary = page.locator("#summary").inner_text()
    assert re.search(r"\d+,\d%", summary), summary  # coverage written the Indonesian way

    # sort the village table by new enrolments, largest first
    page.locator("#villages thead a[data-sort=new_enrollments]").click()
    page.wait_for_url(re.compile("sort=new_enrollments"))
    page.locator("#villages thead a[data-sort=new_enrollments]").click()
    page.wait_for_url(re.compile("sort=-new_enrollments"))
    counts = [_number(t) for t in _column(page, "villages", 4)]
    assert counts == sorted(counts, reverse=True) and counts[0] > 0
    page.screenshot(path=str(screenshots / f"plan_{lang}.png"), full_page=True)

    # the targets as Excel, read back
    with page.expect_download() as download_info:
        page.locator("#download-xlsx").click()
    workbook_bytes = Path(download_info.value.path()).read_bytes()
    workbook = openpyxl.load_workbook(io.BytesIO(workbook_bytes))
    sheet = workbook[words["sheet"]]
    header = [cell.value for cell in sheet[1]]
    assert words["village"] in header and words["new"] in header
    codes = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]]
    assert len([c for c in codes if re.fullmatch(r"32\.16\.\d\d\.\d{4}", str(c))]) == 187

    # version 1 solved too, then the two plans compared
    page.goto(scenario_url + "?version=1")
    first = _solve(page, visited)
    # the whole-worker plan answers the meeting, then the mid-year task on it: actuals uploaded,
    # the achievement read, the re-plan made and opened from the plan and back
    assert page.locator("#group-reasons li").count() == 6  # the table's six groups
    assert page.locator("#top-villages tbody tr").count() > 0
    page.locator("#actuals-form input[name=file]").set_input_files(str(ACTUALS))
    page.locator("#actuals-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/ui/actuals/\d+$"))
    actuals_url = page.url
    assert page.locator("#villages-behind tbody tr").count() > 0
    assert page.locator("#sources tbody tr").count() >= 3  # dana desa, ADD, the APBD pool
    page.locator("#replan-button").click()
    page.wait_for_url(re.compile(r"/ui/plans/\d+$"))
    replan_url = page.url
    assert words["replan"] in page.locator("h1").inner_text()
    page.locator("#source-plan-link").click()
    page.wait_for_url(re.compile(rf"/ui/plans/{first}$"))
    page.locator("#actuals .replan-link").first.click()
    page.wait_for_url(replan_url)
    page.locator("#source-actuals-link").click()
    page.wait_for_url(actuals_url)
    page.goto(f"/ui/compare?baseline={first}")
    page.locator(f"input[name=plan_ids][value='{second}']").check()
    page.locator("#compare-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/ui/comparisons/\d+$"))
    page.wait_for_selector("#chart-delta .point")
    assert page.locator("#chart-delta .trace.bars .point").count() == 23
    gains = [_number(t) for t in _column(page, "gainers", 6)]
    assert gains and all(g > 0 for g in gains)  # 3% buys more than 2% somewhere
    page.screenshot(path=str(screenshots / f"comparison_{lang}.png"), full_page=True)

    # the budget-outcome curve of the APBD pool, with its exact breakpoints, and its points as CSV
    page.goto(scenario_url + "?version=2")
    page.locator("#curve-link").click()
    page.wait_for_url(re.compile(r"/ui/scenarios/\d+/curve"))
    page.locator("#lever").select_option("apbd_pool")
    page.locator("#start").fill("0")
    page.locator("#stop").fill("500.000.000.000")
    page.locator("#points").fill("9")
    page.locator("#draw").click()
    page.wait_for_selector("#chart-curve .scatterlayer .trace")
    kinds = page.locator("#curve-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.kind)")
    assert kinds.count("sampled") == 9 and "breakpoint" in kinds
    # the objective, the enrolments and the breakpoints
    assert page.locator("#chart-curve .scatterlayer .trace").count() == 3
    values = [_number(t) for t in _column(page, "curve-table", 1)]
    assert values == sorted(values) and values[0] == 0 and values[-1] == 500e9
    assert page.locator("#saturated-from").count() == 1  # Rp500 billion enrols every worker
    page.screenshot(path=str(screenshots / f"curve_{lang}.png"), full_page=True)
    with page.expect_download() as download_info:
        page.locator("#download-curve-csv").click()
    import pandas as pd

    points = pd.read_csv(download_info.value.path())
    assert (points["kind"] == "sampled").sum() == 9
    steps = points.sort_values("lever_value")["objective"].diff().dropna()
    assert (steps >= -1e-6 * points["objective"].abs().max()).all()  # more money never buys less


def test_a_multi_year_plan_in_the_browser(
    page: Any, server: str, admin_token: str, screenshots: Path
) -> None:
    """The Bekasi multi-year example typed into the form, solved, and its years read on the plan."""
    import httpx

    _choose_language(page, "id")
    _upload(page, "Bekasi beberapa tahun", "bekasi_villages.csv", BEKASI_VILLAGES.read_bytes())
    assert re.search(r"/ui/datasets/\d+$", page.url), (page.url, page.locator("main").inner_text()[:500])
    page.locator("a.button[href*='/ui/scenarios/new']").click()
    page.wait_for_url(re.compile(r"/ui/scenarios/new"))
    page.locator("input[name=name]").fill("Bekasi 2026-2028")
    page.locator("input[name=fiscal_year]").fill("2026")
    page.locator("select[name=start_month]").select_option(label="April")
    for row in (0, 1):  # both packages priced by the rules at the lowest declared income
        page.locator(f"input[name=package_premium_{row}]").fill("")
        page.locator(f"input[name=package_income_{row}]").fill("1.000.000")
    page.locator("input[name=dana_desa_share]").fill("3%")
    page.locator("input[name=apbd_pool_idr]").fill("1.500.000.000")
    page.locator("input[name=multi_year_years]").fill("3")
    page.locator("input[name=multi_year_dana_desa_growth]").fill("3%")
    page.locator("input[name=multi_year_pool_growth]").fill("5")
    page.locator("input[name=multi_year_min_coverage]").fill("0; 5; 10")
    page.locator("input[name=integer]").check()
    page.locator("#multi-year").screenshot(path=str(screenshots / "scenario_multi_year_id.png"))
    page.locator("form.scenario-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/ui/scenarios/\d+$"))

    page.locator("#solve").click()
    page.wait_for_url(re.compile(r"/ui/plans/\d+"), timeout=240_000)

    plan_id = int(page.url.rsplit("/", 1)[1].split("?")[0])
    with httpx.Client(base_url=server, headers={"Authorization": f"Bearer {admin_token}"}) as api:
        years = api.get(f"/plans/{plan_id}").json()["years"]
    assert [y["fiscal_year"] for y in years] == [2026, 2027, 2028]
    rows = page.locator("#years-table tbody tr")
    assert rows.count() == 3
    for index, year in enumerate(years):
        cells = rows.nth(index).locator("td").all_inner_texts()
        assert cells[0] == str(year["fiscal_year"]) and _number(cells[1]) == year["months"]
        assert _number(cells[2]) == round(year["new_enrollments"]) and _number(cells[3]) == round(
            year["funded"]
        )
        spent = [year["spend_dana_desa_idr"], year["spend_add_idr"], year["spend_apbd_idr"]]
        assert [_number(c) for c in cells[4:7]] == [round(s) for s in spent]
    assert "April 2026 sampai Desember 2028" in page.locator("#plan-months").inner_text()
    assert page.locator("#premiums tbody tr").count() > 0
    page.locator("#years").screenshot(path=str(screenshots / "plan_years_id.png"))
