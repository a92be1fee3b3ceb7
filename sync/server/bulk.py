"""A push's stream entries and row states, written with one statement each, their text made
before the global write lock.

Everything a push writes under the lock adds to the wait of every push queued behind it (see
`exchange`). On PostgreSQL the rows of each table go as one JSON array, serialised before the
lock with stream numbers counted from 0; the statement unpacks it (`json_populate_recordset`)
and adds the stream head the lock found. Inside the lock that is one round trip and no Python
work per row. Elsewhere (SQLite: a single office, one process) they are ordinary many-row
inserts, renumbered in Python.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from sync.server import db as tables

# Of a row state already stored, a push changes only these (never its case, kind or creation).
_ROW_CHANGES = ("version", "fields", "field_versions", "deleted")


@dataclass(frozen=True)
class Batch:
    """Rows of one table numbered from 0, and (PostgreSQL) their JSON text made in advance."""

    rows: list[dict[str, Any]]
    text: str | None


def _plain(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def prepare(rows: list[dict[str, Any]], *, postgres: bool) -> Batch:
    text = json.dumps(rows, default=_plain, separators=(",", ":")) if postgres and rows else None
    return Batch(rows, text)


def _unpack(table: sa.Table, shifted: str) -> str:
    """`INSERT ... SELECT` from the JSON array `:rows`, the column `shifted` plus `:head`."""
    names = [c.name for c in table.columns]
    picked = ", ".join(f"r.{n} + :head" if n == shifted else f"r.{n}" for n in names)
    return (
        f"INSERT INTO {table.name} ({', '.join(names)}) SELECT {picked} "
        f"FROM json_populate_recordset(NULL::{table.name}, CAST(:rows AS json)) AS r"
    )


_STREAM_FROM_JSON = sa.text(_unpack(tables.stream, "seq"))
_ROWS_FROM_JSON = sa.text(
    _unpack(tables.row_state, "created_seq")
    + " ON CONFLICT (table_name, row_id) DO UPDATE SET "
    + ", ".join(f"{n} = excluded.{n}" for n in _ROW_CHANGES)
)


def row_upsert(connection: sa.Connection) -> Any:
    """One statement for new and changed row states alike (keyed by table and row id)."""
    t = tables.row_state
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(t)
    return statement.on_conflict_do_update(
        index_elements=[t.c.table_name, t.c.row_id],
        set_={name: statement.excluded[name] for name in _ROW_CHANGES},
    )


def _shifted(rows: list[dict[str, Any]], name: str, head: int) -> list[dict[str, Any]]:
    return [{**row, name: row[name] + head} for row in rows]


def insert_stream(connection: sa.Connection, batch: Batch, head: int) -> None:
    if not batch.rows:
        return
    if batch.text is not None:
        connection.execute(_STREAM_FROM_JSON, {"rows": batch.text, "head": head})
    else:
        connection.execute(tables.stream.insert(), _shifted(batch.rows, "seq", head))


def upsert_rows(connection: sa.Connection, batch: Batch, head: int) -> None:
    """Row states; `created_seq` counts from 0 (it is kept as stored for a row that exists)."""
    if not batch.rows:
        return
    if batch.text is not None:
        connection.execute(_ROWS_FROM_JSON, {"rows": batch.text, "head": head})
    else:
        connection.execute(row_upsert(connection), _shifted(batch.rows, "created_seq", head))


@contextmanager
def pipelined(connection: sa.Connection) -> Iterator[None]:
    """On PostgreSQL, statements executed inside are sent together and answered together (one
    round trip; psycopg's pipeline mode). Only for statements whose results nobody reads:
    until the block ends they have none (a query would seem to return no rows)."""
    if connection.dialect.name != "postgresql":
        yield
        return
    driver = connection.connection.driver_connection
    assert driver is not None, "a connection in a transaction has its driver's connection"
    with driver.pipeline():
        yield
