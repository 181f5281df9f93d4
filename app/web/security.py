"""Limits on what one client may ask of the service.

- Every request body has a size limit: uploads (`POST /datasets`) `max_upload_bytes`, every
  other body `max_body_bytes`. A declared `Content-Length` over it is answered at once, before
  the app is called; a body that streams past it is cut off where it does (the route that reads
  it gets an HTTP 413 error, which the one error table answers as a problem like any other).

- A write whose `Origin` header names another site is refused (403).
- Each client may send `rate_limit_per_minute` requests in a moving minute (the `limits`
  library's moving window, in memory: one service process). A client is its bearer token when
  it sends one, else its address. Beyond it: 429 with `Retry-After`. `/health` is not counted.
"""

from __future__ import annotations

import hashlib
import math
import time
from urllib.parse import urlsplit

from fastapi import FastAPI
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.i18n import N_, speaker
from app.settings import Settings
from app.web.problems import problem_response, request_lang

UNCOUNTED_PATHS = frozenset({"/health"})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


class BodyLimit:
    """ASGI middleware: 413 for a request body over its limit, declared or streamed."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            upload = scope.get("method") == "POST" and scope.get("path", "").rstrip("/") == "/datasets"
            limit = self.max_upload_bytes if upload else self.max_body_bytes
            declared = (_header(scope, b"content-length") or "").strip()
            if declared.isdigit() and int(declared) > limit:
                what = "upload" if upload else "request body"
                response = problem_response(
                    413,
                    "too-large",
                    "Request body too large",
                    f"The {what} has {int(declared):,} bytes; the limit is {limit:,} bytes.",
                )
                response.headers["Connection"] = "close"
                await response(scope, receive, send)
                return
            received = 0

            async def limited_receive() -> Message:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > limit:
                        # FastAPI passes an HTTPException from reading the body on as it is
                        raise HTTPException(413, f"The request body is over the limit of {limit:,} bytes.")
                return message

            await self.app(scope, limited_receive, send)
            return
        await self.app(scope, receive, send)


class SameOrigin:
    """ASGI middleware: a write whose `Origin` names another site is refused (403). Browsers
    send `Origin` with every cross-site POST, so a form on another page cannot post here even
    with authentication off; clients that send no `Origin` (curl, scripts) are not concerned."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") not in ("GET", "HEAD", "OPTIONS"):
            origin = _header(scope, b"origin")
            host = _header(scope, b"host")
            if origin is not None and (origin == "null" or urlsplit(origin).netloc != host):
                say = speaker(request_lang(Request(scope)))
                response = problem_response(
                    403,
                    "cross-site",
                    say.gettext(N_("Cross-site request refused")),
                    say.gettext(
                        N_(
                            "A write from %(origin)s to this service is refused: use the "
                            "service's own pages or an API token."
                        )
                    )
                    % {"origin": origin},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def client_key(scope: Scope) -> str:
    """Who a request counts against: its bearer token (hashed, never kept as sent), else the
    address it comes from."""
    authorization = _header(scope, b"authorization") or ""
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return "token:" + hashlib.sha256(credentials.strip().encode()).hexdigest()
    client = scope.get("client")
    return f"address:{client[0] if client else 'unknown'}"


class RateLimit:
    """ASGI middleware: at most `per_minute` requests per client in a moving minute."""

    def __init__(self, app: ASGIApp, per_minute: int) -> None:
        self.app = app
        self.item = RateLimitItemPerMinute(per_minute)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in UNCOUNTED_PATHS:
            await self.app(scope, receive, send)
            return
        key = client_key(scope)
        if self.limiter.hit(self.item, key):
            await self.app(scope, receive, send)
            return
        reset_at = self.limiter.get_window_stats(self.item, key).reset_time
        retry_after = max(1, math.ceil(reset_at - time.time()))
        response = problem_response(
            429,
            "too-many-requests",
            "Too many requests",
            f"More than {self.item.amount} requests in a minute; try again in {retry_after} s.",
        )
        response.headers["Retry-After"] = str(retry_after)
        await response(scope, receive, send)


def install(app: FastAPI, settings: Settings) -> None:
    """The body limit and the rate limit, outside everything else: a refused request reads no
    body."""
    app.add_middleware(SameOrigin)
    app.add_middleware(
        BodyLimit,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
    )
    if settings.rate_limit_per_minute:
        app.add_middleware(RateLimit, per_minute=settings.rate_limit_per_minute)
