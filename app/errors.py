"""The service's own errors, one tree; `app.web.problems` answers each as problem+json (RFC 9457).

    DesaplanError (models.errors)
     ├── InputError ........ 422, with one entry per row, column or field problem
     └── ServiceError (here)
          ├── Unauthorized .. 401, no or a bad bearer token (with WWW-Authenticate)
          ├── Forbidden ..... 403, a user whose role does not allow it
          ├── NotFound ...... 404
          ├── Conflict ...... 409
          ├── TooLarge ...... 413
          ├── UnsupportedMediaType 415
          ├── ServiceUnavailable 503 with Retry-After: too many solves at once, or no job queue
          ├── DiskFull ...... 507, the disk under the database or a file is full (`is_disk_full`)
          └── SolveFailed ... 500, a solve that ended without a plan (message is ours)

FastAPI's own validation errors are 422 too, unknown paths 404, and anything unexpected is a 500
whose body carries only a correlation id; the log line with the traceback carries the same id.

A refusal (401, 403, 503) speaks the caller's language (`app.i18n.chosen_lang`: `?lang=`, the
pages' language cookie, `Accept-Language`, else Bahasa Indonesia): its title and detail come from
the catalogue; its `type`, `status` and headers do not change with the language.
"""

from __future__ import annotations

import errno

from app.i18n import N_, Lang, speaker
from app.i18n.reasons import reason
from models.errors import DesaplanError


class Said(str):
    """A parameter of a detail that is itself a message (a status, a reason): said in the
    caller's language too, through the catalogue or the reasons' patterns."""


class ServiceError(DesaplanError):
    """An error of the service itself; `detail` is safe to show to the caller.

    A detail of the catalogue (marked with `N_`) is said in the caller's language: its
    `%(name)s` placeholders are filled from `params` after translation, a float in the
    language's number format, anything else as text. `detail` itself is the English."""

    def __init__(self, detail: str, **params: object) -> None:
        self.message = detail
        self.params = params
        self.detail = self.detail_in("en")
        super().__init__(self.detail)

    def detail_in(self, lang: Lang) -> str:
        if not self.message:
            return ""
        say = speaker(lang)
        text = say.gettext(self.message)
        if not self.params:
            return text
        return text % {name: _said(value, lang) for name, value in self.params.items()}


def _said(value: object, lang: Lang) -> str:
    say = speaker(lang)
    if isinstance(value, Said):
        translated = say.gettext(str(value))
        return translated if translated != value else reason(str(value), say)
    if isinstance(value, float):
        return say.fmt.number(value, 6)
    return str(value)


class Unauthorized(ServiceError):
    pass


class Forbidden(ServiceError):
    pass


class NotFound(ServiceError):
    pass


class Conflict(ServiceError):
    pass


class TooLarge(ServiceError):
    pass


class UnsupportedMediaType(ServiceError):
    pass


class SolveFailed(ServiceError):
    pass


class ServiceUnavailable(ServiceError):
    def __init__(self, detail: str, retry_after_s: int, **params: object) -> None:
        super().__init__(detail, **params)
        self.retry_after_s = retry_after_s


DISK_FULL = N_(
    "The disk where the service keeps its data is full, so nothing was saved. "
    "Ask the administrator to free space, then try again."
)


class DiskFull(ServiceError):
    """507: a write refused because the disk is full; the transaction was rolled back whole."""

    def __init__(self, detail: str = DISK_FULL, **params: object) -> None:
        super().__init__(detail, **params)


_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
SQLITE_FULL = 13  # sqlite3's result code for "database or disk is full"
POSTGRES_DISK_FULL = "53100"  # SQLSTATE disk_full (psycopg.errors.DiskFull)


def is_disk_full(exc: BaseException | None) -> bool:
    """Whether `exc`, or what it wraps, says the disk is full: an OSError ENOSPC or EDQUOT,
    SQLite's SQLITE_FULL ("database or disk is full"), PostgreSQL's disk_full (53100)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
            return True
        if getattr(exc, "sqlite_errorcode", None) == SQLITE_FULL:
            return True
        if type(exc).__module__.startswith("sqlite3") and "database or disk is full" in str(exc):
            return True
        if getattr(exc, "sqlstate", None) == POSTGRES_DISK_FULL:
            return True
        # SQLAlchemy keeps the driver's error in `orig`; Python chains the rest
        exc = getattr(exc, "orig", None) or exc.__cause__ or exc.__context__
    return False
