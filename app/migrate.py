"""Create or upgrade the schema with the Alembic migrations in app/migrations, from code."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from app.db import startup_lock

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Every head: migrations of unrelated tables may branch from one revision."""
    config = alembic_config()
    with engine.begin() as connection:
        startup_lock(connection)  # two services starting at once: one migrates, one waits
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
