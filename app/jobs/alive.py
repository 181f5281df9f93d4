"""A worker's proof of life for its healthcheck (`desaplan worker --check`).

While `desaplan worker` runs, a thread of its own looks at the database (`SELECT 1`) and at Redis
(PING) every `BEAT_S` and, when both answer, touches its alive file. `check` passes when Redis and
the database answer the healthcheck itself and the file was touched within `STALE_S`: the worker
process is alive and was able to work a moment ago. A worker whose database is away stops
touching it, and its healthcheck fails after `STALE_S`."""

from __future__ import annotations

import logging
import tempfile
import threading
from pathlib import Path
from time import time

from redis import Redis
from sqlalchemy import Engine, text

from app.settings import Settings

log = logging.getLogger("desaplan.worker")

BEAT_S = 10.0
STALE_S = 60.0


def alive_file(settings: Settings) -> Path:
    """One file per queue in the temporary folder (one worker per container in compose.yaml)."""
    return Path(tempfile.gettempdir()) / f"desaplan-worker-{settings.queue_name}.alive"


def _works(engine: Engine, redis: Redis) -> str | None:
    """None when the database and Redis both answer; else what does not."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        return f"the database does not answer ({str(exc).strip().splitlines()[0]})"
    try:
        redis.ping()
    except Exception as exc:
        return f"the job queue (Redis) does not answer ({exc})"
    return None


def start_beating(settings: Settings, engine: Engine, redis: Redis) -> threading.Event:
    """The worker's beat, until the returned event is set (then the file is removed)."""
    stop = threading.Event()
    path = alive_file(settings)

    def beat() -> None:
        while True:
            if _works(engine, redis) is None:
                try:
                    path.touch()
                except OSError as exc:
                    log.warning("the worker's alive file %s was not touched: %s", path, exc)
            if stop.wait(BEAT_S):
                break
        path.unlink(missing_ok=True)

    threading.Thread(target=beat, name="desaplan-alive", daemon=True).start()
    return stop


def check(settings: Settings) -> str | None:
    """None when a worker here is alive and its database and queue answer; else why not."""
    from app.db import make_engine

    if not settings.queue_url:
        return "DESAPLAN_QUEUE_URL is not set"
    engine = make_engine(settings.database_url)
    try:
        problem = _works(engine, Redis.from_url(settings.queue_url, socket_timeout=4))
    finally:
        engine.dispose()
    if problem is not None:
        return problem
    path = alive_file(settings)
    try:
        age = time() - path.stat().st_mtime
    except OSError:
        return f"no worker is running here ({path} does not exist)"
    if age > STALE_S:
        return f"the worker has not been able to work for {age:.0f} s"
    return None
