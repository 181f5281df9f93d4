"""/docs and /redoc render in the browser from the service's own assets (the page fixture refuses
every request that does not go to our server)."""

from __future__ import annotations

from typing import Any


def test_swagger_ui_renders_every_tag(page: Any) -> None:
    page.goto("/docs")
    page.wait_for_selector(".swagger-ui .opblock-tag")
    tags = {t.strip().split("\n")[0] for t in page.locator(".opblock-tag").all_inner_texts()}
    assert {"datasets", "scenarios", "solves", "jobs", "plans", "comparisons"} <= tags
    assert page.locator(".opblock").count() >= 20


def test_redoc_renders(page: Any) -> None:
    page.goto("/redoc")
    page.wait_for_selector("h1")
    assert "desaplan" in page.locator("h1").first.inner_text()
    assert page.get_by_text("Create a scenario").count() >= 1
