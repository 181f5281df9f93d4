"""Signing in to the pages: an API token, pasted once, opens a session the service keeps.

With authentication on (`DESAPLAN_AUTH=on`, the default), a page asked for without a session goes
to this form; the token is checked as the API checks it (`app.services.accounts`), a session is
opened, and the session and CSRF cookies of `app.web.auth` are set (the session's random id,
HttpOnly, SameSite=Strict, `Secure` over https). Signing out deletes the session: its cookie opens
nothing any more. With authentication off, the one local user needs no sign-in and the form says
so."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.db import SessionDep
from app.errors import Unauthorized
from app.pages.render import render
from app.services import accounts
from app.settings import SettingsDep
from app.web.auth import SESSION_COOKIE, clear_session_cookies, session_limits, set_session_cookies

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
        session_id = accounts.open_web_session(session, token, session_limits(settings))
    except Unauthorized:
        return render(
            request, "login.html", {"next": target, "auth_off": False, "refused": True}, status_code=401
        )
    response = RedirectResponse(target, status_code=303)
    set_session_cookies(
        response, session_id, secure=request.url.scheme == "https", max_age_s=settings.session_max_s
    )
    return response


@router.post("/ui/logout", response_model=None)
def log_out(request: Request, session: SessionDep) -> Response:
    """The session ends here, in the database: a copy of its cookie opens nothing afterwards.
    (A cross-site post carries no SameSite=Strict cookie, so it cannot end anyone's session.)"""
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        accounts.close_web_session(session, session_id)
    response = RedirectResponse("/ui/login", status_code=303)
    clear_session_cookies(response, secure=request.url.scheme == "https")
    return response
