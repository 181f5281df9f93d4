"""The planners' pages mounted: server-rendered Jinja2 templates over the same `app/services` the
JSON API uses; plotly.js and the API docs' assets served from their installed packages, so
everything works without internet.

    install(app): mounts /ui/static, /ui/vendor/plotly.min.js, /docs, /redoc, the pages (`GET /`
    and /ui/...), and answers errors of page requests as pages rather than problem+json.
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
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import ServiceError, Unauthorized
from app.pages.render import STATIC, is_page, render, request_lang
from app.web.auth import SESSION_COOKIE, clear_session_cookies
from models.errors import DesaplanError, InputError

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def _docs_static() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


@cache
def _redoc_js() -> bytes:
    # the "powered by" logo in ReDoc's sidebar points at its CDN: our own favicon instead
    script = (_docs_static() / "redoc.standalone.js").read_bytes()
    return script.replace(b"https://cdn.redoc.ly/redoc/logo-mini.svg", b"/ui/docs-static/favicon.png")


def _install_page_errors(app: FastAPI) -> None:
    """Errors of page requests become pages (with the service's own message kept as detail);
    every other request keeps the problem+json answer from app.errors."""
    for cls in (DesaplanError, RequestValidationError, StarletteHTTPException):
        previous = app.exception_handlers[cls]

        def handler(request: Request, exc: Exception, previous: Any = previous) -> Response:
            if not is_page(request):
                result: Response = previous(request, exc)
                return result
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
    from app.pages import curves, routes

    app.mount("/ui/static", StaticFiles(directory=STATIC), name="pages_static")

    @app.get("/ui/docs-static/redoc.standalone.js", include_in_schema=False)
    def redoc_js() -> Response:
        """ReDoc as the package ships it, less the one image it would fetch from the internet."""
        return Response(_redoc_js(), media_type="text/javascript", headers={"Cache-Control": "max-age=86400"})

    app.mount("/ui/docs-static", StaticFiles(directory=_docs_static()), name="docs_static")

    @app.get("/ui/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        """plotly.js as the installed plotly package ships it."""
        return FileResponse(
            PLOTLY_JS, media_type="text/javascript", headers={"Cache-Control": "max-age=86400"}
        )

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
    app.include_router(curves.router, dependencies=list(dependencies))
    _install_page_errors(app)
