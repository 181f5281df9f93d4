"""Shared answer helpers for the routers: file downloads and query parameters."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query
from fastapi.responses import Response

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "zip": "application/zip",
}

FileFormat = Literal["csv", "xlsx"]
Offset = Annotated[int, Query(ge=0, description="items to skip")]
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
