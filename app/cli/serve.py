"""`desaplan serve`: the service under uvicorn, with bounds on connections.

- idle keep-alive connections close after `keep_alive_s` (uvicorn's `timeout_keep_alive`);
- at most `max_connections` connections at once, and at most `max_connections_per_client` of
  them from one address (a trusted proxy's address excepted: it carries everyone's). Beyond,
  the request is answered problem+json with `Retry-After`: 429 for an address past its share,
  503 for a full service (uvicorn's `limit_concurrency` answers a plain-text 503 and counts
  every address alike, so one client's idle connections would shut out everyone else);
- a connection must finish sending its request's headers within `header_timeout_s` of opening
  (or of its previous answer), else it is closed: uvicorn alone would wait forever for a client
  that sends one byte a minute;
- a request's body must arrive within `body_timeout_s` of its headers, plus a second for each
  `body_min_bytes_per_s` bytes received (Apache's mod_reqtimeout rule): a slow link still
  uploads a large table, a trickle of a byte every few seconds is answered 408 and closed;
- request headers are at most 64 kB (`h11_max_incomplete_event_size`);
- `X-Forwarded-Proto` and `X-Forwarded-For` are believed from `forwarded_allow_ips` only
  (uvicorn's `proxy_headers`): the session cookie is `Secure` behind a proxy that says https.
"""

from __future__ import annotations

import asyncio
import copy
import ipaddress
import json
import math
from collections import Counter
from collections.abc import Mapping
from typing import Any

import h11
import uvicorn
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.config import LOGGING_CONFIG
from uvicorn.protocols.http.h11_impl import H11Protocol

from app.i18n import N_, speaker
from app.main import create_app
from app.settings import Settings, get_settings
from app.web.problems import PROBLEM_JSON, problem_response, request_lang

MAX_HEADER_BYTES = 64 * 1024


def log_config() -> dict[str, Any]:
    """Uvicorn's logging, with our loggers (jobs, correlation ids of 5xx) on the same stream."""
    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["desaplan"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


class TrustedProxies:
    """The addresses (and networks) `forwarded_allow_ips` names; "*" is every address."""

    def __init__(self, spec: str) -> None:
        items = [part.strip() for part in spec.split(",") if part.strip()]
        self.everyone = "*" in items
        self.networks = [ipaddress.ip_network(i, strict=False) for i in items if i != "*"]

    def __contains__(self, host: object) -> bool:
        if self.everyone:
            return True
        try:
            address = ipaddress.ip_address(str(host))
        except ValueError:
            return False
        return any(address in network for network in self.networks)


def refusal(status: int, retry_after_s: int, detail_args: dict[str, Any]) -> ASGIApp:
    """The answer to a request on a connection past its address's share (429) or past the
    service's cap (503): problem+json in the caller's language, `Retry-After`, and closed."""

    async def answer(scope: Scope, receive: Receive, send: Send) -> None:
        say = speaker(request_lang(Request(scope)))
        if status == 429:
            title = say.gettext(N_("Too many connections from this address"))
            detail = say.gettext(
                N_(
                    "This address already holds %(held)s connections to the service, its share; "
                    "close some or try again in %(seconds)s s."
                )
            )
            slug = "too-many-connections"
        else:
            title = say.gettext(N_("The service is busy"))
            detail = say.gettext(
                N_(
                    "The service holds as many connections as it takes (%(held)s); "
                    "try again in %(seconds)s s."
                )
            )
            slug = "busy"
        response = problem_response(status, slug, title, detail % {**detail_args, "seconds": retry_after_s})
        response.headers["Retry-After"] = str(retry_after_s)
        response.headers["Connection"] = "close"
        await response(scope, receive, send)

    return answer


def _too_slow_body(request: Mapping[str, Any] | None, settings: Settings) -> bytes:
    """The 408 problem's body, in the language the request asked for."""
    scope: Scope = {
        "type": "http",
        "headers": (request or {}).get("headers", []),
        "query_string": (request or {}).get("query_string", b""),
    }
    say = speaker(request_lang(Request(scope)))
    problem = {
        "type": "/problems/body-too-slow",
        "title": say.gettext(N_("Request body too slow")),
        "status": 408,
        "detail": say.gettext(
            N_(
                "The request body did not arrive in time (%(seconds)s s, and a second more for "
                "each %(rate)s bytes received); send it again."
            )
        )
        % {"seconds": f"{settings.body_timeout_s:g}", "rate": settings.body_min_bytes_per_s},
    }
    return json.dumps(problem).encode()


def bounded_protocol(settings: Settings) -> type[H11Protocol]:
    """uvicorn's h11 protocol with a deadline for each request's headers and body, and the
    connections counted per address."""
    header_timeout_s = settings.header_timeout_s
    proxies = TrustedProxies(settings.forwarded_allow_ips)
    held: Counter[str] = Counter()  # admitted connections, by address (this process's)
    refused: Counter[str] = Counter()  # connections open but refused, by address
    retry_after_s = max(1, math.ceil(settings.keep_alive_s))

    class BoundedH11Protocol(H11Protocol):
        _header_deadline: asyncio.TimerHandle | None = None
        _body_deadline: asyncio.TimerHandle | None = None
        _body_started = 0.0
        _body_bytes = 0
        _address = ""
        _admitted = False
        _refused = False

        def _arm(self) -> None:
            self._disarm()
            self._header_deadline = self.loop.call_later(header_timeout_s, self._headers_too_slow)

        def _disarm(self) -> None:
            if self._header_deadline is not None:
                self._header_deadline.cancel()
                self._header_deadline = None

        def _headers_too_slow(self) -> None:
            self._header_deadline = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self.transport.close()  # the headers never came: nobody is waiting for an answer

        def _arm_body(self, received: int) -> None:
            if self._body_deadline is None:
                self._body_started = self.loop.time()
                self._body_bytes = 0
            else:
                self._body_deadline.cancel()
            self._body_bytes += received
            allowed_s = settings.body_timeout_s + self._body_bytes / settings.body_min_bytes_per_s
            self._body_deadline = self.loop.call_at(self._body_started + allowed_s, self._body_too_slow)

        def _disarm_body(self) -> None:
            if self._body_deadline is not None:
                self._body_deadline.cancel()
                self._body_deadline = None

        def _body_too_slow(self) -> None:
            self._body_deadline = None
            if self.transport.is_closing() or self.conn.their_state is not h11.SEND_BODY:
                return
            if self.flow.read_paused:  # we stopped reading (the app is behind), not the client
                self._body_deadline = self.loop.call_later(settings.body_timeout_s, self._body_too_slow)
                return
            if self.conn.our_state is h11.SEND_RESPONSE:
                body = _too_slow_body(self.scope, settings)
                try:
                    response = h11.Response(
                        status_code=408,
                        headers=[
                            (b"content-type", PROBLEM_JSON.encode()),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"),
                        ],
                        reason=b"Request Timeout",
                    )
                    output = self.conn.send(response) or b""
                    output += self.conn.send(h11.Data(data=body)) or b""
                    output += self.conn.send(h11.EndOfMessage()) or b""
                    self.transport.write(output)
                except h11.LocalProtocolError:
                    pass
            if self.cycle is not None:  # the app reading the body hears the client is gone
                self.cycle.disconnected = True
                self.cycle.message_event.set()
            self.transport.close()

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._address = self.client[0] if self.client else ""
            own_share = self._address in proxies or held[self._address] < settings.max_connections_per_client
            if own_share and held.total() < settings.max_connections:
                self._admitted = True
                held[self._address] += 1
            else:
                # answered at its first request (the header deadline closes it if none comes);
                # an address holding its share twice over is not heard at all
                self._refused = True
                refused[self._address] += 1
                if refused[self._address] > settings.max_connections_per_client:
                    transport.close()
                status = 503 if own_share else 429
                limit = settings.max_connections if own_share else settings.max_connections_per_client
                self.app = refusal(status, retry_after_s, {"held": limit})
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.conn.their_state is not h11.IDLE:
                self._disarm()  # the request's head is in
            if self.conn.their_state is h11.SEND_BODY:
                self._arm_body(len(data))
            else:
                self._disarm_body()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            self._disarm_body()
            for counter, counted in ((held, self._admitted), (refused, self._refused)):
                if counted:
                    counter[self._address] -= 1
                    if counter[self._address] <= 0:
                        del counter[self._address]
            self._admitted = self._refused = False
            super().connection_lost(exc)

    return BoundedH11Protocol


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    return {
        "http": bounded_protocol(settings),
        "timeout_keep_alive": settings.keep_alive_s,
        # the cap is the protocol's own (problem+json, a share per address), not uvicorn's
        "limit_concurrency": None,
        "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
        "timeout_graceful_shutdown": 10,
        "proxy_headers": True,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
    }


LOOPBACK = ("127.0.0.1", "::1", "localhost")


def is_loopback(host: str) -> bool:
    return host in LOOPBACK or host.startswith("127.")


class AuthOffBeyondLoopback(ValueError):
    pass


def check_exposure(settings: Settings, host: str) -> None:
    """Authentication off is for one person's laptop: never on an address others can reach."""
    if settings.auth == "off" and not is_loopback(host):
        raise AuthOffBeyondLoopback(
            f"DESAPLAN_AUTH=off serves anyone who reaches {host}: it is allowed on the loopback "
            "address only (--host 127.0.0.1). Create users and tokens instead "
            "(desaplan user create, desaplan token create)."
        )


def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    settings = get_settings()
    check_exposure(settings, host)
    uvicorn.run(
        create_app(settings), host=host, port=port, log_config=log_config(), **uvicorn_options(settings)
    )
