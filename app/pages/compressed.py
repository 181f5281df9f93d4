"""The pages' static files sent gzip-compressed to a browser that accepts it.

plotly.min.js is 4.8 MB as the plotly package ships it, about 1.5 MB gzipped. A file is compressed
once, at its first request, and kept in memory (keyed by its path, size and modification time);
a browser that does not send `Accept-Encoding: gzip` gets the file as it is. Either answer says
`Vary: Accept-Encoding`, so a cache keeps the two apart.

    GzipStaticFiles(directory=..., cache_control=...): StaticFiles answering with the gzipped bytes
    gzipped_file(request, path, media_type, cache_control): one file, the same way
"""

from __future__ import annotations

import gzip
import os
from functools import lru_cache
from pathlib import Path

from fastapi.responses import FileResponse, Response
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
SMALLEST = 1024  # smaller files go as they are: gzip's header would eat what it saves
VARY = "Accept-Encoding"


def accepts_gzip(headers: Headers) -> bool:
    """Whether `Accept-Encoding` names gzip (or `*`) without refusing it with `q=0`."""
    for part in headers.get("accept-encoding", "").lower().split(","):
        coding, _, params = part.partition(";")
        if coding.strip() not in ("gzip", "*"):
            continue
        quality = params.strip()
        if not quality.startswith("q="):
            return True
        try:
            return float(quality[2:]) > 0
        except ValueError:
            return False
    return False


@lru_cache(maxsize=32)
def _gzipped(path: str, size: int, mtime_ns: int) -> bytes:
    """The file's bytes gzipped; size and time in the key, so a changed file is compressed anew."""
    return gzip.compress(Path(path).read_bytes(), compresslevel=6, mtime=0)


def gzipped_bytes(path: Path) -> bytes:
    stat = os.stat(path)
    return _gzipped(str(path), stat.st_size, stat.st_mtime_ns)


def _compressible(media_type: str | None, size: int) -> bool:
    return size >= SMALLEST and bool(media_type) and str(media_type).startswith(COMPRESSIBLE)


def _gzip_answer(plain: FileResponse, path: Path) -> Response:
    """The plain answer's headers (type, ETag, Last-Modified, cache) over the gzipped bytes."""
    headers = {k: v for k, v in plain.headers.items() if k.lower() not in ("content-length", "accept-ranges")}
    headers["Content-Encoding"] = "gzip"
    headers["Vary"] = VARY
    return Response(gzipped_bytes(path), status_code=plain.status_code, headers=headers)


class GzipStaticFiles(StaticFiles):
    """StaticFiles whose text files (CSS, JavaScript) go gzipped where the browser accepts it."""

    def __init__(self, *, directory: str | os.PathLike[str], cache_control: str) -> None:
        super().__init__(directory=directory)
        self.cache_control = cache_control

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = self.cache_control
        response.headers["Vary"] = VARY
        request_headers = Headers(scope=scope)
        if (
            isinstance(response, FileResponse)
            and response.status_code == 200
            and scope.get("method") == "GET"
            and "range" not in request_headers
            and accepts_gzip(request_headers)
            and _compressible(response.media_type, stat_result.st_size)
        ):
            return _gzip_answer(response, Path(full_path))
        return response


def gzipped_file(request: Request, path: Path, media_type: str, cache_control: str) -> Response:
    """One file (plotly.min.js): gzipped where accepted, else as it is; a 304 for a fresh copy."""
    plain = FileResponse(
        path,
        media_type=media_type,
        headers={"Cache-Control": cache_control, "Vary": VARY},
        stat_result=os.stat(path),
    )
    if request.headers.get("if-none-match") == plain.headers.get("etag"):
        return Response(status_code=304, headers={"ETag": plain.headers["etag"], "Vary": VARY})
    if request.method == "GET" and "range" not in request.headers and accepts_gzip(request.headers):
        return _gzip_answer(plain, path)
    return plain


def gzipped_content(request: Request, content: bytes, media_type: str, cache_control: str) -> Response:
    """Bytes made in memory (ReDoc's script), gzipped where accepted."""
    headers = {"Cache-Control": cache_control, "Vary": VARY}
    if accepts_gzip(request.headers) and len(content) >= SMALLEST:
        return Response(
            _gzipped_content(content), media_type=media_type, headers={**headers, "Content-Encoding": "gzip"}
        )
    return Response(content, media_type=media_type, headers=headers)


@lru_cache(maxsize=4)
def _gzipped_content(content: bytes) -> bytes:
    return gzip.compress(content, compresslevel=6, mtime=0)
