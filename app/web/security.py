"""Limits on what one client may ask of the service.

- Every request body has a size limit: uploads (`POST /datasets`) `max_upload_bytes`, every
  other body `max_body_bytes`. A declared `Content-Length` over it is answered at once, before
  the app is called; a body that streams past it is cut off where it does (the route that reads
  it gets an HTTP 413 error, which the one error table answers as a problem like any other).

- A write whose `Origin` header names another site is refused (403).
- Each client may send `rate_limit_per_minute` requests in a moving minute (the `limits`
  library's moving window: in Redis when the service has a queue URL, so several serves share
  one count; in memory otherwise, or while Redis does not answer). A client is its bearer token
  when it sends one, else its address. Beyond it: 429 with `Retry-After`. `/health` is not
  counted.
- Each address may fail `auth_failures_per_minute` credential checks in a moving minute: a
  bearer token refused (401), a token refused at the pages' sign-in, a session cookie refused
  (unknown, signed out or expired). Past them, a token or session cookie that has not passed a
  check lately, and any sign-in, is answered 429 before its check, so no argon2 hash is spent on
  guesses (the same wrong token is not hashed twice either: `app.services.accounts`).
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI
from limits import RateLimitItem, RateLimitItemPerMinute
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.exceptions import HTTPException
from starlette.requests import Request, cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.i18n import N_, speaker
from app.services.accounts import recently_seen_session, recently_verified
from app.settings import Settings
from app.web.auth import SESSION_COOKIE
from app.web.problems import problem_response, request_lang

logger = logging.getLogger(__name__)

UNCOUNTED_PATHS = frozenset({"/health"})
SIGN_IN_PATHS = frozenset({"/ui/login", "/ui/logout"})  # they check no session cookie


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
                say = speaker(request_lang(Request(scope)))
                detail = (
                    N_("The upload has %(size)s bytes; the limit is %(limit)s bytes.")
                    if upload
                    else N_("The request body has %(size)s bytes; the limit is %(limit)s bytes.")
                )
                response = problem_response(
                    413,
                    "too-large",
                    say.gettext(N_("Request body too large")),
                    say.gettext(detail)
                    % {"size": say.fmt.number(int(declared)), "limit": say.fmt.number(limit)},
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


def _bearer(scope: Scope) -> str | None:
    authorization = _header(scope, b"authorization") or ""
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return credentials.strip() or None


def _session_cookie(scope: Scope) -> str | None:
    cookies = _header(scope, b"cookie")
    if not cookies:
        return None
    return cookie_parser(cookies).get(SESSION_COOKIE) or None


def _address(scope: Scope) -> str:
    client = scope.get("client")
    return f"address:{client[0] if client else 'unknown'}"


def client_key(scope: Scope) -> str:
    """Who a request counts against: its bearer token (hashed, never kept as sent), else the
    address it comes from."""
    token = _bearer(scope)
    if token:
        return "token:" + hashlib.sha256(token.encode()).hexdigest()
    return _address(scope)


class _MemoryCounts(MemoryStorage):
    """`limits`' memory store, its expired counts dropped at most once a second: the store
    starts a timer thread on every hit that finds none running (a thread per request). A moving
    window ignores expired entries whenever they are dropped, so the counts are the same."""

    EXPIRE_EVERY_S = 1.0

    def __init__(self) -> None:
        super().__init__()
        self._expiry_due = 0.0

    def _MemoryStorage__schedule_expiry(self) -> None:  # the store's private hook, by its name
        now = time.monotonic()
        if now < self._expiry_due:
            return
        self._expiry_due = now + self.EXPIRE_EVERY_S
        MemoryStorage._MemoryStorage__schedule_expiry(self)  # type: ignore[attr-defined]


class _Limiter:
    """The moving-window limiter on the shared store (Redis, when the service has a queue URL:
    several serves share one count), on this process's memory while the store does not answer
    (a Redis outage slows nothing and limits still hold, per process)."""

    RETRY_STORE_S = 5.0

    def __init__(self, storage_url: str | None) -> None:
        self.local = MovingWindowRateLimiter(_MemoryCounts())
        self.shared: MovingWindowRateLimiter | None = None
        self.down_until = 0.0
        if storage_url and storage_url.startswith(("redis://", "rediss://", "unix://")):
            self.shared = MovingWindowRateLimiter(
                storage_from_string(storage_url, socket_connect_timeout=1, socket_timeout=1)
            )

    def _pick(self) -> MovingWindowRateLimiter:
        if self.shared is not None and time.monotonic() >= self.down_until:
            return self.shared
        return self.local

    def _call(self, name: str, *args: Any) -> Any:
        limiter = self._pick()
        try:
            return getattr(limiter, name)(*args)
        except Exception:  # the store is down or refuses: this process's memory meanwhile
            if limiter is self.local:
                raise
            logger.warning("rate limits kept in memory: the limiter's store did not answer", exc_info=True)
            self.down_until = time.monotonic() + self.RETRY_STORE_S
            return getattr(self.local, name)(*args)

    def hit(self, item: RateLimitItem, key: str) -> bool:
        return bool(self._call("hit", item, key))

    def test(self, item: RateLimitItem, key: str) -> bool:
        return bool(self._call("test", item, key))

    def retry_after(self, item: RateLimitItem, key: str) -> int:
        reset_at = self._call("get_window_stats", item, key).reset_time
        return max(1, math.ceil(reset_at - time.time()))


class RateLimit:
    """ASGI middleware: at most `per_minute` requests per client in a moving minute, and at most
    `failures_per_minute` failed token checks (401) per address: past them, a request whose token
    has not passed a check lately is answered 429 before it reaches the token check (no argon2
    hash), so made-up tokens meet 429s and a real token's prefix cannot be guessed at speed.
    Counts live in Redis when `storage_url` (the queue's) is given."""

    def __init__(
        self,
        app: ASGIApp,
        per_minute: int,
        failures_per_minute: int = 0,
        storage_url: str | None = None,
        namespace: str = "desaplan",
    ) -> None:
        self.app = app
        self.item = (
            RateLimitItemPerMinute(per_minute, namespace=f"{namespace}:requests") if per_minute else None
        )
        self.failures = (
            RateLimitItemPerMinute(failures_per_minute, namespace=f"{namespace}:failures")
            if failures_per_minute
            else None
        )
        self.limiter = _Limiter(storage_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in UNCOUNTED_PATHS:
            await self.app(scope, receive, send)
            return
        address = _address(scope)
        guessing = self.failures is not None and self._unproven(scope)
        if guessing and self.failures is not None and not self.limiter.test(self.failures, address):
            retry_after = self.limiter.retry_after(self.failures, address)
            await self._refuse(
                scope,
                receive,
                send,
                retry_after,
                f"More than {self.failures.amount} failed token checks from this "
                f"address in a minute; try again in {retry_after} s.",
            )
            return
        key = client_key(scope)
        if self.item is not None and not self.limiter.hit(self.item, key):
            retry_after = self.limiter.retry_after(self.item, key)
            await self._refuse(
                scope,
                receive,
                send,
                retry_after,
                f"More than {self.item.amount} requests in a minute; try again in {retry_after} s.",
            )
            return
        if not guessing:
            await self.app(scope, receive, send)
            return
        failures, limiter = self.failures, self.limiter
        state = scope.setdefault("state", {})  # where the session check marks a refused cookie

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start" and (
                message["status"] == 401 or state.get("credential_refused")
            ):
                assert failures is not None
                limiter.hit(failures, address)
            await send(message)

        await self.app(scope, receive, counting_send)

    @staticmethod
    def _unproven(scope: Scope) -> bool:
        """Whether the request carries a credential that has not passed a check lately: a
        bearer token, else a session cookie (where one is checked), or a token for the sign-in."""
        token = _bearer(scope)
        if token is not None:
            return not recently_verified(token)
        path = scope.get("path", "")
        if path == "/ui/login" and scope.get("method") == "POST":
            return True
        session_id = _session_cookie(scope)
        return session_id is not None and path not in SIGN_IN_PATHS and not recently_seen_session(session_id)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, retry_after: int, detail: str) -> None:
        response = problem_response(429, "too-many-requests", "Too many requests", detail)
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
    if settings.rate_limit_per_minute or settings.auth_failures_per_minute:
        app.add_middleware(
            RateLimit,
            per_minute=settings.rate_limit_per_minute,
            failures_per_minute=settings.auth_failures_per_minute,
            storage_url=settings.queue_url,
            namespace=settings.queue_name,
        )
