"""`desaplan serve`: the service under uvicorn, with bounds on connections.

- idle keep-alive connections close after `keep_alive_s` (uvicorn's `timeout_keep_alive`);
- at most `max_connections` connections and requests at once; beyond, uvicorn answers 503
  (`limit_concurrency`);
- a connection must finish sending its request's headers within `header_timeout_s` of opening
  (or of its previous answer), else it is closed: uvicorn alone would wait forever for a client
  that sends one byte a minute;
- request headers are at most 64 kB (`h11_max_incomplete_event_size`).
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import h11
import uvicorn
from uvicorn.config import LOGGING_CONFIG
from uvicorn.protocols.http.h11_impl import H11Protocol

from app.main import create_app
from app.settings import Settings, get_settings

MAX_HEADER_BYTES = 64 * 1024


def log_config() -> dict[str, Any]:
    """Uvicorn's logging, with our loggers (jobs, correlation ids of 5xx) on the same stream."""
    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["desaplan"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def bounded_protocol(header_timeout_s: float) -> type[H11Protocol]:
    """uvicorn's h11 protocol with a deadline for each request's headers."""

    class BoundedH11Protocol(H11Protocol):
        _header_deadline: asyncio.TimerHandle | None = None

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

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.conn.their_state is not h11.IDLE:
                self._disarm()  # the request's head is in

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return BoundedH11Protocol


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    return {
        "http": bounded_protocol(settings.header_timeout_s),
        "timeout_keep_alive": settings.keep_alive_s,
        "limit_concurrency": settings.max_connections,
        "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
        "timeout_graceful_shutdown": 10,
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
