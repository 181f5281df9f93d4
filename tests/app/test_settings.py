"""Settings come from the environment; the default database is data/desaplan.sqlite."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/elsewhere.sqlite")
    monkeypatch.setenv("DESAPLAN_MAX_UPLOAD_BYTES", "1000")
    monkeypatch.setenv("DESAPLAN_SYNC_MAX_VILLAGES", "10")
    monkeypatch.setenv("DESAPLAN_SOLVE_TIME_LIMIT", "5")
    monkeypatch.setenv("DESAPLAN_WORKERS", "3")

    settings = Settings.from_env()

    assert settings == Settings(
        database_url="sqlite:////tmp/elsewhere.sqlite",
        max_upload_bytes=1000,
        sync_max_villages=10,
        solve_time_limit_s=5,
        workers=3,
    )


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "DATABASE_URL",
        "DESAPLAN_MAX_UPLOAD_BYTES",
        "DESAPLAN_SYNC_MAX_VILLAGES",
        "DESAPLAN_SOLVE_TIME_LIMIT",
        "DESAPLAN_WORKERS",
    ):
        monkeypatch.delenv(name, raising=False)

    settings = Settings.from_env()

    assert settings.max_upload_bytes == 50 * 1024 * 1024
    assert settings.sync_max_villages == 2000
    assert settings.solve_time_limit_s == 300
    assert settings.workers == 2


def test_default_database_is_created_in_a_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    with TestClient(create_app(Settings(load_examples=False))) as client:
        assert client.get("/health").json() == {"status": "ok"}

    assert (tmp_path / "data" / "desaplan.sqlite").is_file()


def test_bad_setting_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESAPLAN_WORKERS", "0")

    with pytest.raises(ValueError, match="workers"):
        Settings.from_env()
