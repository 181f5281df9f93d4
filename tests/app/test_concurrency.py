"""Many planners at once on PostgreSQL: two `desaplan serve` processes behind "one address" (the
client alternates between them) and a `desaplan worker` on the Redis queue (test_queue runs two); 50 scenario
submissions and 50 solves in parallel, and revisions of one scenario at the same moment."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from servers import Server, Workers

PARALLEL = 50


@pytest.fixture
def services(queue: dict[str, str], tmp_path: Path) -> Iterator[list[str]]:
    """Two API processes started at the same moment on one empty database (so they race to
    migrate it and load the example), and a worker."""
    workers = Workers(queue, tmp_path)
    servers = [Server(tmp_path, f"serve{number}.log", wait=False, **queue) for number in range(2)]
    workers.start()
    try:
        for server in servers:
            server.wait_until_up()
        yield [server.url for server in servers]
    finally:
        for server in servers:
            server.stop()
        workers.stop()


def test_fifty_parallel_submissions_solves_and_revisions_are_none_lost(
    services: list[str], small_csv: str, small_scenario: dict[str, Any]
) -> None:
    clients = [httpx.Client(base_url=url, timeout=120) for url in services]
    try:
        first, second = clients
        # both services started together; the example was loaded once
        examples = first.get("/datasets").json()
        assert examples["total"] == 1
        dataset = first.post("/datasets", files={"file": ("small.csv", small_csv.encode(), "text/csv")})
        assert dataset.status_code == 201, dataset.text
        dataset_id = dataset.json()["id"]

        def submit(number: int) -> httpx.Response:
            body = {**small_scenario, "name": f"parallel {number}"}
            return clients[number % 2].post("/scenarios", json={"dataset_id": dataset_id, "scenario": body})

        def solve(pair: tuple[int, int]) -> httpx.Response:
            number, scenario_id = pair
            return clients[number % 2].post(
                "/solves", params={"mode": "sync"}, json={"scenario_id": scenario_id}
            )

        with ThreadPoolExecutor(max_workers=16) as pool:
            created = list(pool.map(submit, range(PARALLEL)))
            assert [r.status_code for r in created] == [201] * PARALLEL, [r.text for r in created][:3]
            scenario_ids = [r.json()["id"] for r in created]
            solved = list(pool.map(solve, enumerate(scenario_ids)))

        problems = [r.text for r in solved if r.status_code != 200]
        assert not problems, problems[:3]
        plans: list[dict[str, Any]] = [r.json() for r in solved]
        assert sorted(p["scenario_id"] for p in plans) == sorted(scenario_ids)
        assert len({p["id"] for p in plans}) == PARALLEL
        assert all(p["status"] == "optimal" for p in plans)
        listed = second.get("/scenarios", params={"dataset_id": dataset_id, "limit": 200}).json()
        assert sorted(s["id"] for s in listed["items"]) == sorted(scenario_ids)
        assert second.get("/plans", params={"dataset_id": dataset_id}).json()["total"] == PARALLEL
        jobs = first.get("/jobs", params={"limit": 200}).json()["items"]
        assert [j["status"] for j in jobs] == ["succeeded"] * PARALLEL
        # and revisions of one scenario at the same moment, through both services
        bekasi = first.get("/scenarios", params={"dataset_id": examples["items"][0]["id"]}).json()["items"][0]
        body = bekasi["scenario"]

        def revise(number: int) -> httpx.Response:
            return clients[number % 2].post(
                f"/scenarios/{bekasi['id']}/versions", json={"scenario": body, "note": f"revision {number}"}
            )

        with ThreadPoolExecutor(max_workers=10) as pool:
            answers = list(pool.map(revise, range(20)))

        assert [a.status_code for a in answers] == [201] * 20, [a.text for a in answers][:3]
        assert sorted(a.json()["version"] for a in answers) == list(range(2, 22))
        scenario = clients[1].get(f"/scenarios/{bekasi['id']}").json()
        assert scenario["versions"] == list(range(1, 22)) and scenario["latest_version"] == 21
    finally:
        for client in clients:
            client.close()
