"""Who may do what: bearer tokens (FastAPI's `HTTPBearer`), four roles, one policy table, and the
caller as the writes see it (`ActorDep`: `app.services.writes` keeps planners to their kabupaten
and records every write, for the JSON API and the pages alike).

    role      reads                                   writes
    admin     everything, the audit trail, users      everything, users and tokens
    planner   everything but users and the audit      datasets, scenarios, solves, cancels and
                                                      comparisons of its own kabupaten
    viewer    everything but users and the audit      nothing
    operator  a village office: its own villages of    its own villages' actuals
              plans (`/plans`, `/plans/{id}/villages`,  (`POST /plans/{id}/actuals` and the
              `/plans/{id}/targets`), `/me`, and its    upload form of its page)
              village's pages (`/ui/village/...`)

Every route but `/health` and the docs needs a token (`Authorization: Bearer dp_...`), except
with `DESAPLAN_AUTH=off`, where the single local user is an admin (a laptop, served on the
loopback address only: `desaplan serve` refuses it on any other). Browsers cannot send the header
across sites, so a cross-site form post is refused (401) like any request without a token; a
cross-site `Origin` on a write is refused (403) even with authentication off.

Pages use a session cookie instead of the header: `current_principal` falls back on the
`desaplan_session` cookie (a random session id, never the token: the session lives in the
database and ends when unused for `session_idle_s`, `session_max_s` after its sign-in, at sign-out
or when its token is revoked; HttpOnly, SameSite=Strict, `Secure` over https) and, for a write,
requires the `X-CSRF-Token` header to equal the `desaplan_csrf` cookie (the double-submit pattern:
a page's script or htmx sends the header; another site can neither read the cookie nor set the
header). `set_session_cookies` sets both after a login (`app/pages/login.py`). A plain HTML form
cannot send a header; its post instead names the page's own origin in `Origin`, which browsers send
with every form post and no other site can forge: a cookie write is taken with either. A refused
session cookie counts as a failed credential check of its address (`app.web.security`).
"""

from __future__ import annotations

import re
import secrets
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request, Response, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from app.db import SessionDep
from app.errors import Forbidden, Unauthorized
from app.i18n import N_
from app.services import accounts, writes
from app.services.accounts import LOCAL, Principal
from app.services.writes import Actor
from app.settings import Settings, SettingsDep
from models.tables import Role

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ADMIN_PATHS = re.compile(r"^/(users|tokens|audit)(/|$)")
# what a village office (role operator) may read: plans, filtered to its own villages, and its
# village's pages; the routes refuse any other village (app.services.village_office)
OPERATOR_PATHS = [
    re.compile(p)
    for p in (
        r"^/plans/?$",
        r"^/plans/\d+/(villages|targets)/?$",
        r"^/me/?$",
        r"^/ui/village(/.*)?$",
        r"^/ui/lang/?$",
    )
]
# what it may write: its own villages' actuals (the rows of any other village are refused)
OPERATOR_WRITES = [
    re.compile(p) for p in (r"^/plans/\d+/actuals/?$", r"^/ui/village/[0-9.]+/plans/\d+/actuals/?$")
]
SESSION_COOKIE = "desaplan_session"
CSRF_COOKIE = "desaplan_csrf"
CSRF_HEADER = "X-CSRF-Token"

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="An API token: `desaplan token create USER` or `POST /users/{id}/tokens`.",
)


def allowed(principal: Principal, method: str, path: str) -> bool:
    """The one policy table, by role, method and path (kabupaten and villages come after)."""
    if principal.role == Role.admin:
        return True
    if ADMIN_PATHS.match(path):
        return False
    if principal.role == Role.operator:
        if method in SAFE_METHODS:
            return any(p.match(path) for p in OPERATOR_PATHS)
        return method == "POST" and any(p.match(path) for p in OPERATOR_WRITES)
    if method in SAFE_METHODS:
        return True
    return principal.role == Role.planner


def _authorised(request: Request, principal: Principal) -> Principal:
    request.state.principal = principal  # a refused page still knows who asked (its own page)
    if not allowed(principal, request.method, request.url.path):
        raise Forbidden(
            N_("User '%(user)s' (%(role)s) may not %(method)s %(path)s."),
            user=principal.name,
            role=principal.role.value,
            method=request.method,
            path=request.url.path,
        )
    return principal


def current_principal(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> Principal:
    """The caller, checked against the policy table: 401 without a valid token, 403 when its
    role does not allow the request.

    The token's lookup gives its connection back at once: between this dependency and its route
    a request may wait for a free thread (while sync solves hold them all), and a connection held
    meanwhile would starve the pool the solves' own job threads need to finish."""
    if settings.auth == "off":
        return _authorised(request, LOCAL)
    try:
        if credentials is None:
            principal = session_cookie_principal(request, session, settings)
            if principal is None:
                raise Unauthorized(
                    N_(
                        "Send an API token: 'Authorization: Bearer dp_...' "
                        "(an admin makes one with `desaplan token create USER`)."
                    )
                )
        else:
            principal = accounts.authenticate(session, credentials.credentials)
    finally:
        session.close()  # a Principal is plain data: nothing of the session is kept
    return _authorised(request, principal)


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def session_cookie_principal(request: Request, session: Session, settings: Settings) -> Principal | None:
    """For pages: the live session the cookie names; a write must echo the CSRF cookie. A
    refused session is marked on the request, for the failed-check count of its address."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    if request.method not in SAFE_METHODS and not _same_origin(request):
        expected = request.cookies.get(CSRF_COOKIE) or ""
        sent = request.headers.get(CSRF_HEADER) or ""
        if not expected or not secrets.compare_digest(expected, sent):
            raise Forbidden(N_("The form's CSRF token is missing or does not match: reload the page."))
    try:
        return accounts.web_session_principal(session, session_id, session_limits(settings))
    except Unauthorized:
        request.state.credential_refused = True
        raise


def session_limits(settings: Settings) -> accounts.SessionLimits:
    return accounts.SessionLimits(idle_s=settings.session_idle_s, max_s=settings.session_max_s)


def _same_origin(request: Request) -> bool:
    """A browser's form post names its page's origin: one of ours is no forgery (OWASP's check of
    the standard headers). A post without an `Origin` must carry the CSRF header instead."""
    origin = request.headers.get("origin")
    return origin is not None and urlsplit(origin).netloc == request.url.netloc


def set_session_cookies(response: Response, session_id: str, secure: bool, max_age_s: float) -> str:
    """After a login: the session cookie (the session's id, out of scripts' reach, forgotten by
    the browser when the session must have ended) and a fresh CSRF cookie the page echoes in its
    forms. The CSRF value, for the page to embed."""
    csrf = secrets.token_urlsafe(32)
    max_age = int(max_age_s)
    response.set_cookie(
        SESSION_COOKIE, session_id, max_age=max_age, httponly=True, samesite="strict", secure=secure
    )
    response.set_cookie(CSRF_COOKIE, csrf, max_age=max_age, httponly=False, samesite="strict", secure=secure)
    return csrf


def clear_session_cookies(response: Response, secure: bool) -> None:
    """Sign-out, or a session found ended: the browser forgets both cookies."""
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="strict", secure=secure)
    response.delete_cookie(CSRF_COOKIE, httponly=False, samesite="strict", secure=secure)


# --- the audit trail ------------------------------------------------------------------------


async def current_actor(request: Request, who: PrincipalDep) -> Actor:
    """The caller and its address, as `app.services.writes` checks and records every write.
    Async, as it waits on nothing: no trip through the thread pool."""
    return Actor(who, request.client.host if request.client else None)


ActorDep = Annotated[Actor, Depends(current_actor)]


class AuditLog:
    """Records the request's writes of accounts: `audit("token.revoke", "token/4")` (the
    planners' writes are recorded by `app.services.writes`)."""

    def __init__(self, actor: Actor, session: Session) -> None:
        self.actor = actor
        self.session = session

    def __call__(self, action: str, target: str, **detail: object) -> None:
        writes.record(self.session, self.actor, action, target, **detail)


async def audit_log(actor: ActorDep, session: SessionDep) -> AuditLog:
    return AuditLog(actor, session)


AuditDep = Annotated[AuditLog, Depends(audit_log)]
