"""The pages' small helpers: an id typed in a form, the redirect after a form, the links of a
table's pages and of its sortable headers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse

from app.web.responses import DB_INT_MAX


def form_id(text: str) -> int | None:
    """An id typed in a form: a whole number the database can hold, else None."""
    text = text.strip()
    return int(text) if text.isdigit() and 0 < int(text) <= DB_INT_MAX else None


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def page_links(request: Request, total: int, offset: int, limit: int) -> dict[str, Any]:
    """Previous and next page URLs, keeping the other query parameters."""
    params = {k: v for k, v in request.query_params.items() if k != "offset"}

    def url(at: int) -> str:
        return f"{request.url.path}?{urlencode({**params, 'offset': at})}"

    return {
        "first": offset + 1 if total else 0,
        "last": min(offset + limit, total),
        "total": total,
        "previous": url(max(0, offset - limit)) if offset > 0 else None,
        "next": url(offset + limit) if offset + limit < total else None,
    }


def sort_url(request: Request, column: str, current: str | None) -> str:
    """The header link: sort by `column`, descending when it already sorts ascending."""
    params = {k: v for k, v in request.query_params.items() if k not in ("sort", "offset")}
    wanted = f"-{column}" if current == column else column
    return f"{request.url.path}?{urlencode({**params, 'sort': wanted})}"


def newest(items: list[Any], count: int) -> list[Any]:
    return list(reversed(items))[:count]
