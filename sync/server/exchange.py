"""Push, pull and conflict resolution: the rules of the central store.

Push (one transaction per request, under the global write lock, see `db`; the schema checks,
the reading of rows and access and the applying of the changes in memory come before it, see
"push" below):
- Idempotent: the device's highest applied counter is kept; changes at or below it are skipped,
  and a batch must continue at highest + 1 (else 409 with `expected_counter`).
- Access: the matrix of `access` decides (owning team, agency with a share, nobody else); a
  change it forbids is refused (per change, recorded in `refused_change` and listed in the reply;
  it counts as processed, so it is never resent and never blocks the rest of the outbox). So are:
  a new case of another team, an edit of an append-only row, an edit of a row the server does not
  hold, an insert of an existing row. A case changes team only by `transfer`.
- Audit: the pushed audit head is checked against the device's anchor (`anchor`).
- Conflicts: an update based on version B conflicts, field by field, where the server's field was
  written after B by another writer and holds a different value: the server keeps its value, the
  conflict is recorded and streamed; the other fields merge. A delete of a row that another writer
  edited after B, and an update of a row deleted meanwhile, are whole-row conflicts (field "*"):
  the row stays as the server has it until someone resolves the conflict.
- A case that becomes visible to new officers (shared with an agency under a legal basis, or
  transferred to another team) is re-sent: its current rows are appended to the stream as "insert"
  (upsert) changes, with its open conflicts, so devices whose cursor passed its history get it.

Pull: changes after the cursor, of the cases the officer may see now, in stream order.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from sync.batches import chunks
from sync.protocol import (
    CASE_TABLE,
    CASE_TEAM_FIELD,
    EVIDENCE_TABLE,
    IDENTITY_FIELDS,
    ROW_CONFLICT_FIELD,
    SERVER_OWNED_FIELDS,
    SHARE_AGENCY_FIELD,
    SHARE_INCLUDES_FILES_FIELD,
    SHARE_LEGAL_BASIS_FIELD,
    SHARE_TABLE,
    ChangeOut,
    ConflictOut,
    PullPage,
    PushReply,
    PushRequest,
    RefusedChange,
    ResolveRequest,
    RowVersion,
)
from sync.server import (
    access,
    blind,
    bulk,
    evidence_files,
    hygiene,
    page_json,
    purges,
    validation,
)
from sync.server import anchor as audit_anchor
from sync.server import db as tables
from sync.server.accounts import DeviceContext, Officer, utcnow
from sync.server.db import Database
from sync.server.errors import ServiceError, not_found

RowKey = tuple[str, str]


@dataclass
class _Row:
    table: str
    row_id: str
    case_id: str
    version: int
    fields: dict[str, Any]
    field_versions: dict[str, list[Any]]
    append_only: bool
    deleted: bool
    created_seq: int
    dirty: bool = False
    #: inserted by this push (written with a plain INSERT, see `bulk.insert_rows`)
    new: bool = False


@dataclass
class _Push:
    """Everything one push transaction will write, gathered before the writes."""

    device_id: str
    officer: Officer
    seq: int
    rows: dict[RowKey, _Row]
    case_team: dict[str, str]
    shared_cases: set[str]
    stream_rows: list[dict[str, Any]] = field(default_factory=list)
    conflict_rows: list[dict[str, Any]] = field(default_factory=list)
    refused: list[RefusedChange] = field(default_factory=list)
    versions: dict[RowKey, int] = field(default_factory=dict)
    new_cases: set[str] = field(default_factory=set)
    team_changes: dict[str, str] = field(default_factory=dict)
    shares_added: list[dict[str, Any]] = field(default_factory=list)
    shares_removed: list[str] = field(default_factory=list)
    reveal_cases: set[str] = field(default_factory=set)
    destroyed_cases: set[str] = field(default_factory=set)
    #: blobs of evidence items this push deleted: their chunks go if no other item names them
    files_unnamed: set[str] = field(default_factory=set)
    items_deleted: list[str] = field(default_factory=list)
    #: the `evidence_name` rows of the evidence items this push inserted
    files_named: list[dict[str, Any]] = field(default_factory=list)

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq


def _load_rows(connection: sa.Connection, row_ids: list[str]) -> dict[RowKey, _Row]:
    rows: dict[RowKey, _Row] = {}
    for chunk in chunks(sorted(set(row_ids))):
        for r in connection.execute(
            sa.select(tables.row_state).where(tables.row_state.c.row_id.in_(chunk))
        ):
            rows[(r.table_name, r.row_id)] = _Row(
                table=r.table_name,
                row_id=r.row_id,
                case_id=r.case_id,
                version=r.version,
                fields=dict(r.fields),
                field_versions=dict(r.field_versions),
                append_only=r.append_only,
                deleted=r.deleted,
                created_seq=r.created_seq,
            )
    return rows


def _load_access(
    connection: sa.Connection, case_ids: list[str], officer: Officer
) -> tuple[dict[str, str], set[str]]:
    teams: dict[str, str] = {}
    shared: set[str] = set()
    for chunk in chunks(sorted(set(case_ids))):
        for r in connection.execute(
            sa.select(tables.case_access).where(tables.case_access.c.case_id.in_(chunk))
        ):
            teams[r.case_id] = r.team
        if officer.agency:
            shared.update(
                connection.execute(
                    sa.select(tables.case_share.c.case_id).where(
                        tables.case_share.c.case_id.in_(chunk),
                        tables.case_share.c.agency == officer.agency,
                    )
                ).scalars()
            )
    return teams, shared


# --- push --------------------------------------------------------------------------------------
#
# What a push does under its locks adds to the wait of every push queued behind it. So a push
# does its work before them, from committed state: the schema checks; the reading of its rows,
# of the cases' access and of its device row (after the safe head, `db.stream_head`: anything
# the reads missed is numbered above it); the applying of its changes in memory, numbered from 1
# (the plan); and, on PostgreSQL, the serialising of what it will write (`bulk`).
#
# On PostgreSQL a push then runs alongside other pushes (`db.write_parallel`): it locks its
# cases (those its changes name and those its rows are stored under), so two pushes that touch
# one case queue on that case only. Under those locks one query reads the device row, locked,
# and tells whether anything touched its cases or rows since the safe head it read (every
# write to rows, teams or shares appends to the stream in its own transaction); when it did, or
# the device row moved, the rows are read again and the changes applied again. Last it takes
# its numbers (`db.take_numbers`) and writes the plan in one round trip (`bulk.pipelined`).
# What cannot run so goes again alone, under the global lock (`_Alone`): a plan that withdraws
# a share, re-sends or destroys a case or drops files (they read and write beyond its cases), a
# plan whose replanned rows lie under cases it did not lock, a row another push inserted
# meanwhile (a unique violation), and a push naming too many cases (`db.MAX_CASE_LOCKS`).
# On SQLite, and when alone, the push holds the global lock throughout (`db.write_stream`),
# as every push did before migration 0009.


class _Alone(Exception):
    """This push must run again under the global lock (its transaction was rolled back)."""


def _runs_alone(plan: _Push) -> bool:
    return bool(
        plan.shares_removed or plan.reveal_cases or plan.destroyed_cases or plan.files_unnamed
    )


def _cases_of(plan: _Push, batch: list[ChangeOut]) -> set[str]:
    """The cases a push locks: those its changes name, and those its rows are stored under (a
    hostile change may name a row of another case)."""
    return {c.case_id for c in batch} | {r.case_id for r in plan.rows.values()}


def _unique_violation(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", exc)  # SQLAlchemy's wrapper, or psycopg's own (a pipeline's)
    return getattr(orig, "sqlstate", None) == "23505"


@dataclass
class _Preloaded:
    """A push's work done before the locks (see above): the safe head read first, the device
    row read after it, and the plan made from what was read."""

    counter: int
    applied: int
    audit: tuple[int | None, str | None]
    checked: audit_anchor.Checked
    refusals: dict[int, str | None]
    plan: _Push
    prepared: _Prepared


@dataclass(frozen=True)
class _Prepared:
    """A plan's row states and stream entries, ready to write, numbered from 1 (see `bulk`)."""

    rows: bulk.Batch
    #: the rows this plan inserts (the others are stored already)
    new_rows: bulk.Batch
    stream: bulk.Batch
    #: the blind index entries of the people and addresses the plan changed (`blind`)
    index: blind.IndexUpdate


def _index_update(key: bytes, rows: list[_Row]) -> blind.IndexUpdate:
    return blind.update_for(
        key, ((r.table, r.row_id, r.case_id, r.fields, r.deleted) for r in rows if r.dirty)
    )


def _prepare(state: _Push, *, postgres: bool, key: bytes) -> _Prepared:
    changed = [r for r in state.rows.values() if r.dirty]
    return _Prepared(
        rows=bulk.prepare([_row_values(r) for r in changed if not r.new], postgres=postgres),
        new_rows=bulk.prepare([_row_values(r) for r in changed if r.new], postgres=postgres),
        stream=bulk.prepare(state.stream_rows, postgres=postgres),
        index=_index_update(key, list(state.rows.values())),
    )


def _plan(
    context: DeviceContext,
    batch: list[ChangeOut],
    refusals: dict[int, str | None],
    rows: dict[RowKey, _Row],
    access_of: tuple[dict[str, str], set[str]],
) -> _Push:
    """Apply the changes (those not yet applied) to rows in memory, stream numbers from 1."""
    state = _Push(
        device_id=context.device_id,
        officer=context.officer,
        seq=0,
        rows=rows,
        case_team=access_of[0],
        shared_cases=access_of[1],
    )
    for change in batch:
        reason = _apply(state, change, refusals.get(change.device_counter))
        if reason is not None:
            state.refused.append(
                RefusedChange(
                    device_counter=change.device_counter,
                    table=change.table,
                    row_id=change.row_id,
                    case_id=change.case_id,
                    reason=reason,
                )
            )
            state.versions.pop((change.table, change.row_id), None)
    return state


def _renumber(state: _Push, head: int, numbers: list[int]) -> None:
    """Give the plan's numbers 1..n the stream numbers taken (its row states and stream entries
    are not renumbered here: they are written with their numbers mapped, see `bulk`); a push
    alone numbers on from the last (`next_seq`), from the head when it took none."""
    for conflict_row in state.conflict_rows:
        conflict_row["seq"] = numbers[conflict_row["seq"] - 1]
    state.seq = numbers[-1] if numbers else head


def _device_row(connection: sa.Connection, device_id: str, *, lock: bool) -> Any:
    query = sa.select(tables.device).where(tables.device.c.id == device_id)
    return connection.execute(query.with_for_update() if lock else query).one()


def _unapplied(batch: list[ChangeOut], applied: int) -> list[ChangeOut]:
    return [c for c in batch if c.device_counter > applied]


def _preload(
    database: Database, request: PushRequest, context: DeviceContext, key: bytes
) -> _Preloaded:
    batch = request.batch
    refusals = {c.device_counter: validation.refusal(c) for c in batch}
    with database.read() as connection:
        counter = tables.stream_head(connection)  # first: what the reads miss is above it
        device_row = _device_row(connection, context.device_id, lock=False)
        access_of = _load_access(connection, [c.case_id for c in batch], context.officer)
        rows = _load_rows(connection, [c.row_id for c in batch])
    applied = int(device_row.applied_counter)
    audit = (device_row.audit_count, device_row.audit_hash)
    plan = _plan(context, _unapplied(batch, applied), refusals, rows, access_of)
    return _Preloaded(
        counter=counter,
        applied=applied,
        audit=audit,
        checked=audit_anchor.check(audit[0], audit[1], request.audit_head),
        refusals=refusals,
        plan=plan,
        prepared=_prepare(plan, postgres=not database.is_sqlite, key=key),
    )


def _touched_since(counter: int, batch: list[ChangeOut]) -> sa.ColumnElement[bool]:
    """Whether the stream holds, after `counter`, a change of one of the batch's cases or rows
    (by row id too: a hostile batch may name a row under another case)."""
    s = tables.stream
    case_ids = sorted({c.case_id for c in batch})
    row_ids = sorted({c.row_id for c in batch})
    return sa.exists().where(
        s.c.seq > counter, sa.or_(s.c.case_id.in_(case_ids), s.c.row_id.in_(row_ids))
    )


def _locked_device(
    connection: sa.Connection, device_id: str, touched: sa.ColumnElement[bool] | None
) -> tuple[Any, bool]:
    """The device row, locked, and (one query, under the write lock) whether `touched`."""
    d = tables.device
    query = sa.select(d, (touched if touched is not None else sa.false()).label("touched"))
    row = connection.execute(query.where(d.c.id == device_id).with_for_update(of=d)).one()
    return row, bool(row.touched)


def _check_counter(batch: list[ChangeOut], applied: int) -> None:
    if batch and batch[0].device_counter != applied + 1:
        raise ServiceError(
            409,
            "counter_gap",
            f"the server has applied this device's changes up to {applied}; "
            f"resend from change {applied + 1}",
            expected_counter=applied + 1,
        )


def _update_device(connection: sa.Connection, device_id: str, values: dict[str, Any]) -> None:
    """The push's one write to its device row: anchor, applied counter, last seen."""
    connection.execute(
        tables.device.update()
        .where(tables.device.c.id == device_id)
        .values(**values, last_seen_at=utcnow())
    )


def _push_nothing(database: Database, context: DeviceContext, request: PushRequest) -> PushReply:
    """A push without changes (the start of every sync) only checks the counter and the audit
    anchor of its own device: it locks that row, not the whole stream."""
    with database.write(ordered=False) as connection:
        device_row = _device_row(connection, context.device_id, lock=True)
        values, warnings, anchor = audit_anchor.settle(connection, device_row, request.audit_head)
        _update_device(connection, context.device_id, values)
    return PushReply(
        applied_up_to=int(device_row.applied_counter), warnings=warnings, audit_anchor=anchor
    )


def push(database: Database, context: DeviceContext, request: PushRequest) -> PushReply:
    if request.device_id != context.device_id:
        raise ServiceError(
            403, "wrong_device", "the batch names another device than the token's device"
        )
    if not request.batch:
        return _push_nothing(database, context, request)
    key = blind.key_for_request(database)
    ahead = _preload(database, request, context, key)
    cases = _cases_of(ahead.plan, request.batch)
    if (
        not database.is_sqlite
        and not _runs_alone(ahead.plan)
        and len(cases) <= tables.MAX_CASE_LOCKS
    ):
        try:
            with database.write_parallel(cases) as connection:
                return _push_locked(connection, database, context, request, ahead, key, cases)
        except _Alone:
            pass
        except Exception as exc:  # SQLAlchemy's error, or psycopg's own as a pipeline ends
            if not _unique_violation(exc):
                raise
    with database.write_stream() as (connection, head):
        return _push_locked(connection, database, context, request, ahead, key, None, head)


def _push_locked(
    connection: sa.Connection,
    database: Database,
    context: DeviceContext,
    request: PushRequest,
    ahead: _Preloaded,
    key: bytes,
    locked: set[str] | None,
    head: int = 0,
) -> PushReply:
    """The push under its locks: its cases' (`locked`, alongside other pushes) or the global
    lock (`locked` None, the stream at `head`)."""
    moved = locked is not None or head != ahead.counter
    device_row, touched = _locked_device(
        connection,
        context.device_id,
        _touched_since(ahead.counter, request.batch) if moved else None,
    )
    applied = int(device_row.applied_counter)
    batch = _unapplied(request.batch, applied)
    _check_counter(batch, applied)
    same_anchor = (device_row.audit_count, device_row.audit_hash) == ahead.audit
    values, warnings, anchor = audit_anchor.settle(
        connection, device_row, request.audit_head, ahead.checked if same_anchor else None
    )
    if not batch:  # all of it applied already (a resent batch)
        _update_device(connection, context.device_id, values)
        return PushReply(applied_up_to=applied, warnings=warnings, audit_anchor=anchor)
    state, prepared = ahead.plan, ahead.prepared
    if applied != ahead.applied or touched:
        rows = _load_rows(connection, [c.row_id for c in batch])
        access_of = _load_access(connection, [c.case_id for c in batch], context.officer)
        state = _plan(context, batch, ahead.refusals, rows, access_of)
        if locked is not None and (_runs_alone(state) or not _cases_of(state, batch) <= locked):
            raise _Alone
        prepared = _prepare(state, postgres=not database.is_sqlite, key=key)
    if locked is not None:
        numbers = tables.take_numbers(connection, state.seq)
    else:
        numbers = list(range(head + 1, head + state.seq + 1))
    applied = batch[-1].device_counter
    values["applied_counter"] = applied
    _write_push(connection, state, batch, (head, numbers), prepared, values, alone=locked is None)
    conflicts = [
        _conflict_out(SimpleNamespace(**row), context.device_id, row["seq"])
        for row in state.conflict_rows
        if row["status"] == "open"
    ]
    return PushReply(
        applied_up_to=applied,
        versions=[
            RowVersion(table=key[0], row_id=key[1], version=version)
            for key, version in state.versions.items()
        ],
        conflicts=conflicts,
        refused=state.refused,
        warnings=warnings,
        audit_anchor=anchor,
    )


def _stream_change(
    state: _Push, row: _Row, op: str, fields: dict[str, Any], change: ChangeOut | None
) -> None:
    state.stream_rows.append(
        {
            "seq": state.next_seq(),
            "kind": "change",
            "case_id": row.case_id,
            "table_name": row.table,
            "row_id": row.row_id,
            "op": op,
            "fields": fields,
            "version": row.version,
            "origin_device_id": state.device_id if change else None,
            "origin_counter": change.device_counter if change else None,
            "conflict_id": None,
            "created_at": utcnow(),
            "team": state.case_team.get(row.case_id),
        }
    )


def _record_conflict(
    state: _Push,
    row: _Row,
    change: ChangeOut,
    field_name: str,
    server_value: Any,
    device_value: Any,
    server_device_id: str | None,
) -> None:
    conflict_id = str(uuid.uuid4())
    seq = state.next_seq()
    now = utcnow()
    state.conflict_rows.append(
        {
            "id": conflict_id,
            "seq": seq,
            "table_name": row.table,
            "row_id": row.row_id,
            "case_id": row.case_id,
            "field": field_name,
            "server_value": server_value,
            "device_value": device_value,
            "device_id": state.device_id,
            "server_device_id": server_device_id,
            "base_version": change.base_version,
            "status": "open",
            "created_at": now,
            "resolution": None,
            "resolved_value": None,
            "resolved_by_device_id": None,
            "resolved_at": None,
        }
    )
    state.stream_rows.append(
        _conflict_stream_row(
            seq, conflict_id, row.case_id, row.table, row.row_id, state.case_team.get(row.case_id)
        )
    )


def _conflict_stream_row(
    seq: int, conflict_id: str, case_id: str, table: str, row_id: str, team: str | None
) -> dict[str, Any]:
    return {
        "seq": seq,
        "kind": "conflict",
        "case_id": case_id,
        "table_name": table,
        "row_id": row_id,
        "op": "conflict",
        "fields": {},
        "version": 0,
        "origin_device_id": None,
        "origin_counter": None,
        "conflict_id": conflict_id,
        "created_at": utcnow(),
        "team": team,
    }


def _last_writer_of_row(row: _Row, base: int, device_id: str) -> str | None:
    """Another writer that changed the row after `base`, if any (the device itself excluded)."""
    for version, writer in row.field_versions.values():
        if version > base and writer != device_id:
            return str(writer) if writer else None
    return None


def _edited_by_other_since(row: _Row, base: int, device_id: str) -> bool:
    return any(
        version > base and writer != device_id for version, writer in row.field_versions.values()
    )


def _apply(state: _Push, change: ChangeOut, refused: str | None) -> str | None:
    """Apply one change to the in-memory state; the reason it is refused, or None.
    `refused`: the change's own refusal by the schema (`validation.refusal`, checked before)."""
    if refused is not None:
        return refused
    fields = {k: v for k, v in change.fields.items() if k not in SERVER_OWNED_FIELDS}
    key = (change.table, change.row_id)
    if change.table == CASE_TABLE and change.op == "insert":
        if change.case_id in state.case_team or key in state.rows:
            return "this case already exists on the server"
        team = fields.get(CASE_TEAM_FIELD)
        if team != state.officer.team:
            return f"a new case must belong to your team ({state.officer.team!r}), not {team!r}"
        state.case_team[change.case_id] = str(team)
        state.new_cases.add(change.case_id)
    elif change.case_id not in state.case_team:
        if change.op == "delete":
            return None  # destroyed before it was ever synced (retention): nothing to delete
        return "the case is not on the server (its case record was never synced)"
    else:
        current_team = state.case_team.get(change.case_id)
        who = access.role(state.officer.team, current_team, change.case_id in state.shared_cases)
        reason = access.refusal(who, change, current_team)
        if reason is not None:
            return reason

    row = state.rows.get(key)
    if change.op == "insert":
        return _insert(state, change, row, fields)
    if row is None:
        if change.op == "delete":
            return None  # a row deleted before it was ever synced: nothing to delete
        return "the row is not on the server"
    if row.deleted and change.op == "delete":
        return None  # deleting a deleted row changes nothing
    if row.case_id != change.case_id:
        return "the row belongs to another case"
    if change.op == "update":
        return _update(state, change, row, fields)
    return _delete(state, change, row)


def _insert(
    state: _Push, change: ChangeOut, row: _Row | None, fields: dict[str, Any]
) -> str | None:
    if row is not None:
        return "a row with this id already exists on the server"
    if fields.get("id", change.row_id) != change.row_id:
        return "the row's id field differs from its row_id"
    if change.table != CASE_TABLE and fields.get("case_id", change.case_id) != change.case_id:
        return "the row's case_id field differs from the change's case_id"
    if change.table == SHARE_TABLE:
        agency = fields.get(SHARE_AGENCY_FIELD)
        basis = fields.get(SHARE_LEGAL_BASIS_FIELD)
        if isinstance(agency, str) and agency.strip() and isinstance(basis, str) and basis.strip():
            state.shares_added.append(
                {
                    "share_row_id": change.row_id,
                    "case_id": change.case_id,
                    "agency": agency,
                    # the files go with the share only when the row says so, exactly
                    "includes_files": fields.get(SHARE_INCLUDES_FILES_FIELD) is True,
                }
            )
            if change.case_id not in state.new_cases:
                state.reveal_cases.add(change.case_id)
    row = _Row(
        table=change.table,
        row_id=change.row_id,
        case_id=change.case_id,
        version=1,
        fields=fields,
        # One stamp shared by every field: field versions are replaced, never changed in place.
        field_versions=dict.fromkeys(fields, [1, state.device_id]),  # noqa: RUF024
        append_only=change.append_only,
        deleted=False,
        created_seq=state.seq + 1,
        dirty=True,
        new=True,
    )
    state.rows[(change.table, change.row_id)] = row
    if change.table == EVIDENCE_TABLE:
        named = evidence_files.name_row(change.row_id, change.case_id, fields)
        if named is not None:
            state.files_named.append(named)
    _stream_change(state, row, "insert", dict(fields), change)
    state.versions[(change.table, change.row_id)] = 1
    return None


def _update(state: _Push, change: ChangeOut, row: _Row, fields: dict[str, Any]) -> str | None:
    if row.append_only or change.append_only:
        return "append-only records cannot be edited"
    if IDENTITY_FIELDS & fields.keys():
        return "an update cannot change a row's id or case"
    team = fields.get(CASE_TEAM_FIELD) if change.table == CASE_TABLE else None
    if (
        change.table == CASE_TABLE
        and CASE_TEAM_FIELD in fields
        and (not isinstance(team, str) or not team.strip())
    ):
        return "a case's team must be a non-empty text"
    if not fields:
        return None
    base = change.base_version or 0
    if row.deleted:
        _record_conflict(
            state, row, change, ROW_CONFLICT_FIELD, None, fields,
            _last_writer_of_row(row, base, state.device_id),
        )  # fmt: skip
        state.versions.pop((row.table, row.row_id), None)
        return None
    applied: dict[str, Any] = {}
    conflicted = False
    new_version = row.version + 1
    for name, value in fields.items():
        written = row.field_versions.get(name)
        if (
            written is not None
            and written[0] > base
            and written[1] != state.device_id
            and row.fields.get(name) != value
        ):
            conflicted = True
            _record_conflict(
                state, row, change, name, row.fields.get(name), value,
                str(written[1]) if written[1] else None,
            )  # fmt: skip
            continue
        applied[name] = value
    if applied:
        row.version = new_version
        for name, value in applied.items():
            row.fields[name] = value
            row.field_versions[name] = [new_version, state.device_id]
        row.dirty = True
        _stream_change(state, row, "update", applied, change)
        if (
            isinstance(team, str)
            and CASE_TEAM_FIELD in applied
            and state.case_team.get(row.case_id) != team
        ):
            state.case_team[row.case_id] = team
            state.team_changes[row.case_id] = team
            if row.case_id not in state.new_cases:
                state.reveal_cases.add(row.case_id)
    key = (row.table, row.row_id)
    if conflicted or _edited_by_other_since(row, base, state.device_id):
        state.versions.pop(key, None)
    else:
        state.versions[key] = row.version
    return None


def _delete(state: _Push, change: ChangeOut, row: _Row) -> str | None:
    base = change.base_version or 0
    if not row.append_only and _edited_by_other_since(row, base, state.device_id):
        _record_conflict(
            state, row, change, ROW_CONFLICT_FIELD, dict(row.fields), None,
            _last_writer_of_row(row, base, state.device_id),
        )  # fmt: skip
        state.versions.pop((row.table, row.row_id), None)
        return None
    row.version += 1
    row.deleted = True
    row.dirty = True
    _stream_change(state, row, "delete", {}, change)
    state.versions.pop((row.table, row.row_id), None)
    if row.table == SHARE_TABLE:
        state.shares_removed.append(row.row_id)
    if row.table == CASE_TABLE:
        state.destroyed_cases.add(row.case_id)
    if row.table == EVIDENCE_TABLE:
        blob = evidence_files.blob_of_item(row.fields)
        if blob is not None:
            state.files_unnamed.add(blob)
            state.items_deleted.append(row.row_id)
    return None


def _row_values(row: _Row) -> dict[str, Any]:
    return {
        "table_name": row.table,
        "row_id": row.row_id,
        "case_id": row.case_id,
        "version": row.version,
        "fields": row.fields,
        "field_versions": row.field_versions,
        "append_only": row.append_only,
        "deleted": row.deleted,
        "created_seq": row.created_seq,
    }


def _save_rows(connection: sa.Connection, rows: list[_Row]) -> None:
    changed = [_row_values(r) for r in rows if r.dirty]
    if changed:
        connection.execute(bulk.row_upsert(connection), changed)
    for r in rows:
        r.dirty = False


def _write_push(
    connection: sa.Connection,
    state: _Push,
    batch: list[ChangeOut],
    taken: tuple[int, list[int]],
    prepared: _Prepared,
    device_values: dict[str, Any],
    *,
    alone: bool,
) -> None:
    """Write a plan under its locks, with the stream numbers `taken` (the head, and the numbers
    for the plan's 1..n). The writes that read nothing go in one round trip (see
    `bulk.pipelined`); shares withdrawn, cases re-sent or destroyed (rare, and only `alone`:
    they number on from the last) read, and follow."""
    head, numbers = taken
    _renumber(state, head, numbers)
    withdrawn = (
        connection.execute(
            sa.select(tables.case_share.c.case_id, tables.case_share.c.agency).where(
                tables.case_share.c.share_row_id.in_(state.shares_removed)
            )
        ).all()
        if state.shares_removed
        else []
    )
    more = bool(withdrawn or state.reveal_cases or state.destroyed_cases or state.files_unnamed)
    assert alone or not more, "a plan that reads beyond its cases runs alone (_runs_alone)"
    with bulk.pipelined(connection):
        _write_plain(connection, state, batch, numbers, prepared)
        if not more:
            if alone:  # alongside others, the numbers came from the sequence already
                tables.set_stream_last(connection, state.seq)
            _update_device(connection, state.device_id, device_values)
    if not more:
        return
    for case_id, agency in sorted(set(withdrawn)):
        purges.withdraw(connection, state.next_seq, case_id, agency, state.officer.name)
    revealed: list[dict[str, Any]] = []  # numbered from the head on
    for case_id in sorted(state.reveal_cases):
        reveal_case(connection, state.next_seq, revealed, case_id)
    if revealed:
        connection.execute(tables.stream.insert(), revealed)
    for case_id in sorted(state.destroyed_cases):
        files = evidence_files.blobs_of_case(connection, case_id)
        hygiene.purge_destroyed_case(connection, case_id)
        evidence_files.forget_names(connection, case_id=case_id)
        evidence_files.drop_unnamed(connection, files)
    if state.files_unnamed:
        evidence_files.forget_names(connection, row_ids=state.items_deleted)
        evidence_files.drop_unnamed(connection, state.files_unnamed)
    tables.set_stream_last(connection, state.seq)
    _update_device(connection, state.device_id, device_values)


def _write_plain(
    connection: sa.Connection,
    state: _Push,
    batch: list[ChangeOut],
    numbers: list[int],
    prepared: _Prepared,
) -> None:
    """The writes of a plan that read nothing back (so they may be pipelined)."""
    bulk.insert_rows(connection, prepared.new_rows, numbers)
    bulk.upsert_rows(connection, prepared.rows)
    if state.new_cases:
        connection.execute(
            tables.case_access.insert(),
            [{"case_id": c, "team": state.case_team[c]} for c in sorted(state.new_cases)],
        )
    for case_id, team in state.team_changes.items():
        if case_id not in state.new_cases:
            connection.execute(
                tables.case_access.update()
                .where(tables.case_access.c.case_id == case_id)
                .values(team=team)
            )
    if state.shares_added:
        connection.execute(tables.case_share.insert(), state.shares_added)
    if state.files_named:
        connection.execute(tables.evidence_name.insert(), state.files_named)
    if state.shares_removed:
        connection.execute(
            tables.case_share.delete().where(
                tables.case_share.c.share_row_id.in_(state.shares_removed)
            )
        )
    if state.refused:
        by_counter = {c.device_counter: c for c in batch}
        now = utcnow()
        connection.execute(
            tables.refused_change.insert(),
            [
                {
                    "device_id": state.device_id,
                    "device_counter": r.device_counter,
                    "table_name": r.table,
                    "row_id": r.row_id,
                    "case_id": r.case_id,
                    "op": by_counter[r.device_counter].op,
                    "fields": validation.storable(dict(by_counter[r.device_counter].fields)),
                    "reason": r.reason,
                    "created_at": now,
                }
                for r in state.refused
            ],
        )
    if state.conflict_rows:
        connection.execute(tables.conflict.insert(), state.conflict_rows)
    bulk.insert_stream(connection, prepared.stream, numbers)
    blind.write_update(connection, prepared.index)


def reveal_case(
    connection: sa.Connection,
    next_seq: Callable[[], int],
    stream_rows: list[dict[str, Any]],
    case_id: str,
) -> list[str]:
    """Re-send a case's current rows and open conflicts to officers who can now see it; the ids
    of those conflicts (whoever can see the case now resolves them). The case's entries already
    in the stream are relabelled with its team (`case_access`, already updated), so a page's
    team part (`ix_stream_team_seq`) finds them as a page by case did before."""
    team = access.case_team(connection, case_id)
    s = tables.stream
    connection.execute(
        s.update().where(s.c.case_id == case_id, s.c.team.is_distinct_from(team)).values(team=team)
    )
    for r in connection.execute(
        sa.select(tables.row_state)
        .where(tables.row_state.c.case_id == case_id, tables.row_state.c.deleted.is_(False))
        .order_by(tables.row_state.c.created_seq)
    ):
        stream_rows.append(
            {
                "seq": next_seq(),
                "kind": "change",
                "case_id": case_id,
                "table_name": r.table_name,
                "row_id": r.row_id,
                "op": "insert",
                "fields": r.fields,
                "version": r.version,
                "origin_device_id": None,
                "origin_counter": None,
                "conflict_id": None,
                "created_at": utcnow(),
                "team": team,
            }
        )
    open_conflicts = connection.execute(
        sa.select(tables.conflict.c.id, tables.conflict.c.table_name, tables.conflict.c.row_id)
        .where(tables.conflict.c.case_id == case_id, tables.conflict.c.status == "open")
        .order_by(tables.conflict.c.seq)
    ).all()
    for c in open_conflicts:
        seq = next_seq()
        connection.execute(
            tables.conflict.update().where(tables.conflict.c.id == c.id).values(seq=seq)
        )
        stream_rows.append(_conflict_stream_row(seq, c.id, case_id, c.table_name, c.row_id, team))
    return [c.id for c in open_conflicts]


# --- conflicts as a device sees them -----------------------------------------------------------


def _conflict_out(row: Any, device_id: str, seq: int) -> ConflictOut:
    lost_here = row.device_id == device_id
    return ConflictOut(
        id=row.id,
        seq=seq,
        table=row.table_name,
        row_id=row.row_id,
        case_id=row.case_id,
        field=row.field,
        server_value=row.server_value,
        device_value=row.device_value,
        mine=row.device_value if lost_here else row.server_value,
        theirs=row.server_value if lost_here else row.device_value,
        device_id=row.device_id,
        server_device_id=row.server_device_id,
        status=row.status,
        resolution=row.resolution,
        resolved_value=row.resolved_value,
        resolved_by_device_id=row.resolved_by_device_id,
    )


def conflict_view(row: Any, device_id: str) -> ConflictOut:
    """A stored conflict as `device_id` sees it, at its own seq (the snapshot's open conflicts)."""
    return _conflict_out(row, device_id, int(row.seq))


# --- pull --------------------------------------------------------------------------------------


# A page's columns: the stream's, its fields as the JSON text stored (`fields_json`; decoded
# once, by `validation.stored_fields`, instead of by the driver and then checked value by value).
_PAGE_COLUMNS = (
    *(c for c in tables.stream.c if c.name != "fields"),
    sa.cast(tables.stream.c.fields, sa.Text).label("fields_json"),
)


def pull_page_query(
    officer: Officer, after: int, head: int, limit: int, *, not_from: str | None = None
) -> sa.Select[Any]:
    """The stream rows of one pull page: the officer's visible cases' rows after `after`, up to
    `head`, in stream order, at most `limit`; with `not_from`, without that device's own
    changes (conflicts and the server's own changes carry no origin, so they always come).

    Two parts, each at most `limit` rows in stream order, merged: the team's entries, one range
    of `ix_stream_team_seq` (`team = :team AND seq > :after ... ORDER BY seq LIMIT n` is read
    in order and stops at the page whatever the planner's statistics say), and those of the
    cases shared with the officer's agency (few cases, read case by case through
    `ix_stream_case_seq`). A label is never the only thing between an officer and a case: the team
    part checks each row's case is the team's now (a primary-key lookup per row read, see
    `access.owning_team`), the shared part that the case is shared with the agency."""
    s = tables.stream

    def part(*conditions: sa.ColumnElement[bool]) -> sa.Select[Any]:
        where = [*conditions, s.c.seq > after, s.c.seq <= head]
        if not_from is not None:
            where.append(s.c.origin_device_id.is_distinct_from(not_from))
        return sa.select(*_PAGE_COLUMNS).where(*where).order_by(s.c.seq).limit(limit)

    own = part(s.c.team == officer.team, access.owning_team(s.c.case_id) == officer.team)
    if not officer.agency:
        return own
    shared = part(
        # the team's own cases shared with its agency come in the team part, once
        s.c.team.is_distinct_from(officer.team),
        s.c.case_id.in_(access.agency_cases(officer.agency)),
    )
    # each part as a subquery: SQLite allows no LIMIT on a member of a UNION
    both = sa.union_all(sa.select(own.subquery()), sa.select(shared.subquery())).subquery()
    return sa.select(both).order_by(both.c.seq).limit(limit)


# The first stretch of the stream a page reads (rows of every team); it grows fourfold while
# the page is not full, so a team whose rows are sparse needs few reads.
PULL_WINDOW = 4_000


def pull_page_rows(
    connection: sa.Connection,
    officer: Officer,
    after: int,
    head: int,
    limit: int,
    *,
    not_from: str | None = None,
) -> list[Any]:
    """The rows of `pull_page_query`, read a stretch of the stream at a time.

    Without statistics (a database loaded or grown since its last ANALYZE) PostgreSQL reads
    every visible case's rows after the cursor through `ix_stream_case_seq` and sorts them,
    however few the page needs (107 ms against 12 ms analysed for a 1,000-case team on
    200,000 rows). Bounding the stretch of stream each query may read (`seq` up to
    `after + window`, part of the index's condition) bounds that work whatever the plan: the
    first stretch holds the page for a team with a fair share of the stream; while the page
    is short the next stretch is four times longer, so a sparse team needs a few reads more.
    """
    rows: list[Any] = []
    low, window = after, PULL_WINDOW
    while low < head and len(rows) < limit:
        high = min(head, low + window)
        rows += connection.execute(
            pull_page_query(officer, low, high, limit - len(rows), not_from=not_from)
        ).all()
        low, window = high, window * 4
    return rows


def pull(
    database: Database, context: DeviceContext, after: int, limit: int, own: bool = False
) -> PullPage:
    """`pull_encoded`'s page as a checked model (for callers in-process)."""
    return pull_encoded(database, context, after, limit, own).model()


def pull_encoded(
    database: Database, context: DeviceContext, after: int, limit: int, own: bool = False
) -> page_json.EncodedPage:
    """The page of the stream after `after` that this device needs: the changes of the cases
    its officer may see, except the device's own pushed changes (it holds them already), unless
    it asks for them (`own`).

    What still comes back to the device about its own rows: a conflict its push raised, a
    resolution, any change the server itself made (a resolution's value, a case re-sent whole
    when it becomes visible), and every other device's change. The versions of its own changes
    it learns from the push reply where the row is exactly its copy; where it is not (another
    device wrote the row since the device's base, a conflict, or a lost reply), the client asks
    for its own changes too (`own`), so its rows' versions end as the service's. Were it not to,
    it would still be safe: the service detects a conflict per field and never against the
    device's own writes, so a base version that misses only the device's own changes raises no
    conflict and hides no other device's change.
    """
    with database.read() as connection:
        head = tables.stream_head(connection)
        if after >= head:
            return page_json.EncodedPage(after=after, next_cursor=after, more=False)
        # Not the device's own changes unless it asks (`own`): it holds them, and learnt their
        # versions in the push reply (see the docstring for why a version it did not learn is
        # safe).
        rows = pull_page_rows(
            connection,
            context.officer,
            after,
            head,
            limit,
            not_from=None if own else context.device_id,
        )
        more = len(rows) == limit and rows[-1].seq < head
        next_cursor = rows[-1].seq if more else head
        purged = purges.for_officer(
            connection, context.officer, after, next_cursor, access.visible_cases(context.officer)
        )
        conflict_seq: dict[str, int] = {}
        changes: list[str] = []
        for r in rows:
            if r.kind == "conflict":
                conflict_seq[r.conflict_id] = r.seq
                continue
            # a row stored before the service checked every change may hold text no reply can
            # encode (mended here); the laptop sets aside what it still cannot apply
            changes.append(page_json.change_json(r))
        conflicts: list[ConflictOut] = []
        ids = list(conflict_seq)
        for chunk in chunks(ids):
            for c in connection.execute(
                sa.select(tables.conflict).where(tables.conflict.c.id.in_(chunk))
            ):
                conflicts.append(_conflict_out(c, context.device_id, conflict_seq[c.id]))
        conflicts.sort(key=lambda c: c.seq)
    return page_json.EncodedPage(
        after=after,
        changes=changes,
        conflicts=conflicts,
        purges=purged,
        next_cursor=next_cursor,
        more=more,
    )


def head(database: Database) -> int:
    with database.read() as connection:
        return tables.stream_head(connection)


# --- resolution --------------------------------------------------------------------------------


def resolve(
    database: Database, context: DeviceContext, conflict_id: str, request: ResolveRequest
) -> ConflictOut:
    """Resolve a conflict by a normal server-side change (new version, new seq, pulled by all)."""
    key = blind.key_for_request(database)
    with database.write() as connection:
        c = connection.execute(
            sa.select(tables.conflict).where(tables.conflict.c.id == conflict_id)
        ).first()
        if c is None:
            raise not_found("no such conflict")
        teams, shared = _load_access(connection, [c.case_id], context.officer)
        if teams.get(c.case_id) != context.officer.team and c.case_id not in shared:
            raise not_found("no such conflict")
        if c.status != "open":
            raise ServiceError(
                409,
                "already_resolved",
                "this conflict was already resolved",
                detail=_conflict_out(c, context.device_id, c.seq).model_dump(mode="json"),
            )
        view = _conflict_out(c, context.device_id, c.seq)
        if request.choice == "edit":
            if c.field == ROW_CONFLICT_FIELD:
                raise ServiceError(
                    422,
                    "invalid",
                    "a whole-row conflict (a deleted row) is resolved with mine or theirs",
                )
            value = request.value
            problem = validation.resolution_refusal(c.table_name, c.field, value)
            if problem is not None:
                raise ServiceError(422, "invalid", f"the edited value does not fit: {problem}")
        else:
            value = view.mine if request.choice == "mine" else view.theirs
        if c.field == ROW_CONFLICT_FIELD and value is not None and not isinstance(value, dict):
            raise ServiceError(500, "bug", "a whole-row conflict holds a non-row value")
        seq = tables.stream_last(connection)
        rows = _load_rows(connection, [c.row_id])
        row = rows.get((c.table_name, c.row_id))
        team = access.case_team(connection, c.case_id)
        stream_rows: list[dict[str, Any]] = []

        def emit(op: str, fields: dict[str, Any]) -> None:
            nonlocal seq
            seq += 1
            assert row is not None
            stream_rows.append(
                {
                    "seq": seq,
                    "kind": "change",
                    "case_id": row.case_id,
                    "table_name": row.table,
                    "row_id": row.row_id,
                    "op": op,
                    "fields": fields,
                    "version": row.version,
                    "origin_device_id": None,
                    "origin_counter": None,
                    "conflict_id": None,
                    "created_at": utcnow(),
                    "team": team,
                }
            )

        if row is not None:
            if c.field == ROW_CONFLICT_FIELD:
                row.version += 1
                row.dirty = True
                if value is None:
                    row.deleted = True
                    emit("delete", {})
                else:
                    assert isinstance(value, dict)
                    row.deleted = False
                    for name, item in value.items():
                        if name not in SERVER_OWNED_FIELDS:
                            row.fields[name] = item
                    row.field_versions = {name: [row.version, None] for name in row.fields}
                    emit("insert", dict(row.fields))
            elif not row.deleted:
                row.version += 1
                row.dirty = True
                row.fields[c.field] = value
                row.field_versions[c.field] = [row.version, None]
                emit("update", {c.field: value})
            blind.write_update(connection, _index_update(key, [row]))
            _save_rows(connection, [row])
        seq += 1
        now = utcnow()
        connection.execute(
            tables.conflict.update()
            .where(tables.conflict.c.id == conflict_id)
            .values(
                status="resolved",
                seq=seq,
                resolution=request.choice,
                resolved_value=value,
                resolved_by_device_id=context.device_id,
                resolved_at=now,
            )
        )
        stream_rows.append(_conflict_stream_row(seq, c.id, c.case_id, c.table_name, c.row_id, team))
        connection.execute(tables.stream.insert(), stream_rows)
        tables.set_stream_last(connection, seq)
        resolved = connection.execute(
            sa.select(tables.conflict).where(tables.conflict.c.id == conflict_id)
        ).one()
        return _conflict_out(resolved, context.device_id, seq)
