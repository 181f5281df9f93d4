"""A real `desaplan serve` on a free loopback port, and Debian's chromium driven by Playwright.

The browser is the system's (`apt-get install chromium`); Playwright's own browser download is
not used. Without chromium the browser tests are skipped on a developer's machine and fail in CI
(`CI` set), where .ci/run installs it."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

DESAPLAN = Path(sys.executable).parent / "desaplan"
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


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
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'desaplan.sqlite'}", "DESAPLAN_WORKERS": "2"}
    env.pop("DESAPLAN_AUTH", None)
    for command in (["user", "create", "ana", "--role", "admin"], ["token", "create", "ana"]):
        made = subprocess.run([str(DESAPLAN), *command], cwd=folder, env=env, capture_output=True,
                              text=True, timeout=120)
        assert made.returncode == 0, made.stderr
    SIGNED_IN["token"] = made.stdout.strip().splitlines()[-1]
    log_path = folder / "serve.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [str(DESAPLAN), "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, log_path.read_text()
            try:
                if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the service did not answer within 90 s"
            time.sleep(0.2)
        yield base_url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


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
