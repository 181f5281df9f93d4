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
    workers: int = Field(default=2, ge=1)  # solver processes running at once (embedded runner)
    load_examples: bool = True  # the Kabupaten Bekasi example on first start
    # redis://...: solves go on this Redis-backed queue and `desaplan worker`s run them;
    # empty: the embedded runner, worker processes of the service itself
    queue_url: str | None = None
    queue_name: str = Field(default="desaplan", min_length=1)
    # jobs queued or running at once; one more is refused with 503 and Retry-After
    queue_limit: int = Field(default=100, ge=1)
    # a running job whose holder has given no sign of life for this long is failed
    job_heartbeat_timeout_s: float = Field(default=30.0, gt=0)

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
            "DESAPLAN_QUEUE_URL": "queue_url",
            "DESAPLAN_QUEUE_NAME": "queue_name",
            "DESAPLAN_QUEUE_LIMIT": "queue_limit",
            "DESAPLAN_JOB_HEARTBEAT_TIMEOUT": "job_heartbeat_timeout_s",
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
