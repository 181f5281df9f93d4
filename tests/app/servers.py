"""The real servers the tests use: PostgreSQL and Redis on this machine (and on CI's), and
`desaplan serve` and `desaplan worker` as an operator starts them (`Server`, `Workers`).

Where PostgreSQL or Redis is not reachable its tests skip and say why, unless
DESAPLAN_REQUIRE_SERVICES is set (CI sets it): then they fail, so CI always runs them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import pytest

POSTGRES_URL = os.environ.get(
    "DESAPLAN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
DESAPLAN = Path(sys.executable).parent / "desaplan"
HEARTBEAT_TIMEOUT_S = 5  # the queue tests' workers and services fail a silent job this soon
REDIS_URL = os.environ.get("DESAPLAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def required() -> bool:
    return os.environ.get("DESAPLAN_REQUIRE_SERVICES", "").lower() in ("1", "true", "yes")


def unavailable(what: str, reason: str) -> None:
    message = f"{what} is not reachable ({reason})"
    if required():
        pytest.fail(f"{message}, and DESAPLAN_REQUIRE_SERVICES is set", pytrace=False)
    pytest.skip(f"{message}; set DESAPLAN_TEST_POSTGRES_URL / DESAPLAN_TEST_REDIS_URL to run these tests")


class Postgres:
    """One fresh database for the test run; one fresh schema per test, through search_path."""

    def __init__(self, admin_url: str) -> None:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        self._text = text
        self.database = f"desaplan_test_{uuid.uuid4().hex[:12]}"
        self._admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
        with self._admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{self.database}"'))
        self.url = make_url(admin_url).set(database=self.database)
        self._engine = create_engine(self.url, isolation_level="AUTOCOMMIT")

    def schema_url(self) -> str:
        """A new empty schema; the URL of the run's database with that schema first on the path."""
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with self._engine.connect() as connection:
            connection.execute(self._text(f'CREATE SCHEMA "{schema}"'))
        url = self.url.update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)

    def drop(self) -> None:
        self._engine.dispose()
        with self._admin.connect() as connection:
            connection.execute(self._text(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'))
        self._admin.dispose()


@contextmanager
def postgres_database() -> Iterator[Postgres | str]:
    """The run's database, or the reason there is none."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        yield "psycopg is not installed: pip install -e '.[dev]'"
        return
    from sqlalchemy.exc import OperationalError

    try:
        database = Postgres(POSTGRES_URL)
    except OperationalError as exc:
        yield f"{POSTGRES_URL}: {str(exc.orig).strip().splitlines()[0]}"
        return
    try:
        yield database
    finally:
        database.drop()


def redis_reason() -> str | None:
    """None when Redis answers at REDIS_URL, else why not."""
    try:
        import redis
    except ImportError:
        return "redis is not installed: pip install -e '.[dev]'"
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"{REDIS_URL}: {exc}"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Workers:
    """`desaplan worker` subprocesses, stopped (or killed) on the way out."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.env = {**os.environ, **env}
        self.folder = folder
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        log = (self.folder / f"worker{len(self.processes)}.log").open("wb")
        process = subprocess.Popen(
            [str(DESAPLAN), "worker"], cwd=self.folder, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        self.processes.append(process)
        return process

    def logs(self) -> str:
        return "\n".join(p.read_text()[-2000:] for p in sorted(self.folder.glob("worker*.log")))

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class Server:
    """`desaplan serve` on a free loopback port, as an operator starts it: its working folder, its
    log there, and by default a SQLite file there and one local user (`DESAPLAN_AUTH=off`; pass
    `DESAPLAN_AUTH="on"` for accounts). `env` adds to or overrides the environment. Waits until
    `/health` answers unless `wait=False` (then `wait_until_up()`)."""

    def __init__(self, folder: Path, log_name: str = "serve.log", wait: bool = True, **env: str) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = folder / log_name
        self.database = folder / "desaplan.sqlite"
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{self.database}",
            "DESAPLAN_AUTH": "off",
            **env,
        }
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [str(DESAPLAN), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=folder,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.http = httpx.Client(base_url=self.url, timeout=120)
        if wait:
            self.wait_until_up()

    def wait_until_up(self, within_s: float = 90) -> None:
        deadline = time.monotonic() + within_s
        while True:
            assert self.process.poll() is None, self.log_path.read_text()[-3000:]
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"the service did not answer within {within_s:.0f} s"
            time.sleep(0.2)

    def kill(self) -> None:
        """`kill -9`: no shutdown of any kind."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self.close()

    def stop(self) -> None:
        """Ctrl-C, as an operator stops it (killed if it does not end within 30 s)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.close()

    def close(self) -> None:
        self.http.close()
        self.log.close()


@contextmanager
def serving(folder: Path, log_name: str = "serve.log", **env: str) -> Iterator[Server]:
    """A `Server`, stopped on the way out."""
    server = Server(folder, log_name, **env)
    try:
        yield server
    finally:
        server.stop()


def cli_token(folder: Path, database_url: str, name: str = "ana", role: str = "admin") -> str:
    """A user and its token, made with the command line as an operator makes the first admin."""
    env = {**os.environ, "DATABASE_URL": database_url}
    for command in (["user", "create", name, "--role", role], ["token", "create", name]):
        made = subprocess.run(
            [str(DESAPLAN), *command], cwd=folder, env=env, capture_output=True, text=True, timeout=120
        )
        assert made.returncode == 0, made.stderr
    return made.stdout.strip().splitlines()[-1]


class RedisServer:
    """A redis-server of the test's own on a free loopback port, without persistence (no RDB,
    no AOF), so that a `kill()` and a `start()` give the empty Redis a restart without
    persistence gives. The machine's own Redis is never touched."""

    def __init__(self, folder: Path) -> None:
        import shutil

        self.binary = shutil.which("redis-server")
        if self.binary is None:
            unavailable("redis-server", "not installed: apt-get install redis-server")
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.start()

    def start(self) -> None:
        assert self.binary is not None
        log = (self.folder / f"redis{self.starts}.log").open("wb")
        self.starts += 1
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        import redis

        deadline = time.monotonic() + 30
        while True:
            assert self.process.poll() is None, (self.folder / f"redis{self.starts - 1}.log").read_text()
            try:
                if redis.Redis.from_url(self.url, socket_connect_timeout=1).ping():
                    return
            except redis.RedisError:
                pass
            assert time.monotonic() < deadline, "redis-server did not answer within 30 s"
            time.sleep(0.1)

    def kill(self) -> None:
        """`kill -9`: whatever it held is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def stop(self) -> None:
        self.kill()


class CuttableProxy:
    """A TCP proxy on a free loopback port in front of `target` (host, port) that a test can
    cut: `cut()` drops every connection through it and refuses (accepts, then closes) new ones
    until `restore()`, as a database that restarts or a network that fails looks to a client."""

    def __init__(self, target: tuple[str, int]) -> None:
        import threading

        self.target = target
        self.port = free_port()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._cut = threading.Event()
        self._closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import threading

        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._cut.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self._cut.set()
        with self._lock:
            dropped, self._open = self._open, []
        for end in dropped:
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()

    def restore(self) -> None:
        self._cut.clear()

    def close(self) -> None:
        self._closed.set()
        self.cut()
        self._listener.close()
