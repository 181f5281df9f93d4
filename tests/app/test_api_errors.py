"""Every error is application/problem+json; a 500 shows a correlation id, never internals."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db import get_session

PROBLEM = "application/problem+json"


def test_unknown_path_is_a_problem_404(empty_client: TestClient) -> None:
    response = empty_client.get("/no-such-thing")

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json() == {
        "type": "/problems/not-found",
        "title": "Tidak ditemukan",
        "status": 404,
        "detail": "Tidak ada apa pun di alamat ini.",
    }


def test_wrong_method_is_a_problem_405(empty_client: TestClient) -> None:
    response = empty_client.delete("/datasets")

    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM


def test_malformed_json_is_422(empty_client: TestClient) -> None:
    response = empty_client.post(
        "/scenarios", content=b"{not json", headers={"content-type": "application/json"}
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"]


def test_unexpected_error_is_500_with_a_correlation_id_in_body_and_log(
    apps: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client = apps.open(load_examples=False)

    def broken_session() -> Iterator[None]:
        raise RuntimeError("password=hunter2 at db.internal:5432")
        yield None

    client.app.dependency_overrides[get_session] = broken_session  # type: ignore[attr-defined]
    with caplog.at_level(logging.ERROR, logger="desaplan.app"):
        response = client.get("/datasets")

    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert "hunter2" not in response.text and "RuntimeError" not in response.text
    assert body["title"] == "Internal error" and body["status"] == 500
    correlation_id = body["correlation_id"]
    assert response.headers["x-correlation-id"] == correlation_id
    logged = [r for r in caplog.records if correlation_id in r.getMessage()]
    assert logged and logged[0].exc_info is not None


def test_openapi_documents_every_endpoint_with_examples(empty_client: TestClient) -> None:
    spec = empty_client.get("/openapi.json").json()
    docs = empty_client.get("/docs")

    assert docs.status_code == 200
    paths = spec["paths"]
    for path in (
        "/datasets",
        "/datasets/{dataset_id}",
        "/datasets/{dataset_id}/villages",
        "/datasets/{dataset_id}/download",
        "/scenarios",
        "/scenarios/{scenario_id}/versions",
        "/scenarios/{scenario_id}/archive",
        "/solves",
        "/jobs/{job_id}",
        "/jobs/{job_id}/cancel",
        "/plans/{plan_id}",
        "/plans/{plan_id}/villages",
        "/plans/{plan_id}/kecamatan",
        "/plans/{plan_id}/targets",
        "/comparisons",
        "/comparisons/{comparison_id}",
    ):
        assert path in paths, path
    upload = paths["/datasets"]["post"]["requestBody"]["content"]
    assert {"multipart/form-data", "application/json", "text/csv"} <= set(upload)
    assert upload["application/json"]["example"]["rows"]
    schemas = spec["components"]["schemas"]
    for name in ("ScenarioCreate", "ScenarioRevise", "SolveCreate", "ComparisonCreate"):
        assert schemas[name]["examples"], name
