"""A bounded load test on the loopback address against a real `desaplan serve` with accounts on:
50 synchronous solves and 50 scenario submissions at the same moment, then 50 revisions of one
scenario at once. Every request is answered with 200/201/202, 409 (a revision overtaken by
another) or 429/503 (the service's own limits), never 5xx; afterwards no job is left queued or
running, a refused solve left no job, and nothing answered 200 or 201 is lost."""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from servers import Server, cli_token

CONCURRENT = 50
QUEUE_LIMIT = 30  # below the 50 solves at once: some are refused, and must leave nothing behind
ANSWERED = {200, 201, 202, 429, 503}
TABLE = (
    "village_code,village_name,kecamatan,dana_desa_idr,uninsured_farmers,uninsured_fishers\n"
    "32.16.01.2001,Sagara Makmur,Tarumajaya,1500000000,400,120\n"
    "32.16.01.2002,Segarajaya,Tarumajaya,1400000000,350,200\n"
    "32.16.02.2001,Sukamekar,Babelan,1600000000,500,0\n"
)


def scenario(i: int) -> dict[str, Any]:
    return {
        "name": f"{i % 10 + 1}% of dana desa, submission {i}",
        "packages": [{"code": "JKK-JKM", "monthly_premium_idr": 16800}],
        "budget": {"dana_desa_share": (i % 10 + 1) / 100},
    }


def test_fifty_sync_solves_and_fifty_submissions_at_once_then_fifty_revisions(tmp_path: Path) -> None:
    token = cli_token(tmp_path, f"sqlite:///{tmp_path / 'desaplan.sqlite'}")
    server = Server(
        tmp_path,
        "serve.log",
        DESAPLAN_AUTH="on",
        DESAPLAN_LOAD_EXAMPLES="false",
        DESAPLAN_QUEUE_LIMIT=str(QUEUE_LIMIT),
        DESAPLAN_WORKERS="2",
    )
    headers = {"Authorization": f"Bearer {token}"}
    http = server.http
    http.headers.update(headers)
    try:
        dataset = http.post("/datasets", files={"file": ("t.csv", TABLE.encode(), "text/csv")}).json()
        solved_scenario = http.post("/scenarios", json={"dataset_id": dataset["id"], "scenario": scenario(0)})
        assert solved_scenario.status_code == 201, solved_scenario.text

        def request(i: int) -> tuple[str, int, dict[str, Any]]:
            with httpx.Client(base_url=server.url, timeout=180, headers=headers) as client:
                if i % 2:
                    body = {"dataset_id": dataset["id"], "scenario": scenario(i)}
                    answer = client.post("/scenarios", json=body)
                    kind = "submit"
                else:
                    body = {"scenario_id": solved_scenario.json()["id"]}
                    answer = client.post("/solves", params={"mode": "sync"}, json=body)
                    kind = "solve"
                return kind, answer.status_code, answer.json()

        with ThreadPoolExecutor(max_workers=2 * CONCURRENT) as pool:
            answers = list(pool.map(request, range(2 * CONCURRENT)))

        assert {status for _, status, _ in answers} <= ANSWERED, [
            (k, s, b) for k, s, b in answers if s not in ANSWERED
        ]
        solves = [(status, body) for kind, status, body in answers if kind == "solve"]
        submits = [(status, body) for kind, status, body in answers if kind == "submit"]
        assert len(solves) == len(submits) == CONCURRENT
        assert {status for status, _ in submits} <= {201, 429, 503}
        refused = [body for status, body in solves if status in (429, 503)]
        assert all(b["detail"] for b in refused)
        # every job has ended, and only solves that were taken made one
        deadline = time.monotonic() + 120
        while any(http.get("/jobs", params={"status": s}).json()["total"] for s in ("queued", "running")):
            assert time.monotonic() < deadline, "jobs were left queued or running"
            time.sleep(0.5)
        jobs = http.get("/jobs", params={"limit": 1000}).json()
        assert jobs["total"] == sum(status in (200, 202) for status, _ in solves)
        for status, body in solves:  # nothing answered is lost
            if status == 200:
                assert http.get(f"/plans/{body['id']}").json()["status"] == body["status"]
        plans = http.get("/plans", params={"limit": 1000}).json()
        assert plans["total"] == sum(j["plan_id"] is not None for j in jobs["items"])
        assert {b["id"] for s, b in solves if s == 200} <= {j["plan_id"] for j in jobs["items"]}
        stored = http.get("/scenarios", params={"limit": 1000}).json()
        made = sorted(body["id"] for status, body in submits if status == 201)
        assert sorted(s["id"] for s in stored["items"]) == sorted([solved_scenario.json()["id"], *made])
        audit = http.get("/audit", params={"action": "solve", "limit": 1000}).json()
        # every solve that reached the service is in the trail, refused ones too (a 429 does not)
        assert audit["total"] == CONCURRENT - sum(status == 429 for status, _ in solves)

        first = made[0]

        def revise(i: int) -> int:
            with httpx.Client(base_url=server.url, timeout=120, headers=headers) as client:
                body = {"scenario": scenario(i), "note": f"revision {i}"}
                return client.post(f"/scenarios/{first}/versions", json=body).status_code

        with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
            revised = list(pool.map(revise, range(CONCURRENT)))

        assert set(revised) <= {201, 409, 429, 503}, revised
        versions = http.get(f"/scenarios/{first}").json()["versions"]
        assert versions == list(range(1, revised.count(201) + 2))  # every 201 is a version, no gap
        audit = http.get("/audit", params={"action": "scenario.revise"}).json()
        assert audit["total"] == revised.count(201)
    finally:
        server.stop()
    assert "Traceback" not in server.log_path.read_text()


def test_slow_and_idle_connections_are_closed(tmp_path: Path) -> None:
    server = Server(tmp_path, "serve.log", DESAPLAN_LOAD_EXAMPLES="false", DESAPLAN_HEADER_TIMEOUT_S="1")
    try:
        silent = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        slow = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        slow.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # and the rest never comes

        assert silent.recv(1024) == b""  # closed by the service, no answer
        assert slow.recv(1024) == b""  # within the sockets' own 10 s timeout, else it raises
        assert server.http.get("/health").status_code == 200  # everyone else is still served
    finally:
        silent.close()
        slow.close()
        server.stop()
