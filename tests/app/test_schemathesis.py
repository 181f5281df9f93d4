"""Schemathesis over the whole OpenAPI spec, with an admin's token, positive and negative cases,
each operation alone and in chains along the spec's links (stateful): whatever a client sends, the
service never answers 5xx, and every answer is one the document declares (its status, content
type and body schema: schemathesis's response-conformance checks). Bounded: a fixed number of examples per
operation, on the Kabupaten Bekasi example (so that ids exist and solves run)."""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import FlakyStrategyDefinition, Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Engine
from sqlmodel import Session

from app.main import create_app
from app.services import accounts
from app.settings import Settings
from models.insights import LeverKind
from models.tables import Role, UserCreate

EXAMPLES_PER_OPERATION = 12
# every answer is one the document declares: its status, its content type, its body's schema
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def broken(case: Any, response: Any) -> str | None:
    """What of the answer breaks the document (or is a server error), in one line; None if nothing."""
    try:
        case.validate_response(response, checks=CHECKS)
    except (Exception, BaseExceptionGroup) as failure:  # schemathesis's FailureGroup is the latter
        first = " ".join(str(failure).split())[:300]
        return f"{case.method} {case.path} -> {response.status_code}: {first}"
    return None


ANSWER_WITHIN_S = 60  # a slow answer on a busy machine is still an answer, not a failure


class Credentials:
    """The fuzzer's admin token, made again whenever the fuzzer has revoked it (it sends
    `POST /tokens/{id}/revoke` with ids it guesses or was given): a revoked token would turn every
    later request into a 401, and the rest of the run would test nothing but the sign-in."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        with Session(engine) as session:
            admin = accounts.create_user(session, UserCreate(name="fuzz", role=Role.admin))
            assert admin.id is not None
            self.user_id = admin.id
        self.token_id, self.token, self.minted = 0, "", 0
        self._mint()

    def _mint(self) -> None:
        with Session(self.engine) as session:
            created = accounts.create_token(session, accounts.get_user(session, self.user_id), "fuzz")
        self.token_id, self.token = created.id, created.token
        self.minted += 1

    def headers(self) -> dict[str, str]:
        with Session(self.engine) as session:
            if accounts.get_token(session, self.token_id).revoked_at is not None:
                self._mint()
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, Credentials]]:
    """A fresh service for each test: the stateless fuzz changes users, tokens and scenarios, and
    the chains must start from a service as a district starts it."""
    folder: Path = tmp_path_factory.mktemp("schemathesis")
    app = create_app(
        Settings(
            database_url=f"sqlite:///{folder / 'desaplan.sqlite'}",
            auth="on",
            rate_limit_per_minute=0,  # the fuzzer is one client sending hundreds of requests
            solve_time_limit_s=10,
            workers=2,
            # solves of the example (187 villages) go to the job runner, and sweeps of it are
            # refused: the fuzzer's in-request work stays on the small tables it uploads itself
            sync_max_villages=20,
            queue_limit=10_000,  # the fuzzer queues hundreds of solves; a full queue (503) ends chains
        )
    )
    with TestClient(app) as client:  # start-up: migrations, the example, the job runner
        credentials = Credentials(app.state.engine)
        # one plan from the start, so that lists of plans and jobs have ids to follow
        solved = client.post(
            "/solves", params={"mode": "sync"}, json={"scenario_id": 1}, headers=credentials.headers()
        )
        assert solved.status_code == 200, solved.text
        yield app, credentials


MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


def test_no_request_is_answered_with_a_server_error(service: tuple[FastAPI, Credentials]) -> None:
    app, credentials = service
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    server_errors: list[str] = []
    nonconforming: set[str] = set()
    statuses: Counter[int] = Counter()
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
                response = case.call(headers=credentials.headers(), timeout=ANSWER_WITHIN_S)
                statuses[response.status_code] += 1
                if response.status_code >= 500:
                    server_errors.append(
                        f"{case.method} {case.formatted_path} {case.query or ''} -> "
                        f"{response.status_code} {response.text[:200]}"
                    )
                if (failure := broken(case, response)) is not None:
                    nonconforming.add(failure)

            try:
                send()
            except Unsatisfiable:  # nothing negative to send, e.g. an operation without inputs
                assert mode is GenerationMode.NEGATIVE
                continue
            runs += 1

    assert operations >= 25 and runs > operations  # the whole spec, and negative cases too
    assert server_errors == []
    assert sorted(nonconforming) == []
    # signed in throughout: the answers are the operations' own, not a wall of 401s
    assert statuses[200] + statuses[201] > operations, sorted(statuses.items())


STATEFUL_SCENARIOS = 30  # chains of calls
STATEFUL_STEPS = 6  # calls in a chain at most
STATEFUL_RUNS = 30  # at most: it stops once the chains have gone DEEP (a run may be cut short)
# answered 2xx only through links with the service's own ids (random ids find nothing): a
# dataset's villages, a scenario, its solve, a plan
DEEP = {
    ("GET", "/datasets/{dataset_id}/villages"),
    ("GET", "/scenarios/{scenario_id}"),
    ("POST", "/solves"),
    ("GET", "/plans/{plan_id}"),
}


def test_chains_of_calls_along_the_links_never_get_a_server_error(
    service: tuple[FastAPI, Credentials],
) -> None:
    """Stateful: schemathesis follows the OpenAPI links (dataset -> villages and download,
    scenario -> revise and solve, solve -> job -> plan -> targets and compare, ...) with the ids
    the service answered, so the chains reach what random ids never do."""
    app, credentials = service
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    server_errors: list[str] = []
    nonconforming: set[str] = set()
    answered: Counter[tuple[str, str, int]] = Counter()

    class Chains(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": credentials.headers(), "timeout": ANSWER_WITHIN_S}

        def validate_response(self, response: Any, case: Any, *args: Any, **kwargs: Any) -> None:
            answered[(case.method, case.path, response.status_code)] += 1
            if response.status_code >= 500:
                server_errors.append(
                    f"{case.method} {case.formatted_path} {case.query or ''} -> "
                    f"{response.status_code} {response.text[:200]}"
                )
            if (failure := broken(case, response)) is not None:
                nonconforming.add(failure)

    def reached() -> set[tuple[str, str]]:
        return {(method, path) for method, path, status in answered if status < 300}

    for _run in range(STATEFUL_RUNS):
        # a replayed chain may meet a service whose state has moved on (a scenario archived since,
        # a list grown): Hypothesis cannot replay it and stops the run, and schemathesis's own
        # runner goes on alike; every call made until then is counted
        with contextlib.suppress(FlakyStrategyDefinition):
            Chains.run(
                settings=settings(
                    max_examples=STATEFUL_SCENARIOS,
                    stateful_step_count=STATEFUL_STEPS,
                    deadline=None,
                    database=None,
                    # Hypothesis's CI profile (CI set) derandomizes: every run would walk the same
                    # chains, and the runs after the first could never go deeper
                    derandomize=False,
                    suppress_health_check=list(HealthCheck),
                )
            )
        if reached() >= DEEP:
            break

    assert server_errors == []
    assert sorted(nonconforming) == []
    seen = {op: sorted({s for m, p, s in answered if (m, p) == op}) for op in DEEP}
    assert reached() >= DEEP, seen  # the links were followed


def test_the_document_is_as_strict_as_the_validation_where_a_schema_can_say_it(
    service: tuple[FastAPI, Credentials],
) -> None:
    """Generated from the document, a request the validation refuses must be one the document
    refuses too: integer bounds exact (no float 2**63 for a 64-bit id), the sweep's levers, the
    kabupaten a planner needs, the months an actuals upload takes."""
    app, _credentials = service
    document = app.openapi()

    def integer_bounds(node: Any) -> Iterator[Any]:
        if isinstance(node, dict):
            if node.get("type") == "integer":
                yield from (node[k] for k in ("minimum", "maximum") if k in node)
            for child in node.values():
                yield from integer_bounds(child)
        elif isinstance(node, list):
            for child in node:
                yield from integer_bounds(child)

    bounds = list(integer_bounds(document))
    assert bounds and all(isinstance(b, int) and b <= 2**63 - 1 for b in bounds)
    components = document["components"]["schemas"]
    assert sorted(components["SweepCreate"]["properties"]["lever"]["enum"]) == sorted(
        k.value for k in LeverKind
    )
    assert components["UserCreate"]["then"]["required"] == ["kabupaten"]
    body = document["paths"]["/plans/{plan_id}/actuals"]["post"]["requestBody"]["content"]
    form = body["multipart/form-data"]["schema"]["properties"]
    assert (form["through_month"]["minimum"], form["through_month"]["maximum"]) == (1, 120)
    month = re.compile(form["start"]["pattern"])
    assert all(month.match(m) for m in ("2026-06", "2026-6", "6", "12", "2100-01"))
    assert not any(month.match(m) for m in ("13", "0", "2026-13", "1999-05", "June"))
    rows_start = body["application/json"]["schema"]["properties"]["start"]["anyOf"]
    assert {"pattern": form["start"]["pattern"]}.items() <= rows_start[0].items()
