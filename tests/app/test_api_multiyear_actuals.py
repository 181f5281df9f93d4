"""Plan against actual and re-plan of a two-year plan over HTTP: the actuals of 2026 against the
plan of 2026-2027, and the rest of both years re-planned with every enrolled worker funded."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

TABLE = (
    "village_code,village_name,kecamatan,kabupaten,dana_desa_idr,uninsured_farmers\n"
    "32.16.01.2001,Desa A,Kec A,Kabupaten Bekasi,12000000,200\n"
)
# Rp120,000 a worker a year; Rp12,000,000 a year of dana desa: 100 workers kept both years
SCENARIO: dict[str, Any] = {
    "name": "two years",
    "fiscal_year": 2026,
    "start_month": 1,
    "packages": [{"code": "JKK-JKM", "monthly_premium_idr": 10_000}],
    "budget": {"dana_desa_share": 1.0},
    "integer": True,
    "multi_year": {"years": 2},
}


def test_actuals_and_a_replan_of_a_two_year_plan(empty_client: TestClient) -> None:
    client = empty_client
    dataset = client.post("/datasets", files={"file": ("desa.csv", TABLE.encode(), "text/csv")})
    assert dataset.status_code == 201, dataset.text
    scenario = client.post("/scenarios", json={"dataset_id": dataset.json()["id"], "scenario": SCENARIO})
    assert scenario.status_code == 201, scenario.text
    solved = client.post("/solves", json={"scenario_id": scenario.json()["id"]})
    assert solved.status_code == 200, solved.text
    plan = solved.json()
    assert [y["funded"] for y in plan["years"]] == [100, 100]

    # 30 farmers in March 2026, the report through June: a month of the plan's 24
    uploaded = client.post(
        f"/plans/{plan['id']}/actuals",
        params={"through_month": 6},
        content=b"kode_desa,bulan,terdaftar_petani\n32.16.01.2001,2026-03,30\n",
        headers={"content-type": "text/csv"},
    )
    assert uploaded.status_code == 201, uploaded.text
    comparison = client.get(f"/actuals/{uploaded.json()['id']}").json()
    assert (comparison["horizon_months"], comparison["months_remaining"]) == (24, 18)
    village = comparison["villages"][0]
    assert (village["expected_to_date"], village["actual"], village["behind"]) == (50, 30, True)
    assert village["committed_idr"] == 30 * 10_000 * 18

    replanned = client.post(f"/actuals/{uploaded.json()['id']}/replan")
    assert replanned.status_code == 201, replanned.text
    new_plan = replanned.json()
    assert new_plan["status"] == "optimal" and new_plan["has_targets"]
    assert new_plan["replan"]["check"]["ok"] and new_plan["replan"]["months_remaining"] == 18
    assert [
        (y["fiscal_year"], y["months"], y["new_enrollments"], y["funded"]) for y in new_plan["years"]
    ] == [(2026, 6, 70, 70), (2027, 12, 0, 70)]
    # 2027: the 70 new and the 30 actual spend the year's Rp12,000,000 exactly
    assert new_plan["years"][1]["spend_dana_desa_idr"] == 12_000_000 - 30 * 120_000
    stored = client.get(f"/plans/{new_plan['id']}").json()
    assert stored["replan_of_plan_id"] == plan["id"]
