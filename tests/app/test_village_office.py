"""A village office's own page: an account for one desa by its Kemendagri code sees its targets,
months, money, letter and achievement, uploads its own actuals, and is refused every other
village's targets, letters and actuals (on SQLite and PostgreSQL)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.cli import main
from app.services import accounts
from models.tables import Role, UserCreate

TABLE = (
    "village_code,village_name,kecamatan,dana_desa_idr,uninsured_farmers,uninsured_fishers\n"
    "32.16.01.2001,Sagara Makmur,Tarumajaya,1500000000,400,120\n"
    "32.16.01.2002,Segarajaya,Tarumajaya,1400000000,350,200\n"
    "32.16.02.2001,Sukamekar,Babelan,1600000000,500,0\n"
)
OTHER_TABLE = (
    "village_code,village_name,kecamatan,dana_desa_idr,uninsured_farmers\n"
    "32.16.02.2001,Sukamekar,Babelan,1600000000,500\n"
)
SCENARIO = {
    "name": "3% of dana desa",
    "packages": [{"code": "JKK-JKM", "monthly_premium_idr": 16800}],
    "budget": {"dana_desa_share": 0.03},
    "integer": True,
}
OWN, OTHER = "32.16.01.2002", "32.16.01.2001"
SAME_SITE = {"origin": "http://testserver"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_user(client: TestClient, name: str, role: Role, **extra: Any) -> str:
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        user = accounts.create_user(session, UserCreate(name=name, role=role, **extra))
        return accounts.create_token(session, user, "test").token


@pytest.fixture
def service(apps: Any) -> TestClient:
    client: TestClient = apps.open(load_examples=False, auth="on")
    return client


@pytest.fixture
def admin(service: TestClient) -> dict[str, str]:
    return bearer(make_user(service, "ana", Role.admin))


def solve(client: TestClient, headers: dict[str, str], table: str = TABLE) -> int:
    dataset = client.post(
        "/datasets", files={"file": ("t.csv", table.encode(), "text/csv")}, headers=headers
    ).json()
    scenario = client.post(
        "/scenarios", json={"dataset_id": dataset["id"], "scenario": SCENARIO}, headers=headers
    ).json()
    plan = client.post("/solves", json={"scenario_id": scenario["id"]}, headers=headers).json()
    assert plan["status"] == "optimal", plan
    return int(plan["id"])


def signed_in(apps: Any, token: str) -> TestClient:
    """A browser of its own: the sign-in form, then its session cookies."""
    browser: TestClient = apps.open(load_examples=False, auth="on")
    answer = browser.post("/ui/login", data={"token": token, "next": "/"}, follow_redirects=False)
    assert answer.status_code == 303
    return browser


def actuals_csv(*codes: str) -> bytes:
    lines = ["Kode Desa;Bulan;Terdaftar Petani;Terdaftar Nelayan"]
    lines += [f"{code};2026-0{month};3;1" for code in codes for month in (1, 2, 3)]
    return ("\n".join(lines) + "\n").encode()


def test_a_village_office_account_is_made_for_one_desa_by_its_kemendagri_code(
    service: TestClient, admin: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    made = service.post(
        "/users", json={"name": "kades", "role": "operator", "village_codes": ["3216012002"]}, headers=admin
    )
    bad = service.post(
        "/users", json={"name": "kades2", "role": "operator", "village_codes": ["32.16.1"]}, headers=admin
    )
    none = service.post("/users", json={"name": "kades3", "role": "operator"}, headers=admin)
    monkeypatch.setenv("DATABASE_URL", service.app.state.settings.database_url)  # type: ignore[attr-defined]

    assert made.status_code == 201 and made.json()["village_codes"] == [OWN]
    assert bad.status_code == 422 and "village_codes[0]" in bad.text and "Kemendagri" in bad.text
    assert none.status_code == 422 and "village_codes" in none.text
    assert main(["user", "create", "kades4", "--role", "operator", "--desa", "3216012001"]) == 0
    assert main(["user", "create", "kades5", "--role", "operator", "--desa", "321601"]) == 2
    listed = service.get("/users", headers=admin).json()["items"]
    assert {u["name"]: u["village_codes"] for u in listed}["kades4"] == [OTHER]


def test_the_village_office_sees_only_its_own_village(
    apps: Any, service: TestClient, admin: dict[str, str]
) -> None:
    plan_id = solve(service, admin)
    elsewhere = solve(service, admin, OTHER_TABLE)  # a plan the village is not in
    token = make_user(service, "kades", Role.operator, village_codes=[OWN])
    browser = signed_in(apps, token)

    home = browser.get("/")
    village = browser.get(f"/ui/village/{OWN}")
    plan_page = browser.get(f"/ui/village/{OWN}/plans/{plan_id}")
    english = browser.get(f"/ui/village/{OWN}/plans/{plan_id}", params={"lang": "en"})

    assert home.url.path == f"/ui/village/{OWN}" and home.status_code == 200
    assert "Segarajaya" in village.text and f"/ui/village/{OWN}/plans/{plan_id}" in village.text
    assert f"/plans/{elsewhere}" not in village.text
    assert plan_page.status_code == 200
    for name in ("Sagara Makmur", "Sukamekar", OTHER, "32.16.02.2001"):
        assert name not in plan_page.text and name not in village.text
    assert '<html lang="id">' in plan_page.text and ">Target<" in plan_page.text
    assert '<html lang="en">' in english.text and "Targets" in english.text
    assert 'class="table-scroll"' in plan_page.text
    # whole workers, the months, money by source a month and for the whole plan
    assert "Dana desa" in plan_page.text and "APBD" in plan_page.text and "Rp" in plan_page.text

    # every other village, plan and page is refused
    assert browser.get(f"/ui/village/{OTHER}").status_code == 403
    assert browser.get(f"/ui/village/{OTHER}/plans/{plan_id}").status_code == 403
    assert browser.get(f"/ui/village/{OTHER}/plans/{plan_id}/targets.csv").status_code == 403
    assert browser.get(f"/ui/village/{OTHER}/plans/{plan_id}/letter.pdf").status_code == 403
    assert browser.get(f"/ui/village/{OWN}/plans/{elsewhere}").status_code == 404
    refused_page = browser.get(f"/ui/plans/{plan_id}")
    assert refused_page.status_code == 403 and 'href="/ui/village"' in refused_page.text
    assert "/ui/datasets/new" not in refused_page.text  # no planner's links on its pages
    switched = browser.get("/ui/lang", params={"lang": "en", "next": f"/ui/village/{OWN}"})
    assert switched.url.path == f"/ui/village/{OWN}" and '<html lang="en">' in switched.text
    assert browser.get("/ui/datasets/new").status_code == 403
    assert browser.get(f"/plans/{plan_id}").status_code == 403
    assert browser.get(f"/plans/{plan_id}/letters").status_code == 403
    assert browser.get(f"/plans/{plan_id}/actuals").status_code == 403
    # the district's own roles may look at what any village office sees
    assert service.get(f"/ui/village/{OTHER}/plans/{plan_id}", headers=admin).status_code == 200


def test_its_targets_hold_only_its_row(apps: Any, service: TestClient, admin: dict[str, str]) -> None:
    plan_id = solve(service, admin)
    token = make_user(service, "kades", Role.operator, village_codes=[OWN])
    browser = signed_in(apps, token)

    workbook = browser.get(f"/ui/village/{OWN}/plans/{plan_id}/targets.xlsx")
    table = browser.get(f"/ui/village/{OWN}/plans/{plan_id}/targets.csv", params={"lang": "en"})
    api = service.get(f"/plans/{plan_id}/targets", headers=bearer(token))

    assert workbook.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(workbook.content), read_only=True)
    cells = [str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c]
    assert any("Segarajaya" in c for c in cells)
    assert not any("Sagara Makmur" in c or "Sukamekar" in c for c in cells)
    assert table.status_code == 200 and "Segarajaya" in table.text
    assert "Sagara Makmur" not in table.text and "Sukamekar" not in table.text
    frame = pd.read_csv(io.BytesIO(api.content), dtype={"village_code": str})
    assert frame["village_code"].tolist() == [OWN]


def test_its_letter_once_the_district_has_built_them(
    apps: Any, service: TestClient, admin: dict[str, str]
) -> None:
    plan_id = solve(service, admin)
    token = make_user(service, "kades", Role.operator, village_codes=[OWN])
    browser = signed_in(apps, token)

    before = browser.get(f"/ui/village/{OWN}/plans/{plan_id}")
    refused = browser.get(f"/ui/village/{OWN}/plans/{plan_id}/letter.pdf")
    assert (
        service.get(f"/plans/{plan_id}/letters", params={"format": "zip"}, headers=admin).status_code == 200
    )
    after = browser.get(f"/ui/village/{OWN}/plans/{plan_id}")
    letter = browser.get(f"/ui/village/{OWN}/plans/{plan_id}/letter.pdf")

    assert 'id="letter-not-built"' in before.text and "belum" in before.text
    assert refused.status_code == 404 and "belum" in refused.text
    assert 'id="download-letter"' in after.text
    assert letter.status_code == 200 and letter.content.startswith(b"%PDF")
    assert "3216012002" in letter.headers["content-disposition"]
    assert service.get(f"/plans/{plan_id}/letters", headers=bearer(token)).status_code == 403


def test_it_uploads_its_own_actuals_and_no_other_villages(
    apps: Any, service: TestClient, admin: dict[str, str], tmp_path: Path
) -> None:
    plan_id = solve(service, admin)
    token = make_user(service, "kades", Role.operator, village_codes=[OWN])
    browser = signed_in(apps, token)
    form = f"/ui/village/{OWN}/plans/{plan_id}/actuals"

    mixed = browser.post(
        form, files={"file": ("laporan.csv", actuals_csv(OWN, OTHER), "text/csv")}, headers=SAME_SITE
    )
    api_mixed = service.post(
        f"/plans/{plan_id}/actuals",
        files={"file": ("laporan.csv", actuals_csv(OTHER), "text/csv")},
        headers=bearer(token),
    )
    other_page = browser.post(
        f"/ui/village/{OTHER}/plans/{plan_id}/actuals",
        files={"file": ("laporan.csv", actuals_csv(OTHER), "text/csv")},
        headers=SAME_SITE,
    )
    by_the_district = service.post(  # a village's page takes that village's rows only, whoever sends them
        form, files={"file": ("laporan.csv", actuals_csv(OTHER), "text/csv")}, headers=admin
    )
    assert by_the_district.status_code == 422
    assert service.get(f"/plans/{plan_id}/actuals", headers=admin).json()["total"] == 0  # nothing stored

    own = browser.post(
        form,
        files={"file": ("laporan.csv", actuals_csv(OWN), "text/csv")},
        data={"name": "Laporan Maret"},
        headers=SAME_SITE,
        follow_redirects=False,
    )
    achievement = browser.get(own.headers["location"])
    api_own = service.post(
        f"/plans/{plan_id}/actuals",
        files={"file": ("laporan.csv", actuals_csv(OWN), "text/csv")},
        headers=bearer(token),
    )

    assert mixed.status_code == 422
    assert f"desa {OTHER} bukan desa akun ini" in mixed.text and 'id="errors"' in mixed.text
    assert ">5<" in mixed.text  # the first row of the other village, named (header is row 1)
    assert api_mixed.status_code == 422 and OTHER in api_mixed.text and '"row":2' in api_mixed.text
    assert other_page.status_code == 403
    assert own.status_code == 303 and own.headers["location"].startswith(f"/ui/village/{OWN}/actuals/")
    assert achievement.status_code == 200 and "Segarajaya" in achievement.text
    assert "Sagara Makmur" not in achievement.text and "Sukamekar" not in achievement.text
    assert "12" in achievement.text  # 3 months of 3 farmers and 1 fisher
    assert api_own.status_code == 201
    actuals_id = api_own.json()["id"]
    assert service.get(f"/actuals/{actuals_id}", headers=bearer(token)).status_code == 403
    assert browser.get(f"/ui/actuals/{actuals_id}").status_code == 403
    assert browser.get(f"/ui/village/{OTHER}/actuals/{actuals_id}").status_code == 403
    assert browser.post(f"/actuals/{actuals_id}/replan", headers=bearer(token)).status_code == 403
    page = browser.get(f"/ui/village/{OWN}/plans/{plan_id}")
    assert "Laporan Maret" in page.text and 'id="village-reports"' in page.text


def test_a_multi_year_plan_shows_its_money_year_by_year(
    apps: Any, service: TestClient, admin: dict[str, str]
) -> None:
    dataset = service.post(
        "/datasets", files={"file": ("t.csv", TABLE.encode(), "text/csv")}, headers=admin
    ).json()
    body = {
        "name": "Two years from April",
        "fiscal_year": 2026,
        "start_month": 4,
        "packages": [{"code": "JKK-JKM", "declared_income_idr": "Rp1.000.000"}],
        "budget": {"dana_desa_share": 0.03},
        "multi_year": {"years": 2},
        "integer": True,
    }
    scenario = service.post("/scenarios", json={"dataset_id": dataset["id"], "scenario": body}, headers=admin)
    assert scenario.status_code == 201, scenario.text
    plan = service.post("/solves", json={"scenario_id": scenario.json()["id"]}, headers=admin).json()
    assert plan["status"] == "optimal", plan
    browser = signed_in(apps, make_user(service, "kades", Role.operator, village_codes=[OWN]))

    page = browser.get(f"/ui/village/{OWN}/plans/{plan['id']}").text

    assert 'id="money-1"' in page and 'id="money-2"' in page and 'id="money-3"' not in page
    assert "Tahun 2026: 9 bulan" in page and "Tahun 2027: 12 bulan" in page
    assert "Iuran dibayar dari April 2026 sampai Desember 2027: 21 bulan." in page
    assert "Setahun" in page and "Per bulan" in page


def test_an_office_of_several_villages_picks_one(
    apps: Any, service: TestClient, admin: dict[str, str]
) -> None:
    solve(service, admin)
    browser = signed_in(apps, make_user(service, "kecamatan", Role.operator, village_codes=[OWN, OTHER]))

    picker = browser.get("/")
    other = browser.get(f"/ui/village/{OTHER}")

    assert picker.url.path == "/ui/village" and 'id="villages"' in picker.text
    assert "Segarajaya" in picker.text and "Sagara Makmur" in picker.text and "Sukamekar" not in picker.text
    assert other.status_code == 200 and "Sagara Makmur" in other.text
    assert browser.get("/ui/village/32.16.02.2001").status_code == 403
