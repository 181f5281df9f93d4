"""The service's settings, read once from the environment (pydantic-settings).

Every field is read from `DESAPLAN_<FIELD>` (`solve_time_limit_s`: DESAPLAN_SOLVE_TIME_LIMIT_S);
three keep the names they had before as aliases: DATABASE_URL, DESAPLAN_SOLVE_TIME_LIMIT and
DESAPLAN_JOB_HEARTBEAT_TIMEOUT. An empty variable counts as unset. A bad value is refused at
start, naming its field. DESAPLAN_LANG, the command line's language, is read here too, and only
here (`env_lang`). This module imports nothing of app/.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import Depends, Request
from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.scenario import DEFAULT_TIME_LIMIT_S
from scenarios.limits import ReadLimits

DEFAULT_DATABASE_URL = "sqlite:///data/desaplan.sqlite"  # relative to the working directory


def _named(field: str, *old_names: str) -> AliasChoices:
    """The field's DESAPLAN_ variable first, then the names it had before (`Settings(field=...)`
    works too: the settings validate by name; the bare name is no alias, since environment names
    match case-insensitively and `database_url` would be DATABASE_URL, the old name)."""
    return AliasChoices(f"DESAPLAN_{field.upper()}", *old_names)


_CONFIG = SettingsConfigDict(
    env_prefix="DESAPLAN_",
    env_ignore_empty=True,
    extra="ignore",
    validate_by_name=True,
    validate_by_alias=True,
)


class Settings(BaseSettings):
    model_config = _CONFIG

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL, validation_alias=_named("database_url", "DATABASE_URL")
    )
    # PostgreSQL named by its parts (compose.yaml): with a host set, the database URL is built
    # from them (over DATABASE_URL, which the image sets to its SQLite file); the password is
    # read from a file (a Compose secret) and quoted, so that any password works
    db_host: str | None = None
    db_port: int = Field(default=5432, gt=0, lt=65536)
    db_user: str = "desaplan"
    db_name: str = "desaplan"
    db_password_file: str | None = None
    max_upload_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
    # a solve answers at once when its dataset has at most this many villages
    sync_max_villages: int = Field(default=2000, ge=0)
    solve_time_limit_s: float = Field(  # seconds of solving (reading and writing do not count)
        default=DEFAULT_TIME_LIMIT_S,
        gt=0,
        validation_alias=_named("solve_time_limit_s", "DESAPLAN_SOLVE_TIME_LIMIT"),
    )
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
    # the Redis queue: a job no worker has taken this long after it was queued is failed, with
    # words that say so (a queued job whose queue entry is gone is queued again before that)
    queue_wait_limit_s: float = Field(default=3600.0, gt=0)
    # a running job whose holder has given no sign of life for this long is failed
    job_heartbeat_timeout_s: float = Field(
        default=30.0,
        gt=0,
        validation_alias=_named("job_heartbeat_timeout_s", "DESAPLAN_JOB_HEARTBEAT_TIMEOUT"),
    )
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
    # failed token checks (401) per address in a moving minute; beyond, 429 before any hashing
    auth_failures_per_minute: int = Field(default=30, ge=0)
    # uvicorn: idle keep-alive connections closed after this; at most this many at once
    keep_alive_s: int = Field(default=5, gt=0)
    max_connections: int = Field(default=200, gt=0)
    # connections one address may hold at once (its share of `max_connections`); a trusted
    # proxy's address is held to `max_connections` alone
    max_connections_per_client: int = Field(default=50, gt=0)
    header_timeout_s: float = Field(default=10.0, gt=0)  # to send a request's headers
    # a request body must arrive within `body_timeout_s`, plus one second for each
    # `body_min_bytes_per_s` bytes received (a slow link uploads; a trickle is closed)
    body_timeout_s: float = Field(default=20.0, gt=0)
    body_min_bytes_per_s: int = Field(default=500, gt=0)
    # addresses of reverse proxies whose X-Forwarded-Proto and X-Forwarded-For are believed
    # (comma-separated addresses or networks, "*" for any); others' are ignored
    forwarded_allow_ips: str = "127.0.0.1"
    # a page session ends after this long unused, and this long after its sign-in in any case
    session_idle_s: float = Field(default=2 * 3600.0, gt=0)
    session_max_s: float = Field(default=12 * 3600.0, gt=0)
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

    @model_validator(mode="after")
    def _database_from_parts(self) -> Settings:
        if self.db_host:
            try:
                self.database_url = postgres_url(
                    self.db_host, self.db_port, self.db_user, self.db_name, self.db_password_file
                )
            except OSError as exc:
                raise ValueError(f"db_password_file: {self.db_password_file} cannot be read ({exc})") from exc
        return self

    @classmethod
    def from_env(cls) -> Settings:
        """The settings the environment gives (what `Settings()` reads)."""
        return cls()

    def read_limits(self) -> ReadLimits:
        """The readers' limits (scenarios/ takes no settings, only these numbers)."""
        return ReadLimits(
            max_rows=self.max_villages,
            max_columns=self.max_columns,
            max_xlsx_unpacked_bytes=self.max_xlsx_unpacked_bytes,
            max_packages=self.max_packages,
            max_groups=self.max_groups,
        )


def postgres_url(host: str, port: int, user: str, name: str, password_file: str | None) -> str:
    """A postgresql:// URL from its parts, each quoted: a password with `/`, `@`, `:` or `%`
    reaches the server as written. The file's one line is the password (its line end dropped)."""
    password = ""
    if password_file:
        password = Path(password_file).read_text(encoding="utf-8").rstrip("\r\n")
    secret = f":{quote(password, safe='')}" if password else ""
    host_part = f"[{host}]" if ":" in host else host
    return f"postgresql://{quote(user, safe='')}{secret}@{host_part}:{port}/{quote(name, safe='')}"


@lru_cache
def get_settings() -> Settings:
    """The settings of the environment (`desaplan serve`, `create_app()` without settings)."""
    return Settings.from_env()


async def app_settings(request: Request) -> Settings:
    """The dependency routes use: the settings of the app serving the request (`create_app`
    keeps them in `app.state`), those of the environment for an app that has none. Not an
    override of `get_settings`: with any override FastAPI rebuilds every route's dependencies on
    every request. Async, as it waits on nothing: no trip through the thread pool."""
    settings = getattr(request.app.state, "settings", None)
    return settings if isinstance(settings, Settings) else get_settings()


SettingsDep = Annotated[Settings, Depends(app_settings)]


class LanguageSetting(BaseSettings):
    """DESAPLAN_LANG alone: the command line reads its language without the service's settings."""

    model_config = SettingsConfigDict(env_prefix="DESAPLAN_", env_ignore_empty=True, extra="ignore")

    lang: str | None = None


def env_lang() -> str | None:
    """DESAPLAN_LANG as written (`app.i18n.normalise_lang` says whether we speak it)."""
    return LanguageSetting().lang
