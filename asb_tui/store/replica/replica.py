"""The encrypted store as the sync client sees it (`sync.replica_contract.LocalReplica`).

The store's unit of work already writes the outbox (`ChangeRecord`, one per written row, numbered
per device); this module reads it for a push, marks it sent after the server committed, and applies
pulled pages. Everything sync keeps (server address, device token, cursor, last result, refused
changes, resolutions waiting to be sent) lives in `Setting` rows, and the pulled changes set aside
in their own table (`SetAsideChange`, kept whole so that a later sync can apply them), all
encrypted with the rest of the database.

Pulled rows came from the server: they are written by the store's replica writer
(`core/replica_writer.py`), not the unit of work's `add`/`update`/`delete`, so they make no new
change records (they would echo back for ever). Each change is checked against the sync schema and
the models before its page is folded, and each applied page gets one audit event (`sync.apply`),
without which the writer refuses to commit, so the local log still shows when the data changed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Table, bindparam, delete, exc, func, insert, select, text, update
from sqlmodel import Session, SQLModel, col

from asb_tui.store.cache.local_cache import forget_case
from asb_tui.store.commands.evidence import reclaim_evidence_space
from asb_tui.store.core import settings
from asb_tui.store.core.audit import ChainHead, acknowledged_anchor, chain_head, links_since
from asb_tui.store.core.case_refs import set_series_tag
from asb_tui.store.core.models import (
    CASE_TABLES,
    TABLES_BY_NAME,
    Case,
    ChangeRecord,
    SetAsideChange,
    SyncConflict,
    utcnow,
)
from asb_tui.store.core.replica_writer import ReplicaWriter
from asb_tui.store.core.serialize import fields_from_json
from asb_tui.store.core.store import Store
from asb_tui.store.core.unit_of_work import UnitOfWork
from asb_tui.store.replica.elsewhere import forget_elsewhere
from sync import schema
from sync.batches import chunks
from sync.protocol import (
    CASE_TABLE,
    MAX_AUDIT_LINKS,
    TABLE_PATTERN,
    UUID_PATTERN,
    AuditHead,
    AuditLink,
    ChangeOut,
    ConflictOut,
    PullPage,
    RefusedChange,
    RowVersion,
    ServerChange,
    SnapshotPage,
)
from sync.replica_contract import (
    ApplySummary,
    RemovedCase,
    SnapshotCursor,
    SyncError,
    SyncResult,
    SyncSettings,
)

# Setting keys (all inside the encrypted store).
SYNC_SETTINGS = settings.SYNC_SETTINGS
SYNC_CURSOR = "sync.cursor"
#: an unfinished first pull by snapshot: {"head": ..., "after_case": ...} ("" when none)
SYNC_SNAPSHOT = "sync.snapshot"
SYNC_LAST_RESULT = "sync.last_result"
SYNC_LAST_OK_AT = "sync.last_ok_at"
SYNC_REFUSED = "sync.refused"
SYNC_PENDING_RESOLUTIONS = "sync.pending_resolutions"
# Read by the dashboard (`case_queries.sync_state`): when the last sync ended, and if it worked.
LAST_SYNC_AT = "last_sync_at"
LAST_SYNC_OK = "last_sync_ok"

#: SyncConflict.status while the officer's choice waits to be sent to the server.
RESOLVING = "resolving"

_UPDATE_STATUSES = ("open", RESOLVING)

RowKey = tuple[str, str]


class UnknownServerData(SyncError):
    """The server sent a table or field this release does not know (such a change is set aside,
    see `_PageApplier`; this error is kept for callers that name it)."""


class _NothingToKeep(Exception):
    """A retry of set-aside changes applied none of them: its transaction is rolled back."""


_NO_ID = "00000000-0000-0000-0000-000000000000"


def outgoing_change(
    counter: int,
    table: str,
    row_id: str,
    case_id: str,
    op: str,
    fields: dict[str, Any],
    base_version: int | None,
    append_only: bool,
) -> ChangeOut:
    """The wire form of one change record; a record that does not fit the sync schema, or that
    cannot be encoded, goes as "set aside" (no fields, the reason instead), so the service
    records it as refused and the rest of the outbox is still sent."""
    problem = schema.check_change(
        table,
        op,
        {k: v for k, v in fields.items() if k != schema.VERSION_FIELD},
        row_id=row_id,
        case_id=case_id,
    )
    if problem is None:
        try:
            return ChangeOut(
                device_counter=counter,
                table=table,
                row_id=row_id,
                case_id=case_id,
                op=op,  # type: ignore[arg-type]
                fields=fields,
                base_version=base_version,
                append_only=append_only,
            )
        except ValidationError as err:
            problem = f"it cannot be encoded ({err.errors()[0]['msg']})"
    return ChangeOut(
        device_counter=counter,
        table=table if re.match(TABLE_PATTERN, table) else "unknown",
        row_id=row_id if re.match(UUID_PATTERN, row_id) else _NO_ID,
        case_id=case_id if re.match(UUID_PATTERN, case_id) else _NO_ID,
        op=op if op in ("insert", "update", "delete") else "update",  # type: ignore[arg-type]
        append_only=append_only,
        set_aside=problem[:1000],
    )


def _table(model: type[SQLModel]) -> Table:
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


def _put_json(uow: UnitOfWork, key: str, value: Any) -> None:
    uow.put_setting(key, json.dumps(value, ensure_ascii=False, sort_keys=True))


# --- applying a page -----------------------------------------------------------------------------


@dataclass
class _RowPlan:
    """What one page does to one local row, after folding its changes in stream order."""

    table: str
    row_id: str
    in_db: bool  # the row is in the local database before the page
    exists: bool  # the row exists after the changes folded so far
    version: int  # the row's synced version now (0 for tables without versions)
    pending_fields: frozenset[str]
    pending_delete: bool
    insert_fields: dict[str, Any] | None = None  # a full row to insert (did not exist)
    update_fields: dict[str, Any] = field(default_factory=dict)
    delete: bool = False
    new_version: int | None = None
    applied: int = 0
    echoes: int = 0


class _PageApplier:
    """Folds a page into per-row plans, then writes them with one statement per table and kind."""

    def __init__(
        self,
        writer: ReplicaWriter,
        device_id: str,
        culprits: dict[RowKey, str] | None = None,
    ) -> None:
        self.writer = writer
        self.session = writer.reads
        self.device_id = device_id
        #: rows whose changes broke an integrity rule on an earlier try of this page: their
        #: changes are set aside with that reason (see `apply_changes`)
        self.culprits = culprits or {}
        self.kept_referenced = 0
        #: changes of the page this laptop cannot apply: (change, reason)
        self.set_aside: list[tuple[ServerChange, str]] = []
        self.plans: dict[RowKey, _RowPlan] = {}
        self.models: dict[str, type[SQLModel]] = {}
        #: after `apply(probe=True)`: the rows whose write the database refused, with why
        self.probe_failures: dict[RowKey, str] = {}

    def apply(self, changes: Sequence[ServerChange], *, probe: bool = False) -> tuple[int, int]:
        """Fold and write the changes (how many applied, how many were echoes); with `probe`,
        write row by row, each in a savepoint, noting in `probe_failures` the rows whose write
        the database refused (the caller rolls the whole try back)."""
        changes = self._applicable(changes)
        if not changes:
            return 0, 0
        models = self.models = self._models(changes)
        pending = self._pending(changes)
        plans = self.plans = self._load(changes, models, pending)
        for change in changes:
            self._fold(plans[(change.table, change.row_id)], change, models[change.table])
        self.kept_referenced = self._keep_referenced(plans)
        if probe:
            # In stream order: of two rows that cannot both stand, the earlier one is kept.
            in_order = {(c.table, c.row_id): plans[(c.table, c.row_id)] for c in changes}
            self.probe_failures = self._write_row_by_row(in_order, models)
        else:
            self._write(plans, models)
        applied = sum(p.applied for p in plans.values())
        echoes = sum(p.echoes for p in plans.values())
        return applied, echoes

    def _applicable(self, changes: Sequence[ServerChange]) -> list[ServerChange]:
        """The page less the changes this laptop cannot apply, which are set aside with their
        reason: one bad change never stops the rest of the page (or every later pull)."""
        kept: list[ServerChange] = []
        for change in changes:
            reason = self.culprits.get((change.table, change.row_id)) or _pulled_problem(change)
            if reason is None:
                kept.append(change)
            else:
                self.set_aside.append((change, reason))
        return kept

    def _write_row_by_row(
        self, plans: dict[RowKey, _RowPlan], models: dict[str, type[SQLModel]]
    ) -> dict[RowKey, str]:
        """Which rows' writes the database refuses at once (a unique or not-null rule): each row
        is written in its own savepoint, so one refusal leaves the others standing."""
        failed: dict[RowKey, str] = {}
        for key, plan in plans.items():
            savepoint = self.session.begin_nested()
            try:
                self._write({key: plan}, {plan.table: models[plan.table]})
            except exc.IntegrityError as err:
                savepoint.rollback()
                failed[key] = _integrity_reason(err)
            else:
                savepoint.commit()
        return failed

    def broken_references(self) -> dict[RowKey, str]:
        """The rows this page wrote that point at a row this laptop does not hold (checked
        before the commit, which would otherwise refuse the whole page: the keys are deferred).
        Only the references the page set are looked up, in the page's own rows first."""
        wanted: dict[tuple[Any, str, str], list[RowKey]] = {}  # (parent, column, id) -> rows
        for key, p in self.plans.items():
            values = p.insert_fields if p.insert_fields is not None else p.update_fields
            if not p.exists or not values:
                continue
            for fk in _table(self.models[p.table]).foreign_keys:
                ref = values.get(fk.parent.name)
                if fk.parent.name == "id" or ref is None:
                    continue
                parent = fk.column.table
                if (parent.name, ref) in self.plans and self.plans[(parent.name, ref)].exists:
                    continue  # written by this page
                wanted.setdefault((parent, fk.parent.name, ref), []).append(key)
        by_parent: dict[Any, set[str]] = {}
        for parent, _column, ref in wanted:
            by_parent.setdefault(parent, set()).add(ref)
        held = {parent: self._held(parent, ids) for parent, ids in by_parent.items()}
        broken: dict[RowKey, str] = {}
        for (parent, column, ref), keys in wanted.items():
            if ref in held[parent]:
                continue
            for key in keys:
                broken.setdefault(
                    key,
                    f"its {column} refers to a {parent.name} this laptop does not hold ({ref}); "
                    "the rest was applied",
                )
        return broken

    def _held(self, parent: Any, ids: set[str]) -> set[str]:
        held: set[str] = set()
        for chunk in chunks(sorted(ids)):
            held.update(
                self.session.execute(select(parent.c.id).where(parent.c.id.in_(chunk))).scalars()
            )
        return held

    @staticmethod
    def _models(changes: Sequence[ServerChange]) -> dict[str, type[SQLModel]]:
        return {change.table: TABLES_BY_NAME[change.table] for change in changes}

    def _pending(self, changes: Sequence[ServerChange]) -> dict[RowKey, tuple[set[str], bool]]:
        """Unsent local edits of the page's rows: their fields keep the local value."""
        keys = {(c.table, c.row_id) for c in changes}
        pending: dict[RowKey, tuple[set[str], bool]] = {}
        rows = self.session.execute(
            select(
                col(ChangeRecord.table_name),
                col(ChangeRecord.row_id),
                col(ChangeRecord.op),
                col(ChangeRecord.fields),
            ).where(
                col(ChangeRecord.sent_at).is_(None),
                col(ChangeRecord.device_id) == self.device_id,
            )
        )
        for table_name, row_id, op, fields in rows:
            key = (table_name, row_id)
            if key not in keys:
                continue
            names, deleted = pending.get(key, (set(), False))
            names.update(fields or {})
            pending[key] = (names, deleted or op == "delete")
        return pending

    def _load(
        self,
        changes: Sequence[ServerChange],
        models: dict[str, type[SQLModel]],
        pending: dict[RowKey, tuple[set[str], bool]],
    ) -> dict[RowKey, _RowPlan]:
        by_table: dict[str, list[str]] = {}
        for change in changes:
            by_table.setdefault(change.table, []).append(change.row_id)
        plans: dict[RowKey, _RowPlan] = {}
        for table_name, row_ids in by_table.items():
            table = _table(models[table_name])
            has_version = "version" in table.c
            found: dict[str, int] = {}
            unique_ids = sorted(set(row_ids))
            for chunk in chunks(unique_ids):
                columns = [table.c.id, table.c.version] if has_version else [table.c.id]
                for row in self.session.execute(select(*columns).where(table.c.id.in_(chunk))):
                    found[row[0]] = int(row[1]) if has_version else 0
            for row_id in unique_ids:
                names, deleted = pending.get((table_name, row_id), (set(), False))
                plans[(table_name, row_id)] = _RowPlan(
                    table=table_name,
                    row_id=row_id,
                    in_db=row_id in found,
                    exists=row_id in found,
                    version=found.get(row_id, 0),
                    pending_fields=frozenset(names),
                    pending_delete=deleted,
                )
        return plans

    def _fold(self, plan: _RowPlan, change: ServerChange, model: type[SQLModel]) -> None:
        has_version = "version" in _table(model).c
        if change.origin_device_id == self.device_id:
            # An echo of this store's own push: the fields are here already.
            plan.echoes += 1
            if has_version and plan.exists and change.version > plan.version:
                plan.version = change.version
                plan.new_version = change.version
            return
        if has_version and plan.exists and change.version <= plan.version:
            return  # applied before (a page pulled twice, or a version learnt at push)
        fields = self._convert(model, change)
        if change.op == "delete":
            if plan.exists:
                plan.delete = True
                plan.exists = False
                plan.insert_fields = None
                plan.update_fields = {}
                plan.applied += 1
            return
        if plan.pending_delete:
            return  # the officer deleted it here; the pending delete goes to the server
        if change.op == "insert" and not plan.exists:
            plan.insert_fields = {**fields, "id": change.row_id}
            if "case_id" in _table(model).c:
                plan.insert_fields.setdefault("case_id", change.case_id)
            plan.exists = True
            plan.delete = False
        elif plan.exists:
            kept = {k: v for k, v in fields.items() if k not in plan.pending_fields and k != "id"}
            if plan.insert_fields is not None:
                plan.insert_fields.update(kept)
            else:
                plan.update_fields.update(kept)
        else:
            return  # an update of a row this store does not hold: nothing to set it on
        plan.applied += 1
        if has_version:
            plan.version = change.version
            plan.new_version = change.version

    @staticmethod
    def _convert(model: type[SQLModel], change: ServerChange) -> dict[str, Any]:
        # Checked by `_pulled_problem` before the page is folded, so this cannot fail here.
        return fields_from_json(model, {k: v for k, v in change.fields.items() if k != "version"})

    def _keep_referenced(self, plans: dict[RowKey, _RowPlan]) -> int:
        """Do not apply a pulled delete of a row that local rows still refer to.

        It happens when one officer deletes a record while another adds something that points to
        it (a party naming a person): the server holds both. Deleting here would break the
        reference and refuse every later page, so the row is kept; returns how many were kept.
        """
        kept = 0
        changed = True
        while changed:  # a kept child may in turn keep its parent
            changed = False
            doomed: dict[str, set[str]] = {}
            for p in plans.values():
                if p.in_db and p.delete and p.insert_fields is None:
                    doomed.setdefault(p.table, set()).add(p.row_id)
            for parent_name, ids in doomed.items():
                for plan in self._referenced(parent_name, ids, doomed, plans):
                    plan.delete = False
                    plan.exists = True
                    kept += 1
                    changed = True
                if changed:
                    break
        return kept

    def _referenced(
        self,
        parent_name: str,
        ids: set[str],
        doomed: dict[str, set[str]],
        plans: dict[RowKey, _RowPlan],
    ) -> list[_RowPlan]:
        parent = _table(TABLES_BY_NAME[parent_name])
        hit: set[str] = set()
        for child_model in TABLES_BY_NAME.values():
            child = _table(child_model)
            for fk in child.foreign_keys:
                if fk.column.table is not parent:
                    continue
                for chunk in chunks(sorted(ids)):
                    rows = self.session.execute(
                        select(child.c.id, fk.parent).where(fk.parent.in_(chunk))
                    )
                    hit.update(
                        ref for child_id, ref in rows if child_id not in doomed.get(child.name, ())
                    )
                for p in plans.values():  # rows this page inserts that point at the row
                    if p.table == child.name and p.insert_fields:
                        ref = p.insert_fields.get(fk.parent.name)
                        if ref in ids:
                            hit.add(ref)
        return [plans[(parent_name, row_id)] for row_id in sorted(hit)]

    def _write(self, plans: dict[RowKey, _RowPlan], models: dict[str, type[SQLModel]]) -> None:
        for table_name, model in models.items():
            table = _table(model)
            has_version = "version" in table.c
            mine = [p for p in plans.values() if p.table == table_name]
            # A row deleted and then re-sent whole in one page is deleted and inserted again.
            deletes = [
                p.row_id for p in mine if p.in_db and (p.delete or p.insert_fields is not None)
            ]
            for chunk in chunks(deletes):
                self.writer.apply_pulled(delete(table).where(table.c.id.in_(chunk)))
            inserts = [self._full_row(model, p) for p in mine if p.insert_fields is not None]
            self._insert_many(table, inserts)
            updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for p in mine:
                if p.insert_fields is not None or p.delete:
                    continue
                values = dict(p.update_fields)
                if has_version and p.new_version is not None:
                    values["version"] = p.new_version
                if values:
                    updates.setdefault(tuple(sorted(values)), []).append(
                        {"_id": p.row_id, **{f"_v_{k}": v for k, v in values.items()}}
                    )
            for names, params in updates.items():
                statement = (
                    update(table)
                    .where(table.c.id == bindparam("_id"))
                    .values({name: bindparam(f"_v_{name}") for name in names})
                )
                self.writer.apply_pulled(statement, params)

    @staticmethod
    def _full_row(model: type[SQLModel], plan: _RowPlan) -> dict[str, Any]:
        assert plan.insert_fields is not None
        table = _table(model)
        values = dict(plan.insert_fields)
        if "version" in table.c:
            values["version"] = plan.new_version or 0
        missing = [c.name for c in table.columns if c.name not in values]
        if missing:
            # A row from an older release lacks newer columns: take the model's defaults.
            defaults = model(**values)
            for name in missing:
                values[name] = getattr(defaults, name)
        return values

    def _insert_many(self, table: Table, rows: list[dict[str, Any]]) -> None:
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            groups.setdefault(tuple(sorted(row)), []).append(row)
        for batch in groups.values():
            self.writer.apply_pulled(insert(table), batch)


def _integrity_reason(err: exc.IntegrityError) -> str:
    detail = str(err.orig).splitlines()[0] if err.orig else "a rule of the database"
    return f"it does not fit this laptop's records ({detail}); the rest was applied"


def apply_changes(
    writer: ReplicaWriter, device_id: str, changes: Sequence[ServerChange]
) -> _PageApplier:
    """Apply pulled changes in the writer's transaction; a change that breaks an integrity rule
    of this laptop's database (a row whose parent it does not hold, a duplicate reference) is
    set aside alone, with its reason, and the rest applied.

    The changes are first written together in a savepoint and their references checked; when
    the database refuses a write, or a reference is broken, the savepoint is rolled back, the
    culprit rows are found (written one by one for a refused write) and the changes are written
    again without them. A culprit's changes in that page are all set aside (they fold into one
    row). Each round sets aside at least one more row, so it ends; a page that fails without a
    culprit to show raises its `IntegrityError` (nothing applied)."""
    session = writer.reads
    culprits: dict[RowKey, str] = {}
    while True:
        applier = _PageApplier(writer, device_id, culprits)
        savepoint = session.begin_nested()
        try:
            applier.apply(changes)
            found = applier.broken_references()
        except exc.IntegrityError as err:
            savepoint.rollback()
            probe = _PageApplier(writer, device_id, culprits)
            savepoint = session.begin_nested()
            probe.apply(changes, probe=True)
            savepoint.rollback()
            found = probe.probe_failures
            if not found:
                raise err from None
        else:
            if not found:
                savepoint.commit()
                return applier
            savepoint.rollback()
        culprits.update(found)  # rows not tried this round: each round adds one at least


def _pulled_problem(change: ServerChange) -> str | None:
    """Why this laptop cannot apply a pulled change, or None."""
    model = TABLES_BY_NAME.get(change.table)
    if model is None:
        return (
            f"a kind of record this version of asb-tui does not know ({change.table!r}): "
            "update asb-tui; the change is kept and the rest was applied"
        )
    fields = {k: v for k, v in change.fields.items() if k != "version"}
    problem = schema.check_change(
        change.table, change.op, fields, row_id=change.row_id, case_id=change.case_id
    )
    if problem is None:
        try:
            fields_from_json(model, fields)
        except ValueError as err:
            problem = str(err)
    return problem


def _keep_set_aside(writer: ReplicaWriter, set_aside: Sequence[tuple[ServerChange, str]]) -> None:
    """Keep pulled changes that were not applied, whole and with their reason (encrypted with
    the rest of the store), for the sync screen, `asb-tui sync` and `retry_set_aside`."""
    for change, reason in set_aside:
        row = writer.reads.get(SetAsideChange, change.seq)
        if row is None:
            row = SetAsideChange(
                seq=change.seq,
                table_name=change.table,
                row_id=change.row_id,
                case_id=change.case_id,
                op=change.op,
                fields=dict(change.fields),
                version=change.version,
                origin_device_id=change.origin_device_id,
                origin_counter=change.origin_counter,
                reason=reason[:1000],
            )
        else:
            row.reason = reason[:1000]  # tried again: why it still does not apply
        writer.keep_local(row)


def _kept_change(row: SetAsideChange) -> ServerChange | None:
    """The pulled change a set-aside row keeps, or None when it cannot be rebuilt (kept by an
    older release without its fields, or no longer a valid change)."""
    if row.fields is None:
        return None
    try:
        return ServerChange(
            seq=row.seq,
            table=row.table_name,
            row_id=row.row_id,
            case_id=row.case_id,
            op=row.op,  # type: ignore[arg-type]
            fields=row.fields,
            version=row.version,
            origin_device_id=row.origin_device_id,
            origin_counter=row.origin_counter,
        )
    except ValidationError:
        return None


def _store_conflicts(writer: ReplicaWriter, conflicts: Sequence[ConflictOut]) -> tuple[int, int]:
    opened = resolved = 0
    if not conflicts:
        return 0, 0
    queued: dict[str, Any] = settings.get_json(writer.reads, SYNC_PENDING_RESOLUTIONS, {})
    for conflict in conflicts:
        row = writer.reads.get(SyncConflict, conflict.id)
        if conflict.status == "open":
            if row is None:
                row = SyncConflict(
                    id=conflict.id,
                    table_name=conflict.table,
                    row_id=conflict.row_id,
                    case_id=conflict.case_id,
                    field=conflict.field,
                )
                opened += 1
            elif row.status == "resolved":
                continue  # a late re-send of a conflict this store already saw resolved
            row.local_value = conflict.mine
            row.server_value = conflict.theirs
            if row.status not in _UPDATE_STATUSES:
                row.status = "open"
            writer.keep_local(row)
        else:
            if row is None:
                row = SyncConflict(
                    id=conflict.id,
                    table_name=conflict.table,
                    row_id=conflict.row_id,
                    case_id=conflict.case_id,
                    field=conflict.field,
                    local_value=conflict.mine,
                    server_value=conflict.theirs,
                )
            if row.status != "resolved":
                resolved += 1
            row.status = "resolved"
            row.resolved_at = row.resolved_at or utcnow()
            writer.keep_local(row)
            queued.pop(conflict.id, None)
    _put_json(writer, SYNC_PENDING_RESOLUTIONS, queued)
    return opened, resolved


# --- the replica ---------------------------------------------------------------------------------


DESTROYED_REASON = "the case was destroyed under the retention rule"


def _destroys_a_case(change: ServerChange) -> bool:
    return change.table == CASE_TABLE and change.op == "delete"


def _refs(session: Session, case_ids: Sequence[str]) -> dict[str, str]:
    """The references of those cases this laptop holds (by id)."""
    # A query, not the session's identity map: rows deleted by bulk statements leave their
    # objects behind in it.
    wanted = list(dict.fromkeys(case_ids))
    if not wanted:
        return {}
    rows = session.execute(select(col(Case.id), col(Case.ref)).where(col(Case.id).in_(wanted)))
    return {str(case_id): str(ref or "") for case_id, ref in rows}


def forget_set_aside(uow: UnitOfWork, case_id: str) -> None:
    """Drop the pulled changes of a case kept set aside (its purge or its destruction)."""
    uow.drop_local(
        uow.reads.scalars(
            select(SetAsideChange).where(col(SetAsideChange.case_id) == case_id)
        ).all()
    )


def drop_purged_case(writer: ReplicaWriter, case_id: str, *, reason: str) -> int:
    """Remove this laptop's copy of a case it may no longer see (share withdrawn, case moved to
    another team): every row, its conflicts, drafts and sent change records. Nothing is sent
    back (no change records are written); one audit event records it. The rows deleted."""
    session = writer.reads
    if session.get(Case, case_id) is None:
        return 0
    rows = 0
    for model in reversed(CASE_TABLES):  # children first
        table = _table(model)
        key = table.c.id if model is Case else table.c.case_id
        result = writer.apply_pulled(delete(table).where(key == case_id))
        rows += int(getattr(result, "rowcount", 0) or 0)
    writer.drop_local(
        session.scalars(select(SyncConflict).where(col(SyncConflict.case_id) == case_id)).all()
    )
    forget_set_aside(writer, case_id)
    forget_elsewhere(writer, case_id)
    forget_case(writer, case_id)
    writer.drop_sent_records(case_id)
    writer.pulled_cases([case_id])
    writer.audit_only(
        action="sync.purge", entity="asb_case", entity_id=case_id, case_id=case_id,
        details={"reason": reason, "rows": rows},
    )  # fmt: skip
    return rows


class StoreReplica:
    """`sync.replica_contract.LocalReplica` over an open `Store`; each method is one transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def device_id(self) -> str:
        return self.store.device_id

    # -- push ---------------------------------------------------------------------------------

    def last_counter(self) -> int:
        with self.store.read() as session:
            return int(settings.get(session, settings.DEVICE_COUNTER, "0") or "0")

    def pushed_up_to(self) -> int:
        waiting = select(func.min(col(ChangeRecord.counter))).where(
            col(ChangeRecord.device_id) == self.store.device_id,
            col(ChangeRecord.sent_at).is_(None),
        )
        with self.store.read() as session:
            first = session.execute(waiting).scalar()
        return self.last_counter() if first is None else int(first) - 1

    def outbox(self, after_counter: int, limit: int) -> list[ChangeOut]:
        statement = (
            select(
                col(ChangeRecord.counter),
                col(ChangeRecord.table_name),
                col(ChangeRecord.row_id),
                col(ChangeRecord.case_id),
                col(ChangeRecord.op),
                col(ChangeRecord.fields),
                col(ChangeRecord.base_version),
                col(ChangeRecord.append_only),
            )
            .where(
                col(ChangeRecord.device_id) == self.store.device_id,
                col(ChangeRecord.counter) > after_counter,
            )
            .order_by(col(ChangeRecord.counter))
            .limit(limit)
        )
        with self.store.read() as session:
            rows = session.execute(statement).all()
        return [
            outgoing_change(
                counter, table, row_id, case_id, op, fields or {}, base_version, bool(append_only)
            )
            for counter, table, row_id, case_id, op, fields, base_version, append_only in rows
        ]

    def mark_pushed(
        self,
        up_to_counter: int,
        versions: Sequence[RowVersion],
        refused: Sequence[RefusedChange],
    ) -> None:
        now = utcnow()
        with self.store.replica_writer() as writer:
            writer.mark_sent(up_to_counter, now)
            by_table: dict[str, list[tuple[str, int]]] = {}
            for v in versions:
                model = TABLES_BY_NAME.get(v.table)
                if model is None or "version" not in _table(model).c:
                    continue  # append-only rows carry no version
                by_table.setdefault(v.table, []).append((v.row_id, v.version))
            for table_name, pairs in by_table.items():
                writer.raise_versions(table_name, pairs)
            if refused:
                self._keep_refused(writer, refused, now)

    @staticmethod
    def _keep_refused(
        writer: ReplicaWriter, refused: Sequence[RefusedChange], now: datetime
    ) -> None:
        kept: list[dict[str, Any]] = settings.get_json(writer.reads, SYNC_REFUSED, [])
        seen = {item.get("device_counter") for item in kept}
        for r in refused:
            if r.device_counter in seen:
                continue
            kept.append({**r.model_dump(mode="json"), "refused_at": now.isoformat()})
        _put_json(writer, SYNC_REFUSED, kept)

    # -- pull ---------------------------------------------------------------------------------

    def pull_cursor(self) -> int:
        with self.store.read() as session:
            return int(settings.get(session, SYNC_CURSOR, "0") or "0")

    def apply_pulled(self, page: PullPage) -> ApplySummary:
        try:
            with self.store.replica_writer() as writer:
                summary = self._apply(writer, page)
        except exc.IntegrityError as err:
            reason = str(err.orig).splitlines()[0] if err.orig else "a constraint failed"
            raise SyncError(
                f"changes from the server do not fit this laptop's records ({reason}); "
                "nothing was applied and nothing was lost. Report this to support"
            ) from None
        if summary.removed:  # a case purged or destroyed: its evidence files go too
            reclaim_evidence_space(self.store)
        return summary

    def snapshot_cursor(self) -> SnapshotCursor | None:
        with self.store.read() as session:
            raw = settings.get(session, SYNC_SNAPSHOT, "") or ""
        if not raw:
            return None
        kept = json.loads(raw)
        return SnapshotCursor(int(kept["head"]), kept.get("after_case"))

    def apply_snapshot(self, page: SnapshotPage) -> ApplySummary:
        try:
            with self.store.replica_writer() as writer:
                return self._apply_snapshot(writer, page)
        except exc.IntegrityError as err:
            reason = str(err.orig).splitlines()[0] if err.orig else "a constraint failed"
            raise SyncError(
                f"the service's snapshot does not fit this laptop's records ({reason}); "
                "nothing was applied and nothing was lost. Report this to support"
            ) from None

    def _apply_snapshot(self, writer: ReplicaWriter, page: SnapshotPage) -> ApplySummary:
        """A snapshot page's rows, applied as the pulled inserts they stand for (the same
        checks, the same setting aside), its conflicts, and the cursor, in one transaction."""
        writer.reads.execute(text("PRAGMA defer_foreign_keys = ON"))
        changes = page.changes()
        applier = apply_changes(writer, self.store.device_id, changes)
        writer.pulled_cases(change.case_id for change in changes)
        applied = sum(p.applied for p in applier.plans.values())
        opened, resolved = _store_conflicts(writer, page.conflicts)
        _keep_set_aside(writer, applier.set_aside)
        if page.more:
            _put_json(writer, SYNC_SNAPSHOT, {"head": page.head, "after_case": page.next_case})
        else:  # done: the stream after the snapshot's head follows
            writer.put_setting(SYNC_SNAPSHOT, "")
            writer.put_setting(SYNC_CURSOR, str(page.head))
        writer.audit_only(
            action="sync.snapshot",
            entity="sync",
            entity_id=str(page.head),
            case_id=None,
            details={
                "rows": applied,
                "after_case": page.after_case,
                "next_case": page.next_case,
                "more": page.more,
                "conflicts": len(page.conflicts),
                "set_aside": len(applier.set_aside),
            },
        )
        return ApplySummary(
            applied=applied,
            conflicts_opened=opened,
            conflicts_resolved=resolved,
            set_aside=len(applier.set_aside),
        )

    def retry_set_aside(self) -> int:
        """Try again every pulled change kept set aside (run at the start of each sync, see
        `services.sync_run.run_sync`): after an upgrade, or once the row it needed arrived, it
        may apply now. Those that apply (or that newer changes already superseded) leave the
        list; the others stay with today's reason. One transaction, one audit event; the
        cursor does not move. How many left the list."""
        with self.store.read() as session:
            if session.scalars(select(col(SetAsideChange.seq)).limit(1)).first() is None:
                return 0
        try:
            with self.store.replica_writer() as writer:
                return self._retry(writer)
        except (exc.IntegrityError, _NothingToKeep):
            return 0  # nothing changed; they stay set aside and are tried at the next sync

    def _retry(self, writer: ReplicaWriter) -> int:
        session = writer.reads
        session.execute(text("PRAGMA defer_foreign_keys = ON"))
        rows = session.scalars(select(SetAsideChange).order_by(col(SetAsideChange.seq))).all()
        kept = {row.seq: row for row in rows}
        changes = [c for c in map(_kept_change, rows) if c is not None]
        if not changes:
            return 0
        applier = apply_changes(writer, self.store.device_id, changes)
        writer.pulled_cases(change.case_id for change in changes)
        still = {change.seq for change, _reason in applier.set_aside}
        _keep_set_aside(writer, applier.set_aside)
        done = [kept[c.seq] for c in changes if c.seq not in still]
        if not done:
            raise _NothingToKeep  # roll back: a sync that applied none leaves no trace
        writer.drop_local(done)
        writer.audit_only(
            action="sync.retry_set_aside",
            entity="sync",
            entity_id=str(len(done)),
            details={"applied": len(done), "still_set_aside": len(still),
                     "seqs": [row.seq for row in done]},
        )  # fmt: skip
        return len(done)

    def _apply(self, writer: ReplicaWriter, page: PullPage) -> ApplySummary:
        session = writer.reads
        session.execute(text("PRAGMA defer_foreign_keys = ON"))
        cursor = int(settings.get(session, SYNC_CURSOR, "0") or "0")
        if not page.changes and not page.conflicts and not page.purges:
            if page.next_cursor != cursor:
                writer.put_setting(SYNC_CURSOR, str(page.next_cursor))
            return ApplySummary()
        destroyed = _refs(session, [c.case_id for c in page.changes if _destroys_a_case(c)])
        applier = apply_changes(writer, self.store.device_id, page.changes)
        writer.pulled_cases(change.case_id for change in page.changes)
        applied = sum(p.applied for p in applier.plans.values())
        echoes = sum(p.echoes for p in applier.plans.values())
        opened, resolved = _store_conflicts(writer, page.conflicts)
        _keep_set_aside(writer, applier.set_aside)
        removed = [
            RemovedCase(case_id, ref, DESTROYED_REASON)
            for case_id, ref in destroyed.items()
            if case_id not in _refs(session, [case_id])
        ]
        for gone in removed:
            forget_elsewhere(writer, gone.case_id)
        for purge in page.purges:
            ref = _refs(session, [purge.case_id]).get(purge.case_id)
            drop_purged_case(writer, purge.case_id, reason=purge.reason)
            if ref is not None:
                removed.append(RemovedCase(purge.case_id, ref, purge.reason))
        writer.put_setting(SYNC_CURSOR, str(page.next_cursor))
        writer.audit_only(
            action="sync.apply",
            entity="sync",
            entity_id=str(page.next_cursor),
            case_id=None,
            details={
                "changes": applied,
                "echoes": echoes,
                "conflicts": len(page.conflicts),
                "kept_referenced": applier.kept_referenced,
                "set_aside": len(applier.set_aside),
            },
        )
        return ApplySummary(
            applied=applied,
            skipped_echoes=echoes,
            conflicts_opened=opened,
            conflicts_resolved=resolved,
            set_aside=len(applier.set_aside),
            removed=tuple(removed),
        )

    # -- audit, settings, results ---------------------------------------------------------------

    def audit_head(self) -> AuditHead:
        with self.store.read() as session:
            head = chain_head(session)
            anchor = acknowledged_anchor(session)
            links = links_since(session, anchor.count if anchor else 0, MAX_AUDIT_LINKS)
        return AuditHead(
            count=head.count,
            hash=head.hash,
            links=[AuditLink(seq=x.seq, prev_hash=x.prev_hash, hash=x.hash) for x in links],
        )

    def acknowledge_audit_anchor(self, anchor: AuditHead) -> None:
        with self.store.write() as uow:
            uow.acknowledge_audit_anchor(ChainHead(anchor.count, anchor.hash))

    def sync_settings(self) -> SyncSettings | None:
        with self.store.read() as session:
            data = settings.get_json(session, SYNC_SETTINGS, None)
        if not isinstance(data, dict) or not data.get("server_url"):
            return None
        known = set(SyncSettings.__dataclass_fields__)
        return SyncSettings(**{k: v for k, v in data.items() if k in known})

    def save_sync_settings(self, settings_: SyncSettings) -> None:
        with self.store.write() as uow:
            _put_json(uow, SYNC_SETTINGS, asdict(settings_))
            if settings_.series:
                # From now on this laptop numbers its cases in a series no other device uses.
                set_series_tag(uow, settings_.series)
            uow.audit_only(
                action="sync.enrol",
                entity="sync",
                entity_id=self.store.device_id,
                details={"server_url": settings_.server_url, "team": settings_.team},
            )

    def record_sync_result(self, result: SyncResult) -> None:
        summary = {
            "ok": result.ok,
            "started_at": result.started_at.isoformat(),
            "finished_at": result.finished_at.isoformat(),
            "pushed": result.pushed,
            "pulled": result.pulled,
            "refused": len(result.refused),
            "set_aside_pulled": result.set_aside_pulled,
            "new_conflicts": result.new_conflicts,
            "resolved_conflicts": result.resolved_conflicts,
            "warnings": list(result.warnings),
            "error": result.error,
            "cursor": result.cursor,
            "removed": [asdict(r) for r in result.removed],
        }
        try:
            with self.store.write() as uow:
                _put_json(uow, SYNC_LAST_RESULT, summary)
                uow.put_setting(LAST_SYNC_AT, result.finished_at.isoformat())
                uow.put_setting(LAST_SYNC_OK, "true" if result.ok else "false")
                if result.ok:
                    uow.put_setting(SYNC_LAST_OK_AT, result.finished_at.isoformat())
        except Exception:
            if result.ok:
                raise
            # A failed sync's log entry must never hide the failure itself.

    # -- resolutions the officer chose (sent by `services.sync_run.run_sync`) --------------

    def pending_resolutions(self) -> dict[str, dict[str, Any]]:
        with self.store.read() as session:
            queued = settings.get_json(session, SYNC_PENDING_RESOLUTIONS, {})
        return dict(queued) if isinstance(queued, dict) else {}

    def forget_resolution(self, conflict_id: str, *, reopen: bool = False) -> None:
        """The server took (or finally refused) a queued resolution: drop it from the queue."""
        with self.store.write() as uow:
            queued = settings.get_json(uow.reads, SYNC_PENDING_RESOLUTIONS, {})
            queued.pop(conflict_id, None)
            _put_json(uow, SYNC_PENDING_RESOLUTIONS, queued)
            if reopen:
                row = uow.reads.get(SyncConflict, conflict_id)
                if row is not None and row.status == RESOLVING:
                    row.status = "open"
                    uow.keep_local(row)
