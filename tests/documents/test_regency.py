"""A kabupaten or kota named as tables name it gives the letter's government and issuer once."""

from __future__ import annotations

import pytest

from documents.letter_data import regency


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
