"""Amounts as Indonesian official letters write them: figures with dots, words as the style says
(seribu, but satu juta and satu miliar)."""

from __future__ import annotations

import datetime as dt

from documents import words


def test_words_follow_the_official_style() -> None:
    assert words.in_words(100) == "seratus"
    assert words.in_words(1_000) == "seribu"
    assert words.in_words(1_000_000) == "satu juta"
    assert words.in_words(1_000_000_000) == "satu miliar"
    assert words.in_words(1_100_000) == "satu juta seratus ribu"
    assert words.rupiah_in_words(0) == "nol rupiah"


def test_an_amount_in_figures_and_words() -> None:
    assert words.rupiah_both(8_545_864_500) == (
        "Rp8.545.864.500 (delapan miliar lima ratus empat puluh lima juta delapan ratus enam puluh "
        "empat ribu lima ratus rupiah)"
    )
    assert words.rupiah(8_545_864_500, "en") == "Rp8.545.864.500"  # the pages' formats in English too
    assert words.rupiah_in_words(1_500, "en") == "one thousand five hundred rupiah"


def test_counts_dates_and_months_in_the_language() -> None:
    assert words.count(43_134) == "43.134"
    assert words.count(12.5) == "12,5"
    assert words.date(dt.date(2026, 12, 8)) == "8 Desember 2026"
    assert words.month_run("2026-04", "2026-12") == "April–Desember 2026"
    assert words.month_run("2026-11", "2027-02", "en") == "November 2026–February 2027"
