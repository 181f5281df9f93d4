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
          └── SolveFailed ... 500, a solve that ended without a plan (message is ours)

FastAPI's own validation errors are 422 too, unknown paths 404, and anything unexpected is a 500
whose body carries only a correlation id; the log line with the traceback carries the same id.

A refusal (401, 403, 503) speaks the caller's language (`app.i18n.chosen_lang`: `?lang=`, the
pages' language cookie, `Accept-Language`, else Bahasa Indonesia): its title and detail come from
the catalogue; its `type`, `status` and headers do not change with the language.
"""

from __future__ import annotations

from app.i18n import Lang, speaker
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
