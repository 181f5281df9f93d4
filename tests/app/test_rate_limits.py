"""Rate limits that hold against made-up tokens: failed token checks are counted per address and,
past their limit, answered 429 before any argon2 hash; the same wrong token is hashed once; a
caller whose token passed keeps its own count; with a queue URL the counts live in Redis, shared
by every serve."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from fastapi.testclient import TestClient
from servers import REDIS_URL, redis_reason
from test_auth import bearer, make_user

from app.services import accounts
from models.tables import Role


def _made_up() -> dict[str, str]:
    return bearer(f"dp_{secrets.token_hex(6)}_{secrets.token_urlsafe(24)}")


def test_made_up_tokens_meet_429s_after_the_failures_allowed(apps: Any) -> None:
    service: TestClient = apps.open(
        load_examples=False, auth="on", auth_failures_per_minute=10, rate_limit_per_minute=1000
    )
    real = bearer(make_user(service, "bekasi", Role.planner, kabupaten="Kabupaten Bekasi"))
    assert service.get("/datasets", headers=real).status_code == 200

    statuses = [service.get("/datasets", headers=_made_up()).status_code for _ in range(40)]
    refused = service.get("/datasets", headers=_made_up())

    assert statuses[:10] == [401] * 10
    assert set(statuses[10:]) == {429}
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "failed token checks" in refused.json()["detail"]
    # the caller whose token passed is not held up by the guesser at its address
    assert service.get("/datasets", headers=real).status_code == 200


def test_wrong_secrets_of_a_real_prefix_are_not_hashed_past_the_limit(apps: Any, monkeypatch: Any) -> None:
    service: TestClient = apps.open(
        load_examples=False, auth="on", auth_failures_per_minute=5, rate_limit_per_minute=1000
    )
    token = make_user(service, "bekasi", Role.planner, kabupaten="Kabupaten Bekasi")
    prefix = token.split("_")[1]
    hashed: list[str] = []
    hasher = accounts._HASHER

    class Counting:
        """The service's argon2 hasher, counting the secrets it checks."""

        def verify(self, stored: str, secret: str) -> bool:
            hashed.append(secret)
            return hasher.verify(stored, secret)

        def __getattr__(self, name: str) -> Any:
            return getattr(hasher, name)

    monkeypatch.setattr(accounts, "_HASHER", Counting())
    assert service.get("/datasets", headers=bearer(token)).status_code == 200
    hashed.clear()
    same_wrong = bearer(f"dp_{prefix}_{'x' * 30}")

    first = [service.get("/datasets", headers=same_wrong).status_code for _ in range(3)]
    guesses = [
        service.get("/datasets", headers=bearer(f"dp_{prefix}_{secrets.token_urlsafe(24)}")).status_code
        for _ in range(20)
    ]

    assert first == [401, 401, 401]
    assert hashed.count("x" * 30) == 1  # the same wrong token is hashed once
    assert guesses.count(401) == 2 and guesses.count(429) == 18  # 5 failures an address, then 429
    assert len(hashed) == 3  # one hash for the repeated token, two for the guesses allowed
    # the real token passed lately: it is known, and not held up at the guessing address
    assert service.get("/datasets", headers=bearer(token)).status_code == 200


def test_with_a_queue_url_two_serves_share_one_count_in_redis(apps: Any) -> None:
    assert redis_reason() is None, redis_reason()
    name = f"desaplan-test-{uuid.uuid4().hex[:8]}"
    first = apps.open(load_examples=False, queue_url=REDIS_URL, queue_name=name, rate_limit_per_minute=6)
    second = apps.open(load_examples=False, queue_url=REDIS_URL, queue_name=name, rate_limit_per_minute=6)
    headers = {"Authorization": "Bearer shared-caller"}

    statuses = [first.get("/datasets", headers=headers).status_code for _ in range(3)]
    statuses += [second.get("/datasets", headers=headers).status_code for _ in range(4)]

    assert statuses == [200] * 6 + [429]


def test_an_unreachable_store_keeps_the_limit_in_memory(apps: Any) -> None:
    service = apps.open(load_examples=False, queue_url="redis://127.0.0.1:1/0", rate_limit_per_minute=3)

    statuses = [service.get("/datasets").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
