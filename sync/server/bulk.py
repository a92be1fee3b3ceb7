"""A push's stream entries and row states, written with one statement each, their text made
before the push takes its locks.

Everything a push writes under its locks adds to the wait of every push queued behind it (see
`exchange`). On PostgreSQL the rows of each table go as one JSON array, serialised before the
locks with stream numbers counted from 1 (the plan's numbers); the statement unpacks it
(`json_populate_recordset`) and maps each plan number n to the n-th stream number the push took
(`numbers`: ascending, not necessarily contiguous, see `db.take_numbers`). Inside the locks that
is one round trip and no Python work per row. Elsewhere (SQLite: a single office, one process)
they are ordinary many-row inserts, renumbered in Python.
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


def _unpack(table: sa.Table, shifted: str | None) -> str:
    """`INSERT ... SELECT` from the JSON array `:rows`, the plan number in the column `shifted`
    mapped to the stream number it got (`:numbers`, an array: its n-th element)."""
    names = [c.name for c in table.columns]
    mapped = "(CAST(:numbers AS bigint[]))[r.{}::integer]"
    picked = ", ".join(mapped.format(n) if n == shifted else f"r.{n}" for n in names)
    return (
        f"INSERT INTO {table.name} ({', '.join(names)}) SELECT {picked} "
        f"FROM json_populate_recordset(NULL::{table.name}, CAST(:rows AS json)) AS r"
    )


_STREAM_FROM_JSON = sa.text(_unpack(tables.stream, "seq"))
# New row states: a plain INSERT, so a row another push inserted meanwhile (a row id named under
# two cases at once) fails the transaction rather than being overwritten (`exchange` then runs
# the push again, alone).
_NEW_ROWS_FROM_JSON = sa.text(_unpack(tables.row_state, "created_seq"))
# Row states already stored: only what a push changes (the creation is kept as stored).
_ROWS_FROM_JSON = sa.text(
    _unpack(tables.row_state, None)
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


def _mapped(rows: list[dict[str, Any]], name: str, numbers: list[int]) -> list[dict[str, Any]]:
    return [{**row, name: numbers[row[name] - 1]} for row in rows]


def insert_stream(connection: sa.Connection, batch: Batch, numbers: list[int]) -> None:
    if not batch.rows:
        return
    if batch.text is not None:
        connection.execute(_STREAM_FROM_JSON, {"rows": batch.text, "numbers": numbers})
    else:
        connection.execute(tables.stream.insert(), _mapped(batch.rows, "seq", numbers))


def insert_rows(connection: sa.Connection, batch: Batch, numbers: list[int]) -> None:
    """New row states; `created_seq` is a plan number (mapped as the stream's are)."""
    if not batch.rows:
        return
    if batch.text is not None:
        connection.execute(_NEW_ROWS_FROM_JSON, {"rows": batch.text, "numbers": numbers})
    else:
        connection.execute(tables.row_state.insert(), _mapped(batch.rows, "created_seq", numbers))


def upsert_rows(connection: sa.Connection, batch: Batch) -> None:
    """Row states already stored (their `created_seq` is the stored one, and kept)."""
    if not batch.rows:
        return
    if batch.text is not None:
        connection.execute(_ROWS_FROM_JSON, {"rows": batch.text})
    else:
        connection.execute(row_upsert(connection), batch.rows)


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
