"""The replica's own writer, for what the sync service sent and for the outbox's bookkeeping.

Pulled rows came from the service: they must not make change records (they would echo back for
ever), so they cannot go through `UnitOfWork.add`/`update`/`delete`. They are not a way around
the write path either: the replica checks every pulled change against the sync schema and the
models before it folds a page (`replica._pulled_problem`), and this writer refuses to commit rows
it applied unless an audit event was appended after them (the page's `sync.apply`, a purge's
`sync.purge`). Only `Store.replica_writer()` makes one, and only `asb_tui.store.replica` asks for
it (tests/store/test_write_boundary.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Delete, Executable, Insert, Result, Update, bindparam, delete, update
from sqlmodel import col

from asb_tui.store.core import write_gate
from asb_tui.store.core.models import TABLES_BY_NAME, ChangeRecord
from asb_tui.store.core.unit_of_work import UnitOfWork, _writes


def _table(model: Any) -> Any:
    return model.__table__


class ReplicaWriter(UnitOfWork):
    """A unit of work that can also apply pulled rows and mark the outbox sent."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._unaudited = False
        self._pulled_rows = False
        self._pulled_cases: set[str] | None = None

    def pulled_cases(self, case_ids: Iterable[str]) -> None:
        """The cases the pulled rows of this transaction belong to (the write journal's)."""
        self._pulled_cases = (self._pulled_cases or set()) | set(case_ids)

    def touched(self) -> frozenset[str] | None:
        """Pulled rows whose cases were not named make the cases touched unknown."""
        if self._pulled_rows and self._pulled_cases is None:
            return None
        return frozenset(self._touched | (self._pulled_cases or set()))

    @_writes
    def apply_pulled(
        self, statement: Insert | Update | Delete, params: Sequence[dict[str, Any]] | None = None
    ) -> Result[Any]:
        """Run one insert, update or delete of pulled rows of a case table (checked by the
        replica before); it must be followed by an audit event before the commit."""
        table = getattr(statement, "table", None)
        if not isinstance(statement, Insert | Update | Delete) or (
            getattr(table, "name", None) not in TABLES_BY_NAME
        ):
            raise ValueError("the replica writes pulled rows of case tables only")
        self._unaudited = True
        self._pulled_rows = True
        connection = self.reads.connection()
        executable: Executable = statement
        return (
            connection.execute(executable, list(params))
            if params
            else connection.execute(executable)
        )

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
        super().audit_only(
            action=action, entity=entity, entity_id=entity_id, case_id=case_id, details=details
        )
        self._unaudited = False

    @_writes
    def mark_sent(self, up_to_counter: int, at: datetime) -> None:
        """The service committed this device's changes up to `up_to_counter`."""
        records = _table(ChangeRecord)
        self.reads.execute(
            update(records)
            .where(
                records.c.device_id == self.device_id,
                records.c.counter <= up_to_counter,
                records.c.sent_at.is_(None),
            )
            .values(sent_at=at)
        )

    @_writes
    def raise_versions(self, table_name: str, versions: Sequence[tuple[str, int]]) -> None:
        """The service's version of each (row id, version) of a pushed row: only ever raised."""
        table = _table(TABLES_BY_NAME[table_name])
        self.reads.connection().execute(
            update(table)
            .where(table.c.id == bindparam("_id"), table.c.version < bindparam("_v"))
            .values(version=bindparam("_v")),
            [{"_id": row_id, "_v": version} for row_id, version in versions],
        )

    @_writes
    def drop_sent_records(self, case_id: str) -> None:
        """Forget the change records of a case the service already holds (a purged case)."""
        self.reads.execute(
            delete(ChangeRecord).where(
                col(ChangeRecord.case_id) == case_id, col(ChangeRecord.sent_at).is_not(None)
            )
        )

    def _before_commit(self) -> None:
        super()._before_commit()
        if self._unaudited:
            raise write_gate.WriteOutsideUnitOfWork(
                "pulled rows were written without an audit event; nothing was applied"
            )
