"""Every page of the service in a real browser, at a laptop's 1366x768 and a phone's 390x844:
axe-core finds no critical and no serious violation, and on the phone the page does not scroll
sideways (a wide table scrolls in its own box).

The pages are listed in `pages_of_the_service`: a page added to the service adds one line there
(a path to open, or a function that brings the browser to a page answered to a form)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

import httpx
from axe import assert_accessible, describe, sideways_scroll, violations, widest_elements

from scenarios.examples import BEKASI_MULTIYEAR_2026_2028, BEKASI_VILLAGES, bekasi_scenarios

ACTUALS = BEKASI_VILLAGES.parent / "bekasi_actuals_2026-06.csv"
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
BAD_TABLE = (
    "village_code,village_name,kecamatan,dana_desa_idr,uninsured_farmers\n"
    "32.16.08.2010,Telajung,Cikarang Barat,1866348000,524\n"
    "32.16.08.2009,Kalijaya,Cikarang Barat,banyak,174\n"
)

CURVE = "lever=apbd_pool&start=0&stop=5.000.000.000&points=4"
BAD_ACTUALS = "Kode Desa;Bulan;Terdaftar Petani\n99.99.99.9999;2026-06;-3\n"
Visit = str | Callable[[Any], None]


def _refused_upload(page: Any) -> None:
    page.goto("/ui/datasets/new")
    page.locator("input[name=file]").set_input_files(
        {"name": "bad.csv", "mimeType": "text/csv", "buffer": BAD_TABLE.encode()}
    )
    page.locator("form.card button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#errors").count() == 1


def _refused_form(dataset: int) -> Callable[[Any], None]:
    def visit(page: Any) -> None:
        page.goto(f"/ui/scenarios/new?dataset_id={dataset}")
        page.locator("input[name=name]").fill("refused")
        page.locator("input[name=dana_desa_share]").fill("banyak")
        page.locator("form.scenario-form button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator(".alert").count() >= 1

    return visit


def _refused_actuals(plan: int) -> Callable[[Any], None]:
    def visit(page: Any) -> None:
        page.goto(f"/ui/plans/{plan}/actuals/new")
        page.locator("#actuals-form input[name=file]").set_input_files(
            {"name": "bad.csv", "mimeType": "text/csv", "buffer": BAD_ACTUALS.encode()}
        )
        page.locator("#actuals-form button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator("#errors").count() == 1

    return visit


VILLAGE = "32.16.08.2009"  # Kalijaya, a desa of the Bekasi example


def pages_of_the_service(made: dict[str, int]) -> dict[str, Visit]:
    """Every page of app/pages, by name: what the browser opens to reach it."""
    return {
        "home": "/",
        "dataset": f"/ui/datasets/{made['dataset']}",
        "upload form": "/ui/datasets/new",
        "upload refused": _refused_upload,
        "scenario form": f"/ui/scenarios/new?dataset_id={made['dataset']}",
        "scenario form refused": _refused_form(made["dataset"]),
        "scenario": f"/ui/scenarios/{made['scenario']}",
        "curve form": f"/ui/scenarios/{made['scenario']}/curve",
        "curve": f"/ui/scenarios/{made['scenario']}/curve?{CURVE}",
        "curve refused": f"/ui/scenarios/{made['scenario']}/curve?lever=apbd_pool&start=banyak",
        "job": f"/ui/jobs/{made['job']}",
        "plan": f"/ui/plans/{made['plan']}",
        "plan, infeasible": f"/ui/plans/{made['infeasible']}",
        "plan, several years": f"/ui/plans/{made['multi_year']}",
        "re-plan": f"/ui/plans/{made['replan']}",
        "actuals form": f"/ui/plans/{made['plan']}/actuals/new",
        "actuals refused": _refused_actuals(made["plan"]),
        "actuals": f"/ui/actuals/{made['actuals']}",
        "compare form": f"/ui/compare?baseline={made['plan']}",
        "comparison": f"/ui/comparisons/{made['comparison']}",
        "not found": "/ui/plans/999999",
        # the village office's pages, as the district's roles may open them too
        "village office": f"/ui/village/{VILLAGE}",
        "village office, a plan": f"/ui/village/{VILLAGE}/plans/{made['plan']}",
        "village office, several years": f"/ui/village/{VILLAGE}/plans/{made['multi_year']}",
    }


def _api(server: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=server, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def _start_solve(api: httpx.Client, dataset: int, scenario: dict[str, Any]) -> int:
    created = api.post("/scenarios", json={"dataset_id": dataset, "scenario": scenario})
    assert created.status_code == 201, created.text
    job = api.post("/solves", params={"mode": "async"}, json={"scenario_id": created.json()["id"]})
    assert job.status_code == 202, job.text
    job_id: int = job.json()["id"]
    return job_id


def _plan_of(api: httpx.Client, job_id: int) -> int:
    deadline = time.monotonic() + 300
    while (state := api.get(f"/jobs/{job_id}").json())["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, state
        time.sleep(0.5)
    assert state["status"] == "succeeded", state
    plan_id: int = state["plan_id"]
    return plan_id


def _make_everything(page: Any, api: httpx.Client) -> dict[str, int]:
    """A plan of each kind, its actuals, a re-plan and a comparison: what the pages show."""
    dataset = api.get("/datasets").json()["items"][0]["id"]
    infeasible_job = _start_solve(
        api, dataset, json.loads(bekasi_scenarios()["contract_example"].read_text())
    )
    multi_year_job = _start_solve(api, dataset, json.loads(BEKASI_MULTIYEAR_2026_2028.read_text()))

    # a whole-worker plan from the form's defaults, its actuals and its re-plan, through the pages
    page.goto(f"/ui/scenarios/new?dataset_id={dataset}")
    page.locator("input[name=name]").fill("Bekasi 2%")
    page.locator("input[name=dana_desa_share]").fill("2")
    page.locator("input[name=apbd_pool_idr]").fill("500.000.000")
    page.locator("form.scenario-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/ui/scenarios/\d+$"))
    scenario = int(page.url.rsplit("/", 1)[1])
    page.locator("#solve").click()
    page.wait_for_url(re.compile(r"/ui/plans/\d+"), timeout=240_000)
    plan = int(page.url.rsplit("/", 1)[1].split("?")[0])
    page.locator("#actuals-form input[name=file]").set_input_files(str(ACTUALS))
    page.locator("#actuals-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/ui/actuals/\d+$"))
    actuals = int(page.url.rsplit("/", 1)[1])
    page.locator("#replan-button").click()
    page.wait_for_url(re.compile(r"/ui/plans/\d+$"))
    replan = int(page.url.rsplit("/", 1)[1])

    infeasible, multi_year = _plan_of(api, infeasible_job), _plan_of(api, multi_year_job)
    # a promise most villages break: the page lists their codes in one cell
    promise = {"kind": "min_village_coverage", "value": 0.9}
    compared = api.post(
        "/comparisons", json={"baseline_plan_id": plan, "plan_ids": [replan], "rules": [promise]}
    )
    assert compared.status_code == 201, compared.text
    job = api.get("/jobs", params={"limit": 1}).json()["items"][0]["id"]
    return {
        "dataset": dataset,
        "scenario": scenario,
        "job": job,
        "plan": plan,
        "infeasible": infeasible,
        "multi_year": multi_year,
        "replan": replan,
        "actuals": actuals,
        "comparison": compared.json()["id"],
    }


def _the_marginals_chart_has_its_tables(page: Any, plan: int) -> None:
    """Where one more million does most, charted: one bar a row of each table under the charts,
    the same figures; the charts hidden from screen readers, which read the tables."""
    page.set_viewport_size(LAPTOP)
    page.goto(f"/ui/plans/{plan}")
    for chart, table, column in (
        ("#chart-marginal-villages", "#top-villages", 3),
        ("#chart-marginal-kecamatan", "#top-kecamatan", 3),
    ):
        page.wait_for_selector(f"{chart} .trace.bars .point")
        rows = page.locator(f"{table} tbody tr")
        assert rows.count() > 0
        assert page.locator(f"{chart} .trace.bars .point").count() == rows.count()
        assert page.locator(chart).get_attribute("aria-hidden") == "true"
        assert page.locator(f"{chart} .modebar").count() == 0  # nothing to reach with the keyboard
        bars = page.evaluate(f"() => document.querySelector('{chart}').data[0].x.slice().reverse()")
        shown = page.locator(f"{table} tbody tr td:nth-child({column})").all_inner_texts()
        step = 0.01 if table == "#top-villages" else 0.1  # the table's rounding
        figures = [float(t.replace(".", "").replace(",", ".")) for t in shown]
        assert len(bars) == len(figures)
        assert all(abs(x - f) <= step / 2 + 1e-9 for x, f in zip(bars, figures, strict=True)), (bars, figures)


def _check(page: Any, name: str, visit: Visit, problems: list[str]) -> None:
    for size in (LAPTOP, PHONE):
        page.set_viewport_size(size)
        if isinstance(visit, str):
            answer = page.goto(visit)
            assert answer is not None and answer.status in (200, 404, 422), (name, answer and answer.status)
        else:
            visit(page)
        where = f"{name} ({size['width']} px, {page.url})"
        found = violations(page)
        if found:
            problems.append(f"{where}:\n{describe(found)}")
        overflow = sideways_scroll(page)
        if overflow:
            problems.append(f"{where}: {overflow} px of sideways scroll: {widest_elements(page)}")


def test_every_page_is_accessible_on_a_laptop_and_a_phone(
    page: Any, browser: Any, server: str, admin_token: str
) -> None:
    with _api(server, admin_token) as api:
        made = _make_everything(page, api)
    _the_marginals_chart_has_its_tables(page, made["plan"])
    problems: list[str] = []
    for name, visit in pages_of_the_service(made).items():
        _check(page, name, visit, problems)

    # signed out: the sign-in page, and the same refusing a wrong token
    context = browser.new_context(base_url=server)
    try:
        signed_out = context.new_page()

        def refused_sign_in(opened: Any) -> None:
            opened.goto("/ui/login")
            opened.fill("#token", "not-a-token")
            opened.click("form[action='/ui/login'] button[type=submit]")
            opened.wait_for_load_state()

        _check(signed_out, "sign in", "/ui/login", problems)
        _check(signed_out, "sign in refused", refused_sign_in, problems)
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def test_the_helper_finds_a_missing_label(page: Any) -> None:
    """The check itself: an input without a label is a critical violation it reports."""
    page.set_content('<html lang="id"><title>t</title><main><input type="text" name="x"></main></html>')
    found = violations(page)
    assert [v["id"] for v in found] == ["label"] and found[0]["impact"] == "critical"
    try:
        assert_accessible(page, "a bare input")
    except AssertionError as exc:
        assert "label" in str(exc)
    else:
        raise AssertionError("a missing label went unreported")
