"""The service's settings, read once from the environment."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Annotated

from fastapi import Depends
from pydantic import BaseModel, Field

DEFAULT_DATABASE_URL = "sqlite:///data/desaplan.sqlite"  # relative to the working directory


class Settings(BaseModel):
    database_url: str = DEFAULT_DATABASE_URL
    max_upload_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
    # a solve answers at once when its dataset has at most this many villages
    sync_max_villages: int = Field(default=2000, ge=0)
    solve_time_limit_s: float = Field(default=60.0, gt=0)
    workers: int = Field(default=2, ge=1)  # solver processes running at once
    load_examples: bool = True  # the Kabupaten Bekasi example on first start

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        values: dict[str, str] = {}
        names = {
            "DATABASE_URL": "database_url",
            "DESAPLAN_MAX_UPLOAD_BYTES": "max_upload_bytes",
            "DESAPLAN_SYNC_MAX_VILLAGES": "sync_max_villages",
            "DESAPLAN_SOLVE_TIME_LIMIT": "solve_time_limit_s",
            "DESAPLAN_WORKERS": "workers",
            "DESAPLAN_LOAD_EXAMPLES": "load_examples",
        }
        for variable, field in names.items():
            if env.get(variable):
                values[field] = env[variable]
        return cls.model_validate(values)


@lru_cache
def get_settings() -> Settings:
    """The dependency routes use; `create_app(settings)` overrides it for one app."""
    return Settings.from_env()


SettingsDep = Annotated[Settings, Depends(get_settings)]
