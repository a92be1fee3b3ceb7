"""A small but real `LocalReplica`: an SQLite file with rows, an outbox, a cursor and conflicts.

It stands in for the laptop's encrypted store in the sync tests and the benchmark, and shows how
the store must implement the interface (see `sync.client.LocalReplica`): every write of a row also
appends an outbox record and an audit event in the same transaction; `apply_pulled` applies a page
and moves the cursor in one transaction. test_replica_contract.py runs one suite of the interface's
promises against this replica and the store's `StoreReplica` alike, so the two cannot drift apart.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sync import schema
from sync.client import ApplySummary, SyncResult, SyncSettings
from sync.protocol import (
    CASE_TABLE,
    MAX_AUDIT_LINKS,
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
from sync.replica_contract import SnapshotCursor

APPEND_ONLY = schema.APPEND_ONLY_TABLES
#: A value of each kind, for the required fields a test does not name (the service checks every
#: insert against the sync schema, as it does a real laptop's).
_SAMPLE = {
    schema.TEXT: "x",
    schema.INT: 1,
    schema.FLOAT: 0.5,
    schema.BOOL: False,
    schema.DATE: "2026-01-05",
    schema.DATETIME: "2026-01-05T10:00:00+00:00",
    schema.OBJECT: {},
    schema.LIST: [],
}


def complete_row(table: str, fields: dict[str, Any]) -> dict[str, Any]:
    """`fields` with every required field of `table` the test left out given a sample value."""
    spec = schema.TABLES.get(table)
    if spec is None:
        return fields
    missing = {
        name: str(uuid.uuid4()) if f.kind == schema.ID else _SAMPLE[f.kind]
        for name, f in spec.fields.items()
        if f.required and name not in fields
    }
    return {**fields, **missing}


GENESIS = "0" * 64

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rows (
    table_name TEXT NOT NULL, row_id TEXT NOT NULL, case_id TEXT NOT NULL,
    fields TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 0, deleted INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (table_name, row_id));
CREATE TABLE IF NOT EXISTS outbox (
    counter INTEGER PRIMARY KEY, table_name TEXT NOT NULL, row_id TEXT NOT NULL,
    case_id TEXT NOT NULL, op TEXT NOT NULL, fields TEXT NOT NULL, base_version INTEGER,
    append_only INTEGER NOT NULL, pushed INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (pushed, table_name, row_id);
CREATE TABLE IF NOT EXISTS conflicts (
    id TEXT PRIMARY KEY, table_name TEXT NOT NULL, row_id TEXT NOT NULL, field TEXT NOT NULL,
    mine TEXT, theirs TEXT, status TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS refused (counter INTEGER PRIMARY KEY, reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY, hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pull_log (seq INTEGER PRIMARY KEY, table_name TEXT, row_id TEXT);
"""


class TestReplica:
    """A laptop store for tests. Thread-safe (one lock); each method is one transaction."""

    __test__ = False  # not a pytest test class

    def __init__(self, path: Path, device_id: str | None = None) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        with self._tx() as db:
            if self._meta(db, "device_id") is None:
                self._set_meta(db, "device_id", device_id or str(uuid.uuid4()))
        #: a hook for fault tests: called with each page before it is applied (may raise)
        self.before_apply: Any = None
        #: called inside `apply_snapshot`'s transaction with the page (tests inject faults)
        self.before_snapshot: Any = None

    def close(self) -> None:
        self._db.close()

    # -- plumbing --------------------------------------------------------------------------

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @staticmethod
    def _meta(db: sqlite3.Connection, key: str) -> str | None:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    @staticmethod
    def _set_meta(db: sqlite3.Connection, key: str, value: str) -> None:
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def _audit(self, db: sqlite3.Connection, what: dict[str, Any]) -> None:
        last = db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (last[0], last[1]) if last else (0, GENESIS)
        digest = hashlib.sha256((prev + json.dumps(what, sort_keys=True)).encode()).hexdigest()
        db.execute("INSERT INTO audit (seq, hash) VALUES (?, ?)", (seq + 1, digest))

    def _record(
        self,
        db: sqlite3.Connection,
        table: str,
        row_id: str,
        case_id: str,
        op: str,
        fields: dict[str, Any],
        base_version: int | None,
    ) -> None:
        counter = int(self._meta(db, "counter") or 0) + 1
        self._set_meta(db, "counter", str(counter))
        db.execute(
            "INSERT INTO outbox (counter, table_name, row_id, case_id, op, fields, base_version,"
            " append_only) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                counter,
                table,
                row_id,
                case_id,
                op,
                json.dumps(fields),
                base_version,
                int(table in APPEND_ONLY),
            ),
        )
        self._audit(db, {"op": op, "table": table, "row_id": row_id, "fields": sorted(fields)})

    # -- the officer's writes (each: row + outbox record + audit event, one transaction) ------

    def new_case(self, team: str, **fields: Any) -> str:
        case_id = str(uuid.uuid4())
        self.insert(CASE_TABLE, {"team": team, "summary": "", **fields}, row_id=case_id)
        return case_id

    def insert(
        self,
        table: str,
        fields: dict[str, Any],
        *,
        case_id: str | None = None,
        row_id: str | None = None,
    ) -> str:
        row_id = row_id or str(uuid.uuid4())
        case_id = row_id if table == CASE_TABLE else case_id
        assert case_id, "a row must belong to a case"
        own = {} if table == CASE_TABLE else {"case_id": case_id}
        full = complete_row(table, {"id": row_id, **own, **fields})
        with self._tx() as db:
            db.execute(
                "INSERT INTO rows (table_name, row_id, case_id, fields) VALUES (?, ?, ?, ?)",
                (table, row_id, case_id, json.dumps(full)),
            )
            self._record(db, table, row_id, case_id, "insert", full, None)
        return row_id

    def insert_many(self, rows: Sequence[tuple[str, str, dict[str, Any]]]) -> list[str]:
        """Many inserts (table, case_id, fields) in one transaction (for the benchmark)."""
        ids = []
        with self._tx() as db:
            for table, case_id, fields in rows:
                row_id = str(uuid.uuid4())
                full = complete_row(table, {"id": row_id, "case_id": case_id, **fields})
                db.execute(
                    "INSERT INTO rows (table_name, row_id, case_id, fields) VALUES (?, ?, ?, ?)",
                    (table, row_id, case_id, json.dumps(full)),
                )
                self._record(db, table, row_id, case_id, "insert", full, None)
                ids.append(row_id)
        return ids

    def update(self, table: str, row_id: str, changes: dict[str, Any]) -> None:
        with self._tx() as db:
            case_id, fields, version = self._row(db, table, row_id)
            written = {k: v for k, v in changes.items() if fields.get(k) != v}
            if not written:
                return
            fields.update(written)
            db.execute(
                "UPDATE rows SET fields = ? WHERE table_name = ? AND row_id = ?",
                (json.dumps(fields), table, row_id),
            )
            self._record(db, table, row_id, case_id, "update", written, version)

    def delete(self, table: str, row_id: str) -> None:
        with self._tx() as db:
            case_id, _fields, version = self._row(db, table, row_id)
            db.execute(
                "UPDATE rows SET deleted = 1 WHERE table_name = ? AND row_id = ?", (table, row_id)
            )
            self._record(
                db, table, row_id, case_id, "delete", {},
                None if table in APPEND_ONLY else version,
            )  # fmt: skip

    def _row(
        self, db: sqlite3.Connection, table: str, row_id: str
    ) -> tuple[str, dict[str, Any], int]:
        row = db.execute(
            "SELECT case_id, fields, version FROM rows WHERE table_name = ? AND row_id = ?"
            " AND deleted = 0",
            (table, row_id),
        ).fetchone()
        if row is None:
            raise KeyError(f"no {table} row {row_id}")
        return row[0], json.loads(row[1]), int(row[2])

    def rewrite_audit_chain(self) -> None:
        """What a tampering user might do: drop the last audit event."""
        with self._tx() as db:
            db.execute("DELETE FROM audit WHERE seq = (SELECT MAX(seq) FROM audit)")

    # -- reads for assertions ----------------------------------------------------------------

    def get(self, table: str, row_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT fields FROM rows WHERE table_name = ? AND row_id = ? AND deleted = 0",
                (table, row_id),
            ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def version(self, table: str, row_id: str) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT version FROM rows WHERE table_name = ? AND row_id = ?", (table, row_id)
            ).fetchone()
        return int(row[0]) if row else 0

    def snapshot(self) -> dict[tuple[str, str], dict[str, Any]]:
        """Every live row: (table, row_id) -> fields."""
        with self._lock:
            rows = self._db.execute(
                "SELECT table_name, row_id, fields FROM rows WHERE deleted = 0"
            ).fetchall()
        return {(t, r): json.loads(f) for t, r, f in rows}

    def open_conflicts(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, table_name, row_id, field, mine, theirs FROM conflicts"
                " WHERE status = 'open' ORDER BY id"
            ).fetchall()
        return [
            {
                "id": r[0],
                "table": r[1],
                "row_id": r[2],
                "field": r[3],
                "mine": json.loads(r[4]),
                "theirs": json.loads(r[5]),
            }
            for r in rows
        ]

    def refused_changes(self) -> dict[int, str]:
        with self._lock:
            return dict(self._db.execute("SELECT counter, reason FROM refused").fetchall())

    def pending_count(self) -> int:
        with self._lock:
            return int(
                self._db.execute("SELECT COUNT(*) FROM outbox WHERE pushed = 0").fetchone()[0]
            )

    def outbox_size(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])

    def pull_log(self) -> list[tuple[int, str, str]]:
        with self._lock:
            return [
                (int(s), str(t), str(r))
                for s, t, r in self._db.execute(
                    "SELECT seq, table_name, row_id FROM pull_log ORDER BY seq"
                ).fetchall()
            ]

    def last_result(self) -> dict[str, Any] | None:
        with self._lock:
            raw = self._meta(self._db, "last_result")
        return None if raw is None else dict(json.loads(raw))

    # -- LocalReplica ------------------------------------------------------------------------

    def device_id(self) -> str:
        with self._lock:
            value = self._meta(self._db, "device_id")
        assert value is not None
        return value

    def last_counter(self) -> int:
        with self._lock:
            return int(self._meta(self._db, "counter") or 0)

    def pushed_up_to(self) -> int:
        with self._lock:
            waiting = self._db.execute(
                "SELECT MIN(counter) FROM outbox WHERE pushed = 0"
            ).fetchone()[0]
            counter = int(self._meta(self._db, "counter") or 0)
        return counter if waiting is None else int(waiting) - 1

    def outbox(self, after_counter: int, limit: int) -> list[ChangeOut]:
        with self._lock:
            rows = self._db.execute(
                "SELECT counter, table_name, row_id, case_id, op, fields, base_version, append_only"
                " FROM outbox WHERE counter > ? ORDER BY counter LIMIT ?",
                (after_counter, limit),
            ).fetchall()
        return [
            ChangeOut(
                device_counter=r[0],
                table=r[1],
                row_id=r[2],
                case_id=r[3],
                op=r[4],
                fields=json.loads(r[5]),
                base_version=r[6],
                append_only=bool(r[7]),
            )
            for r in rows
        ]

    def mark_pushed(
        self,
        up_to_counter: int,
        versions: Sequence[RowVersion],
        refused: Sequence[RefusedChange],
    ) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE outbox SET pushed = 1 WHERE counter <= ? AND pushed = 0", (up_to_counter,)
            )
            db.executemany(
                "UPDATE rows SET version = ? WHERE table_name = ? AND row_id = ? AND version < ?",
                [(v.version, v.table, v.row_id, v.version) for v in versions],
            )
            db.executemany(
                "INSERT OR REPLACE INTO refused (counter, reason) VALUES (?, ?)",
                [(r.device_counter, r.reason) for r in refused],
            )

    def pull_cursor(self) -> int:
        with self._lock:
            return int(self._meta(self._db, "cursor") or 0)

    def apply_pulled(self, page: PullPage) -> ApplySummary:
        me = self.device_id()
        applied = echoes = opened = resolved = 0
        with self._tx() as db:
            if self.before_apply is not None:
                self.before_apply(page)
            pending, pending_delete = self._pending(db)
            cursor = int(self._meta(db, "cursor") or 0)
            for change in page.changes:
                key = (change.table, change.row_id)
                if page.after < change.seq <= cursor:
                    continue  # a page this replica applied before, given again: idempotent
                # A plain INSERT: a change the service sends again after the cursor it was asked
                # for (a service bug the sync tests look for) fails the whole page loudly.
                db.execute(
                    "INSERT INTO pull_log (seq, table_name, row_id) VALUES (?, ?, ?)",
                    (change.seq, *key),
                )
                outcome = self._apply_one(db, change, me, pending, pending_delete)
                echoes += outcome == "echo"
                applied += outcome == "applied"
            for conflict in page.conflicts:
                opened += conflict.status == "open"
                resolved += conflict.status != "open"
                self._store_conflict(db, conflict)
            self._set_meta(db, "cursor", str(page.next_cursor))
        return ApplySummary(
            applied=applied, skipped_echoes=echoes, conflicts_opened=opened,
            conflicts_resolved=resolved,
        )  # fmt: skip

    def snapshot_cursor(self) -> SnapshotCursor | None:
        with self._lock:
            raw = self._meta(self._db, "snapshot")
        if raw is None:
            return None
        kept = json.loads(raw)
        return SnapshotCursor(int(kept["head"]), kept["after_case"])

    def apply_snapshot(self, page: SnapshotPage) -> ApplySummary:
        me = self.device_id()
        applied = 0
        with self._tx() as db:
            if self.before_snapshot is not None:
                self.before_snapshot(page)
            pending, pending_delete = self._pending(db)
            for change in page.changes():
                applied += self._apply_one(db, change, me, pending, pending_delete) == "applied"
            for conflict in page.conflicts:
                self._store_conflict(db, conflict)
            if page.more:
                kept = {"head": page.head, "after_case": page.next_case}
                self._set_meta(db, "snapshot", json.dumps(kept))
            else:
                db.execute("DELETE FROM meta WHERE key = 'snapshot'")
                self._set_meta(db, "cursor", str(page.head))
        return ApplySummary(applied=applied, conflicts_opened=len(page.conflicts))

    @staticmethod
    def _pending(
        db: sqlite3.Connection,
    ) -> tuple[dict[tuple[str, str], set[str]], set[tuple[str, str]]]:
        pending: dict[tuple[str, str], set[str]] = {}
        pending_delete: set[tuple[str, str]] = set()
        for table, row_id, op, fields in db.execute(
            "SELECT table_name, row_id, op, fields FROM outbox WHERE pushed = 0"
        ):
            key = (table, row_id)
            if op == "delete":
                pending_delete.add(key)
            pending.setdefault(key, set()).update(json.loads(fields))
        return pending, pending_delete

    @staticmethod
    def _apply_one(
        db: sqlite3.Connection,
        change: ServerChange,
        me: str,
        pending: dict[tuple[str, str], set[str]],
        pending_delete: set[tuple[str, str]],
    ) -> str:
        """Apply one pulled change: "echo", "skipped" or "applied"."""
        key = (change.table, change.row_id)
        current = db.execute(
            "SELECT fields, version, deleted FROM rows WHERE table_name = ? AND row_id = ?",
            key,
        ).fetchone()
        if change.origin_device_id == me:
            db.execute(
                "UPDATE rows SET version = MAX(version, ?) WHERE table_name = ? AND row_id = ?",
                (change.version, *key),
            )
            return "echo"
        if current is not None and int(current[1]) >= change.version:
            return "skipped"  # already applied (a page pulled twice, or a pushed version)
        if current is None and change.op != "insert":
            return "skipped"  # a row not held here: it arrives whole (case shared later)
        local = json.loads(current[0]) if current else {}
        keep = {k: local[k] for k in pending.get(key, set()) if k in local}
        if change.op == "insert":
            fields = {**change.fields, **keep}
        elif change.op == "update":
            fields = {**local, **change.fields, **keep}
        else:
            fields = local
        deleted = change.op == "delete" or key in pending_delete
        db.execute(
            "INSERT INTO rows (table_name, row_id, case_id, fields, version, deleted)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (table_name, row_id) DO UPDATE SET"
            " fields = excluded.fields, version = excluded.version,"
            " deleted = excluded.deleted",
            (*key, change.case_id, json.dumps(fields), change.version, int(deleted)),
        )
        return "applied"

    @staticmethod
    def _store_conflict(db: sqlite3.Connection, conflict: ConflictOut) -> None:
        db.execute(
            "INSERT OR REPLACE INTO conflicts (id, table_name, row_id, field, mine,"
            " theirs, status) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                conflict.id,
                conflict.table,
                conflict.row_id,
                conflict.field,
                json.dumps(conflict.mine),
                json.dumps(conflict.theirs),
                conflict.status,
            ),
        )

    def audit_head(self) -> AuditHead:
        """The head, with the links after the acknowledged anchor (the previous event's hash is
        each link's `prev_hash`: this chain keeps no column for it)."""
        with self._lock:
            rows = self._db.execute("SELECT seq, hash FROM audit ORDER BY seq").fetchall()
            anchor = self._meta(self._db, "audit_anchor")
        if not rows:
            return AuditHead(count=0, hash=GENESIS)
        after = int(anchor.split(":")[0]) if anchor else 0
        links: list[AuditLink] = []
        prev = GENESIS
        for seq, digest in rows:
            if seq > after and len(links) < MAX_AUDIT_LINKS:
                links.append(AuditLink(seq=seq, prev_hash=prev, hash=digest))
            prev = digest
        return AuditHead(count=rows[-1][0], hash=rows[-1][1], links=links)

    def acknowledge_audit_anchor(self, anchor: AuditHead) -> None:
        with self._tx() as db:
            self._set_meta(db, "audit_anchor", f"{anchor.count}:{anchor.hash}")

    def sync_settings(self) -> SyncSettings | None:
        with self._lock:
            raw = self._meta(self._db, "sync_settings")
        return None if raw is None else SyncSettings(**json.loads(raw))

    def save_sync_settings(self, settings: SyncSettings) -> None:
        with self._tx() as db:
            self._set_meta(db, "sync_settings", json.dumps(asdict(settings)))

    def record_sync_result(self, result: SyncResult) -> None:
        summary = {
            "ok": result.ok,
            "pushed": result.pushed,
            "pulled": result.pulled,
            "refused": len(result.refused),
            "warnings": list(result.warnings),
            "error": result.error,
        }
        with self._tx() as db:
            self._set_meta(db, "last_result", json.dumps(summary))
