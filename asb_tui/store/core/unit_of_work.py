"""The one write path.

Every write a user makes goes through a UnitOfWork: it stores the rows, appends an audit event and
appends a change record for sync in the same transaction, so either all three are stored or none.
The transaction begins IMMEDIATE (see database.py), so the per-device counter and the audit chain
head are read under the write lock and cannot be taken twice.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlmodel import Session, SQLModel

from asb_tui.store.core import settings
from asb_tui.store.core.audit import append_event
from asb_tui.store.core.entry_limits import check_entry
from asb_tui.store.core.models import APPEND_ONLY_TABLES, TABLES_BY_NAME, Case, ChangeRecord
from asb_tui.store.core.serialize import row_to_dict, to_json_value

T = TypeVar("T", bound=SQLModel)


def _table(row: SQLModel) -> str:
    return str(row.__tablename__)


def _row_id(row: SQLModel) -> str:
    return str(row.id)  # type: ignore[attr-defined]


def _case_id(row: SQLModel) -> str:
    if isinstance(row, Case):
        return row.id
    case_id = getattr(row, "case_id", None)
    if not case_id:
        raise ValueError(f"a {_table(row)} row must belong to a case")
    return str(case_id)


class UnitOfWork:
    def __init__(self, session: Session, *, actor: str, device_id: str) -> None:
        self.session = session
        self.actor = actor
        self.device_id = device_id
        self._counter: int | None = None

    # -- the three writes -------------------------------------------------------------------

    def add(self, row: T, *, action: str, details: dict[str, Any] | None = None) -> T:
        """Insert a row (with its audit event and change record)."""
        check_entry(_table(row), row_to_dict(row))  # what the service would refuse, refused here
        self.session.add(row)
        self.session.flush()
        fields = row_to_dict(row)
        self._record(row, "insert", fields, action, {"fields": sorted(fields), **(details or {})})
        return row

    def add_many(self, rows: Sequence[SQLModel], *, action: str) -> None:
        """Insert many rows at once (demo data, bulk loads): a change record per row exactly as
        `add` writes it, parents first, but one audit event per case (naming how many rows of
        each table it received) instead of one per row, which is what makes bulk loads fast."""
        for row in rows:
            check_entry(_table(row), row_to_dict(row))
        order = {name: index for index, name in enumerate(TABLES_BY_NAME)}
        ordered = sorted(rows, key=lambda row: order.get(_table(row), len(order)))
        # Flush a table at a time: without ORM relationships the session does not order inserts
        # by foreign key, and a child must not reach the database before its parent.
        for _table_name, group in itertools.groupby(ordered, key=_table):
            self.session.add_all(list(group))
            self.session.flush()
        per_case: dict[str, dict[str, int]] = {}
        for row in ordered:
            table, case_id = _table(row), _case_id(row)
            self.session.add(
                ChangeRecord(
                    device_id=self.device_id,
                    counter=self._next_counter(),
                    table_name=table,
                    row_id=_row_id(row),
                    case_id=case_id,
                    op="insert",
                    fields=row_to_dict(row),
                    base_version=None,
                    append_only=table in APPEND_ONLY_TABLES,
                )
            )
            counts = per_case.setdefault(case_id, {})
            counts[table] = counts.get(table, 0) + 1
        for case_id, counts in per_case.items():
            self.audit_only(
                action=action,
                entity="asb_case",
                entity_id=case_id,
                case_id=case_id,
                details={"rows": counts},
            )

    def update(
        self, row: T, changes: dict[str, Any], *, action: str, details: dict[str, Any] | None = None
    ) -> T:
        """Write only the fields that really change; a no-op update records nothing."""
        if _table(row) in APPEND_ONLY_TABLES:
            raise ValueError(f"{_table(row)} records are append-only and cannot be edited")
        columns = {c.name for c in row.__table__.columns}  # type: ignore[attr-defined]
        written: dict[str, Any] = {}
        for name, value in changes.items():
            if name not in columns or name in {"id", "version", "case_id"}:
                raise ValueError(f"{_table(row)} has no editable field {name!r}")
            if getattr(row, name) != value:
                written[name] = to_json_value(value)
        check_entry(_table(row), written)  # before the row is touched: nothing half-changed
        for name in written:
            setattr(row, name, changes[name])
        if not written:
            return row
        self.session.add(row)
        self.session.flush()
        self._record(row, "update", written, action, {"fields": sorted(written), **(details or {})})
        return row

    def delete(self, row: SQLModel, *, action: str, details: dict[str, Any] | None = None) -> None:
        self._record(row, "delete", {}, action, details or {})
        self.session.delete(row)
        self.session.flush()

    def audit_only(
        self,
        *,
        action: str,
        entity: str,
        entity_id: str,
        case_id: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        """An audited act that writes no row (an export, a pack, a subject access request)."""
        append_event(
            self.session,
            actor=self.actor,
            device_id=self.device_id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            case_id=case_id,
            details=details,
        )

    # -- internals ---------------------------------------------------------------------------

    def _next_counter(self) -> int:
        if self._counter is None:
            self._counter = int(settings.get(self.session, settings.DEVICE_COUNTER) or "0")
        self._counter += 1
        settings.put(self.session, settings.DEVICE_COUNTER, str(self._counter))
        return self._counter

    def _record(
        self, row: SQLModel, op: str, fields: dict[str, Any], action: str, details: dict[str, Any]
    ) -> None:
        table = _table(row)
        case_id = _case_id(row)
        append_only = table in APPEND_ONLY_TABLES
        version = getattr(row, "version", None)
        self.session.add(
            ChangeRecord(
                device_id=self.device_id,
                counter=self._next_counter(),
                table_name=table,
                row_id=_row_id(row),
                case_id=case_id,
                op=op,
                fields=fields,
                base_version=None if op == "insert" or append_only else version,
                append_only=append_only,
            )
        )
        append_event(
            self.session,
            actor=self.actor,
            device_id=self.device_id,
            action=action,
            entity=table,
            entity_id=_row_id(row),
            case_id=case_id,
            details=details,
        )


@contextmanager
def unit_of_work(write_engine: Engine, *, actor: str, device_id: str) -> Iterator[UnitOfWork]:
    with Session(write_engine, expire_on_commit=False) as session:
        uow = UnitOfWork(session, actor=actor, device_id=device_id)
        try:
            yield uow
            session.commit()
        except BaseException:
            session.rollback()
            raise
