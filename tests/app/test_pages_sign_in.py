"""The pages behind the service's sign-in: a token pasted once, a session cookie, and form posts
that no other site can forge."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.services import accounts
from models.tables import Role, UserCreate


def _admin_token(client: Any) -> str:
    with Session(client.app.state.engine) as session:
        user = accounts.create_user(session, UserCreate(name="ana", role=Role.admin))
        token = accounts.create_token(session, user, "pages").token
        session.commit()
    return token


def test_a_page_without_a_session_asks_for_a_token_and_then_opens(apps: Any) -> None:
    client = apps.open(auth="on")
    token = _admin_token(client)

    first = client.get("/", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/ui/login?next=%2F"
    assert client.get("/ui/login").status_code == 200
    refused = client.post("/ui/login", data={"token": "dp_wrong_token", "next": "/"}, follow_redirects=False)
    assert refused.status_code == 401 and "desaplan_session" not in refused.cookies
    signed = client.post("/ui/login", data={"token": token, "next": "/"}, follow_redirects=False)
    assert signed.status_code == 303 and signed.headers["location"] == "/"
    assert client.get("/").status_code == 200  # the session cookie now signs the pages in
    # the API itself still wants its bearer token, or the same session
    assert client.get("/datasets").status_code == 200


def test_a_signed_in_form_post_is_taken_from_our_own_pages_only(apps: Any, small_csv: str) -> None:
    client = apps.open(auth="on")
    token = _admin_token(client)
    client.post("/ui/login", data={"token": token, "next": "/"})
    upload = {"file": ("desa.csv", small_csv.encode(), "text/csv")}

    ours = client.post(
        "/ui/datasets",
        files=upload,
        data={"name": "ours"},
        headers={"Origin": "http://testserver"},
        follow_redirects=False,
    )
    assert ours.status_code == 303, ours.text
    forged = client.post(
        "/ui/datasets",
        files=upload,
        data={"name": "forged"},
        headers={"Origin": "http://elsewhere.example"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    # no Origin and no CSRF header: not a form post of ours
    bare = client.post("/ui/datasets", files=upload, data={"name": "bare"}, follow_redirects=False)
    assert bare.status_code == 403
    names = [d["name"] for d in client.get("/datasets").json()["items"]]
    assert "ours" in names and "forged" not in names and "bare" not in names


def test_pages_need_no_sign_in_on_a_single_user_laptop(apps: Any) -> None:
    client = apps.open(auth="off")
    assert client.get("/", follow_redirects=False).status_code == 200
    assert client.post("/ui/login", data={"token": "x"}, follow_redirects=False).status_code == 303
