"""Shared answer helpers for the routers: file downloads and query parameters."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Path, Query
from fastapi.responses import Response

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "zip": "application/zip",
}

# ids are SQLite's 64-bit integers: beyond them no row can exist, and the driver would overflow
DB_INT_MAX = 2**63 - 1

FileFormat = Literal["csv", "xlsx"]
ItemId = Annotated[int, Path(ge=1, le=DB_INT_MAX)]
OptionalId = Annotated[int | None, Query(ge=1, le=DB_INT_MAX)]
Offset = Annotated[int, Query(ge=0, le=DB_INT_MAX, description="items to skip")]
Limit = Annotated[int, Query(ge=1, le=1000, description="items per page")]


def file_response(content: bytes, filename: str, file_format: str) -> Response:
    return Response(
        content,
        media_type=MEDIA_TYPES[file_format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def file_responses(*formats: str) -> dict[int | str, dict[str, object]]:
    """OpenAPI: the media types a download may answer with."""
    return {200: {"content": {MEDIA_TYPES[f]: {} for f in formats}}}
