"""A village office in a real browser: the planner uploads the Bekasi table and solves it, the
admin makes an account for one desa by its Kemendagri code, and the village office signs in with
its token, lands on its own page, sees only its village (at 1366 px and on a 390 px phone without
sideways scroll), is refused another desa's page, downloads its targets and uploads its actuals."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any

import httpx
import openpyxl

from scenarios.examples import BEKASI_VILLAGES

EXAMPLES = BEKASI_VILLAGES.parent
ACTUALS = EXAMPLES / "bekasi_actuals_2026-06.csv"
OWN, OWN_NAME = "32.16.08.2009", "Kalijaya"
OTHER, OTHER_NAME = "32.16.08.2010", "Telajung"


def _api(server: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=server, headers={"Authorization": f"Bearer {token}"}, timeout=300)


def _planner_solves_bekasi(server: str, admin: httpx.Client) -> int:
    """A Bekasi planner uploads the shipped table and solves the example scenario; the plan's id."""
    user = admin.post("/users", json={"name": "siti", "role": "planner", "kabupaten": "Bekasi"}).json()
    token = admin.post(f"/users/{user['id']}/tokens", json={"label": "browser"}).json()["token"]
    with _api(server, token) as planner:
        dataset = planner.post(
            "/datasets",
            files={"file": ("bekasi_villages.csv", BEKASI_VILLAGES.read_bytes(), "text/csv")},
            data={"name": "Bekasi (village office)"},
        )
        assert dataset.status_code == 201, dataset.text
        body = json.loads((EXAMPLES / "dd3_officials.json").read_text())
        scenario = planner.post("/scenarios", json={"dataset_id": dataset.json()["id"], "scenario": body})
        assert scenario.status_code == 201, scenario.text
        solved = planner.post("/solves", json={"scenario_id": scenario.json()["id"]})
        assert solved.status_code in (200, 202), solved.text
        if solved.status_code == 200:
            return int(solved.json()["id"])
        job = solved.json()
        deadline = time.monotonic() + 300
        while job["status"] not in ("succeeded", "failed", "cancelled"):
            assert time.monotonic() < deadline, job
            time.sleep(0.5)
            job = planner.get(f"/jobs/{job['id']}").json()
        assert job["status"] == "succeeded", job
        return int(job["plan_id"])


def _actuals(*codes: str) -> bytes:
    lines = ACTUALS.read_text(encoding="utf-8").splitlines()
    return (
        "\n".join([lines[0], *(line for line in lines[1:] if line.split(";")[0] in codes)]) + "\n"
    ).encode()


def _no_sideways_scroll(page: Any) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= page.viewport_size["width"], wide


def test_a_village_office_sees_only_its_village(
    browser: Any, server: str, admin_token: str, screenshots: Path
) -> None:
    with _api(server, admin_token) as admin:
        plan_id = _planner_solves_bekasi(server, admin)
        office = admin.post(
            "/users", json={"name": "kantor.kalijaya", "role": "operator", "village_codes": ["3216082009"]}
        )
        assert office.status_code == 201 and office.json()["village_codes"] == [OWN]
        token = admin.post(f"/users/{office.json()['id']}/tokens", json={"label": "desa"}).json()["token"]

    context = browser.new_context(
        base_url=server, viewport={"width": 1366, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(60_000)
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto("/")
        assert "/ui/login" in page.url
        page.fill("#token", token)
        page.click("form[action='/ui/login'] button[type=submit]")
        page.wait_for_url(f"{server}/ui/village/{OWN}")  # its own page, not the planner's home
        assert page.locator("html").get_attribute("lang") == "id"
        assert page.locator("#village-name").inner_text() == OWN_NAME
        assert OTHER_NAME not in page.content()

        page.click(f"a.village-plan-link[href='/ui/village/{OWN}/plans/{plan_id}']")
        page.wait_for_url(f"{server}/ui/village/{OWN}/plans/{plan_id}")
        text = page.inner_text("main")
        assert OWN_NAME in text and OTHER_NAME not in page.content()
        assert page.locator("#target-table tbody tr").count() >= 1
        assert "perangkat desa" in page.inner_text("#target-table")  # the scenario's one group
        assert page.locator(".money-table [data-source=dana_desa]").count() >= 1
        page.screenshot(path=str(screenshots / "village_office_plan_id.png"), full_page=True)
        assert page.locator("#letter-not-built").count() == 1  # no letters built yet: said in words
        for field in page.locator("#village-actuals-form input:not([type=hidden])").all():
            assert (
                field.get_attribute("id") and page.locator(f"label[for={field.get_attribute('id')}]").count()
            )

        # its targets, its row only
        with page.expect_download() as download:
            page.click("#download-targets-xlsx")
        book = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()), read_only=True)
        cells = [str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c]
        assert OWN_NAME in cells and OTHER_NAME not in cells

        # another village's rows are refused, naming the row; its own are taken
        page.locator("#actuals-file").set_input_files(
            {"name": "laporan.csv", "mimeType": "text/csv", "buffer": _actuals(OWN, OTHER)}
        )
        page.click("#village-actuals-form button[type=submit]")
        page.wait_for_selector("#actuals-refused")
        refused = page.inner_text("#errors")
        assert f"desa {OTHER} bukan desa akun ini" in refused
        page.locator("#actuals-file").set_input_files(
            {"name": "laporan.csv", "mimeType": "text/csv", "buffer": _actuals(OWN)}
        )
        page.locator("#actuals-name").fill("Laporan Juni Kalijaya")
        page.click("#village-actuals-form button[type=submit]")
        page.wait_for_url(f"{server}/ui/village/{OWN}/actuals/*")
        assert page.locator("#achievement-sentence").count() == 1
        assert OWN_NAME in page.inner_text("main") and OTHER_NAME not in page.content()
        page.screenshot(path=str(screenshots / "village_office_achievement_id.png"), full_page=True)

        # another desa's page, and the planner's pages, are refused
        other = page.goto(f"/ui/village/{OTHER}/plans/{plan_id}")
        assert other is not None and other.status == 403
        planner_page = page.goto(f"/ui/plans/{plan_id}")
        assert planner_page is not None and planner_page.status == 403

        # on a phone: no sideways scroll of the page
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"/ui/village/{OWN}/plans/{plan_id}")
        _no_sideways_scroll(page)
        page.screenshot(path=str(screenshots / "village_office_plan_phone.png"), full_page=True)
        page.goto(f"/ui/village/{OWN}")
        _no_sideways_scroll(page)
    finally:
        context.close()
    assert not errors, errors
