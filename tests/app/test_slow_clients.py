"""A real `desaplan serve` against slow and greedy clients, over raw sockets: a trickled request
body is answered 408 and closed, a slow but steady one is read; one address's idle connections
take only its share, so another client's `/health` still answers; the full service answers
problem+json with `Retry-After`; the session cookie is `Secure` behind a trusted proxy that says
https, and only then.

Every loopback address (127.0.0.0/8) reaches a service listening on 127.0.0.1, so a test plays
several clients by binding its sockets to 127.0.0.2, 127.0.0.3, ..."""

from __future__ import annotations

import json
import select
import socket
import time
from contextlib import ExitStack
from pathlib import Path

import httpx
from servers import Server, cli_token, serving

from app.web.auth import SESSION_COOKIE


def _connect(server: Server, source: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30, source_address=(source, 0))
    return sock


def _read_answer(sock: socket.socket, within_s: float = 30) -> bytes:
    """Everything the service sends until it closes the connection (a reset after the answer:
    the client had sent more bytes the service, done with it, did not read)."""
    sock.settimeout(within_s)
    answer = b""
    try:
        while chunk := sock.recv(65536):
            answer += chunk
    except ConnectionResetError:
        if not answer:
            raise
    return answer


def _request(path: str, headers: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: testserver\r\n{headers}\r\n".encode()


def _problem(answer: bytes) -> tuple[int, dict[str, str], dict[str, object]]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return status, headers, json.loads(body)


def _health_from(server: Server, source: str) -> httpx.Response:
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(transport=transport, timeout=30) as client:
        return client.get(f"{server.url}/health")


def test_a_trickled_body_is_answered_408_and_closed(tmp_path: Path) -> None:
    with serving(tmp_path, DESAPLAN_BODY_TIMEOUT_S="2", DESAPLAN_BODY_MIN_BYTES_PER_S="100") as server:
        sock = _connect(server, "127.0.0.2")
        head = (
            "POST /datasets?lang=en HTTP/1.1\r\nHost: testserver\r\nContent-Type: text/csv\r\n"
            "Content-Length: 100000\r\n\r\n"
        )
        sock.sendall(head.encode())
        started = time.monotonic()
        answer = b""
        # one byte a second until the service answers (a client a second slower than 4 s a byte)
        while time.monotonic() - started < 30:
            readable, _, _ = select.select([sock], [], [], 1.0)
            if readable:
                answer = _read_answer(sock)
                break
            sock.sendall(b"x")
        closed_after_s = time.monotonic() - started
        sock.close()

    assert closed_after_s < 10, closed_after_s  # 2 s, and a second per 100 bytes sent
    status, headers, problem = _problem(answer)
    assert status == 408
    assert headers["content-type"] == "application/problem+json"
    assert headers["connection"] == "close"
    assert problem["status"] == 408 and "did not arrive in time" in str(problem["detail"])


def test_a_slow_but_steady_body_is_read(tmp_path: Path, small_csv: str) -> None:
    body = small_csv.encode()
    with serving(tmp_path, DESAPLAN_BODY_TIMEOUT_S="2", DESAPLAN_BODY_MIN_BYTES_PER_S="100") as server:
        sock = _connect(server, "127.0.0.2")
        sock.sendall(
            (
                "POST /datasets?name=steady HTTP/1.1\r\nHost: testserver\r\nContent-Type: text/csv\r\n"
                f"Connection: close\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode()
        )
        started = time.monotonic()
        for at in range(0, len(body), 50):  # 125 bytes a second: past 2 s, above the floor
            sock.sendall(body[at : at + 50])
            time.sleep(0.4)
        answer = _read_answer(sock)
        took_s = time.monotonic() - started
        sock.close()

    assert took_s > 2  # longer than the body timeout alone
    assert answer.startswith(b"HTTP/1.1 201"), answer[:300]


def test_one_address_with_230_idle_connections_leaves_others_served(tmp_path: Path) -> None:
    """The defaults: 200 connections, 50 an address. 230 idle ones from 127.0.0.2 hold 50."""
    with serving(tmp_path, DESAPLAN_HEADER_TIMEOUT_S="60") as server, ExitStack() as stack:
        idle = []
        for _ in range(230):
            sock = _connect(server, "127.0.0.2")
            stack.callback(sock.close)
            idle.append(sock)
        time.sleep(1)  # the service has taken them all from its backlog

        others = [_health_from(server, source) for source in ("127.0.0.3", "127.0.0.4", "127.0.0.1")]
        # the greedy address's 51st connection is answered: 429, problem+json, Retry-After
        idle[50].sendall(_request("/health"))
        status, headers, problem = _problem(_read_answer(idle[50]))
        # one of its first 50 is served as any connection is
        idle[0].sendall(_request("/health", "Connection: close\r\n"))
        served = _read_answer(idle[0])
        # its connections past twice its share were closed at once
        idle[-1].settimeout(10)
        dropped = idle[-1].recv(100)

    assert [r.status_code for r in others] == [200, 200, 200]
    assert status == 429
    assert headers["content-type"] == "application/problem+json"
    assert int(headers["retry-after"]) >= 1
    assert problem["type"] == "/problems/too-many-connections"
    assert served.startswith(b"HTTP/1.1 200")
    assert dropped == b""


def test_a_full_service_answers_503_problem_json_with_retry_after(tmp_path: Path) -> None:
    env = {
        "DESAPLAN_MAX_CONNECTIONS": "12",
        "DESAPLAN_MAX_CONNECTIONS_PER_CLIENT": "5",
        "DESAPLAN_HEADER_TIMEOUT_S": "60",
    }
    with serving(tmp_path, **env) as server, ExitStack() as stack:
        holders = []
        for source, count in (("127.0.0.2", 5), ("127.0.0.3", 5), ("127.0.0.4", 2)):
            for _ in range(count):
                sock = _connect(server, source)
                stack.callback(sock.close)
                holders.append(sock)
        time.sleep(1)

        late = _connect(server, "127.0.0.5")
        late.sendall(_request("/health?lang=en"))
        status, headers, problem = _problem(_read_answer(late))
        late.close()
        for sock in holders[:5]:
            sock.close()
        time.sleep(1)
        again = _health_from(server, "127.0.0.5")

    assert status == 503
    assert headers["content-type"] == "application/problem+json"
    assert int(headers["retry-after"]) >= 1
    assert problem["type"] == "/problems/busy" and "12" in str(problem["detail"])
    assert again.status_code == 200


def _sign_in_cookie(server: Server, token: str, source: str, proto: str) -> str:
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(transport=transport, timeout=60) as client:
        response = client.post(
            f"{server.url}/ui/login",
            data={"token": token, "next": "/"},
            headers={"X-Forwarded-Proto": proto},
        )
    assert response.status_code == 303, response.text
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE))
    return cookie.lower()


def test_the_session_cookie_is_secure_behind_a_trusted_proxy_only(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'desaplan.sqlite'}"
    token = cli_token(tmp_path, database_url)
    with serving(tmp_path, DESAPLAN_AUTH="on", DESAPLAN_FORWARDED_ALLOW_IPS="127.0.0.1") as server:
        behind_proxy = _sign_in_cookie(server, token, "127.0.0.1", "https")
        proxy_says_http = _sign_in_cookie(server, token, "127.0.0.1", "http")
        forged = _sign_in_cookie(server, token, "127.0.0.2", "https")

    assert "; secure" in behind_proxy
    assert "; secure" not in proxy_says_http
    assert "; secure" not in forged  # an address that is no proxy of ours is not believed
