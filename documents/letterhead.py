"""What a district sets once for its letters: the letterhead, the letter's number and date, the
signatory, the copies and the APBDes budget line villages are asked to use.

Read from a YAML or JSON file (`desaplan letters --letterhead F`, the service's
DESAPLAN_LETTERHEAD_FILE); any field left out takes the default here, and an empty name takes the
plan's kabupaten.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, ValidationError

from models import InputError, InputIssue


class Letterhead(BaseModel):
    """The district's letterhead, signatory and the wording it chose for the budget line."""

    model_config = {"extra": "forbid"}

    kabupaten: str = Field(default="", description="the kabupaten's name, e.g. Bekasi; empty: the plan's")
    government: str = Field(default="", description="e.g. PEMERINTAH KABUPATEN BEKASI; empty: by kabupaten")
    office: str = Field(default="", description="the office under the government, e.g. SEKRETARIAT DAERAH")
    address: str = Field(default="", description="the office's address, telephone, e-mail")
    place: str = Field(default="", description="where the letter is signed, e.g. Cikarang Pusat")
    issuer: str = Field(default="", description="who issues it, e.g. BUPATI BEKASI; empty: by kabupaten")
    number: str = Field(default="", description="the letter's number, e.g. 400.10.2/123/DPMD")
    date: dt.date | None = Field(default=None, description="the letter's date; none: today")
    nature: str = Field(default="", description="Sifat, e.g. Penting; empty: the catalogue's")
    subject: str = Field(default="", description="Hal (TENTANG of the attachment); empty: the catalogue's")
    signatory_title: str = Field(default="", description="e.g. BUPATI BEKASI; empty: the issuer")
    signatory_name: str = Field(default="", description="the signatory's name")
    signatory_nip: str = Field(default="", description="the signatory's NIP, where applicable")
    copies: list[str] = Field(default_factory=list, description="Tembusan: who gets a copy")
    budget_line: str = Field(default="", description="the APBDes account villages are asked to use")
    legal_basis: list[str] = Field(
        default_factory=list, description="the district's own legal basis, before the rules' citations"
    )


def read_letterhead(path: Path) -> Letterhead:
    """A letterhead file (YAML or JSON), every refused field named."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(
            [InputIssue(file=str(path), message=exc.strerror or str(exc))],
            title="The letterhead file could not be read",
        ) from exc
    try:
        data = json.loads(text) if str(path).lower().endswith(".json") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise InputError(
            [InputIssue(file=str(path), message=f"not valid YAML or JSON: {exc}")],
            title="The letterhead file could not be read",
        ) from exc
    return letterhead_from_data(data or {}, str(path))


def letterhead_from_data(data: object, source: str = "letterhead") -> Letterhead:
    """A letterhead from parsed data (a file's, a form's), every refused field named."""
    try:
        return Letterhead.model_validate(data)
    except ValidationError as exc:
        raise InputError(
            [
                InputIssue(
                    file=source, field=".".join(str(p) for p in err["loc"]) or None, message=err["msg"]
                )
                for err in exc.errors()
            ],
            title="The letterhead has fields desaplan cannot use",
        ) from exc


LetterLang = Literal["id", "en"]
