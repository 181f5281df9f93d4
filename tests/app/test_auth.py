"""Accounts, roles and the audit trail: nobody writes without a token, each role is allowed and
refused where it should be, a planner stays in its kabupaten, a village operator sees only its
villages, and the audit trail says who did what, when and from where."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from app.cli import main
from app.cli.serve import AuthOffBeyondLoopback, check_exposure
from app.services import accounts
from app.settings import Settings
from app.web.auth import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE
from models.tables import ApiToken, Role, UserCreate

TABLE = (
    "village_code,village_name,kecamatan,dana_desa_idr,uninsured_farmers,uninsured_fishers\n"
    "32.16.01.2001,Sagara Makmur,Tarumajaya,1500000000,400,120\n"
    "32.16.01.2002,Segarajaya,Tarumajaya,1400000000,350,200\n"
    "32.16.02.2001,Sukamekar,Babelan,1600000000,500,0\n"
)
KARAWANG = "kabupaten," + TABLE.splitlines()[0] + "\n" + "Karawang," + TABLE.splitlines()[1] + "\n"
SCENARIO = {
    "name": "3% of dana desa",
    "packages": [{"code": "JKK-JKM", "monthly_premium_idr": 16800}],
    "budget": {"dana_desa_share": 0.03},
}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_user(client: TestClient, name: str, role: Role, **extra: Any) -> str:
    """A user and its token, made directly on the service's database (as the CLI does)."""
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


def upload(client: TestClient, headers: dict[str, str], text: str = TABLE) -> Any:
    return client.post("/datasets", files={"file": ("t.csv", text.encode(), "text/csv")}, headers=headers)


def test_without_a_token_nothing_is_read_or_written(service: TestClient) -> None:
    read = service.get("/datasets")
    write = upload(service, {})
    bad = service.get("/datasets", headers=bearer("dp_000000000000_nope"))

    assert read.status_code == write.status_code == bad.status_code == 401
    assert read.headers["WWW-Authenticate"] == "Bearer"
    assert read.headers["content-type"] == "application/problem+json"
    assert service.get("/health").status_code == 200  # the one open door
    assert service.get("/openapi.json").status_code == 200


def test_a_cross_site_form_post_is_refused(service: TestClient, admin: dict[str, str]) -> None:
    dataset = upload(service, admin).json()
    scenario = service.post(
        "/scenarios", json={"dataset_id": dataset["id"], "scenario": SCENARIO}, headers=admin
    ).json()
    form = {"content-type": "application/x-www-form-urlencoded", "origin": "http://evil.example"}

    without_token = service.post(f"/scenarios/{scenario['id']}/archive", content=b"x=1", headers=form)
    even_with_token = service.post(
        f"/scenarios/{scenario['id']}/archive", content=b"x=1", headers={**form, **admin}
    )
    forged_upload = service.post(
        "/datasets", files={"file": ("t.csv", TABLE.encode(), "text/csv")}, headers={"origin": "null"}
    )

    assert without_token.status_code == 403
    assert even_with_token.status_code == 403
    assert forged_upload.status_code == 403
    assert service.get(f"/scenarios/{scenario['id']}", headers=admin).json()["archived"] is False
    assert service.get("/datasets", headers=admin).json()["total"] == 1


def test_a_cross_site_form_post_is_refused_with_authentication_off(apps: Any) -> None:
    laptop: TestClient = apps.open(load_examples=True, auth="off")
    scenario_id = laptop.get("/scenarios").json()["items"][0]["id"]

    response = laptop.post(
        f"/scenarios/{scenario_id}/archive",
        content=b"",
        headers={"origin": "https://evil.example", "content-type": "text/plain"},
    )

    assert response.status_code == 403
    assert laptop.get(f"/scenarios/{scenario_id}").json()["archived"] is False


def test_tokens_are_shown_once_and_stored_hashed(service: TestClient, admin: dict[str, str]) -> None:
    user = service.post("/users", json={"name": "budi", "role": "viewer"}, headers=admin).json()

    made = service.post(f"/users/{user['id']}/tokens", json={"label": "laptop"}, headers=admin)
    listed = service.get(f"/users/{user['id']}/tokens", headers=admin).json()

    assert made.status_code == 201
    token = made.json()["token"]
    assert service.get("/me", headers=bearer(token)).json()["name"] == "budi"
    assert "token" not in listed[0] and listed[0]["label"] == "laptop"
    with Session(service.app.state.engine) as session:  # type: ignore[attr-defined]
        stored = session.scalars(select(ApiToken).where(ApiToken.user_id == user["id"])).one()
    assert token.split("_", 2)[2] not in stored.secret_hash
    assert stored.secret_hash.startswith("$argon2id$")


def test_a_revoked_token_is_refused_at_once(service: TestClient, admin: dict[str, str]) -> None:
    token = make_user(service, "citra", Role.viewer)
    assert service.get("/datasets", headers=bearer(token)).status_code == 200
    token_id = service.get("/me", headers=bearer(token)).json()["user_id"]
    tokens = service.get(f"/users/{token_id}/tokens", headers=admin).json()

    revoked = service.post(f"/tokens/{tokens[0]['id']}/revoke", headers=admin)

    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert service.get("/datasets", headers=bearer(token)).status_code == 401


def test_a_viewer_reads_and_never_writes(service: TestClient, admin: dict[str, str]) -> None:
    dataset = upload(service, admin).json()
    viewer = bearer(make_user(service, "dewi", Role.viewer))

    assert service.get("/datasets", headers=viewer).status_code == 200
    assert service.get(f"/datasets/{dataset['id']}/download", headers=viewer).status_code == 200
    assert upload(service, viewer).status_code == 403
    assert (
        service.post(
            "/scenarios", json={"dataset_id": dataset["id"], "scenario": SCENARIO}, headers=viewer
        ).status_code
        == 403
    )
    assert service.get("/audit", headers=viewer).status_code == 403
    assert service.get("/users", headers=viewer).status_code == 403
    assert service.post("/users", json={"name": "x", "role": "admin"}, headers=viewer).status_code == 403
    assert service.get("/datasets", headers=admin).json()["total"] == 1


def test_a_planner_writes_only_in_its_kabupaten(service: TestClient, admin: dict[str, str]) -> None:
    planner = bearer(make_user(service, "eko", Role.planner, kabupaten="Bekasi"))
    admins_dataset = upload(service, admin).json()

    own = upload(service, planner)
    other_kabupaten = upload(service, planner, KARAWANG)
    assert own.status_code == 201 and other_kabupaten.status_code == 403
    dataset_id = own.json()["id"]

    scenario = service.post(
        "/scenarios", json={"dataset_id": dataset_id, "scenario": SCENARIO}, headers=planner
    )
    elsewhere = service.post(
        "/scenarios", json={"dataset_id": admins_dataset["id"], "scenario": SCENARIO}, headers=planner
    )
    assert scenario.status_code == 201 and elsewhere.status_code == 403
    scenario_id = scenario.json()["id"]

    solved = service.post("/solves", json={"scenario_id": scenario_id}, headers=planner)
    assert solved.status_code == 200, solved.text
    plan_id = solved.json()["id"]
    revised = service.post(
        f"/scenarios/{scenario_id}/versions",
        json={"scenario": {**SCENARIO, "budget": {"dana_desa_share": 0.05}}},
        headers=planner,
    )
    assert revised.status_code == 201
    second = service.post("/solves", json={"scenario_id": scenario_id}, headers=planner).json()
    compared = service.post(
        "/comparisons", json={"baseline_plan_id": plan_id, "plan_ids": [second["id"]]}, headers=planner
    )
    assert compared.status_code == 201
    assert service.post(f"/scenarios/{scenario_id}/archive", headers=planner).status_code == 200
    assert service.post(f"/scenarios/{scenario_id}/unarchive", headers=planner).status_code == 200
    assert service.get("/audit", headers=planner).status_code == 403


def test_a_village_operator_sees_only_its_villages(service: TestClient, admin: dict[str, str]) -> None:
    dataset = upload(service, admin).json()
    scenario = service.post(
        "/scenarios", json={"dataset_id": dataset["id"], "scenario": SCENARIO}, headers=admin
    ).json()
    plan = service.post("/solves", json={"scenario_id": scenario["id"]}, headers=admin).json()
    operator = bearer(make_user(service, "fitri", Role.operator, village_codes=["32.16.01.2002"]))

    villages = service.get(f"/plans/{plan['id']}/villages", headers=operator)
    targets = service.get(f"/plans/{plan['id']}/targets", headers=operator)

    assert villages.status_code == 200
    assert [v["village_code"] for v in villages.json()["items"]] == ["32.16.01.2002"]
    frame = pd.read_csv(io.BytesIO(targets.content), dtype={"village_code": str})
    assert frame["village_code"].tolist() == ["32.16.01.2002"]
    assert service.get(f"/plans/{plan['id']}", headers=operator).status_code == 403
    assert service.get("/datasets", headers=operator).status_code == 403
    assert service.get(f"/datasets/{dataset['id']}/download", headers=operator).status_code == 403
    assert service.post("/solves", json={"scenario_id": scenario["id"]}, headers=operator).status_code == 403


def test_the_audit_trail_says_who_did_what_when_and_from_where(
    service: TestClient, admin: dict[str, str]
) -> None:
    dataset = upload(service, admin).json()
    scenario = service.post(
        "/scenarios", json={"dataset_id": dataset["id"], "scenario": SCENARIO}, headers=admin
    ).json()
    service.post(f"/scenarios/{scenario['id']}/archive", headers=admin)
    service.post(f"/scenarios/{scenario['id']}/unarchive", headers=admin)
    service.post("/users", json={"name": "gita", "role": "viewer"}, headers=admin)

    trail = service.get("/audit", headers=admin).json()
    page = service.get("/audit", params={"limit": 2, "offset": 1}, headers=admin).json()
    archives = service.get("/audit", params={"action": "scenario.archive"}, headers=admin).json()

    actions = [e["action"] for e in trail["items"]]
    assert actions == [
        "user.create",
        "scenario.unarchive",
        "scenario.archive",
        "scenario.create",
        "dataset.upload",
    ]
    newest = trail["items"][0]
    assert newest["user_name"] == "ana" and newest["client"] == "testclient" and newest["at"]
    assert trail["items"][2]["target"] == f"scenario/{scenario['id']}"
    assert page["total"] == 5 and [e["action"] for e in page["items"]] == actions[1:3]
    assert archives["total"] == 1


def test_unarchive_undoes_an_archive(apps: Any) -> None:
    laptop: TestClient = apps.open(load_examples=True)
    scenario_id = laptop.get("/scenarios").json()["items"][0]["id"]

    laptop.post(f"/scenarios/{scenario_id}/archive")
    refused = laptop.post("/solves", json={"scenario_id": scenario_id})
    restored = laptop.post(f"/scenarios/{scenario_id}/unarchive")
    again = laptop.post(f"/scenarios/{scenario_id}/unarchive")

    assert refused.status_code == 409
    assert restored.status_code == 200 and restored.json()["archived"] is False
    assert again.status_code == 409
    assert laptop.post("/solves", json={"scenario_id": scenario_id}).status_code == 200


def test_the_command_line_makes_users_and_tokens(
    apps: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    service: TestClient = apps.open(load_examples=False, auth="on")
    # the command line on the service's own database (a SQLite file, or PostgreSQL)
    monkeypatch.setenv("DATABASE_URL", service.app.state.settings.database_url)  # type: ignore[attr-defined]

    assert main(["user", "create", "hadi", "--role", "planner", "--kabupaten", "Bekasi"]) == 0
    assert main(["user", "create", "hadi", "--role", "viewer"]) == 2  # the name is taken
    capsys.readouterr()
    assert main(["token", "create", "hadi", "--label", "office"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    me = service.get("/me", headers=bearer(token)).json()
    assert (me["name"], me["role"], me["kabupaten"]) == ("hadi", "planner", "Bekasi")

    token_id = service.get(
        f"/users/{me['user_id']}/tokens", headers=bearer(make_user(service, "root", Role.admin))
    ).json()[0]["id"]
    assert main(["token", "revoke", str(token_id)]) == 0
    assert service.get("/me", headers=bearer(token)).status_code == 401


def test_pages_sign_in_with_a_session_cookie_and_a_csrf_token(service: TestClient) -> None:
    token = make_user(service, "indah", Role.admin)
    with Session(service.app.state.engine) as session:  # type: ignore[attr-defined]
        session_id = accounts.open_web_session(session, token, accounts.SessionLimits(3600, 3600))
    service.cookies.set(SESSION_COOKIE, session_id)
    service.cookies.set(CSRF_COOKIE, "the-page-token")

    read = service.get("/datasets")
    forged = upload(service, {})
    posted = upload(service, {CSRF_HEADER: "the-page-token"})

    assert read.status_code == 200
    assert forged.status_code == 403
    assert posted.status_code == 201


def test_authentication_off_is_refused_beyond_loopback() -> None:
    laptop = Settings(auth="off")

    check_exposure(laptop, "127.0.0.1")
    check_exposure(Settings(auth="on"), "0.0.0.0")
    with pytest.raises(AuthOffBeyondLoopback):
        check_exposure(laptop, "0.0.0.0")
