"""A kabupaten or kota named as tables name it gives the letter's government and issuer once."""

from __future__ import annotations

import datetime as dt

import pytest

from documents import Letterhead, PlanRef, letter_book
from documents.letter_data import LetterBook, regency
from documents.words import Lang
from models import Plan


@pytest.mark.parametrize(
    ("name", "kind", "bare"),
    [
        ("Kabupaten Bekasi", "kabupaten", "Bekasi"),
        ("KAB. Bekasi", "kabupaten", "Bekasi"),
        ("Kab Bekasi", "kabupaten", "Bekasi"),
        ("Bekasi", "kabupaten", "Bekasi"),
        ("Kota Bekasi", "kota", "Bekasi"),
        ("kota  Bandung", "kota", "Bandung"),
        ("Kotabaru", "kabupaten", "Kotabaru"),  # a kabupaten whose name starts with "Kota"
    ],
)
def test_the_kind_and_the_bare_name(name: str, kind: str, bare: str) -> None:
    assert regency(name) == (kind, bare)


def _plan(kabupaten: list[str]) -> Plan:
    villages = [
        {
            "village_code": f"32.{75 if name.startswith('Kota') else 16}.01.20{i:02d}",
            "village_name": f"Desa {i}",
            "kecamatan": "Kecamatan 1",
            "kabupaten": name,
            "new_enrollments": 10.0,
            "enrollments": {"farmers": {"JKK-JKM": 10.0}},
            "spend_dana_desa_idr": 1000.0,
            "spend_add_idr": 0.0,
            "spend_apbd_idr": 500.0,
            "spend_total_idr": 1500.0,
            "workers_enrolled_before": 5,
            "workers_total": 100,
            "coverage_before": 0.05,
            "coverage_after": 0.15,
        }
        for i, name in enumerate(kabupaten, start=1)
    ]
    return Plan.model_validate(
        {
            "status": "optimal",
            "objective": 1.0,
            "objective_name": "max_protection",
            "scenario_name": "kota",
            "integer": True,
            "villages": villages,
            "premiums": [{"package": "JKK-JKM", "premium_idr": 16800, "source": "apbd_pool"}],
        }
    )


def _book(kabupaten: list[str], lang: Lang = "id") -> LetterBook:
    return letter_book(_plan(kabupaten), Letterhead(), PlanRef("t", dt.date(2026, 12, 1)), lang)


def test_a_kota_pays_from_the_apbd_of_the_kota() -> None:
    letter = _book(["Kota Bekasi"]).letters[0]
    said = " ".join(letter["points"])
    assert "melalui APBD Kota Bekasi" in said and "Kabupaten" not in said
    assert [m["label"] for m in letter["money"]][-1] == "APBD Kota"
    assert letter["issuer"] == "WALI KOTA BEKASI"


def test_a_kabupaten_pays_from_the_apbd_of_the_kabupaten() -> None:
    book = _book(["Kabupaten Bekasi"])
    letter = book.letters[0]
    assert "melalui APBD Kabupaten Bekasi" in " ".join(letter["points"])
    assert [m["label"] for m in letter["money"]][-1] == "APBD Kabupaten"
    assert all("APBD Kabupaten" in row["sources"] for row in book.common["premiums"])


def test_a_plan_of_both_names_the_pool_of_each_and_both_in_the_shared_table() -> None:
    book = _book(["Kabupaten Bekasi", "Kota Bekasi"], "en")
    labels = {letter["kabupaten"]: [m["label"] for m in letter["money"]][-1] for letter in book.letters}
    assert labels == {"Kabupaten Bekasi": "Kabupaten APBD", "Kota Bekasi": "Kota APBD"}
    assert all("Kabupaten/Kota APBD" in row["sources"] for row in book.common["premiums"])
