"""Writes through the pages in a real browser: an admin archives and unarchives a scenario and
the audit trail says so (who, what, from where); a viewer's solve button is refused."""

from __future__ import annotations

from typing import Any

import httpx


def _api(server: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=server, headers={"Authorization": f"Bearer {token}"})


def test_an_archive_through_the_page_is_in_the_audit_trail(page: Any, server: str, admin_token: str) -> None:
    with _api(server, admin_token) as api:
        scenario = api.get("/scenarios").json()["items"][0]["id"]
        page.goto(f"/ui/scenarios/{scenario}")
        page.click("#archive")
        page.wait_for_selector("#unarchive")
        assert api.get(f"/scenarios/{scenario}").json()["archived"] is True
        page.click("#unarchive")
        page.wait_for_selector("#solve")

        events = api.get("/audit", params={"limit": 2}).json()["items"]  # newest first

    assert [(e["action"], e["target"]) for e in events] == [
        ("scenario.unarchive", f"scenario/{scenario}"),
        ("scenario.archive", f"scenario/{scenario}"),
    ]
    assert {(e["user_name"], e["client"]) for e in events} == {("ana", "127.0.0.1")}


def test_a_viewer_is_refused_the_solve_button(browser: Any, server: str, admin_token: str) -> None:
    with _api(server, admin_token) as api:
        viewer = api.post("/users", json={"name": "vera", "role": "viewer"}).json()
        token = api.post(f"/users/{viewer['id']}/tokens", json={"label": "browser"}).json()["token"]
        scenario = api.get("/scenarios").json()["items"][0]["id"]
        jobs_before = api.get("/jobs").json()["total"]
        context = browser.new_context(base_url=server)
        try:
            page = context.new_page()
            page.goto("/ui/login")
            page.fill("#token", token)
            page.click("form[action='/ui/login'] button[type=submit]")
            page.wait_for_url(f"{server}/")
            page.goto(f"/ui/scenarios/{scenario}")
            with page.expect_response(lambda r: r.url.endswith("/solve")) as answer:
                page.click("#solve")
            assert answer.value.status == 403
            assert "Anda tidak berhak melakukan ini" in page.inner_text("h1")
        finally:
            context.close()
        assert api.get("/jobs").json()["total"] == jobs_before  # nothing was started
