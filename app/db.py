"""The engine and the session dependency.

SQLite (the embedded default) runs in WAL mode with foreign keys on; PostgreSQL goes through
psycopg 3 (`pip install desaplan[postgres]`), and `postgresql://` or `postgres://` URLs mean it.

On SQLite, a transaction that failed (a full disk above all) leaves its frames in the write-ahead
log: the next connection back in the pool, after its rollback, checkpoints the log with TRUNCATE,
so the log does not stay at its grown size (`_CheckpointAfterFailure`)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlmodel import Session

log = logging.getLogger("desaplan.db")


def normalise_url(database_url: str) -> URL:
    """`postgresql://...` (as libpq and most hosts write it) means psycopg 3, not psycopg2."""
    url = make_url(database_url)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def make_engine(database_url: str) -> Engine:
    url = normalise_url(database_url)
    connect_args: dict[str, Any] = {}
    engine_args: dict[str, Any] = {}
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            # a fresh clone has no data/ folder yet
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        # requests run in the threadpool and jobs in their own threads; SQLite serialises writers,
        # so wait for the lock rather than fail at once
        connect_args = {"check_same_thread": False, "timeout": 30}
    else:
        # a server may drop idle connections (restarts, proxies): test one before handing it out;
        # a server that does not answer is given up on within seconds (and tried again), not minutes
        engine_args = {"pool_pre_ping": True}
        connect_args = {"connect_timeout": 10}
    engine = create_engine(url, connect_args=connect_args, **engine_args)
    if url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        checkpoint = _CheckpointAfterFailure()
        event.listen(engine, "handle_error", checkpoint.failed)
        event.listen(engine, "checkin", checkpoint.checkin)
    return engine


STARTUP_LOCK = 7_412_026  # any number; the same in every desaplan process


def startup_lock(connection: Connection) -> None:
    """Serialise start-up work (migrations, the first example) between processes starting at
    once on one PostgreSQL database, until the transaction ends. SQLite serialises writers itself."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": STARTUP_LOCK})


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while a plan is being written; foreign keys are off by default
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class _CheckpointAfterFailure:
    """On SQLite: after a statement failed, the next connection back in the pool (its
    transaction rolled back by then) runs `PRAGMA wal_checkpoint(TRUNCATE)`: committed frames go
    to the database and the log is cut to nothing, which gives back the space a failed write took.
    Until one succeeds (a reader holding the log, or a disk still too full to copy the committed
    frames into the database), every connection coming back tries again."""

    def __init__(self) -> None:
        self.pending = False

    def failed(self, _context: ExceptionContext) -> None:
        self.pending = True

    def checkin(self, dbapi_connection: Any, _record: Any) -> None:
        if not self.pending or dbapi_connection is None:
            return
        try:
            cursor = dbapi_connection.cursor()
            try:
                busy, _log, _copied = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                cursor.close()
        except Exception as exc:  # not the caller's error: the next connection back tries again
            log.warning("the write-ahead log was not checkpointed after a failed write: %s", exc)
            return
        self.pending = bool(busy)


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_session(request: Request) -> Iterator[Session]:
    with Session(get_engine(request)) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
