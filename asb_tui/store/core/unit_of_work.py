"""The one write path.

Every write goes through a method of a UnitOfWork. A user's record is stored with an audit event
and a change record for sync in the same transaction, so either all three are stored or none;
what the laptop keeps only for itself (settings, conflicts, samples, the local cache) has its own
methods, which refuse a table that syncs. The transaction begins IMMEDIATE (see database.py), so
the per-device counter and the audit chain head are read under the write lock and cannot be taken
twice.

The session is private. `reads` hands it out for reading inside the write transaction (a check
must see what it is about to change), and the write gate (write_gate.py) refuses any write made
through it: only these methods open the gate.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from sqlalchemy import Engine, text
from sqlmodel import Session, SQLModel, select

from asb_tui.store.core import settings, write_gate
from asb_tui.store.core.audit import ChainHead, acknowledge_anchor, append_event
from asb_tui.store.core.entry_limits import check_entry
from asb_tui.store.core.models import (
    APPEND_ONLY_TABLES,
    LOCAL_TABLES,
    TABLES_BY_NAME,
    Case,
    ChangeRecord,
)
from asb_tui.store.core.serialize import row_to_dict, to_json_value

T = TypeVar("T", bound=SQLModel)
F = TypeVar("F", bound=Callable[..., Any])


def _writes(method: F) -> F:
    """Run the method with the write gate open: the only code that may write. Rows changed in
    the session by other code would be flushed along with the method's own, so they are refused
    first (a row the method is given is its to write)."""

    @functools.wraps(method)
    def gated(self: UnitOfWork, *args: Any, **kwargs: Any) -> Any:
        if self._depth == 0:  # a method called by another writes what its caller was given
            self._refuse_strays(args)
        self._depth += 1
        try:
            with self._gate():
                result = method(self, *args, **kwargs)
                if self._depth == 1:
                    self._session.flush()  # what the method added is written inside the gate
                return result
        finally:
            self._depth -= 1

    return cast(F, gated)


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


def _local_table(row: SQLModel) -> str:
    table = _table(row)
    if table not in LOCAL_TABLES:
        raise ValueError(f"{table} rows sync: write them with add, update or delete")
    return table


class UnitOfWork:
    def __init__(self, session: Session, *, actor: str, device_id: str) -> None:
        self._session = session
        self.actor = actor
        self.device_id = device_id
        self._counter: int | None = None
        self._counter_written: int | None = None
        # The audit chain's head and the device counter are read once per transaction (under
        # the write lock they cannot move) and carried forward in memory from then on. So no
        # audit event or change record may be written inside a savepoint that is then rolled
        # back (the replica's savepoints hold only pulled rows; its page's event comes after).
        self._audit_head: ChainHead | None = None
        self._depth = 0
        # The cases this transaction's audit events name (the store's write journal). A row is
        # only ever written with an event naming its case; an event naming none wrote no row.
        self._touched: set[str] = set()

    @property
    def reads(self) -> Session:
        """The transaction's session, for reading only (under the write lock, so what a check
        reads cannot change before the write); a write through it is refused."""
        return self._session

    def touched(self) -> frozenset[str] | None:
        """The cases this transaction wrote to (None: not known; the replica's writer)."""
        return frozenset(self._touched)

    @property
    def audit_seq(self) -> int | None:
        """The audit chain's seq after this transaction's last event (None: it wrote none)."""
        return None if self._audit_head is None else self._audit_head.count

    def _refuse_strays(self, given: tuple[Any, ...]) -> None:
        session = self._session
        if not (session.new or session.dirty or session.deleted):
            return
        mine = {id(a) for a in given} | {
            id(item) for a in given if isinstance(a, list | tuple) for item in a
        }
        strays = [
            row for row in (*session.new, *session.dirty, *session.deleted) if id(row) not in mine
        ]
        if strays:
            raise write_gate.WriteOutsideUnitOfWork(
                f"a {_table(strays[0])} row was changed in the session outside the unit of "
                "work's methods; nothing was written"
            )

    @contextmanager
    def _gate(self) -> Iterator[None]:
        with write_gate.opened(self._session.connection()):
            yield

    # -- the three writes -------------------------------------------------------------------

    @_writes
    def add(self, row: T, *, action: str, details: dict[str, Any] | None = None) -> T:
        """Insert a row (with its audit event and change record)."""
        check_entry(_table(row), row_to_dict(row))  # what the service would refuse, refused here
        self._session.add(row)
        self._session.flush()
        fields = row_to_dict(row)
        self._record(row, "insert", fields, action, {"fields": sorted(fields), **(details or {})})
        return row

    @_writes
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
            self._session.add_all(list(group))
            self._session.flush()
        per_case: dict[str, dict[str, int]] = {}
        for row in ordered:
            table, case_id = _table(row), _case_id(row)
            self._session.add(
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

    @_writes
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
        self._session.add(row)
        self._session.flush()
        self._record(row, "update", written, action, {"fields": sorted(written), **(details or {})})
        return row

    @_writes
    def delete(self, row: SQLModel, *, action: str, details: dict[str, Any] | None = None) -> None:
        self._record(row, "delete", {}, action, details or {})
        self._session.delete(row)
        self._session.flush()

    @_writes
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
        self._append_event(
            action=action, entity=entity, entity_id=entity_id, case_id=case_id, details=details
        )

    # -- what the laptop keeps only for itself (never synced) ------------------------------------

    @_writes
    def put_setting(self, key: str, value: str) -> None:
        """Keep one of the store's small facts (sync cursor, officer name): not a record, so no
        audit event and no change record."""
        settings.put(self._session, key, value)
        self._session.flush()

    @_writes
    def keep_local(
        self, row: T, *, action: str | None = None, details: dict[str, Any] | None = None
    ) -> T:
        """Insert or update a row of a table that never syncs (a conflict, a review sample, a
        cache entry); with `action`, the act is audited."""
        table = _local_table(row)
        self._session.add(row)
        self._session.flush()
        if action is not None:
            self.audit_only(
                action=action,
                entity=table,
                entity_id=str(getattr(row, "id", getattr(row, "key", ""))),
                case_id=getattr(row, "case_id", None),
                details=details,
            )
        return row

    @_writes
    def drop_local(self, rows: Sequence[T]) -> None:
        """Delete rows of tables that never sync (no audit event: the act that drops them,
        retention or a purge, is audited by its caller)."""
        for row in rows:
            _local_table(row)
            self._session.delete(row)
        self._session.flush()

    @_writes
    def acknowledge_audit_anchor(self, head: ChainHead) -> None:
        """The service anchored the audit chain at `head` (see audit.acknowledge_anchor)."""
        acknowledge_anchor(self._session, head)
        self._session.flush()

    # -- rewriting history that never left the laptop ----------------------------------------------

    @_writes
    def rewrite_unsent(
        self, row: T, changes: dict[str, Any], *, action: str, details: dict[str, Any]
    ) -> T:
        """Change a row none of whose changes has been sent, and its unsent change records with
        it, instead of recording an edit (adopting a case made before enrolment: the service
        must first see it as it is now). Audited; ValueError when the row was ever sent."""
        table = _table(row)
        records = self._session.exec(
            select(ChangeRecord).where(
                ChangeRecord.table_name == table, ChangeRecord.row_id == _row_id(row)
            )
        ).all()
        if any(record.sent_at is not None for record in records):
            raise ValueError(f"this {table} row has been sent: record an edit instead")
        check_entry(table, {k: to_json_value(v) for k, v in changes.items()})
        for name, value in changes.items():
            setattr(row, name, value)
        self._session.add(row)
        for record in records:
            touched = {k: to_json_value(v) for k, v in changes.items() if k in record.fields}
            if touched:
                record.fields = {**record.fields, **touched}
                self._session.add(record)
        self._session.flush()
        self.audit_only(
            action=action, entity=table, entity_id=_row_id(row), case_id=_case_id(row),
            details=details,
        )  # fmt: skip
        return row

    @_writes
    def scrub_history(self, records: Sequence[ChangeRecord]) -> tuple[int, int]:
        """Retention: forget what these change records say. A sent record is deleted (the service
        has it); an unsent one becomes a field-less delete of its row under the same counter, so
        the service still learns the row is gone. Returns (deleted, scrubbed)."""
        removed = scrubbed = 0
        for record in records:
            if record.sent_at is not None:
                self._session.delete(record)
                removed += 1
            elif record.op != "delete" or record.fields:
                record.op = "delete"
                record.fields = {}
                if record.table_name in APPEND_ONLY_TABLES:
                    record.base_version = None
                elif record.base_version is None:
                    record.base_version = 0  # an insert never synced: version 0
                self._session.add(record)
                scrubbed += 1
        self._session.flush()
        return removed, scrubbed

    @_writes
    def optimise_search_index(self) -> None:
        """Merge the full-text index's segments (retention: deleted text leaves its segments)."""
        self._session.execute(text("INSERT INTO search_index(search_index) VALUES ('optimize')"))

    # -- internals ---------------------------------------------------------------------------

    def _before_commit(self) -> None:
        self._refuse_strays(())
        if self._counter is not None and self._counter != self._counter_written:
            # The counter's last value, written once per transaction rather than per record.
            with self._gate():
                self._session.execute(
                    text(
                        "INSERT INTO setting (key, value) VALUES (:key, :value) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
                    ),
                    {"key": settings.DEVICE_COUNTER, "value": str(self._counter)},
                )
            self._counter_written = self._counter

    def _next_counter(self) -> int:
        if self._counter is None:
            with self._session.no_autoflush:
                stored = self._session.execute(
                    text("SELECT value FROM setting WHERE key = :key"),
                    {"key": settings.DEVICE_COUNTER},
                ).scalar()
            self._counter = self._counter_written = int(stored or "0")
        self._counter += 1
        return self._counter

    def _append_event(
        self,
        *,
        action: str,
        entity: str,
        entity_id: str,
        case_id: str | None,
        details: dict[str, Any] | None,
    ) -> None:
        event = append_event(
            self._session,
            actor=self.actor,
            device_id=self.device_id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            case_id=case_id,
            details=details,
            head=self._audit_head,
        )
        assert event.seq is not None
        self._audit_head = ChainHead(event.seq, event.hash)
        if case_id:
            self._touched.add(case_id)

    def _record(
        self, row: SQLModel, op: str, fields: dict[str, Any], action: str, details: dict[str, Any]
    ) -> None:
        table = _table(row)
        case_id = _case_id(row)
        append_only = table in APPEND_ONLY_TABLES
        version = getattr(row, "version", None)
        self._session.add(
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
        self._append_event(
            action=action, entity=table, entity_id=_row_id(row), case_id=case_id, details=details
        )


U = TypeVar("U", bound=UnitOfWork)


@contextmanager
def unit_of_work(write_engine: Engine, *, actor: str, device_id: str) -> Iterator[UnitOfWork]:
    """One write transaction on `write_engine`, committed on leaving (rolled back on error)."""
    with writer_of_kind(UnitOfWork, write_engine, actor=actor, device_id=device_id) as uow:
        yield uow


@contextmanager
def writer_of_kind(
    kind: type[U], write_engine: Engine, *, actor: str, device_id: str
) -> Iterator[U]:
    """`unit_of_work` for a subclass (the replica's writer)."""
    with Session(write_engine, expire_on_commit=False) as session:
        uow = kind(session, actor=actor, device_id=device_id)
        try:
            yield uow
            uow._before_commit()
            session.commit()
        except BaseException:
            session.rollback()
            raise
