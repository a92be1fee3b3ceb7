"""Writing past the unit of work, for tests that play someone editing the file with the key (a
rewritten audit event, a damaged change record, a restored backup) or that need the file itself.

App code never does this: the write gate (asb_tui/store/core/write_gate.py) refuses any write made
outside the unit of work's methods, and tests/store/test_write_boundary.py proves no module of the
app reaches the private engine. These helpers hold the gate open on purpose.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine
from sqlmodel import Session

from asb_tui.store.core import write_gate
from asb_tui.store.core.store import Store


def write_engine(store: Store) -> Engine:
    """The store's private write engine (a checkpoint, a raw connection)."""
    return store._write_engine


@contextmanager
def tampering(target: Store | Engine) -> Iterator[Session]:
    """A session on the store's write engine (or on an engine from `make_engines`) that writes
    past the unit of work; committed on leaving."""
    engine = write_engine(target) if isinstance(target, Store) else target
    with Session(engine) as session, write_gate.opened(session.connection()):
        yield session
        session.commit()


@contextmanager
def tampering_with(engine: Engine) -> Iterator[Connection]:
    """A connection of `engine` (from `make_engines`) that writes past the unit of work; one
    transaction, committed on leaving."""
    with engine.begin() as connection, write_gate.opened(connection):
        yield connection
