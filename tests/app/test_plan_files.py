"""A plan's targets files are written once, on the first download, and served from the store
after that: the same bytes, without building them again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.services import plans as plan_service

Upload = Callable[..., dict[str, Any]]

VARIANTS = [
    {"format": "csv"},
    {"format": "xlsx"},
    {"format": "xlsx", "lang": "id"},
    {"format": "xlsx", "lang": "en"},
    {"format": "csv", "csv": "excel-id", "lang": "id"},
    {"format": "xlsx", "lang": "id", "split": "kecamatan"},
]
# every targets file is built through `building` (in a process of its own, within the export
# time limit): counting its calls here counts the builds


@pytest.fixture
def plan_id(empty_client: TestClient, upload_small: Upload, small_scenario: dict[str, Any]) -> int:
    dataset = upload_small(empty_client, name="Bekasi utara")
    scenario = empty_client.post(
        "/scenarios", json={"dataset_id": dataset["id"], "scenario": small_scenario}
    ).json()
    response = empty_client.post("/solves", json={"scenario_id": scenario["id"]})
    assert response.status_code == 200, response.text
    return int(response.json()["id"])


def test_second_download_is_the_stored_file(
    empty_client: TestClient, plan_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = [empty_client.get(f"/plans/{plan_id}/targets", params=p) for p in VARIANTS]
    assert [r.status_code for r in first] == [200] * len(VARIANTS)

    def no_second_build(*_args: object, **_kwargs: object) -> bytes:
        raise AssertionError("a stored file was built again")

    monkeypatch.setattr(plan_service, "building", no_second_build)
    second = [empty_client.get(f"/plans/{plan_id}/targets", params=p) for p in VARIANTS]

    for params, a, b in zip(VARIANTS, first, second, strict=True):
        assert b.status_code == 200, (params, b.text)
        assert b.content == a.content, params
        assert b.headers["content-disposition"] == a.headers["content-disposition"]
        assert b.headers["content-type"] == a.headers["content-type"]
    # each variant is a file of its own
    assert len({r.content for r in first}) == len(VARIANTS)


def test_first_download_of_a_variant_builds_it(
    empty_client: TestClient, plan_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert empty_client.get(f"/plans/{plan_id}/targets", params={"format": "csv"}).status_code == 200
    built: list[str] = []
    original = plan_service.building

    def counted(*args: Any, **kwargs: Any) -> Any:
        built.append("xlsx")
        return original(*args, **kwargs)

    monkeypatch.setattr(plan_service, "building", counted)
    for _ in range(3):
        response = empty_client.get(f"/plans/{plan_id}/targets", params={"format": "xlsx", "lang": "id"})
        assert response.status_code == 200
    assert built == ["xlsx"]
