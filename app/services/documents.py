"""The documents a district hands out, served: every village's letter of a plan (zip, or one PDF
for printing) and the meeting's brief of a plan or a comparison.

The pure builders live in `documents/`; here the plan, its scenario, its number and date come from
the database, the letterhead from the settings (DESAPLAN_LETTERHEAD_FILE), and the in-short
sentence from `app.in_short`. A plan never changes, so its letters are built once per language and
letterhead and served from the plan's stored files after that.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sqlmodel import Session

from app.bounded import building
from app.errors import Conflict
from app.i18n import Lang
from app.services import plans
from models import InputError, Plan, Scenario
from models.tables import PlanRecord, ScenarioRecord, ScenarioVersion

if TYPE_CHECKING:
    from documents import Letterhead, LetterBook

LetterFormat = Literal["zip", "pdf"]


def letterhead(path: str | None) -> Letterhead:
    """The district's letterhead from its file; without one, the defaults (names by kabupaten)."""
    from documents import Letterhead, read_letterhead

    return read_letterhead(Path(path)) if path else Letterhead()


def _letterhead_key(head: Letterhead) -> str:
    return hashlib.sha256(head.model_dump_json().encode()).hexdigest()[:10]


def plan_ref(session: Session, record: PlanRecord) -> tuple[str, dt.date]:
    """How the letters cite a plan: `12 (bekasi-2026 v3)`, and the day it was solved."""
    scenario = session.get(ScenarioRecord, record.scenario_id)
    version = session.get(ScenarioVersion, record.scenario_version_id)
    assert scenario is not None and version is not None
    return f"{record.id} ({scenario.slug} v{version.version})", record.created_at.date()


def plan_scenario(session: Session, record: PlanRecord) -> Scenario:
    version = session.get(ScenarioVersion, record.scenario_version_id)
    assert version is not None
    return Scenario.model_validate(version.body)


def book_for(session: Session, plan_id: int, lang: Lang, head: Letterhead) -> LetterBook:
    """Every village's letter of the plan as data, or 409 for a plan without targets."""
    from documents import PlanRef, letter_book

    record = plans.get_record(session, plan_id)
    plans.refuse_without_targets(record)
    ref, day = plan_ref(session, record)
    return letter_book(plans.load_plan(session, plan_id), head, PlanRef(ref, day), lang)


def letters_bytes(book: LetterBook, file_format: LetterFormat) -> bytes:
    from documents import letters_zip, merged_pdf

    buffer = io.BytesIO()
    if file_format == "zip":
        letters_zip(book, buffer)
    else:
        merged_pdf(book, buffer)
    return buffer.getvalue()


def letters_variant(file_format: LetterFormat, lang: Lang, head: Letterhead) -> str:
    return f"letters-{file_format}-{lang}-{_letterhead_key(head)}"


def letters_name(plan_id: int, file_format: LetterFormat, lang: Lang) -> str:
    return f"surat_edaran_plan{plan_id}_{lang}.{file_format}"


def plan_letters(session: Session, plan_id: int, file_format: LetterFormat, lang: Lang,
                 head: Letterhead, time_limit_s: float = 0, max_villages: int = 0) -> tuple[bytes, str]:
    """The plan's letters: a zip of one PDF per village (by kecamatan) or every letter in one PDF.
    Built on the first download and stored with the plan; a plan of `max_villages` or more (0: no
    bound) has its letters built by a job instead (409 until they are)."""
    record = plans.get_record(session, plan_id)
    plans.refuse_without_targets(record)
    variant = letters_variant(file_format, lang, head)
    name = letters_name(plan_id, file_format, lang)
    stored = session.get(plans.PlanFile, (plan_id, variant))
    if stored is not None:
        return stored.content, stored.file_name
    if max_villages and record.village_count >= max_villages:
        raise Conflict("Plan %(plan)s has %(villages)s villages: its letters are written by a job. "
                       "Start it with POST /plans/%(plan)s/letters/job and download them when it is done.",
                       plan=plan_id, villages=record.village_count)

    def build() -> tuple[bytes, str, str]:
        try:
            book = book_for(session, plan_id, lang, head)
        except InputError as exc:
            raise Conflict(exc.describe()) from exc
        return building(time_limit_s, name, letters_bytes, book, file_format), name, file_format

    content, file_name, _ = plans.stored_file(session, plan_id, variant, build)
    return content, file_name
