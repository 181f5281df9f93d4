"""Plan against actual over HTTP, on SQLite and PostgreSQL: a Bekasi planner uploads mid-year
actuals, reads who is behind, and re-plans the rest of the year; refused actuals store nothing."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from test_auth import bearer, make_user

from models.tables import Role
from scenarios.examples import BEKASI_RULES_2026, BEKASI_VILLAGES, bekasi_scenarios

ACTUALS = BEKASI_VILLAGES.parent / "bekasi_actuals_2026-06.csv"
RULES_ACTUALS = BEKASI_VILLAGES.parent / "bekasi_actuals_2026-07_rules.csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _solve(
    client: TestClient, headers: dict[str, str], table: bytes, scenario: dict[str, Any]
) -> dict[str, Any]:
    dataset = client.post("/datasets", files={"file": ("villages.csv", table, "text/csv")}, headers=headers)
    assert dataset.status_code == 201, dataset.text
    created = client.post(
        "/scenarios", json={"dataset_id": dataset.json()["id"], "scenario": scenario}, headers=headers
    )
    assert created.status_code == 201, created.text
    solved = client.post("/solves", json={"scenario_id": created.json()["id"]}, headers=headers)
    assert solved.status_code == 200, solved.text
    plan: dict[str, Any] = solved.json()
    return plan


def _upload(
    client: TestClient,
    plan_id: int,
    headers: dict[str, str],
    content: bytes,
    name: str = "laporan_juni.csv",
    **fields: str,
) -> Any:
    return client.post(
        f"/plans/{plan_id}/actuals", files={"file": (name, content, "text/csv")}, data=fields, headers=headers
    )


def test_a_bekasi_planner_imports_actuals_sees_who_is_behind_and_replans(apps: Any) -> None:
    service: TestClient = apps.open(load_examples=False, auth="on")
    admin = bearer(make_user(service, "ana", Role.admin))
    planner = bearer(make_user(service, "bekasi", Role.planner, kabupaten="Kabupaten Bekasi"))
    other = bearer(make_user(service, "karawang", Role.planner, kabupaten="Kabupaten Karawang"))
    viewer = bearer(make_user(service, "vina", Role.viewer))
    scenario = json.loads(bekasi_scenarios()["dd3_officials"].read_text())
    plan = _solve(service, planner, BEKASI_VILLAGES.read_bytes(), scenario)
    content = ACTUALS.read_bytes()

    assert _upload(service, plan["id"], other, content).status_code == 403
    assert _upload(service, plan["id"], viewer, content).status_code == 403
    uploaded = _upload(service, plan["id"], planner, content)
    assert uploaded.status_code == 201, uploaded.text
    actuals = uploaded.json()
    assert uploaded.headers["Location"] == f"/actuals/{actuals['id']}"
    assert (actuals["through_month"], actuals["start"], actuals["plan_id"]) == (6, "2026-01", plan["id"])
    listed = service.get(f"/plans/{plan['id']}/actuals", headers=viewer).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == actuals["id"]

    comparison = service.get(f"/actuals/{actuals['id']}", headers=viewer).json()
    with ACTUALS.open(encoding="utf-8") as f:
        reported = sum(
            sum(int(v) for k, v in row.items() if k.startswith("Terdaftar"))
            for row in csv.DictReader(f, delimiter=";")
        )
    assert comparison["totals"]["actual"] == actuals["actual_enrollments"] == reported
    villages = service.get(f"/plans/{plan['id']}/villages", params={"limit": 1000}, headers=viewer).json()
    planned = {v["village_code"]: v["new_enrollments"] for v in villages["items"]}
    behind = [v for v in comparison["villages"] if v["behind"]]
    assert behind and len(behind) == comparison["totals"]["villages_behind"]
    for village in comparison["villages"]:
        assert village["behind"] == (village["actual"] < planned[village["village_code"]] * 6 / 12 - 1e-9)
    sources = {s["source"]: s for s in comparison["sources"]}
    dana_desa = sources["dana_desa"]
    assert dana_desa["free_idr"] == pytest.approx(
        dana_desa["budget_idr"] - dana_desa["spent_idr"] - dana_desa["committed_idr"]
    )

    as_csv = service.get(f"/actuals/{actuals['id']}.csv", headers=viewer)
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert len(list(csv.DictReader(io.StringIO(as_csv.text)))) == 187
    kecamatan = service.get(
        f"/actuals/{actuals['id']}", params={"format": "csv", "table": "kecamatan"}, headers=viewer
    )
    assert kecamatan.text.startswith("kecamatan,kabupaten,villages,villages_behind")
    workbook = service.get(f"/actuals/{actuals['id']}.xlsx", params={"lang": "id"}, headers=viewer)
    assert workbook.headers["content-type"] == XLSX
    sheets = openpyxl.load_workbook(io.BytesIO(workbook.content)).sheetnames
    assert sheets == ["Desa", "Kecamatan", "Dana per sumber"]

    assert service.post(f"/actuals/{actuals['id']}/replan", headers=other).status_code == 403
    assert service.post(f"/actuals/{actuals['id']}/replan", headers=viewer).status_code == 403
    replanned = service.post(f"/actuals/{actuals['id']}/replan", headers=planner)
    assert replanned.status_code == 201, replanned.text
    new_plan = replanned.json()
    assert new_plan["status"] == "optimal" and new_plan["has_targets"]
    assert (new_plan["replan_of_plan_id"], new_plan["replan_of_actuals_id"]) == (plan["id"], actuals["id"])
    basis = new_plan["replan"]
    assert basis["check"]["ok"] and basis["months_remaining"] == 6
    assert basis["source_plan"] == f"plan/{plan['id']}" and basis["actuals"] == f"actuals/{actuals['id']}"
    assert new_plan["totals"]["spend_dana_desa_idr"] <= basis["free_dana_desa_idr"] + 1
    assert new_plan["totals"]["spend_apbd_idr"] <= basis["free_apbd_idr"] + 1
    assert service.get(f"/plans/{new_plan['id']}", headers=viewer).json()["replan_of_plan_id"] == plan["id"]
    assert service.get(f"/plans/{new_plan['id']}/targets", headers=viewer).status_code == 200
    # actuals run from the year's first month: they go against the plan a re-plan came from
    assert _upload(service, new_plan["id"], planner, content).status_code == 409

    trail = service.get("/audit", headers=admin).json()["items"]
    actions = [(e["action"], e["user_name"], e["target"]) for e in trail]
    assert ("actuals.upload", "bekasi", f"actuals/{actuals['id']}") in actions
    assert ("actuals.replan", "bekasi", f"plan/{new_plan['id']}") in actions


def test_a_plan_priced_by_the_rules_against_july_actuals_and_its_replan_from_august(
    empty_client: TestClient,
) -> None:
    """Fiscal year 2026 from April at PP 50/2025's reduced JKK and JKM: the actuals of April to
    July are priced month by month (Rp8,400 for the village's own money, Rp16,800 for the APBD
    pool), and the re-plan pays the reduced months August to December."""
    client = empty_client
    plan = _solve(client, {}, BEKASI_VILLAGES.read_bytes(), json.loads(BEKASI_RULES_2026.read_text()))
    assert plan["months"][0] == "2026-04" and plan["rules"]["name"] == "bpjs-tk-bpu"
    content = RULES_ACTUALS.read_bytes()
    # the scenario's months start in April: a report said to start in January is refused
    refused = _upload(client, plan["id"], {}, content, "laporan_juli.csv", start="2026-01")
    assert refused.status_code == 422 and "2026-04" in refused.text and "start" in refused.text
    assert client.get(f"/plans/{plan['id']}/actuals").json()["total"] == 0
    uploaded = _upload(client, plan["id"], {}, content, "laporan_juli.csv")
    assert uploaded.status_code == 201, uploaded.text
    actuals = uploaded.json()
    assert (actuals["through_month"], actuals["start"]) == (4, "2026-04")

    comparison = client.get(f"/actuals/{actuals['id']}").json()
    months: dict[str, int] = {}  # per village: the months of premium its workers have had
    with RULES_ACTUALS.open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter=";"):
            n = sum(int(v) for k, v in row.items() if k.startswith("Terdaftar"))
            month = int(row["Bulan"][5:]) - 3  # April is month 1
            months[row["Kode Desa"]] = months.get(row["Kode Desa"], 0) + n * (4 - month + 1)
    for village in comparison["villages"]:
        own = village["spent_dana_desa_idr"] + village["spent_add_idr"]
        assert own / 8_400 + village["spent_apbd_idr"] / 16_800 == pytest.approx(
            months.get(village["village_code"], 0), abs=2 / 8_400
        )
    assert comparison["totals"]["villages_behind"] > 0
    as_csv = client.get(f"/actuals/{actuals['id']}.csv", params={"table": "sources"})
    sources = {r["source"]: r for r in csv.DictReader(io.StringIO(as_csv.text))}
    spent = sum(v["spent_dana_desa_idr"] for v in comparison["villages"])
    assert float(sources["dana_desa"]["spent_idr"]) == pytest.approx(spent)
    workbook = client.get(f"/actuals/{actuals['id']}.xlsx", params={"lang": "en"})
    money = list(openpyxl.load_workbook(io.BytesIO(workbook.content))["Money by source"].values)
    header = list(money[0])
    spent_at = next(i for i, h in enumerate(header) if str(h).lower().startswith("spent"))
    assert next(r for r in money if r[0] == "dana desa")[spent_at] == pytest.approx(spent)

    replanned = client.post(f"/actuals/{actuals['id']}/replan")
    assert replanned.status_code == 201, replanned.text
    new_plan = replanned.json()
    assert new_plan["status"] == "optimal" and new_plan["replan"]["check"]["ok"]
    assert new_plan["months"] == ["2026-08", "2026-09", "2026-10", "2026-11", "2026-12"]
    village_rate = {
        p["premium_idr"]
        for p in new_plan["premiums"]
        if p["package"] == "JKK-JKM" and p["source"] != "apbd_pool"
    }
    pool_rate = {
        p["premium_idr"]
        for p in new_plan["premiums"]
        if p["package"] == "JKK-JKM" and p["source"] == "apbd_pool"
    }
    assert (village_rate, pool_rate) == ({8_400}, {16_800})
    basis = new_plan["replan"]
    assert new_plan["totals"]["spend_dana_desa_idr"] <= basis["free_dana_desa_idr"] + 1
    assert new_plan["totals"]["spend_apbd_idr"] <= basis["free_apbd_idr"] + 1
    assert client.get(f"/plans/{new_plan['id']}/targets").status_code == 200


SMALL = (
    "village_code,village_name,kecamatan,dana_desa_idr,add_idr,uninsured_farmers,uninsured_fishers\n"
    "32.16.01.2001,Sagara Makmur,Tarumajaya,1500000000,600000000,400,120\n"
    "32.16.02.2001,Sukamekar,Babelan,1600000000,650000000,500,10\n"
)
SCENARIO = {
    "name": "small",
    "packages": [{"code": "JKK-JKM", "monthly_premium_idr": 16800}],
    "budget": {"dana_desa_share": 0.03},
    "integer": True,
}


def test_refused_actuals_are_422_with_row_and_column_and_nothing_is_stored(empty_client: TestClient) -> None:
    plan = _solve(empty_client, {}, SMALL.encode(), SCENARIO)
    bad = (
        "Kode Desa;Bulan;Terdaftar Petani;Terdaftar Nelayan\n"
        "32.16.01.2001;2026-02;10;1\n"
        "32.16.09.2001;2026-02;1;0\n"
        "32.16.02.2001;2026-02;5;11\n"
        "32.16.02.2001;Maret;x;0\n"
    )
    refused = _upload(empty_client, plan["id"], {}, bad.encode("cp1252"))
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    errors = {(e["file"], e["row"], e["column"]) for e in refused.json()["errors"]}
    assert {
        ("laporan_juni.csv", 3, "Kode Desa"),
        ("laporan_juni.csv", 4, "Terdaftar Nelayan"),
        ("laporan_juni.csv", 5, "Terdaftar Petani"),
    } <= errors

    rows = empty_client.post(
        f"/plans/{plan['id']}/actuals",
        json={"rows": [{"village_code": "32.16.01.2001", "month": "2026-13", "petani": 1}]},
    )
    assert rows.status_code == 422 and rows.json()["errors"][0]["row"] == 1
    assert rows.json()["errors"][0]["column"] == "month"
    broken = empty_client.post(
        f"/plans/{plan['id']}/actuals", content=b"PK\x03\x04nope", headers={"content-type": XLSX}
    )
    assert broken.status_code == 422
    beyond = _upload(
        empty_client, plan["id"], {}, b"village_code,enrolled_farmers\n32.16.01.2001,1\n", through_month="13"
    )
    assert beyond.status_code == 422
    assert (
        empty_client.post(
            f"/plans/{plan['id']}/actuals", content=b"x", headers={"content-type": "text/plain"}
        ).status_code
        == 415
    )
    assert empty_client.get(f"/plans/{plan['id']}/actuals").json()["total"] == 0
    assert empty_client.get("/actuals/1").status_code == 404
    assert empty_client.post("/plans/999/actuals", json={"rows": [{"village_code": "x"}]}).status_code == 404


def test_json_rows_and_a_csv_body_with_the_through_month(empty_client: TestClient) -> None:
    plan = _solve(empty_client, {}, SMALL.encode(), SCENARIO)
    rows = [
        {"village_code": "3216012001", "bulan": "2026-03", "terdaftar_petani": 4},
        {"village_code": "32.16.02.2001", "bulan": "2026-01", "new_enrollments": 2},
    ]
    from_rows = empty_client.post(f"/plans/{plan['id']}/actuals", json={"name": "kantor desa", "rows": rows})
    assert from_rows.status_code == 201, from_rows.text
    assert (from_rows.json()["through_month"], from_rows.json()["actual_enrollments"]) == (3, 6)
    body = empty_client.post(
        f"/plans/{plan['id']}/actuals",
        params={"through_month": 4},
        content=b"kode_desa,enrolled_farmers\n32.16.01.2001,3\n",
        headers={"content-type": "text/csv"},
    )
    assert body.status_code == 201, body.text
    comparison = empty_client.get(f"/actuals/{body.json()['id']}").json()
    assert comparison["through_month"] == 4 and comparison["months_remaining"] == 8
    first = comparison["villages"][0]
    # enrolled from the plan's first month: 4 months paid, 8 committed, from dana desa first
    assert first["spent_dana_desa_idr"] == 3 * 16_800 * 4 and first["committed_idr"] == 3 * 16_800 * 8


def test_actuals_of_a_plan_without_targets_are_409(empty_client: TestClient) -> None:
    impossible = {**SCENARIO, "targets": {"min_coverage": 0.9}}
    plan = _solve(empty_client, {}, SMALL.encode(), impossible)
    assert plan["status"] == "infeasible"
    refused = _upload(
        empty_client, plan["id"], {}, b"village_code,month,enrolled_farmers\n32.16.01.2001,1,1\n"
    )
    assert refused.status_code == 409


def test_actuals_beyond_the_money_left_give_an_infeasible_replan(empty_client: TestClient) -> None:
    plan = _solve(empty_client, {}, SMALL.encode(), SCENARIO)
    # 400 farmers enrolled in January: Rp80,640,000 for the year, beyond 3% of Rp1.5 billion and
    # with no APBD pool to carry the rest
    uploaded = _upload(
        empty_client,
        plan["id"],
        {},
        b"village_code,month,enrolled_farmers\n32.16.01.2001,2026-01,400\n",
        through_month="3",
    )
    assert uploaded.status_code == 201, uploaded.text
    replanned = empty_client.post(
        f"/actuals/{uploaded.json()['id']}/replan", json={"options": {"time_limit_s": 5}}
    )
    assert replanned.status_code == 201, replanned.text
    new_plan = replanned.json()
    assert new_plan["status"] == "infeasible" and not new_plan["has_targets"]
    explanation = new_plan["explanations"][0]
    assert explanation["constraint"] == "actuals_committed"
    assert explanation["shortfall_idr"] == pytest.approx(400 * 16_800 * 12 - 0.03 * 1_500_000_000)
    assert empty_client.get(f"/plans/{new_plan['id']}/targets").status_code == 409
