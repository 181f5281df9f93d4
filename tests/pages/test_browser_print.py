"""The plan page printed from the browser: every village of the plan is on paper (the screen shows
25 a page), with the header on each printed page; the screen's table, its pager and its filter are
not printed. And where the page cannot carry every village, the print says what it leaves out."""

from __future__ import annotations

import io
import json
import re
import time
from typing import Any

import httpx
import pypdf
import pytest
from fastapi.testclient import TestClient

from scenarios.examples import BEKASI_VILLAGES, bekasi_scenarios

CODE = re.compile(r"32\.16\.\d\d\.\d{4}")


def _solved(api: Any, scenario: dict[str, Any]) -> int:
    dataset = api.get("/datasets").json()["items"][0]["id"]
    created = api.post("/scenarios", json={"dataset_id": dataset, "scenario": scenario})
    assert created.status_code == 201, created.text
    job = api.post("/solves", params={"mode": "async"}, json={"scenario_id": created.json()["id"]})
    assert job.status_code == 202, job.text
    deadline = time.monotonic() + 240
    while (state := api.get(f"/jobs/{job.json()['id']}").json())["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, state
        time.sleep(0.3)
    assert state["status"] == "succeeded", state
    plan_id: int = state["plan_id"]
    return plan_id


def _example() -> dict[str, Any]:
    scenario: dict[str, Any] = json.loads(bekasi_scenarios()["dd3_officials"].read_text())
    return scenario


def test_the_plan_page_prints_every_village(page: Any, server: str, admin_token: str) -> None:
    villages = {line.split(",")[0] for line in BEKASI_VILLAGES.read_text().splitlines()[1:] if line}
    assert len(villages) == 187
    with httpx.Client(base_url=server, headers={"Authorization": f"Bearer {admin_token}"}, timeout=60) as api:
        plan = _solved(api, _example())
    page.goto(f"/ui/plans/{plan}")
    assert page.locator("#villages tbody tr").count() == 25  # the screen: one page of villages
    assert not page.locator("#villages-print").is_visible()

    page.emulate_media(media="print")
    assert not page.locator("#villages").is_visible()
    assert not page.locator("nav.pager").is_visible() and not page.locator("form.filter").is_visible()
    printed = page.locator("#villages-print")
    assert printed.is_visible()
    assert "187" in printed.locator("caption").inner_text()
    codes = printed.locator("tbody tr td:first-child").all_inner_texts()
    assert set(codes) == villages

    # the PDF the browser prints: every village code on its pages, the header on each page
    document = pypdf.PdfReader(io.BytesIO(page.pdf(format="A4")))
    text = "\n".join(p.extract_text() for p in document.pages)
    assert set(CODE.findall(text)) >= villages
    assert len(document.pages) > 2
    pages = [p.extract_text().lower() for p in document.pages]
    first = next(i for i, t in enumerate(pages) if "semua 187 desa" in t)  # the table's caption
    last = max(i for i, t in enumerate(pages) if CODE.search(t))
    assert last > first and all("kode desa" in t for t in pages[first : last + 1])  # header on each


@pytest.fixture(scope="module")
def plan_id(client: TestClient) -> int:
    return _solved(client, _example())


def test_a_page_too_large_to_print_whole_says_what_it_leaves_out(
    client: TestClient, plan_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.pages import routes

    whole = client.get(f"/ui/plans/{plan_id}").text
    assert whole.count('id="villages-print"') == 1 and 'id="print-note"' not in whole
    monkeypatch.setattr(routes, "PRINT_ALL", 100)
    page = client.get(f"/ui/plans/{plan_id}").text
    assert 'id="villages-print"' not in page
    note = re.search(r'<p class="print-only" id="print-note">([^<]*)</p>', page)
    assert note is not None
    assert "desa 1–25 dari 187" in note.group(1) and "Excel" in note.group(1)
    # a kecamatan of fewer than 25 villages is printed whole from the screen's table
    small = client.get(f"/ui/plans/{plan_id}", params={"kecamatan": "Muaragembong"}).text
    assert 'id="villages-print"' not in small and 'id="print-note"' not in small
