"""The pages' static files over real HTTP from `desaplan serve`: gzipped for a client that says
`Accept-Encoding: gzip` (the same bytes once unpacked), as they are for one that does not."""

from __future__ import annotations

import gzip

import httpx
import pytest

from app.pages.install import PLOTLY_JS, _docs_static
from app.pages.render import STATIC

FILES = {
    "/ui/vendor/plotly.min.js": PLOTLY_JS,
    "/ui/static/app.css": STATIC / "app.css",
    "/ui/static/app.js": STATIC / "app.js",
    "/ui/docs-static/swagger-ui-bundle.js": _docs_static() / "swagger-ui-bundle.js",
}


def _raw(server: str, path: str, encoding: str) -> tuple[httpx.Response, bytes]:
    """The answer and its body as sent (not unpacked by the client)."""
    with (
        httpx.Client(base_url=server) as client,
        client.stream("GET", path, headers={"Accept-Encoding": encoding}) as answer,
    ):
        return answer, b"".join(answer.iter_raw())


@pytest.mark.parametrize("path", list(FILES))
def test_a_static_file_is_gzipped_for_a_browser_that_accepts_it(server: str, path: str) -> None:
    original = FILES[path].read_bytes()

    packed, body = _raw(server, path, "gzip, deflate, br")
    assert packed.status_code == 200
    assert packed.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in packed.headers["vary"].lower()
    assert packed.headers["cache-control"]
    assert gzip.decompress(body) == original
    assert len(body) < len(original) / 2
    assert int(packed.headers["content-length"]) == len(body)

    plain, plain_body = _raw(server, path, "identity")
    assert plain.status_code == 200
    assert "content-encoding" not in plain.headers
    assert plain_body == original
    assert "accept-encoding" in plain.headers["vary"].lower()


def test_plotly_is_a_third_of_its_size_gzipped(server: str) -> None:
    packed, body = _raw(server, "/ui/vendor/plotly.min.js", "gzip")
    size = len(body)
    assert size < 2_000_000 < 4_000_000 < PLOTLY_JS.stat().st_size
    assert "max-age=86400" in packed.headers["cache-control"]


def test_an_unchanged_file_is_answered_not_modified(server: str) -> None:
    with httpx.Client(base_url=server) as client:
        first = client.get("/ui/static/app.css")
        again = client.get("/ui/static/app.css", headers={"If-None-Match": first.headers["etag"]})
        plotly = client.get("/ui/vendor/plotly.min.js")
        plotly_again = client.get(
            "/ui/vendor/plotly.min.js", headers={"If-None-Match": plotly.headers["etag"]}
        )
    assert first.headers["cache-control"] == "no-cache"
    assert again.status_code == 304 and again.content == b""
    assert plotly_again.status_code == 304


def test_a_refused_encoding_is_not_sent(server: str) -> None:
    plain, _ = _raw(server, "/ui/static/app.js", "gzip;q=0, identity")
    assert "content-encoding" not in plain.headers
