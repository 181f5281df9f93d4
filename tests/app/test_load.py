"""A bounded load test on the loopback address against a real `desaplan serve` with accounts on:
50 scenario submissions and 50 revisions of one scenario at once. Every request is answered with
201, 409 (a revision overtaken by another) or 429/503 (the service's own limits), never 5xx, and
nothing answered 201 is lost."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from test_faults import Server

CONCURRENT = 50
DESAPLAN = Path(sys.executable).parent / "desaplan"
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


def admin_token(tmp_path: Path) -> str:
    """The first admin and its token, made with the command line as an operator would."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'desaplan.sqlite'}"}
    run = {"env": env, "cwd": tmp_path, "check": True, "capture_output": True, "text": True, "timeout": 60}
    subprocess.run([str(DESAPLAN), "user", "create", "ana", "--role", "admin"], **run)  # type: ignore[call-overload]
    made = subprocess.run([str(DESAPLAN), "token", "create", "ana"], **run)  # type: ignore[call-overload]
    return str(made.stdout.strip().splitlines()[-1])


def test_fifty_concurrent_submissions_and_revisions(tmp_path: Path) -> None:
    token = admin_token(tmp_path)
    server = Server(tmp_path, "serve.log", DESAPLAN_AUTH="on")
    headers = {"Authorization": f"Bearer {token}"}
    try:
        dataset = server.http.post(
            "/datasets", files={"file": ("t.csv", TABLE.encode(), "text/csv")}, headers=headers
        ).json()

        def submit(i: int) -> tuple[int, int | None]:
            with httpx.Client(base_url=server.url, timeout=120, headers=headers) as http:
                answer = http.post("/scenarios", json={"dataset_id": dataset["id"], "scenario": scenario(i)})
                return answer.status_code, answer.json().get("id")

        with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
            submitted = list(pool.map(submit, range(CONCURRENT)))

        statuses = [status for status, _ in submitted]
        assert set(statuses) <= {201, 429, 503}, statuses
        stored = server.http.get("/scenarios", params={"limit": 1000}, headers=headers).json()
        assert sorted(i for s, i in submitted if s == 201) == sorted(s["id"] for s in stored["items"])

        first = next(i for s, i in submitted if s == 201)

        def revise(i: int) -> int:
            with httpx.Client(base_url=server.url, timeout=120, headers=headers) as http:
                body = {"scenario": scenario(i), "note": f"revision {i}"}
                return http.post(f"/scenarios/{first}/versions", json=body).status_code

        with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
            revised = list(pool.map(revise, range(CONCURRENT)))

        assert set(revised) <= {201, 409, 429, 503}, revised
        versions = server.http.get(f"/scenarios/{first}", headers=headers).json()["versions"]
        assert versions == list(range(1, revised.count(201) + 2))  # every 201 is a version, no gap
        audit = server.http.get("/audit", params={"action": "scenario.revise"}, headers=headers).json()
        assert audit["total"] == revised.count(201)
    finally:
        server.stop()
    assert "Traceback" not in server.log_path.read_text()


def test_slow_and_idle_connections_are_closed(tmp_path: Path) -> None:
    server = Server(tmp_path, "serve.log", DESAPLAN_AUTH="off", DESAPLAN_HEADER_TIMEOUT_S="1")
    try:
        silent = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        slow = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        slow.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # and the rest never comes
        opened = time.monotonic()

        assert silent.recv(1024) == b""  # closed by the service, no answer
        assert slow.recv(1024) == b""
        assert time.monotonic() - opened < 8
        assert server.http.get("/health").status_code == 200  # everyone else is still served
    finally:
        silent.close()
        slow.close()
        server.stop()
