"""The pages' sessions live in the service's database: the cookie carries a random id (never the
token), a session ends when unused too long, too long after its sign-in, at sign-out and when its
token is revoked, and a refused session cookie counts as a failed credential check."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlmodel import Session
from test_auth import bearer, make_user

from app.web.auth import CSRF_COOKIE, SESSION_COOKIE
from models.tables import Role, WebSession, utc_now


def _sign_in(client: TestClient, token: str) -> Any:
    response = client.post("/ui/login", data={"token": token, "next": "/"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return response


def _with_cookie(client: TestClient, session_id: str) -> Any:
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, session_id)
    try:
        return client.get("/datasets", follow_redirects=False)
    finally:
        client.cookies.clear()


def _sessions(client: TestClient) -> list[WebSession]:
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        return list(session.scalars(select(WebSession)).all())


def _age(client: TestClient, **by: timedelta) -> None:
    """Moves every session's sign-in or last use back in time."""
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        values = {name: utc_now() - delta for name, delta in by.items()}
        session.execute(update(WebSession).values(**values))
        session.commit()


def test_the_cookie_is_a_random_session_id_kept_hashed_not_the_token(apps: Any) -> None:
    client: TestClient = apps.open(load_examples=False, auth="on", session_max_s=3600)
    token = make_user(client, "ana", Role.admin)

    signed = _sign_in(client, token)
    session_id = signed.cookies[SESSION_COOKIE]
    set_cookie = ";".join(signed.headers.get_list("set-cookie")).lower()

    assert token not in session_id and session_id not in token
    assert len(session_id) >= 40
    stored = _sessions(client)
    assert [s.id_hash for s in stored] == [hashlib.sha256(session_id.encode()).hexdigest()]
    assert "httponly" in set_cookie and "samesite=strict" in set_cookie and "max-age=3600" in set_cookie
    assert "secure" not in set_cookie  # plain http here; over https see test_slow_clients
    assert _with_cookie(client, session_id).status_code == 200
    # the token itself in the cookie opens nothing
    assert _with_cookie(client, token).status_code == 401


def test_signing_out_ends_the_session_for_every_copy_of_its_cookie(apps: Any) -> None:
    client: TestClient = apps.open(load_examples=False, auth="on")
    token = make_user(client, "ana", Role.admin)
    session_id = _sign_in(client, token).cookies[SESSION_COOKIE]
    csrf = client.cookies[CSRF_COOKIE]

    out = client.post("/ui/logout", headers={"X-CSRF-Token": csrf}, follow_redirects=False)

    assert out.status_code == 303 and out.headers["location"] == "/ui/login"
    assert SESSION_COOKIE in out.headers["set-cookie"]  # the browser is told to forget it
    assert _sessions(client) == []
    assert _with_cookie(client, session_id).status_code == 401
    client.cookies.set(SESSION_COOKIE, session_id)
    page = client.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/ui/login")
    assert 'desaplan_session=""' in page.headers["set-cookie"]  # the ended cookie is cleared


def test_a_session_ends_when_idle_and_after_its_longest_life(apps: Any) -> None:
    client: TestClient = apps.open(load_examples=False, auth="on", session_idle_s=600, session_max_s=7200)
    token = make_user(client, "ana", Role.admin)

    idle = _sign_in(client, token).cookies[SESSION_COOKIE]
    _age(client, last_seen_at=timedelta(seconds=601))
    assert _with_cookie(client, idle).status_code == 401
    assert _sessions(client) == []  # an ended session is deleted when met

    busy = _sign_in(client, token).cookies[SESSION_COOKIE]
    _age(client, created_at=timedelta(seconds=7000), last_seen_at=timedelta(seconds=30))
    assert _with_cookie(client, busy).status_code == 200  # used lately, younger than its life
    _age(client, created_at=timedelta(seconds=7201), last_seen_at=timedelta(seconds=1))
    assert _with_cookie(client, busy).status_code == 401  # used a second ago, but too old


def test_use_keeps_a_session_alive(apps: Any) -> None:
    client: TestClient = apps.open(load_examples=False, auth="on", session_idle_s=600)
    token = make_user(client, "ana", Role.admin)
    session_id = _sign_in(client, token).cookies[SESSION_COOKIE]
    _age(client, last_seen_at=timedelta(seconds=500))

    assert _with_cookie(client, session_id).status_code == 200
    _age_only_seen = _sessions(client)[0].last_seen_at
    assert utc_now() - _age_only_seen < timedelta(seconds=60)  # its use was recorded


def test_revoking_the_token_ends_its_sessions(apps: Any) -> None:
    client: TestClient = apps.open(load_examples=False, auth="on")
    admin = bearer(make_user(client, "root", Role.admin))
    token = make_user(client, "siti", Role.viewer)
    session_id = _sign_in(client, token).cookies[SESSION_COOKIE]
    client.cookies.clear()
    assert _with_cookie(client, session_id).status_code == 200
    user_id = client.get("/me", headers=bearer(token)).json()["user_id"]
    token_id = client.get(f"/users/{user_id}/tokens", headers=admin).json()[0]["id"]

    assert client.post(f"/tokens/{token_id}/revoke", headers=admin).status_code == 200

    assert _with_cookie(client, session_id).status_code == 401
    assert _sessions(client) == []


def test_bad_session_cookies_count_as_failed_checks_of_their_address(apps: Any) -> None:
    client: TestClient = apps.open(
        load_examples=False, auth="on", auth_failures_per_minute=5, rate_limit_per_minute=1000
    )
    token = make_user(client, "ana", Role.admin)
    good = _sign_in(client, token).cookies[SESSION_COOKIE]
    assert _with_cookie(client, good).status_code == 200

    apis = [_with_cookie(client, f"made-up-{n}").status_code for n in range(3)]
    client.cookies.set(SESSION_COOKIE, "made-up-page")
    pages = [client.get("/", follow_redirects=False).status_code for _ in range(2)]
    after = [_with_cookie(client, f"made-up-{n}").status_code for n in range(10, 15)]
    refused = _with_cookie(client, "made-up-20")

    assert apis == [401] * 3
    assert pages == [303] * 2  # a page's refused cookie is a failure too, though answered 303
    assert after == [429] * 5
    assert int(refused.headers["Retry-After"]) >= 1 and "failed token checks" in refused.json()["detail"]
    # the session that passed lately is not held up by the guesser at its address
    assert _with_cookie(client, good).status_code == 200
    # a bearer token guessed there meets the same count
    assert client.get("/datasets", headers=bearer("dp_000000000000_nope")).status_code == 429


def test_failed_sign_ins_count_too(apps: Any) -> None:
    client: TestClient = apps.open(
        load_examples=False, auth="on", auth_failures_per_minute=3, rate_limit_per_minute=1000
    )
    statuses = [
        client.post("/ui/login", data={"token": f"dp_{n:012d}_guess", "next": "/"}).status_code
        for n in range(5)
    ]

    assert statuses == [401, 401, 401, 429, 429]
