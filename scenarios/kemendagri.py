"""Kemendagri region codes: the kabupaten and kota of Indonesia by code (`scenarios/data/`)."""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

_FILE = Path(__file__).parent / "data" / "kabupaten_kota.csv"
_CODE = re.compile(r"^(\d{2})\.?(\d{2})$")


@cache
def kabupaten_names() -> dict[str, str]:
    """Kemendagri code ("32.16") -> official name ("Kabupaten Bekasi")."""
    with _FILE.open(encoding="utf-8", newline="") as f:
        return {row["kabupaten_code"]: row["kabupaten_name"] for row in csv.DictReader(f)}


def kabupaten_code(text: str) -> str | None:
    """ "32.16" or "3216" as the dotted code; None for anything that is not a kabupaten code."""
    match = _CODE.match(text.strip())
    return f"{match.group(1)}.{match.group(2)}" if match else None
