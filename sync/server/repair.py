"""Administrators' tools for what the service refused or should never have stored.

- `refused_changes`: the changes the service refused (or that a laptop set aside and reported),
  per device or per officer, with their reasons. The fields are not listed: they may hold personal
  data and the reason says what was wrong.
- `remove_row`: take a poisoned row out of the stream (a row stored before the service checked
  every change, which laptops keep setting aside). Its stream entries and its state go; when
  laptops know its table, a delete is appended so the laptops that applied it drop it too. Every
  removal is recorded in `admin_action`: who, when, why, and what was removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from sync import schema
from sync.server import access, blind, names
from sync.server import db as tables
from sync.server.accounts import utcnow
from sync.server.admin_log import record_admin_event
from sync.server.db import Database


@dataclass(frozen=True)
class RefusedRow:
    device_id: str
    device_name: str
    officer_id: str
    officer_name: str
    device_counter: int
    table: str
    row_id: str
    case_id: str
    op: str
    reason: str
    at: datetime


def refused_changes(
    database: Database, *, device_id: str | None = None, officer_id: str | None = None
) -> list[RefusedRow]:
    r, d, o = tables.refused_change, tables.device, tables.officer
    query = (
        sa.select(
            r.c.device_id,
            d.c.name,
            o.c.id,
            o.c.name,
            r.c.device_counter,
            r.c.table_name,
            r.c.row_id,
            r.c.case_id,
            r.c.op,
            r.c.reason,
            r.c.created_at,
        )
        .join(d, d.c.id == r.c.device_id)
        .join(o, o.c.id == d.c.officer_id)
        .order_by(r.c.created_at, r.c.device_id, r.c.device_counter)
    )
    if device_id:
        query = query.where(r.c.device_id == device_id)
    if officer_id:
        query = query.where(o.c.id == officer_id)
    with database.read() as connection:
        return [RefusedRow(*row) for row in connection.execute(query)]


@dataclass(frozen=True)
class Removal:
    table: str
    row_id: str
    case_id: str | None
    stream_entries: int
    had_state: bool
    delete_seq: int | None


class NothingToRemove(LookupError):
    pass


def remove_row(database: Database, table: str, row_id: str, *, actor: str, reason: str) -> Removal:
    """Remove every stream entry and the state of one row, audited (see the module docstring)."""
    actor = names.name("who removes the row (--by)", actor)
    reason = names.reason("why the row is removed (--reason)", reason)
    stream, state = tables.stream, tables.row_state
    with database.write() as connection:
        # A delete entry alone (e.g. the one a removal appends) leaves nothing to remove.
        entries = connection.execute(
            sa.select(stream.c.seq, stream.c.case_id).where(
                stream.c.table_name == table,
                stream.c.row_id == row_id,
                stream.c.kind == "change",
                stream.c.op != "delete",
            )
        ).all()
        held = connection.execute(
            sa.select(state.c.case_id, state.c.version).where(
                state.c.table_name == table, state.c.row_id == row_id
            )
        ).first()
        if not entries and held is None:
            raise NothingToRemove(f"the service holds no {table} row {row_id}")
        case_id = held.case_id if held is not None else entries[0].case_id
        connection.execute(
            stream.delete().where(
                stream.c.table_name == table, stream.c.row_id == row_id, stream.c.kind == "change"
            )
        )
        connection.execute(
            state.delete().where(state.c.table_name == table, state.c.row_id == row_id)
        )
        blind.drop_row(connection, table, row_id)
        delete_seq = None
        if table in schema.TABLES:
            # Laptops that applied the row drop it; those that set it aside skip the delete.
            delete_seq = tables.stream_last(connection) + 1
            connection.execute(
                stream.insert().values(
                    seq=delete_seq,
                    kind="change",
                    case_id=case_id,
                    table_name=table,
                    row_id=row_id,
                    op="delete",
                    fields={},
                    version=(held.version + 1) if held is not None else 1,
                    origin_device_id=None,
                    origin_counter=None,
                    conflict_id=None,
                    created_at=utcnow(),
                    team=access.case_team(connection, case_id),
                )
            )
            tables.set_stream_last(connection, delete_seq)
        details: dict[str, Any] = {
            "stream_entries": [e.seq for e in entries],
            "had_state": held is not None,
            "delete_seq": delete_seq,
        }
        record_admin_event(
            connection,
            actor=actor.strip()[:200],
            action="stream.remove_row",
            table_name=table,
            row_id=row_id,
            case_id=case_id,
            reason=reason.strip(),
            details=details,
        )
    return Removal(table, row_id, case_id, len(entries), held is not None, delete_seq)


def admin_actions(database: Database) -> list[Any]:
    a = tables.admin_action
    with database.read() as connection:
        return list(connection.execute(sa.select(a).order_by(a.c.id)))
