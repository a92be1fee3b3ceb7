"""The write gate: SQL that changes the database runs on the write engine only while a method of
the unit of work (or of the replica's writer) holds the gate open.

The unit of work is the one write path (rows, audit event and change record together), so a row
added to its session and flushed later, a statement executed on it directly, or a session opened
on the write engine by other code would all write around it. Each of those reaches the database
as an INSERT, UPDATE, DELETE or REPLACE on a connection whose gate is shut, and is refused here
before it runs. The read engine's connections are `query_only` (database.py), so nothing writes
through them at all. A static test (tests/store/test_write_boundary.py) adds that no code outside
`store/core` touches the engine or the session these methods guard.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, event

_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
_OPEN = "asb.write_gate_open"


class WriteOutsideUnitOfWork(RuntimeError):
    """Code tried to write without going through the unit of work's methods (a programming
    error: the statement was not run, and the transaction is rolled back)."""


def install(engine: Engine) -> None:
    """Refuse, on every connection of `engine`, writes made while the gate is shut."""
    event.listen(engine, "before_cursor_execute", _check)


def _check(
    conn: Connection,
    cursor: Any,
    statement: str,
    parameters: Any,
    context: Any,
    executemany: bool,
) -> None:
    if not conn.info.get(_OPEN) and _WRITES.match(statement):
        raise WriteOutsideUnitOfWork(
            "a write outside the unit of work's methods was refused: "
            f"{statement.split(None, 3)[:3]}"
        )


@contextmanager
def opened(connection: Connection) -> Iterator[None]:
    """Hold the gate open on `connection` (re-entrant: a method may call another)."""
    info = connection.info
    depth = int(info.get(_OPEN, 0))
    info[_OPEN] = depth + 1
    try:
        yield
    finally:
        info[_OPEN] = depth
