"""The deployment files, checked without a container engine: the compose file against the Compose
Specification, the Dockerfile with hadolint and by its instructions, the lock file against
pyproject.toml, and the commands they start against the `desaplan` command's own parser. The same
commands run outside a container in test_e2e_serve and test_queue."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from compose_spec import PyCompose
from dockerfile_parse import DockerfileParser
from packaging.requirements import Requirement

from app.cli.command import _parser
from app.db import normalise_url
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


def test_the_commands_and_settings_of_compose_are_desaplan_s_own(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    services = compose["services"]
    worker = _parser().parse_args(services["worker"]["command"][1:])
    assert worker.command == "worker"
    for name in ("service", "worker"):
        environment = services[name]["environment"]
        for variable, value in environment.items():
            monkeypatch.setenv(variable, str(value))
        settings = Settings.from_env()
        assert normalise_url(settings.database_url).drivername == "postgresql+psycopg"
        assert normalise_url(settings.database_url).host == "db"
        assert settings.queue_url == "redis://redis:6379/0"


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
