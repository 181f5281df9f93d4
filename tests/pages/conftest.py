"""A real `desaplan serve` on a free loopback port, and Debian's chromium driven by Playwright.

The browser is the system's (`apt-get install chromium`); Playwright's own browser download is
not used. Without chromium the browser tests are skipped on a developer's machine and fail in CI
(`CI` set), where .ci/run installs it."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "app"))  # the shared servers.py
from servers import cli_token, serving  # noqa: E402

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
SCREENSHOTS = Path(__file__).parent / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    found = os.environ.get("DESAPLAN_CHROMIUM") or next(
        (p for p in CHROMIUM_CANDIDATES if Path(p).exists()), None
    )
    return found or shutil.which("chromium")


SIGNED_IN: dict[str, str] = {}  # the token the browser signs in with, made by `desaplan token create`


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`desaplan serve` on its own database, as a district starts it: sign-in on, its first admin
    and token made with the command line, as the service's first start tells. Its base URL."""
    folder = tmp_path_factory.mktemp("serve")
    SIGNED_IN["token"] = cli_token(folder, f"sqlite:///{folder / 'desaplan.sqlite'}")
    with serving(folder, DESAPLAN_AUTH="on", DESAPLAN_WORKERS="2") as started:
        yield started.url


@pytest.fixture
def admin_token(server: str) -> str:
    """The token of the server's first admin (the one `page` is signed in with)."""
    return SIGNED_IN["token"]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    executable = chromium_path()
    if executable is None:
        message = "Debian's chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: object, server: str) -> Iterator[object]:
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    context = browser.new_context(
        base_url=server, viewport={"width": 1366, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(30_000)
    outside: list[str] = []

    def only_ours(route: Any) -> None:
        """As on a network without internet: anything not from our server is refused (and noted)."""
        if route.request.url.startswith(server):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_ours)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    # every page asks for a session first: sign in with the admin's token
    opened.goto("/")
    assert "/ui/login" in opened.url
    opened.fill("#token", SIGNED_IN["token"])
    opened.click("form[action='/ui/login'] button[type=submit]")
    opened.wait_for_url(f"{server}/")
    try:
        yield opened
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the pages: {errors}"
    assert not outside, f"the pages asked for things from outside: {outside}"


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The pages through the ASGI interface: a service on its own SQLite file with the Kabupaten
    Bekasi example loaded, as on a first start, sign-in off."""
    from fastapi.testclient import TestClient

    from app.main import create_app
    from app.settings import Settings

    folder = tmp_path_factory.mktemp("asgi")
    settings = Settings.model_validate(
        {
            "database_url": f"sqlite:///{folder / 'desaplan.sqlite'}",
            "solve_time_limit_s": 60.0,
            "workers": 1,
            "auth": "off",
        }
    )
    with TestClient(create_app(settings)) as started:
        yield started
