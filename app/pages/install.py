"""The planners' pages mounted: server-rendered Jinja2 templates over the same `app/services` the
JSON API uses; plotly.js and the API docs' assets served from their installed packages, so
everything works without internet.

    install(app): mounts /ui/static, /ui/vendor/plotly.min.js, /docs, /redoc, the pages (`GET /`
    and /ui/...; a village office's under /ui/village, `app.pages.village`), and answers errors of
    page requests as pages rather than problem+json (a village office asking for `/` goes to its
    village's page).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import plotly
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import Forbidden, ServiceError, Unauthorized
from app.pages.compressed import GzipStaticFiles, gzipped_content, gzipped_file
from app.pages.render import STATIC, is_page, render, request_lang
from app.web.auth import SESSION_COOKIE, clear_session_cookies
from models.errors import DesaplanError, InputError
from models.tables import Role

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
# our own CSS and script change with a new release: the browser asks again (a 304 when unchanged);
# the packages' files (plotly.js, the API docs' assets) are kept a day
OWN_FILES_CACHE = "no-cache"
PACKAGE_FILES_CACHE = "public, max-age=86400"


def _docs_static() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


@cache
def _redoc_js() -> bytes:
    # the "powered by" logo in ReDoc's sidebar points at its CDN: our own favicon instead
    script = (_docs_static() / "redoc.standalone.js").read_bytes()
    return script.replace(b"https://cdn.redoc.ly/redoc/logo-mini.svg", b"/ui/docs-static/favicon.png")


def _village_office_home(request: Request, exc: Exception) -> bool:
    """A village office asking for the planner's home goes to its village's page instead."""
    who = getattr(request.state, "principal", None)
    return (
        isinstance(exc, Forbidden)
        and request.method in ("GET", "HEAD")
        and request.url.path == "/"
        and who is not None
        and who.role == Role.operator
    )


def _install_page_errors(app: FastAPI) -> None:
    """Errors of page requests become pages (with the service's own message kept as detail);
    every other request keeps the problem+json answer from app.errors."""
    for cls in (DesaplanError, RequestValidationError, StarletteHTTPException):
        previous = app.exception_handlers[cls]

        def handler(request: Request, exc: Exception, previous: Any = previous) -> Response:
            if not is_page(request):
                result: Response = previous(request, exc)
                return result
            if _village_office_home(request, exc):
                return RedirectResponse("/ui/village", status_code=303)
            if isinstance(exc, Unauthorized) and request.method in ("GET", "HEAD"):
                # a page asked for without a session: sign in first, then come back
                back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                again = RedirectResponse(f"/ui/login?{urlencode({'next': back})}", status_code=303)
                if request.cookies.get(SESSION_COOKIE):  # an ended session: not sent again
                    clear_session_cookies(again, secure=request.url.scheme == "https")
                return again
            json_answer: Response = previous(request, exc)
            issues = exc.issues if isinstance(exc, InputError) else []
            errors = []
            if isinstance(exc, RequestValidationError):
                errors = [
                    {"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
                    for e in exc.errors()
                ]
            detail = (
                exc.detail_in(request_lang(request))
                if isinstance(exc, ServiceError)
                else getattr(exc, "detail", None)
            )
            return render(
                request,
                "error.html",
                {
                    "status": json_answer.status_code,
                    "detail": detail or (exc.describe() if isinstance(exc, InputError) else ""),
                    "issues": issues,
                    "errors": errors,
                },
                status_code=json_answer.status_code,
            )

        app.add_exception_handler(cls, handler)


def install(app: FastAPI, dependencies: Sequence[Any] = ()) -> None:
    """The pages and their assets; `dependencies` guard every page (who is signed in)."""
    from app.pages import actuals, comparisons, curves, routes
    from app.pages.village import routes as village

    # static files gzipped for a browser that accepts it (app/pages/compressed.py)
    app.mount(
        "/ui/static", GzipStaticFiles(directory=STATIC, cache_control=OWN_FILES_CACHE), name="pages_static"
    )

    @app.get("/ui/docs-static/redoc.standalone.js", include_in_schema=False)
    def redoc_js(request: Request) -> Response:
        """ReDoc as the package ships it, less the one image it would fetch from the internet."""
        return gzipped_content(request, _redoc_js(), "text/javascript", PACKAGE_FILES_CACHE)

    app.mount(
        "/ui/docs-static",
        GzipStaticFiles(directory=_docs_static(), cache_control=PACKAGE_FILES_CACHE),
        name="docs_static",
    )

    @app.get("/ui/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js(request: Request) -> Response:
        """plotly.js as the installed plotly package ships it (4.8 MB; 1.5 MB gzipped)."""
        return gzipped_file(request, PLOTLY_JS, "text/javascript", PACKAGE_FILES_CACHE)

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} · API",
            swagger_js_url="/ui/docs-static/swagger-ui-bundle.js",
            swagger_css_url="/ui/docs-static/swagger-ui.css",
            swagger_favicon_url="/ui/docs-static/favicon.png",
            # no validator badge: it would ask swagger.io about our spec from a server's own address
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} · API",
            redoc_js_url="/ui/docs-static/redoc.standalone.js",
            redoc_favicon_url="/ui/docs-static/favicon.png",
            with_google_fonts=False,
        )

    from app.pages import login

    app.include_router(login.router)  # open to all: it is how one signs in
    app.include_router(routes.router, dependencies=list(dependencies))
    app.include_router(comparisons.router, dependencies=list(dependencies))
    app.include_router(actuals.router, dependencies=list(dependencies))
    app.include_router(curves.router, dependencies=list(dependencies))
    app.include_router(village.router, dependencies=list(dependencies))
    _install_page_errors(app)
