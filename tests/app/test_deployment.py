"""The deployment files, checked without a container engine: the compose file against the Compose
Specification, the Dockerfile with hadolint and by its instructions, the lock file against
pyproject.toml, and the commands they start against the `desaplan` command's own parser. The same
commands run outside a container in test_e2e_serve and test_queue."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml
from compose_spec import PyCompose
from conftest import Workers
from dockerfile_parse import DockerfileParser
from packaging.requirements import Requirement
from psycopg import sql as psql
from pydantic import ValidationError
from servers import DESAPLAN, unavailable

from app.cli.command import _parser
from app.db import make_engine, normalise_url
from app.queue.rows import hard_limit_s
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
HADOLINT = Path(sys.executable).parent / "hadolint"


def interpolated(text: str) -> str:
    """Compose's `${NAME:-default}` and `${NAME:?message}`, as with no variable set but the
    required ones (given a stand-in value)."""
    return re.sub(
        r"\$\{(\w+)(?::-([^}]*)|:\?[^}]*)?\}",
        lambda m: m.group(2) if m.group(2) is not None else "stand-in",
        text,
    )


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(interpolated((ROOT / "compose.yaml").read_text()))
    return document


def test_the_compose_file_follows_the_compose_specification() -> None:
    text = interpolated((ROOT / "compose.yaml").read_text())
    PyCompose.from_yaml(text)  # raises, naming the key, on anything the specification refuses
    with pytest.raises(ValueError, match="service_healthyy"):
        PyCompose.from_yaml(text.replace("service_healthy", "service_healthyy", 1))


def test_compose_runs_the_service_a_worker_postgresql_and_redis(compose: dict[str, Any]) -> None:
    services = compose["services"]

    assert set(services) == {"service", "worker", "db", "redis"}
    assert all("healthcheck" in s for s in services.values())
    for name, service in services.items():
        for needed, how in (service.get("depends_on") or {}).items():
            assert needed in services and how["condition"] == "service_healthy", name
    mounted = {v.split(":")[0] for s in services.values() for v in s.get("volumes", [])}
    assert mounted <= set(compose["volumes"])
    assert services["worker"]["image"] == services["service"]["image"]


PASSWORD = "p/@:%?#[]& ss'w\"rd"  # every character a URL gives a meaning to


def test_the_commands_and_settings_of_compose_are_desaplan_s_own(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    services = compose["services"]
    worker = _parser().parse_args(services["worker"]["command"][1:])
    assert worker.command == "worker"
    secret = tmp_path / "db_password"
    secret.write_text(PASSWORD + "\n")  # as `echo` writes it
    monkeypatch.setenv("DATABASE_URL", "sqlite:////srv/data/desaplan.sqlite")  # the image's own
    for name in ("service", "worker"):
        environment = services[name]["environment"]
        assert services[name]["secrets"] == ["db_password"]
        assert environment["DESAPLAN_DB_PASSWORD_FILE"] == "/run/secrets/db_password"
        for variable, value in environment.items():
            monkeypatch.setenv(variable, str(value))
        monkeypatch.setenv("DESAPLAN_DB_PASSWORD_FILE", str(secret))
        settings = Settings.from_env()
        url = normalise_url(settings.database_url)
        assert url.drivername == "postgresql+psycopg"
        assert (url.host, url.port, url.username, url.database) == ("db", 5432, "desaplan", "desaplan")
        assert url.password == PASSWORD
        # what psycopg is handed: the password as written
        assert make_engine(settings.database_url).dialect.create_connect_args(url)[1]["password"] == PASSWORD
        assert settings.queue_url == "redis://redis:6379/0"
    # PostgreSQL reads the same secret
    assert services["db"]["secrets"] == ["db_password"]
    assert services["db"]["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/db_password"
    assert "db_password" in compose["secrets"]


def test_a_password_file_that_cannot_be_read_is_refused_at_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DESAPLAN_DB_HOST", "db")
    monkeypatch.setenv("DESAPLAN_DB_PASSWORD_FILE", str(tmp_path / "missing"))
    with pytest.raises(ValidationError, match="db_password_file"):
        Settings.from_env()


def test_a_role_whose_password_has_url_characters_reaches_postgresql(
    postgres: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A role of its own with such a password, reached through the URL built from the parts.
    (The shared server trusts local connections: the password's way through the URL to the
    driver is checked above, the name's and the database's here.)"""
    if isinstance(postgres, str):
        unavailable("PostgreSQL", postgres)
    admin = postgres.url
    admin_dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    role = f"desa/plan@{uuid.uuid4().hex[:6]}:x"
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        connection.execute(
            psql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(psql.Identifier(role), psql.Literal(PASSWORD))
        )
    try:
        secret = tmp_path / "db_password"
        secret.write_text(PASSWORD)
        for variable, value in {
            "DESAPLAN_DB_HOST": admin.host or "127.0.0.1",
            "DESAPLAN_DB_PORT": str(admin.port or 5432),
            "DESAPLAN_DB_USER": role,
            "DESAPLAN_DB_NAME": admin.database or "postgres",
            "DESAPLAN_DB_PASSWORD_FILE": str(secret),
        }.items():
            monkeypatch.setenv(variable, value)
        engine = make_engine(Settings.from_env().database_url)
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT current_user").scalar_one() == role
        engine.dispose()
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as connection:
            connection.execute(psql.SQL("DROP ROLE {}").format(psql.Identifier(role)))


def seconds(duration: str) -> float:
    """A Compose duration (`90s`, `15m`, `1h30m`) in seconds."""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001, "us": 1e-6}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|us|h|m|s)", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, duration
    return sum(float(n) * units[u] for n, u in parts)


def test_a_stopped_worker_has_time_to_finish_its_job_and_its_files(compose: dict[str, Any]) -> None:
    environment = compose["services"]["worker"]["environment"]
    settings = Settings.model_validate(
        {"solve_time_limit_s": float(environment["DESAPLAN_SOLVE_TIME_LIMIT"])}
    )
    # the longest job a worker may be running: the largest table the settings take
    job_s = hard_limit_s(settings.solve_time_limit_s, settings.max_villages)
    files_s = settings.export_time_limit_s

    grace_s = seconds(compose["services"]["worker"]["stop_grace_period"])

    assert grace_s > job_s + files_s, (grace_s, job_s, files_s)


def test_the_worker_s_healthcheck_is_desaplan_s_own_check(compose: dict[str, Any]) -> None:
    test = compose["services"]["worker"]["healthcheck"]["test"]
    assert test[0] == "CMD"
    check = _parser().parse_args(test[2:])
    assert test[1] == "desaplan" and check.command == "worker" and check.check


def test_the_worker_check_passes_only_while_a_worker_works(
    workers: Workers, queue: dict[str, str], tmp_path: Path
) -> None:
    env = {**os.environ, **queue}

    def check() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(DESAPLAN), "worker", "--check"], env=env, capture_output=True, text=True, timeout=60
        )

    alone = check()
    assert alone.returncode == 1 and "no worker is running here" in alone.stderr
    process = workers.start()
    deadline = time.monotonic() + 90
    while (passed := check()).returncode != 0:
        assert process.poll() is None, workers.logs()
        assert time.monotonic() < deadline, passed.stderr
        time.sleep(1)
    # its database away: the check says so at once
    away = check_with({**env, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    assert away.returncode == 1 and "the database does not answer" in away.stderr
    workers.stop()
    stopped = check()
    assert stopped.returncode == 1 and "no worker is running here" in stopped.stderr


def check_with(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(DESAPLAN), "worker", "--check"], env=env, capture_output=True, text=True, timeout=60
    )


def test_every_base_image_is_pinned_by_digest(compose: dict[str, Any]) -> None:
    parser = DockerfileParser(path=str(ROOT / "Dockerfile"))
    bases = [i["value"].split()[0] for i in parser.structure if i["instruction"] == "FROM"]
    pulled = [
        s["image"]
        for s in compose["services"].values()
        if "build" not in s and s["image"] != "desaplan:latest"
    ]
    for image in [*bases, *pulled]:
        assert re.fullmatch(r"[a-z0-9./-]+(:[\w.-]+)?@sha256:[0-9a-f]{64}", image), image
    assert len(pulled) == 2 and len(bases) == 2


def test_the_dockerfile_passes_hadolint() -> None:
    assert HADOLINT.exists() or shutil.which("hadolint"), "hadolint comes with the dev extra"
    result = subprocess.run(
        [str(HADOLINT if HADOLINT.exists() else "hadolint"), str(ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_is_built_from_the_lock_runs_unprivileged_under_an_init() -> None:
    parser = DockerfileParser(path=str(ROOT / "Dockerfile"))
    instructions = [(i["instruction"], i["value"]) for i in parser.structure]
    stages = [value for kind, value in instructions if kind == "FROM"]
    final = instructions[max(i for i, (kind, _) in enumerate(instructions) if kind == "FROM") :]
    values = {kind: value for kind, value in final}

    assert len(stages) == 2 and stages[0].endswith(" AS build")
    assert any(
        kind == "RUN" and "--require-hashes" in value and "requirements.lock" in value
        for kind, value in instructions
    )
    assert values["USER"].split(":")[0] not in ("", "0", "root")
    assert "/srv/data" in values["VOLUME"]
    assert "tini" in values["ENTRYPOINT"]
    assert "--start-period=" in values["HEALTHCHECK"] and "/health" in values["HEALTHCHECK"]
    command = json.loads(values["CMD"])  # the exec form, JSON
    assert command[0] == "desaplan"
    serve = _parser().parse_args(command[1:])
    assert serve.command == "serve" and serve.host == "0.0.0.0"
    for kind, value in instructions:
        if kind == "COPY" and not value.startswith("--from"):
            for source in value.split()[:-1]:
                assert (ROOT / source).exists(), source


def test_the_lock_pins_every_runtime_dependency_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [
        Requirement(r)
        for r in [
            *project["dependencies"],
            *project["optional-dependencies"]["postgres"],
            *project["optional-dependencies"]["queue"],
        ]
    ]
    lock = (ROOT / "requirements.lock").read_text()
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", lock, flags=re.MULTILINE))
    pins = {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in pins.items()}
    entries = [e for e in re.split(r"\n(?=[A-Za-z0-9])", lock) if "==" in e]

    for requirement in wanted:
        name = re.sub(r"[-_.]+", "-", requirement.name).lower()
        assert name in pins, f"{requirement.name} is not in requirements.lock"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} does not meet {requirement}"
    assert all("--hash=sha256:" in entry for entry in entries)


def test_no_file_in_the_repository_holds_an_unresolved_merge() -> None:
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    marker = re.compile(r"^(<{7} |>{7} |={7}$)", re.MULTILINE)
    texts = [
        p
        for p in tracked
        if p.endswith(
            (".py", ".md", ".html", ".po", ".toml", ".yaml", ".yml", ".js", ".css", ".json", ".cfg", ".txt")
        )
    ]
    unresolved = [p for p in texts if marker.search((ROOT / p).read_text(encoding="utf-8", errors="replace"))]
    assert not unresolved, unresolved
