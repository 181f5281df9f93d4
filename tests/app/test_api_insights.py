"""/sweeps, /plans/{id}/marginals and acceptance checks on /comparisons, through the ASGI app."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

Upload = Callable[..., dict[str, Any]]


def _scenario(client: TestClient, dataset_id: int, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/scenarios", json={"dataset_id": dataset_id, "scenario": body})
    assert response.status_code == 201, response.text
    return response.json()


def _plan(client: TestClient, dataset_id: int, body: dict[str, Any]) -> dict[str, Any]:
    scenario = _scenario(client, dataset_id, body)
    response = client.post("/solves", json={"scenario_id": scenario["id"]})
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_sweep_points_equal_separate_solves(
    empty_client: TestClient, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    dataset = upload_small(empty_client)
    scenario = _scenario(empty_client, dataset["id"], small_scenario)
    response = empty_client.post(
        "/sweeps",
        json={"scenario_id": scenario["id"], "lever": "dana_desa_share", "values": [0.01, 0.02, 0.05]},
    )
    assert response.status_code == 200, response.text
    curve = response.json()
    assert curve["exact"] is True
    asked = {p["lever_value"]: p for p in curve["points"] if p["kind"] == "sampled"}
    assert sorted(asked) == [0.01, 0.02, 0.05]
    for share in (0.02, 0.05):
        body = {**small_scenario, "budget": {**small_scenario["budget"], "dana_desa_share": share}}
        plan = _plan(empty_client, dataset["id"], body)
        assert asked[share]["objective"] == pytest.approx(plan["objective"], rel=1e-6)
        assert asked[share]["check_ok"] is True


def test_sweep_as_csv_xlsx_and_png(
    empty_client: TestClient, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    dataset = upload_small(empty_client)
    scenario = _scenario(empty_client, dataset["id"], small_scenario)
    body = {"scenario_id": scenario["id"], "lever": "apbd_pool", "start": 0, "stop": 5e8, "points": 5}
    as_csv = empty_client.post("/sweeps", params={"format": "csv"}, json=body)
    assert as_csv.status_code == 200, as_csv.text
    frame = pd.read_csv(io.BytesIO(as_csv.content))
    assert (frame["kind"] == "sampled").sum() == 5
    sheets = pd.read_excel(
        io.BytesIO(empty_client.post("/sweeps", params={"format": "xlsx", "lang": "en"}, json=body).content),
        sheet_name=None,
    )
    assert list(sheets) == ["Curve", "Breakpoints", "Summary"]
    png = empty_client.post("/sweeps", params={"format": "png"}, json=body)
    assert png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"


def _finished_sweep(client: TestClient, location: str) -> Any:
    deadline = time.monotonic() + 60
    while (answer := client.get(location)).status_code == 202:
        assert answer.json()["kind"] == "sweep" and answer.json()["status"] in ("queued", "running")
        assert time.monotonic() < deadline, answer.text
        time.sleep(0.05)
    return answer


def test_a_sweep_of_a_large_table_is_a_job_whose_curve_reads_as_json_csv_and_xlsx(
    apps: Any, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    client = apps.open(load_examples=False, sync_max_villages=3)  # the 4-village table is large
    dataset = upload_small(client)
    scenario = _scenario(client, dataset["id"], small_scenario)
    body = {"scenario_id": scenario["id"], "lever": "apbd_pool", "start": 0, "stop": 5e8, "points": 5}

    queued = client.post("/sweeps", json=body)

    assert queued.status_code == 202, queued.text
    assert queued.json()["kind"] == "sweep" and queued.headers["location"] == f"/sweeps/{queued.json()['id']}"
    curve = _finished_sweep(client, queued.headers["location"])
    assert curve.status_code == 200, curve.text
    job = client.get(f"/jobs/{queued.json()['id']}").json()
    assert job["status"] == "succeeded" and job["progress"] == 1.0 and job["plan_id"] is None
    # the job's curve is the one the request gives on a table under the limit
    at_once = apps.open(load_examples=False).post("/sweeps", params={"mode": "sync"}, json=body)
    assert at_once.status_code == 200, at_once.text
    assert [(p["lever_value"], p["kind"], p["objective"]) for p in curve.json()["points"]] == [
        (p["lever_value"], p["kind"], p["objective"]) for p in at_once.json()["points"]
    ]
    assert curve.json()["breakpoints"] == at_once.json()["breakpoints"]
    frame = pd.read_csv(io.BytesIO(client.get(queued.headers["location"], params={"format": "csv"}).content))
    assert (frame["kind"] == "sampled").sum() == 5
    sheets = pd.read_excel(
        io.BytesIO(client.get(queued.headers["location"], params={"format": "xlsx", "lang": "en"}).content),
        sheet_name=None,
    )
    assert list(sheets) == ["Curve", "Breakpoints", "Summary"]
    # a solve's job is not a sweep; over the limit, mode=sync is refused with the way out
    solve = client.post("/solves", params={"mode": "async"}, json={"scenario_id": scenario["id"]})
    assert client.get(f"/sweeps/{solve.json()['id']}").status_code == 404
    refused = client.post("/sweeps", params={"mode": "sync"}, json=body)
    assert refused.status_code == 422 and "as a job" in refused.text


def test_a_cancelled_sweep_job_has_no_curve(
    empty_client: TestClient, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    dataset = upload_small(empty_client)
    scenario = _scenario(empty_client, dataset["id"], small_scenario)
    body = {"scenario_id": scenario["id"], "lever": "premium", "start": 10_000, "stop": 40_000, "points": 200}
    queued = empty_client.post("/sweeps", params={"mode": "async"}, json=body)
    assert queued.status_code == 202, queued.text

    cancelled = empty_client.post(f"/jobs/{queued.json()['id']}/cancel")

    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    answer = empty_client.get(queued.headers["location"])
    assert answer.status_code == 409 and "dibatalkan" in answer.json()["detail"]
    english = empty_client.get(queued.headers["location"], params={"lang": "en"})
    assert "ended without a curve (cancelled)" in english.json()["detail"]


def test_sweep_refuses_an_unknown_lever(
    empty_client: TestClient, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    dataset = upload_small(empty_client)
    scenario = _scenario(empty_client, dataset["id"], small_scenario)
    response = empty_client.post(
        "/sweeps", json={"scenario_id": scenario["id"], "lever": "luck", "values": [1]}
    )
    assert response.status_code == 422
    assert "unknown lever" in response.text


def test_marginals_of_a_plan(
    empty_client: TestClient, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    dataset = upload_small(empty_client)
    plan = _plan(empty_client, dataset["id"], small_scenario)
    body = empty_client.get(f"/plans/{plan['id']}/marginals").json()
    assert len(body["villages"]) == 4 and len(body["kecamatan"]) == 2
    assert body["pools"][0]["source"] == "APBD pool"
    # the +Rp1 billion re-solve: its objective and its gain, the gain also under its earlier name
    [pool] = body["pools"]
    [stored] = empty_client.get(f"/plans/{plan['id']}").json()["pools"]
    for row in (pool, stored):
        assert row["plus_billion_value"] == row["plus_billion_gain"]
        assert row["plus_billion_objective"] == pytest.approx(
            plan["objective"] + row["plus_billion_gain"], rel=1e-9
        )
    rates = [v["marginal_value_per_million"] for v in body["top"]]
    assert rates == sorted(rates, reverse=True)
    as_csv = empty_client.get(
        f"/plans/{plan['id']}/marginals", params={"format": "csv", "table": "kecamatan"}
    )
    assert sorted(pd.read_csv(io.BytesIO(as_csv.content))["kecamatan"]) == ["Babelan", "Tarumajaya"]


def test_comparison_answers_its_rules(
    empty_client: TestClient, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    dataset = upload_small(empty_client)
    plans = []
    for share in (0.02, 0.05):
        body = {
            **small_scenario,
            "name": f"{share:.0%}",
            "budget": {"dana_desa_share": share, "apbd_pool_idr": 50_000_000},
        }
        plans.append(_plan(empty_client, dataset["id"], body))
    poorer, richer = plans
    rules = [
        {"kind": "no_village_loses_enrollments"},
        {"kind": "objective_not_lower"},
        {"kind": "max_spend_idr", "value": poorer["totals"]["spend_total_idr"]},
    ]
    # the richer plan against the poorer: no village loses, the objective is higher, but it spends more
    response = empty_client.post(
        "/comparisons", json={"baseline_plan_id": poorer["id"], "plan_ids": [richer["id"]], "rules": rules}
    )
    assert response.status_code == 201, response.text
    checks = {c["rule"]["kind"]: c for c in response.json()["checks"]}
    assert checks["no_village_loses_enrollments"]["passed"]
    assert checks["objective_not_lower"]["passed"]
    assert not checks["max_spend_idr"]["passed"]
    assert response.json()["warnings"] == []
    # the comparison keeps its rules: read again, they are answered again
    stored = response.json()["id"]
    again = empty_client.get(f"/comparisons/{stored}").json()
    assert [r["kind"] for r in again["rules"]] == [r["kind"] for r in rules]
    assert {c["rule"]["kind"]: c["passed"] for c in again["checks"]} == {
        "no_village_loses_enrollments": True,
        "objective_not_lower": True,
        "max_spend_idr": False,
    }
    listed = empty_client.get("/comparisons").json()["items"]
    assert next(c for c in listed if c["id"] == stored)["rules"][2]["value"] == rules[2]["value"]
    # and the other way round, asked again on the stored comparison
    back = empty_client.post(
        "/comparisons", json={"baseline_plan_id": richer["id"], "plan_ids": [poorer["id"]]}
    ).json()
    answered = empty_client.post(f"/comparisons/{back['id']}/checks", json={"rules": rules}).json()
    assert answered["passed"] is False
    by_kind = {c["rule"]["kind"]: c for c in answered["checks"]}
    assert not by_kind["no_village_loses_enrollments"]["passed"]
    assert by_kind["no_village_loses_enrollments"]["villages"]
    assert not by_kind["objective_not_lower"]["passed"]
    assert by_kind["max_spend_idr"]["passed"]


def test_comparison_warns_about_another_dataset_and_objective(
    empty_client: TestClient, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    first = upload_small(empty_client, name="one")
    second = upload_small(empty_client, name="two")
    a = _plan(empty_client, first["id"], small_scenario)
    b = _plan(empty_client, second["id"], {**small_scenario, "objective": "min_cost"})
    body = empty_client.post("/comparisons", json={"baseline_plan_id": a["id"], "plan_ids": [b["id"]]}).json()
    assert any("another village table" in w for w in body["warnings"])
    assert any("not comparable" in w for w in body["warnings"])


def test_cost_of_fairness_of_a_scenario(
    empty_client: TestClient, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    dataset = upload_small(empty_client)
    body = {**small_scenario, "targets": {"min_coverage": 0.3}}
    scenario = _scenario(empty_client, dataset["id"], body)
    answer = empty_client.post("/fairness", json={"scenario_id": scenario["id"]})
    assert answer.status_code == 200, answer.text
    [row] = answer.json()["floors"]
    assert row["floor"] == "coverage floor"
    without = _plan(empty_client, dataset["id"], {**small_scenario, "targets": {}})
    with_all = _plan(empty_client, dataset["id"], body)
    assert row["objective_given_up"] == pytest.approx(
        without["objective"] - with_all["objective"], rel=1e-9, abs=1e-9
    )
    sheets = pd.read_excel(
        io.BytesIO(
            empty_client.post(
                "/fairness", params={"format": "xlsx", "lang": "en"}, json={"scenario_id": scenario["id"]}
            ).content
        ),
        sheet_name=None,
    )
    assert list(sheets) == ["Cost of each floor", "coverage floor"]


def test_an_infeasible_plan_lists_every_short_village_and_remedies_that_hold(
    empty_client: TestClient, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    dataset = upload_small(empty_client)
    short = {
        **small_scenario,
        "budget": {"dana_desa_share": 0.0001, "apbd_pool_idr": 0},
        "targets": {"min_coverage": 0.9},
    }
    plan = _plan(empty_client, dataset["id"], short)
    assert plan["status"] == "infeasible"
    assert plan["short_village_count"] == 4

    answer = empty_client.get(f"/plans/{plan['id']}/shortfalls")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert len(body["short_villages"]) == 4
    falls = [s["shortfall_idr"] for s in body["short_villages"]]
    assert falls == sorted(falls, reverse=True)
    pool = next(r for r in body["remedies"] if r["lever"] == "apbd_pool")
    assert pool == next(r for r in plan["remedies"] if r["lever"] == "apbd_pool")

    # the remedy holds: with that pool a plan exists, one rupiah short of it none does
    enough = _plan(
        empty_client,
        dataset["id"],
        {**short, "budget": {"dana_desa_share": 0.0001, "apbd_pool_idr": pool["needed"]}},
    )
    assert enough["status"] == "optimal"
    less = _plan(
        empty_client,
        dataset["id"],
        {**short, "budget": {"dana_desa_share": 0.0001, "apbd_pool_idr": pool["needed"] - 1}},
    )
    assert less["status"] == "infeasible"

    csv = empty_client.get(f"/plans/{plan['id']}/shortfalls", params={"format": "csv"})
    frame = pd.read_csv(io.BytesIO(csv.content))
    assert sorted(frame["village_code"]) == [
        "32.16.01.2001",
        "32.16.01.2002",
        "32.16.02.2001",
        "32.16.02.2002",
    ]
    sheets = pd.read_excel(
        io.BytesIO(
            empty_client.get(
                f"/plans/{plan['id']}/shortfalls", params={"format": "xlsx", "lang": "en"}
            ).content
        ),
        sheet_name=None,
    )
    assert list(sheets) == ["Short villages", "Remedies"]
    assert len(sheets["Short villages"]) == 4 + 1  # and the totals row
    assert set(sheets["Remedies"]["What to change"]) >= {
        "APBD pool",
        "Share of dana desa",
        "Coverage floor per village",
    }


def test_a_plan_and_a_comparison_in_a_planners_words(
    empty_client: TestClient, upload_small: Upload, small_scenario: dict[str, Any]
) -> None:
    dataset = upload_small(empty_client)
    whole = {**small_scenario, "integer": True}
    base = _plan(empty_client, dataset["id"], whole)
    richer = _plan(
        empty_client,
        dataset["id"],
        {**whole, "budget": {"dana_desa_share": 0.05, "apbd_pool_idr": 1_500_000_000}},
    )

    text = empty_client.get(f"/plans/{base['id']}/summary").json()["text"]
    new = base["totals"]["new_enrollments"]
    assert text.startswith("3% dana desa dan Rp100 juta dari APBD mendaftarkan")
    assert f"{round(new):,}".replace(",", ".") in text
    assert "Menaikkan dana APBD menjadi Rp1,1 miliar menambah sekitar" in text
    english = empty_client.get(f"/plans/{richer['id']}/summary", params={"lang": "en"}).json()
    assert english["lang"] == "en"
    assert english["text"].startswith("5% of dana desa and Rp1,5 billion from the APBD enrol")
    assert "raising coverage from 7,2% to 100,0%" in english["text"]  # every worker: more buys nothing
    assert english["text"].endswith(
        "One more Rp1 billion in the APBD buys nothing more: the "
        "villages' caps or their uninsured workers are the limit."
    )

    comparison = empty_client.post(
        "/comparisons", json={"baseline_plan_id": base["id"], "plan_ids": [richer["id"]]}
    ).json()
    said = empty_client.get(f"/comparisons/{comparison['id']}/summary", params={"lang": "en"})
    assert said.status_code == 200, said.text
    more = round(richer["totals"]["new_enrollments"] - new)
    assert more > 0
    # the plans named by their scenario and version, and (the same version twice) by their number
    label = f"{small_scenario['name']} (version 1), plan {base['id']}"
    assert f"enrols {more:,} more workers than ".replace(",", ".") + label in said.json()["text"]
    assert "villages gain enrolments and 0 lose" in said.json()["text"]
    assert empty_client.get("/plans/999999/summary").status_code == 404
