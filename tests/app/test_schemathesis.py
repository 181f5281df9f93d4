"""Schemathesis over the whole OpenAPI spec, with an admin's token, positive and negative cases:
whatever a client sends, the service never answers 5xx. Bounded: a fixed number of examples per
operation, on the Kabupaten Bekasi example (so that ids exist and solves run)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode
from sqlmodel import Session

from app.main import create_app
from app.services import accounts
from app.settings import Settings
from models.tables import Role, UserCreate

EXAMPLES_PER_OPERATION = 12


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, str]]:
    folder: Path = tmp_path_factory.mktemp("schemathesis")
    app = create_app(
        Settings(
            database_url=f"sqlite:///{folder / 'desaplan.sqlite'}",
            auth="on",
            rate_limit_per_minute=0,  # the fuzzer is one client sending hundreds of requests
            solve_time_limit_s=10,
            workers=2,
        )
    )
    with TestClient(app):  # start-up: migrations, the example, the job runner
        with Session(app.state.engine) as session:
            admin = accounts.create_user(session, UserCreate(name="fuzz", role=Role.admin))
            token = accounts.create_token(session, admin, "schemathesis").token
        yield app, token


MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


def test_no_request_is_answered_with_a_server_error(service: tuple[FastAPI, str]) -> None:
    app, token = service
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    server_errors: list[str] = []
    operations = runs = 0

    for found in schema.get_all_operations():
        operation = found.ok()
        operations += 1
        for mode in MODES:

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def send(case: Any) -> None:
                response = case.call(headers=headers)
                if response.status_code >= 500:
                    server_errors.append(
                        f"{case.method} {case.formatted_path} {case.query or ''} -> "
                        f"{response.status_code} {response.text[:200]}"
                    )

            try:
                send()
            except Unsatisfiable:  # nothing negative to send, e.g. an operation without inputs
                assert mode is GenerationMode.NEGATIVE
                continue
            runs += 1

    assert operations >= 25 and runs > operations  # the whole spec, and negative cases too
    assert server_errors == []
