"""Shared answer helpers for the routers: file downloads and query parameters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import Path, Query
from fastapi.responses import Response

if TYPE_CHECKING:
    from models import Curve

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "zip": "application/zip",
    "pdf": "application/pdf",
}

# ids are SQLite's 64-bit integers: beyond them no row can exist, and the driver would overflow
DB_INT_MAX = 2**63 - 1

FileFormat = Literal["csv", "xlsx"]
ItemId = Annotated[int, Path(ge=1, le=DB_INT_MAX)]
OptionalId = Annotated[int | None, Query(ge=1, le=DB_INT_MAX)]
Offset = Annotated[int, Query(ge=0, le=DB_INT_MAX, description="items to skip")]
Limit = Annotated[int, Query(ge=1, le=1000, description="items per page")]
WorkbookLang = Annotated[
    Literal["id", "en"],
    Query(description="the workbook's sheet names, headers and words in Bahasa Indonesia or English"),
]


def file_response(content: bytes, filename: str, file_format: str) -> Response:
    return Response(
        content,
        media_type=MEDIA_TYPES[file_format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def file_responses(*formats: str) -> dict[int | str, dict[str, object]]:
    """OpenAPI: the media types a download may answer with."""
    return {200: {"content": {MEDIA_TYPES[f]: {} for f in formats}}}


def curve_answer(curve: Curve, name: str, file_format: str, lang: Literal["id", "en"] = "id") -> Any:
    """A budget-outcome curve as the asker wants it: its points as CSV, a workbook, a chart for a
    slide (PNG), or the curve itself (JSON), for the API and the curves page alike."""
    from app.i18n import gettext_for
    from scenarios import insights_io, insights_sheets

    if file_format == "csv":
        return file_response(insights_io.curve_csv_bytes(curve), "curve.csv", "csv")
    if file_format == "xlsx":
        return file_response(
            insights_sheets.curve_xlsx_bytes(curve, gettext_for(lang), name), "curve.xlsx", "xlsx"
        )
    if file_format == "png":
        return Response(
            insights_io.curve_png_bytes(curve, name),
            media_type="image/png",
            headers={"Content-Disposition": 'attachment; filename="curve.png"'},
        )
    return curve
