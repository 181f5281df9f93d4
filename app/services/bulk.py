"""Bulk rows in and out at the driver level: a plan of 75,000 villages in about a second.

Through SQLAlchemy's compiled statements each row costs parameter processing in Python (and
JSON columns a json.dumps each); here a whole list of tuples goes to the driver's executemany
once, and JSON cells are written and read as text, encoded and decoded by pydantic-core."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlmodel import Session

_MARKERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}  # the positional styles


def _markers(session: Session, count: int) -> str:
    style = session.get_bind().dialect.paramstyle
    if style not in _MARKERS:
        raise ValueError(f"bulk rows need a driver with positional parameters, not {style!r}")
    return ", ".join([_MARKERS[style]] * count)


def insert_rows(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """INSERT every row in one executemany, inside the session's transaction."""
    if not rows:
        return
    names = ", ".join(f'"{c}"' for c in columns)
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({_markers(session, len(columns))})'
    session.connection().exec_driver_sql(sql, list(rows))


def select_rows(
    session: Session, table: Table, columns: Sequence[str], key: str, value: Any, order_by: str
) -> list[tuple[Any, ...]]:
    """Every row of `table` whose `key` is `value`, as tuples of `columns`, in `order_by` order."""
    names = ", ".join(f'"{c}"' for c in columns)
    marker = _markers(session, 1)
    sql = f'SELECT {names} FROM "{table.name}" WHERE "{key}" = {marker} ORDER BY "{order_by}"'
    return [tuple(row) for row in session.connection().exec_driver_sql(sql, (value,))]
