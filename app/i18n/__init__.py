"""One message catalogue and the locale's formats: Bahasa Indonesia by default, English on request.

The messages are written in English in the code and the templates; their Indonesian is the
gettext catalogue `app/locale/id/LC_MESSAGES/messages.po`, read with Babel and compiled in memory
at first use (no build step, so a plain `pip install -e .` is enough). Numbers, rupiah,
percentages and dates go through Babel's CLDR formats of the language's locale (`id_ID`, or
`en_ID` for English: English words, Indonesian numbers); times are shown in WIB (Asia/Jakarta).

    >>> formats("id").rupiah(8695814400)
    'Rp8.695.814.400'
    >>> formats("id").percent(0.065)
    '6,5%'
"""

from __future__ import annotations

import gettext as gettext_module
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

from app.i18n.env import env_lang
from scenarios.labels import GROUP_NAMES, OBJECTIVE_NAMES, STATUS_NAMES

Lang = Literal["id", "en"]
LANGUAGES: tuple[Lang, ...] = ("id", "en")
DEFAULT_LANG: Lang = "id"
LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}
LOCALE_DIR = Path(__file__).parent.parent / "locale"  # app/locale, beside the package
DOMAIN = "messages"
LANG_COOKIE = "desaplan_lang"  # the pages' language switch
WIB = ZoneInfo("Asia/Jakarta")
Moment = datetime  # Formats.datetime shadows the name inside the class
# the CLDR locale of each language's numbers and dates
_LOCALES = {"id": "id_ID", "en": "en_ID"}


def N_(message: str) -> str:
    """Marks a message for the catalogue where it is defined; it is translated where shown."""
    return message


def normalise_lang(value: str | None) -> Lang | None:
    """'id', 'ID', 'id-ID', 'en_GB' -> 'id' or 'en'; None for anything else."""
    if not value:
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    if code == "in":  # the old ISO code of Indonesian, still sent by some systems
        code = "id"
    return code if code in LANGUAGES else None  # type: ignore[return-value]


def accepted_lang(header: str | None) -> Lang | None:
    """The language of an `Accept-Language` header we speak with the highest weight (the first
    of equal weights); None when it names neither."""
    best: tuple[float, Lang] | None = None
    for part in (header or "").split(","):
        tag, _, params = part.partition(";")
        lang = normalise_lang(tag)
        if lang is None:
            continue
        weight = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if weight > 0 and (best is None or weight > best[0]):
            best = (weight, lang)
    return best[1] if best else None


def chosen_lang(query: str | None, cookie: str | None, accept_language: str | None) -> Lang:
    """The API's language for a request: `?lang=`, then the pages' language cookie, then
    `Accept-Language`, then Bahasa Indonesia."""
    return normalise_lang(query) or normalise_lang(cookie) or accepted_lang(accept_language) or DEFAULT_LANG


def lang_from_env(default: Lang = DEFAULT_LANG) -> Lang:
    """`DESAPLAN_LANG` when it names a language we speak."""
    return normalise_lang(env_lang()) or default


@cache
def translations(lang: Lang) -> gettext_module.NullTranslations:
    """The catalogue of `lang`; English is the messages as written."""
    if lang == "en":
        return gettext_module.NullTranslations()
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as po:
        catalog = read_po(po, locale=lang)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext_module.GNUTranslations(compiled)


def gettext_for(lang: Lang) -> Callable[[str], str]:
    return translations(lang).gettext


@cache
def _locale(lang: Lang) -> Locale:
    try:
        return Locale.parse(_LOCALES[lang])
    except UnknownLocaleError:  # an older CLDR without en_ID
        return Locale.parse("en")


def _missing(value: float) -> bool:
    """Not a number, so nothing to show (a plan without villages has no coverage)."""
    return value != value  # NaN is the one value unequal to itself


@dataclass(frozen=True)
class Formats:
    """The locale's way of writing numbers, money, shares and dates."""

    lang: Lang

    @property
    def locale(self) -> Locale:
        return _locale(self.lang)

    def number(self, value: float | int | None, decimals: int = 0) -> str:
        """Thousands grouped; `decimals` at most (a whole number shows none)."""
        if value is None or _missing(value):
            return "–"
        pattern = "#,##0" + ("." + "#" * decimals if decimals else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    def count(self, value: float | None) -> str:
        """Workers: whole when whole, else one decimal (continuous plans)."""
        if value is None or _missing(value):
            return "–"
        whole = abs(value - round(value)) < 1e-6
        return self.number(round(value) if whole else value, 0 if whole else 1)

    def rupiah(self, value: float | None) -> str:
        """Whole rupiah with the locale's grouping: `Rp8.695.814.400`."""
        if value is None or _missing(value):
            return "–"
        sign = "-" if value < 0 else ""
        return f"{sign}Rp{self.number(abs(round(value)))}"

    def signed_rupiah(self, value: float | None) -> str:
        if value is None or _missing(value):
            return "–"
        return ("+" if value > 0 else "") + self.rupiah(value)

    def signed(self, value: float | None, decimals: int = 0) -> str:
        if value is None or _missing(value):
            return "–"
        text = self.count(value) if decimals == 0 else self.number(value, decimals)
        return ("+" if value > 0 else "") + text

    def percent(self, share: float | None, decimals: int = 1) -> str:
        """A share as a percentage: 0.065 -> `6,5%`."""
        if share is None or _missing(share):
            return "–"
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
        return format_percent(share, format=pattern, locale=self.locale)

    def percent_points(self, delta: float | None, decimals: int = 1) -> str:
        """A change of share in percentage points, signed."""
        if delta is None or _missing(delta):
            return "–"
        sign = "+" if delta > 0 else ""
        return sign + self.number(delta * 100, decimals) + (" pp" if self.lang == "en" else " poin")

    def datetime(self, moment: Moment | None) -> str:
        """In WIB: `1 Des 2026 14.05 WIB`."""
        if moment is None:
            return "–"
        if moment.tzinfo is None:  # stored timestamps are UTC
            moment = moment.replace(tzinfo=UTC)
        local = moment.astimezone(WIB)
        return format_datetime(local, "d MMM y HH.mm", locale=self.locale) + " WIB"

    def date(self, moment: Moment | None) -> str:
        if moment is None:
            return "–"
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return format_date(moment.astimezone(WIB), "d MMMM y", locale=self.locale)


def formats(lang: Lang) -> Formats:
    return Formats(lang)


JOB_STATUS_NAMES = {
    "queued": N_("queued"),
    "running": N_("running"),
    "succeeded": N_("done"),
    "failed": N_("failed"),
    "cancelled": N_("cancelled"),
}


@dataclass(frozen=True)
class Speaker:
    """What a page or a summary needs to talk: the catalogue and the formats of one language."""

    lang: Lang

    @property
    def fmt(self) -> Formats:
        return formats(self.lang)

    def gettext(self, message: str) -> str:
        return translations(self.lang).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translations(self.lang).ngettext(singular, plural, n)

    def group(self, code: str) -> str:
        return self.gettext(GROUP_NAMES[code]) if code in GROUP_NAMES else code.replace("_", " ")

    def status(self, code: str) -> str:
        return self.gettext(STATUS_NAMES[code]) if code in STATUS_NAMES else code

    def job_status(self, code: str) -> str:
        return self.gettext(JOB_STATUS_NAMES[code]) if code in JOB_STATUS_NAMES else code

    def objective(self, code: str) -> str:
        return self.gettext(OBJECTIVE_NAMES[code]) if code in OBJECTIVE_NAMES else code


def speaker(lang: Lang | str | None) -> Speaker:
    return Speaker(normalise_lang(lang) or DEFAULT_LANG)
