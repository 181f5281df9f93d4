"""The service's settings, read once from the environment."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import Depends
from pydantic import BaseModel, Field

from scenarios.limits import ReadLimits

if TYPE_CHECKING:
    from app.execute import PlanFiles

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
    # the Redis queue: a solve of at least this many villages in independent blocks (a pool per
    # kabupaten) is cut into `fanout_tasks` block tasks that several workers solve at once
    fanout_min_villages: int = Field(default=20_000, ge=0)
    fanout_tasks: int = Field(default=8, ge=1)  # 1: never fan out
    # jobs queued or running at once; one more is refused with 503 and Retry-After
    queue_limit: int = Field(default=100, ge=1)
    # a running job whose holder has given no sign of life for this long is failed
    job_heartbeat_timeout_s: float = Field(default=30.0, gt=0)
    # bounded work: the defaults hold the national table (84,000 villages) with room to spare
    max_body_bytes: int = Field(default=1024 * 1024, gt=0)  # any request body but an upload
    max_villages: int = Field(default=200_000, gt=0)  # rows of a village table
    max_columns: int = Field(default=200, gt=0)  # columns of a village table
    max_xlsx_unpacked_bytes: int = Field(default=512 * 1024 * 1024, gt=0)
    max_packages: int = Field(default=50, gt=0)  # packages of one scenario
    max_groups: int = Field(default=100, gt=0)  # groups a scenario names
    max_errors_listed: int = Field(default=100, gt=0)  # in a 422; the rest are counted
    # address space of a solver process; 0 for none. A national solve needs about 2 GB
    solver_memory_bytes: int = Field(default=8 * 1024**3, ge=0)
    # requests per client (token, else address) in a moving minute; 0 for no limit
    rate_limit_per_minute: int = Field(default=600, ge=0)
    # uvicorn: idle keep-alive connections closed after this; at most this many at once
    keep_alive_s: int = Field(default=5, gt=0)
    max_connections: int = Field(default=200, gt=0)
    header_timeout_s: float = Field(default=10.0, gt=0)  # to send a request's headers
    # reading an upload, building a file to download: stopped after this long (503); 0 for none
    parse_time_limit_s: float = Field(default=120.0, ge=0)
    export_time_limit_s: float = Field(default=300.0, ge=0)
    # a curve, the cost of fairness or the marginal values answered in the request (503 beyond)
    insight_time_limit_s: float = Field(default=300.0, ge=0)
    # a plan of at least this many villages has its targets files built by its job, after the solve
    plan_files_min_villages: int = Field(default=2000, ge=0)
    # the district's letterhead, signatory and letter number for the villages' letters (YAML or JSON)
    letterhead_file: str | None = None
    # "on": every request but /health needs a token; "off": one local admin, loopback only
    auth: Literal["on", "off"] = "on"

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
            "DESAPLAN_FANOUT_MIN_VILLAGES": "fanout_min_villages",
            "DESAPLAN_FANOUT_TASKS": "fanout_tasks",
            "DESAPLAN_JOB_HEARTBEAT_TIMEOUT": "job_heartbeat_timeout_s",
            "DESAPLAN_MAX_BODY_BYTES": "max_body_bytes",
            "DESAPLAN_MAX_VILLAGES": "max_villages",
            "DESAPLAN_MAX_COLUMNS": "max_columns",
            "DESAPLAN_MAX_XLSX_UNPACKED_BYTES": "max_xlsx_unpacked_bytes",
            "DESAPLAN_MAX_PACKAGES": "max_packages",
            "DESAPLAN_MAX_GROUPS": "max_groups",
            "DESAPLAN_MAX_ERRORS_LISTED": "max_errors_listed",
            "DESAPLAN_SOLVER_MEMORY_BYTES": "solver_memory_bytes",
            "DESAPLAN_RATE_LIMIT_PER_MINUTE": "rate_limit_per_minute",
            "DESAPLAN_KEEP_ALIVE_S": "keep_alive_s",
            "DESAPLAN_MAX_CONNECTIONS": "max_connections",
            "DESAPLAN_HEADER_TIMEOUT_S": "header_timeout_s",
            "DESAPLAN_PARSE_TIME_LIMIT_S": "parse_time_limit_s",
            "DESAPLAN_EXPORT_TIME_LIMIT_S": "export_time_limit_s",
            "DESAPLAN_INSIGHT_TIME_LIMIT_S": "insight_time_limit_s",
            "DESAPLAN_PLAN_FILES_MIN_VILLAGES": "plan_files_min_villages",
            "DESAPLAN_LETTERHEAD_FILE": "letterhead_file",
            "DESAPLAN_AUTH": "auth",
        }
        for variable, field in names.items():
            if env.get(variable):
                values[field] = env[variable]
        return cls.model_validate(values)


    def plan_files(self) -> PlanFiles:
        """Which plans' files their job builds (`app.execute`), within the export time limit."""
        from app.execute import PlanFiles

        return PlanFiles(min_villages=self.plan_files_min_villages,
                         time_limit_s=self.export_time_limit_s or 86_400.0)

    def read_limits(self) -> ReadLimits:
        """The readers' limits (scenarios/ takes no settings, only these numbers)."""
        return ReadLimits(
            max_rows=self.max_villages,
            max_columns=self.max_columns,
            max_xlsx_unpacked_bytes=self.max_xlsx_unpacked_bytes,
            max_packages=self.max_packages,
            max_groups=self.max_groups,
        )


@lru_cache
def get_settings() -> Settings:
    """The dependency routes use; `create_app(settings)` overrides it for one app."""
    return Settings.from_env()


SettingsDep = Annotated[Settings, Depends(get_settings)]
