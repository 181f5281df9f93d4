"""/rules read-only, and a Bekasi plan for fiscal year 2026 from April over HTTP."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.services import accounts
from models.tables import Role, UserCreate
from scenarios.examples import BEKASI_RULES_2026


def test_rules_are_served_read_only_with_dates_and_references(client: TestClient) -> None:
    rules = client.get("/rules")

    assert rules.status_code == 200
    body = rules.json()
    assert body["name"] == "bpjs-tk-bpu" and body["version"]
    share = client.get("/rules/jkk_jkm_payable_share").json()
    assert {"effective": "2026-04-01", "value": {"general": 0.5, "transport": 0.5}} in share["values"]
    assert "Nomor 50 Tahun 2025" in share["reference"][0]["title"] and share["unconfirmed"]
    missing = client.get("/rules/jkp_rate")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    assert client.post("/rules", json={}).status_code == 405
    assert "/rules" in client.get("/openapi.json").json()["paths"]


def test_a_viewer_reads_the_rules_and_nobody_unsigned(apps: Any) -> None:
    service: TestClient = apps.open(load_examples=False, auth="on")
    with Session(service.app.state.engine) as session:  # type: ignore[attr-defined]
        viewer = accounts.create_user(session, UserCreate(name="vi", role=Role.viewer))
        token = accounts.create_token(session, viewer, "test").token

    assert service.get("/rules").status_code == 401
    assert service.get("/rules", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_bekasi_2026_from_april_over_http_pays_the_reduced_rates(client: TestClient) -> None:
    bekasi = client.get("/datasets").json()["items"][0]
    body = json.loads(BEKASI_RULES_2026.read_text())
    created = client.post("/scenarios", json={"dataset_id": bekasi["id"], "scenario": body})
    assert created.status_code == 201, created.text
    stored = created.json()["scenario"]
    assert stored["budget"]["dana_desa_share"] == 0.03  # "3%" as the planner typed it
    assert stored["rules"]["name"] == "bpjs-tk-bpu"

    plan = client.post("/solves", json={"scenario_id": created.json()["id"]})

    assert plan.status_code == 200, plan.text
    detail = plan.json()
    assert detail["status"] == "optimal"
    premiums = {
        (p["package"], p["month"], p["sector"], p["source"]): p["premium_idr"] for p in detail["premiums"]
    }
    assert premiums[("JKK-JKM", "2026-04", "general", "dana_desa")] == 8_400
    assert premiums[("JKK-JKM", "2026-04", "general", "apbd_pool")] == 16_800
    assert detail["rules"]["citations"]["jkk_jkm_reduction_sources"].startswith("jkk_jkm_reduction_sources")
    assert detail["totals"]["spend_apbd_idr"] <= 1_500_000_000
    page = client.get(f"/ui/scenarios/{created.json()['id']}", headers={"Accept-Language": "id"})
    assert page.status_code == 200
    assert "iuran menurut aturan iuran, penghasilan yang dilaporkan Rp1.000.000" in page.text


def test_a_bad_tier_is_a_422_naming_the_field(client: TestClient) -> None:
    bekasi = client.get("/datasets").json()["items"][0]
    body = json.loads(BEKASI_RULES_2026.read_text())
    body["packages"][1]["declared_income_idr"] = "Rp1.234.567"
    response = client.post("/scenarios", json={"dataset_id": bekasi["id"], "scenario": body})
    assert response.status_code == 422
    fields = [e.get("field") for e in response.json()["errors"]]
    assert "packages.1.declared_income_idr" in fields
