"""Every error answered as application/problem+json (RFC 9457), from ONE table (`PROBLEMS`).

The tree of errors is `app.errors`; here each class gets its status, and FastAPI's own validation
errors (422), unknown paths (404) and anything unexpected (500, with only a correlation id in the
body and the traceback in the log under the same id) are answered in the same form.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import (
    Conflict,
    DiskFull,
    Forbidden,
    NotFound,
    ServiceError,
    ServiceUnavailable,
    SolveFailed,
    TooLarge,
    Unauthorized,
    UnsupportedMediaType,
    is_disk_full,
)
from app.i18n import LANG_COOKIE, N_, Lang, chosen_lang, speaker
from app.i18n.fields import refusal_words, validation_words
from models.errors import DesaplanError, InputError

log = logging.getLogger("desaplan.app")

PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True)
class Problem:
    status: int
    slug: str
    title: str
    said: bool = False  # the title and detail in the caller's language


# The one table from domain exceptions to HTTP answers; the first matching class wins.
PROBLEMS: list[tuple[type[Exception], Problem]] = [
    (InputError, Problem(422, "invalid-input", N_("The input was refused"), said=True)),
    (Unauthorized, Problem(401, "unauthorized", N_("Authentication required"), said=True)),
    (Forbidden, Problem(403, "forbidden", N_("Not allowed"), said=True)),
    (NotFound, Problem(404, "not-found", N_("Not found"), said=True)),
    (Conflict, Problem(409, "conflict", N_("Conflict"), said=True)),
    (TooLarge, Problem(413, "too-large", N_("Upload too large"), said=True)),
    (UnsupportedMediaType, Problem(415, "unsupported-media-type", N_("Unsupported media type"), said=True)),
    (SolveFailed, Problem(500, "solve-failed", "The solve failed")),
    (ServiceUnavailable, Problem(503, "unavailable", N_("Try again later"), said=True)),
    (DiskFull, Problem(507, "disk-full", N_("The disk is full"), said=True)),
]
# the titles of the refusals of input (models.errors), said in the caller's language
INPUT_TITLES = (
    N_("The input was refused"),
    N_("The village table was refused"),
    N_("The scenario was refused"),
    N_("The actuals were refused"),
    N_("The comparison was refused"),
)


def problem_response(
    status: int,
    slug: str,
    title: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


DEFAULT_ERRORS_LISTED = 100


def request_lang(request: Request) -> Lang:
    """The language the API answers `request` in."""
    return chosen_lang(
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
    )


def _errors_listed(request: Request) -> int:
    settings = getattr(request.app.state, "settings", None)
    return int(getattr(settings, "max_errors_listed", DEFAULT_ERRORS_LISTED))


def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    for cls, problem in PROBLEMS:
        if isinstance(exc, cls):
            if isinstance(exc, InputError):
                # the first errors and a count of the rest: a million bad rows answer in kilobytes
                limit = _errors_listed(request)
                errors = [issue.model_dump(exclude_none=True) for issue in exc.issues[:limit]]
                more = {"errors_not_listed": len(exc.issues) - limit} if len(exc.issues) > limit else {}
                say = speaker(request_lang(request))
                return problem_response(
                    problem.status,
                    problem.slug,
                    say.gettext(exc.title),
                    refusal_words(exc.title, exc.issues, say),
                    errors,
                    **more,
                )
            title = problem.title
            detail = exc.detail if isinstance(exc, ServiceError) else problem.title
            if problem.said:
                lang = request_lang(request)
                title = speaker(lang).gettext(problem.title)
                detail = exc.detail_in(lang) if isinstance(exc, ServiceError) else title
            response = problem_response(problem.status, problem.slug, title, detail)
            if isinstance(exc, ServiceUnavailable):
                response.headers["Retry-After"] = str(exc.retry_after_s)
            if isinstance(exc, Unauthorized):
                response.headers["WWW-Authenticate"] = "Bearer"
            return response
    raise exc  # not ours to answer: the catch-all below turns it into a 500


def capped_validation_error(
    exc: ValidationError, prefix: tuple[str, ...], limit: int
) -> RequestValidationError:
    """pydantic's errors as a request error, only the first `limit` of them copied (the rest
    are counted): a million bad items must not cost a million dictionaries."""
    errors = [{**e, "loc": (*prefix, *e["loc"])} for e in exc.errors(include_url=False)[:limit]]
    capped = RequestValidationError(errors)
    capped.total_errors = exc.error_count()  # type: ignore[attr-defined]
    return capped


def _request_validation_error(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's own refusals: each names its field (`field`, as the request spells it) and
    says what is wrong in the caller's language (`message`), the detail in words."""
    assert isinstance(exc, RequestValidationError)
    found = exc.errors()
    total = int(getattr(exc, "total_errors", len(found)))
    limit = _errors_listed(request)
    say = speaker(request_lang(request))
    errors, said = [], []
    for error in found[:limit]:
        location = [str(part) for part in error.get("loc", ())]
        where, message = validation_words(error, say)
        errors.append({"field": ".".join(location), "message": message})
        said.append(f"{where}: {message}" if where else message)
    more = {"errors_not_listed": total - len(errors)} if total > len(errors) else {}
    summary = "; ".join(said[:5])
    return problem_response(
        422,
        "invalid-request",
        say.gettext(N_("The request was refused")),
        summary or say.gettext(N_("The request was refused")),
        errors,
        **more,
    )


BODY_OVER_LIMIT = N_("The request body is over the limit of %(limit)s bytes.")
_HTTP_PROBLEMS = {
    404: ("not-found", N_("Not found"), N_("There is nothing at this address.")),
    405: ("method-not-allowed", N_("Method not allowed"), N_("This address does not take that method.")),
    413: ("too-large", N_("Request body too large"), N_("The request's body is over the limit.")),
}


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's own answers (an unknown address, a method not taken), in the caller's language."""
    assert isinstance(exc, StarletteHTTPException)
    known = _HTTP_PROBLEMS.get(exc.status_code)
    if known is None:
        return problem_response(exc.status_code, "http-error", "HTTP error", str(exc.detail))
    slug, title, detail = known
    say = speaker(request_lang(request))
    said = say.gettext(detail)
    over = re.search(r"over the limit of ([\d,]+) bytes", str(exc.detail))
    if exc.status_code == 413 and over:  # a body cut off where it passed the limit (app.web.security)
        limit = int(over.group(1).replace(",", ""))
        said = say.gettext(BODY_OVER_LIMIT) % {"limit": say.fmt.number(limit)}
    response = problem_response(exc.status_code, slug, say.gettext(title), said)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


class CorrelatedErrors:
    """ASGI middleware: an unexpected exception becomes a 500 problem with a correlation id.

    It logs the traceback once, with the id, and never shows the exception's text."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if is_disk_full(exc) and not started:
                # a write refused for want of space (a file, the database): said as what it is
                log.error("the disk is full: %s %s: %s", scope.get("method"), scope.get("path"), exc)
                await _domain_error(Request(scope), DiskFull())(scope, receive, send)
                return
            correlation_id = str(uuid.uuid4())
            log.exception(
                "unexpected error correlation_id=%s %s %s",
                correlation_id,
                scope.get("method"),
                scope.get("path"),
            )
            if started:  # too late for another answer; the log has it
                raise
            response = problem_response(
                500,
                "internal-error",
                "Internal error",
                "Something went wrong on our side. Quote the correlation id when reporting it.",
                correlation_id=correlation_id,
            )
            response.headers["X-Correlation-ID"] = correlation_id
            await response(scope, receive, send)


DATABASE_AWAY = N_("The database is not reachable at the moment; try again in %(seconds)s s.")
DATABASE_RETRY_AFTER_S = 15


def _database_away(request: Request, exc: Exception) -> JSONResponse:
    """A database that does not answer (a restart, a failover, SQLite's lock held past its
    timeout): 503 with Retry-After, not a 500. A full disk: 507. Other operational errors stay
    500s. The request's transaction has been rolled back: nothing of it is stored."""
    assert isinstance(exc, OperationalError | InterfaceError)
    if is_disk_full(exc):  # PostgreSQL's disk_full and SQLite's SQLITE_FULL are operational too
        log.error("the disk is full: %s %s: %s", request.method, request.url.path, exc.orig)
        return _domain_error(request, DiskFull())
    driver = type(exc.orig).__module__
    if not (
        exc.connection_invalidated
        or driver.startswith("psycopg")
        or (driver.startswith("sqlite3") and "locked" in str(exc.orig))
    ):
        raise exc
    log.warning(
        "the database does not answer: %s %s: %s",
        request.method,
        request.url.path,
        str(exc).strip().splitlines()[0],
    )
    unavailable = ServiceUnavailable(
        DATABASE_AWAY, retry_after_s=DATABASE_RETRY_AFTER_S, seconds=DATABASE_RETRY_AFTER_S
    )
    return _domain_error(request, unavailable)


def install(app: FastAPI) -> None:
    handlers: dict[type[Exception], Callable[[Request, Exception], JSONResponse]] = {
        OperationalError: _database_away,
        InterfaceError: _database_away,
        DesaplanError: _domain_error,
        RequestValidationError: _request_validation_error,
        StarletteHTTPException: _http_error,
    }
    for cls, handler in handlers.items():
        app.add_exception_handler(cls, handler)
    app.add_middleware(CorrelatedErrors)
