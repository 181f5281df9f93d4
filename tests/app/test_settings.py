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


def test_every_field_reads_its_prefixed_name_and_the_new_name_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESAPLAN_DATABASE_URL", "sqlite:////tmp/new.sqlite")
    monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/old.sqlite")
    monkeypatch.setenv("DESAPLAN_SOLVE_TIME_LIMIT_S", "7")
    monkeypatch.setenv("DESAPLAN_JOB_HEARTBEAT_TIMEOUT", "11")  # the old name alone
    monkeypatch.setenv("DESAPLAN_FANOUT_TASKS", "")  # empty: unset, the default stands
    monkeypatch.setenv("DESAPLAN_INSIGHT_TIME_LIMIT_S", "12.5")

    settings = Settings.from_env()

    assert settings.database_url == "sqlite:////tmp/new.sqlite"
    assert settings.solve_time_limit_s == 7 and settings.job_heartbeat_timeout_s == 11
    assert settings.fanout_tasks == 8 and settings.insight_time_limit_s == 12.5


def test_the_command_lines_language_is_read_in_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.i18n import lang_from_env
    from app.settings import env_lang

    monkeypatch.setenv("DESAPLAN_LANG", "id")
    assert env_lang() == "id" and lang_from_env("en") == "id"
    monkeypatch.setenv("DESAPLAN_LANG", "xx")  # not a language we speak: the default
    assert lang_from_env("en") == "en"
