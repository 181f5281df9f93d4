"""The documents a district hands out: a plan's letters to its villages and the meeting's briefs."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from app.db import SessionDep
from app.responses import ItemId, file_response, file_responses
from app.services import documents as service
from app.settings import SettingsDep

router = APIRouter(tags=["documents"])

LangQuery = Annotated[Literal["id", "en"], Query(description="Bahasa Indonesia or English")]


@router.get(
    "/plans/{plan_id}/letters",
    response_class=Response,
    responses=file_responses("zip", "pdf"),
    summary="Every village's circular letter and its attachment (zip of PDFs, or one PDF)",
)
def letters(
    plan_id: ItemId,
    session: SessionDep,
    settings: SettingsDep,
    format: Annotated[Literal["zip", "pdf"], Query(
        description="zip: one PDF per village in folders by kecamatan; pdf: every letter in one "
                    "file for printing")] = "zip",
    lang: LangQuery = "id",
) -> Response:
    """Each village's letter (letterhead, number, addressee, the target, the money in figures and
    words, the legal basis, the plan's fingerprint) and its attachment, with the letterhead the
    district set in DESAPLAN_LETTERHEAD_FILE. 409 for a plan without targets, and for a plan of
    DESAPLAN_PLAN_FILES_MIN_VILLAGES villages or more until its letters job has written them."""
    content, name = service.plan_letters(
        session, plan_id, format, lang, service.letterhead(settings.letterhead_file),
        settings.export_time_limit_s, settings.plan_files_min_villages)
    return file_response(content, name, format)
