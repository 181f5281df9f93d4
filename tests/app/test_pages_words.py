"""Every page a planner opens, rendered by the real app, read for words a planner should not meet:
on the Indonesian pages no English, no slugs, no JSON paths and no solver words; on the English
pages (`lang=en`) no slugs, JSON paths or solver words either. Read is what a person sees: the
text, the labels and titles of the markup, and the words the charts draw."""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import Apps
from fastapi.testclient import TestClient

from scenarios.examples import BEKASI_VILLAGES

ACTUALS = BEKASI_VILLAGES.parent / "bekasi_actuals_2026-06.csv"
SHOWN_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}
CHART_WORDS = re.compile(r"^data-(title|xtitle|objective|new|breakpoint|feasible|saturated)$")

# words that are not for a planner, in either language
SOLVER_WORDS = [
    (re.compile(r"\b[a-z]+\d*(?:-[a-z0-9]+){2,}\b"), "a slug (add-pool-floor20)"),
    (re.compile(r"\b[a-z]+\.[a-z]+_[a-z_]+\b"), "a JSON path (budget.dana_desa_share)"),
    (re.compile(r"\b(LP|MIP|HiGHS)\b"), "a solver's name"),
    (re.compile(r"relaxation|relaksasi", re.I), "the LP relaxation"),
    (re.compile(r"\btime_limit\b|\bmax_protection\b|\bmin_cost\b|\bgap_to_lp_bound\b"), "a code"),
    (re.compile(r"\bslack\b|\bdual\b", re.I), "solver words"),
    (re.compile(r"\bNaN\b|\bNone\b"), "a number not shown"),
]
# and on the Indonesian pages, English and jargon
INDONESIAN_ONLY = [
    (re.compile(r"\bplans?\b", re.I), "the English word plan"),
    (re.compile(r"\binfeasible\b"), "the English word infeasible"),
    (re.compile(r"\bpool\b", re.I), "the English word pool"),
    (re.compile(r"rencana kontinu|LP dibulatkan|Nilai tujuan|poin tujuan", re.I), "jargon"),
    (re.compile(r"\bobjective\b|\boptimal (plan|solution)\b|\bis optimal\b", re.I), "English solver words"),
    (re.compile(r"\b(the|and|with|does not|is not|from|between|per village)\b"), "English"),
    (re.compile(r"\(example\)|\bversion\b|\bre-plan\b"), "English"),
]


class _Shown(HTMLParser):
    """The text of a page as it is shown, with the attributes a person reads."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        for name, value in attrs:
            if value is None:
                continue
            if name in SHOWN_ATTRIBUTES or CHART_WORDS.match(name):
                self.parts.append(value)
            elif name == "data-chart":
                self.parts.extend(_strings(json.loads(value)))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _strings(value: Any) -> list[str]:
    """The words of a chart's data: its strings (not its keys, which no one sees)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def shown_text(html: str) -> str:
    parser = _Shown()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def words_out_of_place(html: str, lang: str) -> list[str]:
    text = shown_text(html)
    rules = SOLVER_WORDS + (INDONESIAN_ONLY if lang == "id" else [])
    found = []
    for pattern, what in rules:
        for match in pattern.finditer(text):
            start = max(0, match.start() - 60)
            found.append(f"{what}: '{match.group(0)}' in …{text[start : match.end() + 60]}…")
    return found


def _wait(client: TestClient, job_url: str) -> dict[str, Any]:
    job_id = job_url.rsplit("/", 1)[1]
    for _ in range(600):
        job: dict[str, Any] = client.get(f"/jobs/{job_id}").json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.1)
    raise AssertionError("the job did not finish")


def _scenario_ids(client: TestClient) -> dict[str, int]:
    return {s["slug"].replace("-", "_"): s["id"] for s in client.get("/scenarios").json()["items"]}


FORM = {
    "dataset_id": "1",
    "name": "Dua persen dana desa",
    "horizon_months": "12",
    "package_code_0": "JKK-JKM",
    "package_premium_0": "16.800",
    "package_value_0": "1",
    "dana_desa_share": "2",
    "add_share": "0",
    "apbd_pool_idr": "100.000.000",
    "min_coverage": "0",
    "min_new_enrollments": "0",
    "objective": "max_protection",
    "integer": "1",
}


def every_page(client: TestClient) -> dict[str, str]:
    """The planner's pages, each by a name: the example loaded, scenarios made and refused, solves
    whole and continuous, a plan that cannot be met, a comparison, a curve, actuals and a re-plan."""
    ids = _scenario_ids(client)
    pages = {"home": "/", "new table": "/ui/datasets/new", "table": "/ui/datasets/1"}
    pages["new scenario"] = "/ui/scenarios/new?dataset_id=1"
    for slug, scenario_id in ids.items():
        pages[f"scenario {slug}"] = f"/ui/scenarios/{scenario_id}"

    whole = client.post("/ui/scenarios", data=FORM, follow_redirects=False).headers["location"]
    continuous = client.post(
        "/ui/scenarios",
        data={**FORM, "name": "Tiga persen, pecahan", "dana_desa_share": "3", "integer": ""},
        follow_redirects=False,
    ).headers["location"]
    plans = {}
    for name, url in (("whole", whole), ("continuous", continuous)):
        job = client.post(f"{url}/solve", data={}, follow_redirects=False).headers["location"]
        pages[f"job {name}"] = job
        plans[name] = _wait(client, job)["plan_id"]
        pages[f"plan {name}"] = f"/ui/plans/{plans[name]}"
    short = client.post(f"/ui/scenarios/{ids['contract_example']}/solve", data={}, follow_redirects=False)
    plans["infeasible"] = _wait(client, short.headers["location"])["plan_id"]
    pages["plan infeasible"] = f"/ui/plans/{plans['infeasible']}"
    pages["compare"] = "/ui/compare"
    compared = client.post(
        "/ui/compare",
        data={
            "baseline_plan_id": str(plans["whole"]),
            "plan_ids": [str(plans["continuous"]), str(plans["infeasible"])],
            "rule_no_village_loses": "1",
            "rule_min_village_coverage": "5",
        },
        follow_redirects=False,
    )
    pages["comparison"] = compared.headers["location"]
    officials = ids["dd3_officials"]
    pages["curve form"] = f"/ui/scenarios/{officials}/curve"
    pages["curve whole workers"] = (
        f"/ui/scenarios/{officials}/curve?lever=apbd_pool&start=0&stop=1.000.000.000&points=3&integer=1"
    )
    pages["curve continuous"] = (
        f"/ui/scenarios/{officials}/curve?lever=dana_desa_share&start=0&stop=6&points=4&integer=0"
    )
    example = client.post("/solves", json={"scenario_id": officials}).json()
    uploaded = client.post(
        f"/ui/plans/{example['id']}/actuals",
        files={"file": ("laporan_juni.csv", ACTUALS.read_bytes(), "text/csv")},
        data={"name": "Laporan Juni"},
        follow_redirects=False,
    )
    pages["actuals"] = uploaded.headers["location"]
    pages["re-plan"] = client.post(f"{uploaded.headers['location']}/replan", follow_redirects=False).headers[
        "location"
    ]
    pages["missing"] = "/ui/plans/999999"
    return pages


def refused_pages(client: TestClient) -> dict[str, tuple[str, dict[str, Any]]]:
    """The forms refused: each is a page the planner reads too."""
    return {
        "refused scenario": (
            "/ui/scenarios",
            {**FORM, "dana_desa_share": "150", "package_premium_0": "nol", "weight_farmers": "-1"},
        ),
        "refused comparison": ("/ui/compare", {"baseline_plan_id": "1", "rule_max_spend_idr": "banyak"}),
    }


@pytest.fixture
def pages(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The pages of a service on SQLite: the words do not depend on the database, so they are
    read once."""
    apps = Apps(f"sqlite:///{tmp_path / 'desaplan.sqlite'}")
    client = apps.open()
    yield client, every_page(client)
    apps.close(client)


def test_the_indonesian_pages_have_no_english_slugs_paths_or_solver_words(
    pages: tuple[TestClient, dict[str, str]],
) -> None:
    client, urls = pages
    found = {}
    for lang in ("id", "en"):
        client.cookies.set("desaplan_lang", lang)
        for name, url in urls.items():
            answer = client.get(url)
            assert answer.status_code in (200, 404), (name, answer.status_code)
            if out_of_place := words_out_of_place(answer.text, lang):
                found[f"{lang} {name} {url}"] = out_of_place
        for name, (url, form) in refused_pages(client).items():
            answer = client.post(url, data=form)
            assert answer.status_code == 422, (name, answer.status_code)
            if out_of_place := words_out_of_place(answer.text, lang):
                found[f"{lang} {name}"] = out_of_place
    assert not found, json.dumps(found, indent=1, ensure_ascii=False)

    # the comparison's workbook names its plans as its page does
    comparison_id = urls["comparison"].rsplit("/", 1)[1]
    workbook = client.get(f"/comparisons/{comparison_id}", params={"format": "xlsx", "lang": "id"})
    cells = [
        str(cell)
        for sheet in openpyxl.load_workbook(io.BytesIO(workbook.content), read_only=True).worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if isinstance(cell, str)
    ]
    assert "Dua persen dana desa (versi 1)" in cells
    assert not [c for c in cells if re.search(r"\bplan \d+:|[a-z]+-[a-z]+-[a-z0-9]+", c)]


def test_the_scan_sees_what_it_looks_for() -> None:
    page = (
        '<p title="budget.dana_desa_share">Rencana</p>'
        '<div data-chart=\'{"plans": ["plan 3: add-pool-floor20 v1"]}\'></div>'
        "<script>var plan = 1;</script><td>rencana kontinu</td>"
    )
    found = " ".join(words_out_of_place(page, "id"))
    assert "JSON path" in found and "slug" in found and "plan" in found and "jargon" in found
    assert "var plan" not in shown_text(page)
    assert not words_out_of_place("<p>Rencana 3: Bekasi 2026 (versi 1) mendaftarkan 4.120 pekerja</p>", "id")


def test_a_job_that_ended_without_a_plan_says_why_in_the_pages_language(apps: Any) -> None:
    client: TestClient = apps.open(workers=1)  # one solve at a time: the second waits in the queue
    ids = _scenario_ids(client)
    first = client.post(f"/ui/scenarios/{ids['dd3_officials']}/solve", data={}, follow_redirects=False)
    second = client.post(f"/ui/scenarios/{ids['min_cost_19000']}/solve", data={}, follow_redirects=False)
    job_url = second.headers["location"]
    assert client.post(f"{job_url}/cancel", follow_redirects=False).status_code == 303
    assert _wait(client, job_url)["error"] == "cancelled on request"  # the API's words stay as they are

    page = client.get(job_url).text
    english = client.get(job_url, params={"lang": "en"}).text

    assert '<span id="job-error">dibatalkan atas permintaan</span>' in page
    assert '<span id="job-error">cancelled on request</span>' in english
    assert not words_out_of_place(page, "id")
    _wait(client, first.headers["location"])
