"""Time limits on reading an upload (village tables and actuals), building an export and answering
an insight: past the limit the work is stopped (its process killed) and the client is told so
with 503 and Retry-After, in its language; nothing is stored."""

from __future__ import annotations

import multiprocessing
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.errors import ServiceUnavailable
from app.processes.bounded import READING_TOO_LONG, within
from models import VillageTableError

EN = {"Accept-Language": "en-GB,en;q=0.9"}


def test_work_past_its_limit_is_stopped_and_its_process_killed() -> None:
    with pytest.raises(ServiceUnavailable) as refused:  # not after the sleep's 60 s: at its limit
        within(0.5, READING_TOO_LONG, "DESAPLAN_TEST_LIMIT", time.sleep, 60, name="tidur.csv")

    assert "Reading tidur.csv took longer than 0,5 s (DESAPLAN_TEST_LIMIT)" in refused.value.detail
    said = refused.value.detail_in("id")
    assert "Membaca tidur.csv memakan waktu lebih dari 0,5 detik (DESAPLAN_TEST_LIMIT)" in said
    assert refused.value.retry_after_s > 0
    assert not [p for p in multiprocessing.active_children() if p.is_alive()]


def test_a_refused_table_keeps_its_rows_and_columns_through_the_limit() -> None:
    from app.services.datasets import parse_upload

    text = "village_code,village_name,kecamatan,dana_desa_idr,uninsured_farmers\n1,A,K,satu,4\n"
    with pytest.raises(VillageTableError) as refused:
        parse_upload(text.encode(), "desa.csv", time_limit_s=60)

    located = {(i.file, i.row, i.column) for i in refused.value.issues}
    assert ("desa.csv", 2, "dana_desa_idr") in located


def test_an_upload_past_the_parse_limit_is_503_and_nothing_is_stored(apps: Any, small_csv: str) -> None:
    client: TestClient = apps.open(load_examples=False, parse_time_limit_s=0.001)

    answer = client.post("/datasets", files={"file": ("desa.csv", small_csv.encode(), "text/csv")})
    rows = client.post("/datasets", json={"name": "rows", "rows": [{"village_code": "1"}]}, headers=EN)

    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert int(answer.headers["Retry-After"]) > 0
    said = answer.json()
    assert said["type"] == "/problems/unavailable" and said["title"] == "Coba lagi nanti"
    assert said["detail"].startswith(
        "Membaca desa.csv memakan waktu lebih dari 0,001 detik (DESAPLAN_PARSE_TIME_LIMIT_S)"
    )
    assert rows.status_code == 503
    assert rows.json()["detail"].startswith(
        "Reading the rows took longer than 0,001 s (DESAPLAN_PARSE_TIME_LIMIT_S)"
    )
    page = client.post("/ui/datasets", files={"file": ("desa.csv", small_csv.encode(), "text/csv")})
    assert page.status_code == 503 and "text/html" in page.headers["content-type"]
    assert client.get("/datasets").json()["total"] == 0


def test_an_export_past_its_limit_is_503_and_works_with_room(
    apps: Any, small_csv: str, small_scenario: dict[str, Any]
) -> None:
    roomy = apps.open(load_examples=False)
    dataset = roomy.post("/datasets", files={"file": ("desa.csv", small_csv.encode(), "text/csv")}).json()
    scenario = roomy.post("/scenarios", json={"dataset_id": dataset["id"], "scenario": small_scenario}).json()
    plan = roomy.post("/solves", json={"scenario_id": scenario["id"]}).json()
    other = roomy.post("/solves", json={"scenario_id": scenario["id"]}).json()
    comparison = roomy.post("/comparisons", json={"baseline_plan_id": plan["id"], "plan_ids": [other["id"]]})
    apps.close(roomy)
    tight: TestClient = apps.open(load_examples=False, export_time_limit_s=0.001)
    exports = [
        f"/plans/{plan['id']}/targets?format=xlsx",
        f"/plans/{plan['id']}/targets?format=csv&lang=id",
        f"/plans/{plan['id']}/targets?split=kecamatan",
        f"/datasets/{dataset['id']}/download?format=xlsx",
        f"/comparisons/{comparison.json()['id']}?format=xlsx",
    ]

    answers = {url: tight.get(url) for url in exports}

    assert {url: a.status_code for url, a in answers.items()} == {url: 503 for url in exports}
    first = answers[exports[0]].json()["detail"]
    assert first.startswith("Membuat targets_") and "(DESAPLAN_EXPORT_TIME_LIMIT_S)" in first
    english = tight.get(exports[0], params={"lang": "en"}).json()["detail"]
    assert english.startswith("Building targets_") and "(DESAPLAN_EXPORT_TIME_LIMIT_S)" in english
    assert tight.get(f"/plans/{plan['id']}").status_code == 200  # reading is not an export
    apps.close(tight)
    again = apps.open(load_examples=False)
    assert {url: again.get(url).status_code for url in exports} == {url: 200 for url in exports}


def _plan(client: TestClient, small_csv: str, small_scenario: dict[str, Any]) -> dict[str, Any]:
    dataset = client.post("/datasets", files={"file": ("desa.csv", small_csv.encode(), "text/csv")}).json()
    body = {"dataset_id": dataset["id"], "scenario": small_scenario}
    scenario = client.post("/scenarios", json=body).json()
    plan: dict[str, Any] = client.post("/solves", json={"scenario_id": scenario["id"]}).json()
    assert plan["status"] == "optimal", plan
    return plan


def test_actuals_past_the_parse_limit_are_503_and_nothing_is_stored(
    apps: Any, small_csv: str, small_scenario: dict[str, Any]
) -> None:
    roomy = apps.open(load_examples=False)
    plan = _plan(roomy, small_csv, small_scenario)
    apps.close(roomy)
    report = "village_code,month,new_enrollments\n32.16.01.2001,1,5\n32.16.02.2001,1,3\n"
    rows = {"rows": [{"village_code": "32.16.01.2001", "month": 1, "new_enrollments": 5}], "through_month": 1}
    url = f"/plans/{plan['id']}/actuals"
    tight: TestClient = apps.open(load_examples=False, parse_time_limit_s=0.001)

    as_file = tight.post(
        url, files={"file": ("juni.csv", report.encode(), "text/csv")}, data={"through_month": "1"}
    )
    as_rows = tight.post(url, json=rows, headers=EN)

    assert as_file.status_code == 503, as_file.text
    assert as_file.headers["content-type"] == "application/problem+json"
    assert int(as_file.headers["Retry-After"]) > 0
    assert as_file.json()["detail"].startswith(
        "Membaca juni.csv memakan waktu lebih dari 0,001 detik (DESAPLAN_PARSE_TIME_LIMIT_S)"
    )
    assert as_rows.status_code == 503, as_rows.text
    assert "took longer than 0,001 s (DESAPLAN_PARSE_TIME_LIMIT_S)" in as_rows.json()["detail"]
    assert tight.get(url).json()["total"] == 0
    apps.close(tight)
    again = apps.open(load_examples=False)
    stored = again.post(
        url, files={"file": ("juni.csv", report.encode(), "text/csv")}, data={"through_month": "1"}
    )
    assert stored.status_code == 201, stored.text
    assert again.post(url, json=rows).status_code == 201
    assert again.get(url).json()["total"] == 2


def test_insights_past_their_limit_are_503_and_answer_with_room(
    apps: Any, small_csv: str, small_scenario: dict[str, Any]
) -> None:
    roomy = apps.open(load_examples=False)
    plan = _plan(roomy, small_csv, small_scenario)
    apps.close(roomy)
    scenario_id = plan["scenario_id"]
    sweep = {"scenario_id": scenario_id, "lever": "dana_desa_share", "values": [0.01, 0.03]}
    tight: TestClient = apps.open(load_examples=False, insight_time_limit_s=0.001)

    answers = {
        "fairness": tight.post("/fairness", json={"scenario_id": scenario_id}),
        "marginals": tight.get(f"/plans/{plan['id']}/marginals"),
        "marginals.xlsx": tight.get(f"/plans/{plan['id']}/marginals", params={"format": "xlsx"}),
        "sweep": tight.post("/sweeps", params={"mode": "sync"}, json=sweep),
    }

    assert {k: a.status_code for k, a in answers.items()} == {k: 503 for k in answers}
    assert all(int(a.headers["Retry-After"]) > 0 for a in answers.values())
    details = {k: a.json()["detail"] for k, a in answers.items()}
    assert all("(DESAPLAN_INSIGHT_TIME_LIMIT_S)" in d for d in details.values()), details
    assert details["fairness"].startswith("Biaya keadilan memakan waktu lebih dari 0,001 detik")
    assert details["marginals"].startswith(f"Nilai marjinal rencana {plan['id']} memakan waktu")
    assert details["sweep"].startswith("Kurva memakan waktu lebih dari 0,001 detik")
    english = tight.post("/sweeps", params={"mode": "sync", "lang": "en"}, json=sweep).json()
    assert english["detail"].startswith("The curve took longer than 0,001 s")
    assert "mode=async" in english["detail"]
    page = tight.get(f"/ui/scenarios/{scenario_id}/curve", params={"lever": "dana_desa_share"})
    assert page.status_code == 503 and "text/html" in page.headers["content-type"]
    assert "Kurva memakan waktu lebih dari" in page.text
    apps.close(tight)
    again = apps.open(load_examples=False)
    assert again.post("/fairness", json={"scenario_id": scenario_id}).status_code == 200
    assert again.get(f"/plans/{plan['id']}/marginals").json()["villages"]
    curve = again.post("/sweeps", params={"mode": "sync"}, json=sweep)
    assert curve.status_code == 200 and len(curve.json()["points"]) >= 2
