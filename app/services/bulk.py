"""Bulk rows in and out at the driver level: a plan of 83,762 villages in about a second.

Through SQLAlchemy's compiled statements each row costs parameter processing in Python (and
JSON columns a json.dumps each); here a whole list of tuples goes to the driver's fast path once:
`COPY ... FROM STDIN` on PostgreSQL (psycopg 3), one executemany on SQLite. JSON cells are
written as text, encoded by pydantic-core, and read back as text, decoded by pydantic-core
(`json_cell` also takes a cell a driver has already decoded)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic_core import from_json
from sqlalchemy import JSON, BigInteger, Float, Integer, String, Table, TypeDecorator
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

_MARKERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}  # the positional styles


def _markers(session: Session, count: int) -> str:
    style = session.get_bind().dialect.paramstyle
    if style not in _MARKERS:
        raise ValueError(f"bulk rows need a driver with positional parameters, not {style!r}")
    return ", ".join([_MARKERS[style]] * count)


def _quoted(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def insert_rows(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Write every row in one go, inside the session's transaction."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # the same transaction's psycopg connection: COPY streams the rows in one round trip,
        # in the binary format where every column's type has one (the server parses no text)
        driver_connection: Any = connection.connection.driver_connection
        types = _binary_types(table, columns)
        statement = f'COPY "{table.name}" ({_quoted(columns)}) FROM STDIN' + (
            " (FORMAT BINARY)" if types else ""
        )
        dbapi_error = connection.dialect.loaded_dbapi.Error
        try:
            with driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
                if types:
                    copy.set_types(types)
                for row in rows:
                    copy.write_row(row)
        except dbapi_error as exc:  # as SQLAlchemy's own statements raise it: IntegrityError, ...
            raise DBAPIError.instance(statement, None, exc, dbapi_error) from exc
        return
    sql = f'INSERT INTO "{table.name}" ({_quoted(columns)}) VALUES ({_markers(session, len(columns))})'
    connection.exec_driver_sql(sql, list(rows))


def _binary_types(table: Table, columns: Sequence[str]) -> list[str] | None:
    """PostgreSQL's binary COPY types of `columns`; None when one has no entry here (then COPY
    goes as text). A JSON cell is sent as its text: json's binary form is its text."""
    types = []
    for name in columns:
        column_type = table.c[name].type
        if isinstance(column_type, TypeDecorator):  # e.g. SQLModel's AutoString over String
            column_type = column_type.impl_instance
        for kind, pg_type in _BINARY:
            if isinstance(column_type, kind):
                types.append(pg_type)
                break
        else:
            return None
    return types


_BINARY: tuple[tuple[type[Any], str], ...] = (
    (JSON, "text"),
    (BigInteger, "int8"),
    (Integer, "int4"),
    (Float, "float8"),
    (String, "text"),
)


def select_rows(
    session: Session, table: Table, columns: Sequence[str], key: str, value: Any, order_by: str
) -> list[tuple[Any, ...]]:
    """Every row of `table` whose `key` is `value`, as tuples of `columns`, in `order_by` order."""
    marker = _markers(session, 1)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # JSON cells as text: pydantic-core decodes them faster than psycopg's json.loads
        names = ", ".join(f'"{c}"::text' if isinstance(table.c[c].type, JSON) else f'"{c}"' for c in columns)
    else:
        names = _quoted(columns)
    sql = f'SELECT {names} FROM "{table.name}" WHERE "{key}" = {marker} ORDER BY "{order_by}"'
    return [tuple(row) for row in connection.exec_driver_sql(sql, (value,))]


def json_cell(value: Any) -> Any:
    """A JSON cell as read by `select_rows`: text (decoded here, by pydantic-core), or a dict or
    list where the driver decoded it already (psycopg does, for a `json` column read as such)."""
    if isinstance(value, str | bytes):
        return from_json(value)
    return value
