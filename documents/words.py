"""Numbers, rupiah and dates as official letters write them: `Rp8.545.864.500 (delapan miliar ...
rupiah)`, `1.234`, `8 Desember 2026`, in Bahasa Indonesia or English.

num2words with lang="id" gives the words the Indonesian style asks for (*seratus*, *seribu*, but
*satu juta*, *satu miliar*).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from babel.numbers import format_decimal
from num2words import num2words

Lang = Literal["id", "en"]

MONTHS = {
    "id": [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}
_CURRENCY_WORD = {"id": "rupiah", "en": "rupiah"}
_ZERO = {"id": "nol", "en": "zero"}


def number(value: float, lang: Lang = "id", decimals: int = 0) -> str:
    """Thousands grouped with dots, decimals after a comma: `1.234`, `12,5`. The English texts keep
    the Indonesian formats too, as the pages do: the figures are the district's own."""
    pattern = "#,##0" + ("." + "#" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale="id_ID")


def count(value: float, lang: Lang = "id") -> str:
    """Workers: whole when whole, else one decimal (continuous plans)."""
    whole = abs(value - round(value)) < 1e-6
    return number(round(value) if whole else value, lang, 0 if whole else 1)


def rupiah(value: float, lang: Lang = "id") -> str:
    """Whole rupiah: `Rp8.545.864.500`."""
    sign = "-" if value < -0.5 else ""
    return f"{sign}Rp{number(abs(round(value)), lang)}"


def in_words(value: int, lang: Lang = "id") -> str:
    """A whole number in words: 8545864500 -> `delapan miliar lima ratus ... lima ratus`."""
    if value == 0:
        return _ZERO[lang]
    words: str = num2words(abs(value), lang="id" if lang == "id" else "en")
    return ("minus " if value < 0 else "") + words.replace(",", "")


def rupiah_in_words(value: float, lang: Lang = "id") -> str:
    """Rupiah in words, as the letter writes them after the figures: `delapan ... rupiah`."""
    return f"{in_words(round(value), lang)} {_CURRENCY_WORD[lang]}"


def rupiah_both(value: float, lang: Lang = "id") -> str:
    """The figures and the words: `Rp1.000 (seribu rupiah)`."""
    return f"{rupiah(value, lang)} ({rupiah_in_words(value, lang)})"


def date(day: dt.date, lang: Lang = "id") -> str:
    """`8 Desember 2026` (id), `8 December 2026` (en)."""
    return f"{day.day} {MONTHS[lang][day.month - 1]} {day.year}"


def month(month_key: str, lang: Lang = "id") -> str:
    """`2026-04` -> `April 2026`."""
    year, number_ = month_key.split("-")
    return f"{MONTHS[lang][int(number_) - 1]} {year}"


def month_run(first: str, last: str, lang: Lang = "id") -> str:
    """A run of months: `April–Desember 2026`, or `November 2026–Februari 2027` across a year."""
    if first == last:
        return month(first, lang)
    first_year, first_month = first.split("-")
    last_year, last_month = last.split("-")
    if first_year == last_year:
        return f"{MONTHS[lang][int(first_month) - 1]}–{month(last, lang)}"
    return f"{month(first, lang)}–{month(last, lang)}"
