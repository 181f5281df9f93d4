"""Signing in to the pages: an API token, pasted once, kept in the session cookie.

With authentication on (`DESAPLAN_AUTH=on`, the default), a page asked for without a session goes
to this form; the token is checked as the API checks it (`app.services.accounts`), and the
session and CSRF cookies of `app.web.auth` are set (HttpOnly, SameSite=Strict). With it off, the one
local user needs no sign-in and the form says so."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.db import SessionDep
from app.errors import Unauthorized
from app.pages.render import render
from app.services import accounts
from app.settings import SettingsDep
from app.web.auth import CSRF_COOKIE, SESSION_COOKIE, set_session_cookies

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


@router.get("/ui/login", response_class=HTMLResponse)
def login_form(request: Request, settings: SettingsDep, next: str = "/") -> Response:
    return render(
        request,
        "login.html",
        {"next": _safe_next(next), "auth_off": settings.auth == "off", "refused": False},
    )


@router.post("/ui/login", response_model=None)
def log_in(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    target = _safe_next(next)
    if settings.auth == "off":
        return RedirectResponse(target, status_code=303)
    try:
        accounts.authenticate(session, token)
    except Unauthorized:
        return render(
            request, "login.html", {"next": target, "auth_off": False, "refused": True}, status_code=401
        )
    response = RedirectResponse(target, status_code=303)
    set_session_cookies(response, token.strip(), secure=request.url.scheme == "https")
    return response


@router.post("/ui/logout", response_model=None)
def log_out() -> Response:
    response = RedirectResponse("/ui/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)
    return response
