"""The central store: its tables (SQLAlchemy Core) and how to open it on SQLite or PostgreSQL.

Concurrency rule, SQLite (one office, one process): every write transaction takes the database's
write lock first (`BEGIN IMMEDIATE`) and numbers the stream from `stream_counter`, so writers commit
in the order of their numbers and `WHERE seq > cursor` can never skip a row.

PostgreSQL (many devices, several instances): stream numbers come from the sequence `stream_seq`
(migration 0009; `stream_counter` is no longer used there), and pushes commit in parallel, so
numbers can commit out of order. A reader is therefore served only up to the *safe head*
(`stream_head`): the sequence's last value S read first, and below the smallest in-flight mark
read after it. A writer, before it takes numbers, holds a shared advisory lock keyed by the
sequence's last value L as it read it (`take_numbers`): every number it gets is above L, so
every number of a transaction still open when the reader looks is above the smallest mark, and
a writer that marks itself after the reader looked gets numbers above S. Rare writes that
rewrite much (resolution, transfer, repair, accounts) still exclude everything else: they hold
the global advisory lock exclusively (`write`), pushes hold it shared (`write_parallel`); pushes
exclude each other only on the cases they touch (`case_lock_key`, locked in sorted order).
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from platformdirs import user_data_dir

metadata = sa.MetaData()

officer = sa.Table(
    "officer",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("team", sa.String(200), nullable=False),
    sa.Column("agency", sa.String(200), nullable=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
)

enrolment_token = sa.Table(
    "enrolment_token",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("officer_id", sa.String(36), sa.ForeignKey("officer.id"), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("expires_at", sa.DateTime(), nullable=False),
    sa.Column("used_at", sa.DateTime(), nullable=True),
)

device = sa.Table(
    "device",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("officer_id", sa.String(36), sa.ForeignKey("officer.id"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("last_seen_at", sa.DateTime(), nullable=True),
    sa.Column("revoked_at", sa.DateTime(), nullable=True),
    sa.Column("applied_counter", sa.BigInteger(), nullable=False, server_default="0"),
    # The device's case-reference series number (unique: see protocol.EnrolReply.series).
    sa.Column("series", sa.Integer(), nullable=True),
    sa.Column("audit_count", sa.BigInteger(), nullable=True),
    sa.Column("audit_hash", sa.String(64), nullable=True),
    sa.Column("audit_flag", sa.Text(), nullable=True),
    sa.Column("audit_flagged_at", sa.DateTime(), nullable=True),
    sa.Index("ix_device_series", "series", unique=True),
)

# The last stream number taken, on SQLite; PostgreSQL numbers from `stream_seq` (migration 0009)
# and leaves this row as the migration found it.
stream_counter = sa.Table(
    "stream_counter",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("value", sa.BigInteger(), nullable=False),
)

# PostgreSQL's stream numbers (migration 0009; see the module docstring). SQLite has no sequences
# (SQLAlchemy skips this there) and keeps `stream_counter`.
stream_seq = sa.Sequence("stream_seq", metadata=metadata, minvalue=0, start=1)

# The current state of every row the service holds (deleted rows are kept, flagged, so a late
# edit of a deleted row is a conflict rather than a resurrection).
row_state = sa.Table(
    "row_state",
    metadata,
    sa.Column("table_name", sa.String(40), primary_key=True),
    sa.Column("row_id", sa.String(36), primary_key=True),
    sa.Column("case_id", sa.String(36), nullable=False, index=True),
    sa.Column("version", sa.BigInteger(), nullable=False),
    sa.Column("fields", sa.JSON(), nullable=False),
    # {field: [version that last wrote it, device id that wrote it or null for the server]}
    sa.Column("field_versions", sa.JSON(), nullable=False),
    sa.Column("append_only", sa.Boolean(), nullable=False),
    sa.Column("deleted", sa.Boolean(), nullable=False),
    sa.Column("created_seq", sa.BigInteger(), nullable=False),
)

# The change stream devices pull from: changes applied, and conflict events (kind "conflict").
stream = sa.Table(
    "stream",
    metadata,
    sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("case_id", sa.String(36), nullable=False),
    sa.Column("table_name", sa.String(40), nullable=False),
    sa.Column("row_id", sa.String(36), nullable=False),
    sa.Column("op", sa.String(10), nullable=False),
    sa.Column("fields", sa.JSON(), nullable=False),
    sa.Column("version", sa.BigInteger(), nullable=False),
    sa.Column("origin_device_id", sa.String(36), nullable=True),
    sa.Column("origin_counter", sa.BigInteger(), nullable=True),
    sa.Column("conflict_id", sa.String(36), nullable=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    # The team that owns the entry's case (its case_access team), kept current: a transfer
    # relabels the case's entries. A pull page reads its team's part as one range of
    # `ix_stream_team_seq`, a plan no missing statistics can spoil (migration 0008).
    sa.Column("team", sa.String(200), nullable=True),
    # The cases shared with an agency are read case by case (migration 0006).
    sa.Index("ix_stream_case_seq", "case_id", "seq"),
    sa.Index("ix_stream_team_seq", "team", "seq"),
)

# Who may see a case: its team, and the agencies it was shared with under a legal basis.
case_access = sa.Table(
    "case_access",
    metadata,
    sa.Column("case_id", sa.String(36), primary_key=True),
    sa.Column("team", sa.String(200), nullable=False, index=True),
)

case_share = sa.Table(
    "case_share",
    metadata,
    sa.Column("share_row_id", sa.String(36), primary_key=True),
    sa.Column("case_id", sa.String(36), nullable=False, index=True),
    sa.Column("agency", sa.String(200), nullable=False, index=True),
    # the share reaches the agency's laptops with the case's evidence files (migration 0007)
    sa.Column("includes_files", sa.Boolean(), nullable=False, server_default=sa.false()),
)

conflict = sa.Table(
    "conflict",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("seq", sa.BigInteger(), nullable=False),
    sa.Column("table_name", sa.String(40), nullable=False),
    sa.Column("row_id", sa.String(36), nullable=False),
    sa.Column("case_id", sa.String(36), nullable=False, index=True),
    sa.Column("field", sa.String(64), nullable=False),
    sa.Column("server_value", sa.JSON(), nullable=True),
    sa.Column("device_value", sa.JSON(), nullable=True),
    sa.Column("device_id", sa.String(36), nullable=False),
    sa.Column("server_device_id", sa.String(36), nullable=True),
    sa.Column("base_version", sa.BigInteger(), nullable=True),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("resolution", sa.String(10), nullable=True),
    sa.Column("resolved_value", sa.JSON(), nullable=True),
    sa.Column("resolved_by_device_id", sa.String(36), nullable=True),
    sa.Column("resolved_at", sa.DateTime(), nullable=True),
)

# Changes the server will never apply, kept so nothing a device sent is dropped silently.
refused_change = sa.Table(
    "refused_change",
    metadata,
    sa.Column("device_id", sa.String(36), primary_key=True),
    sa.Column("device_counter", sa.BigInteger(), primary_key=True, autoincrement=False),
    sa.Column("table_name", sa.String(40), nullable=False),
    sa.Column("row_id", sa.String(36), nullable=False),
    sa.Column("case_id", sa.String(36), nullable=False),
    sa.Column("op", sa.String(10), nullable=False),
    sa.Column("fields", sa.JSON(), nullable=False),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
)

# What administrators did on the service (a poisoned row removed, a case transferred, a flag
# cleared): who, when, why; ids, names and reasons only (migration 0003; see `admin_log`).
admin_action = sa.Table(
    "admin_action",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("table_name", sa.String(40), nullable=True),
    sa.Column("row_id", sa.String(36), nullable=True),
    sa.Column("case_id", sa.String(36), nullable=True),
    sa.Column("device_id", sa.String(36), nullable=True),
    sa.Column("reason", sa.Text(), nullable=True),
    sa.Column("details", sa.JSON(), nullable=False),
)

# Every audit-chain flag raised on a device, and how an administrator cleared it (with a reason).
audit_flag = sa.Table(
    "audit_flag",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("device_id", sa.String(36), sa.ForeignKey("device.id"), nullable=False),
    sa.Column("flagged_at", sa.DateTime(), nullable=False),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.Column("anchored_count", sa.BigInteger(), nullable=True),
    sa.Column("reported_count", sa.BigInteger(), nullable=False),
    sa.Column("cleared_at", sa.DateTime(), nullable=True),
    sa.Column("cleared_by", sa.String(200), nullable=True),
    sa.Column("cleared_reason", sa.Text(), nullable=True),
    sa.Index("ix_audit_flag_device", "device_id"),
)

# A case some officers may no longer see (share withdrawn, case transferred): their laptops drop
# it at their next pull. `seq` is taken from the stream counter, so it orders with the stream.
purge_notice = sa.Table(
    "purge_notice",
    metadata,
    sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
    sa.Column("case_id", sa.String(36), nullable=False),
    sa.Column("team", sa.String(200), nullable=True),
    sa.Column("agency", sa.String(200), nullable=True),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
)

# The blind index (migration 0005; see `blind`): keyed digests of the people and addresses of
# every case, with the row, its case and the kind of digest, and nothing else.
blind_index = sa.Table(
    "blind_index",
    metadata,
    sa.Column("table_name", sa.String(40), primary_key=True),
    sa.Column("row_id", sa.String(36), primary_key=True),
    sa.Column("kind", sa.String(10), primary_key=True),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("case_id", sa.String(36), nullable=False),
    sa.Index("ix_blind_index_digest", "digest"),
    sa.Index("ix_blind_index_case", "case_id"),
)

# Secrets the service keeps for itself (migration 0005): the blind index key when none is
# configured, and the check value of the key the index was built under. Never sent or printed.
service_secret = sa.Table(
    "service_secret",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("value", sa.Text(), nullable=False),
)


# Evidence files (migration 0007; see `evidence_files`): the sealed chunks laptops upload, by blob
# (a file's SHA-256 and the fingerprint of the key that sealed it). The service never opens them.
evidence_blob = sa.Table(
    "evidence_blob",
    metadata,
    sa.Column("blob_id", sa.String(81), primary_key=True),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("keyfp", sa.String(16), nullable=False),
    sa.Column("size", sa.BigInteger(), nullable=False),
    sa.Column("chunk_count", sa.Integer(), nullable=False),
    sa.Column("complete", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.DateTime(), nullable=False),
)

# Which evidence item names which blob (row id, case, SHA-256, key fingerprint): written with the
# item's push, so a blob's items are found by index rather than by reading every item's fields.
evidence_name = sa.Table(
    "evidence_name",
    metadata,
    sa.Column("row_id", sa.String(36), primary_key=True),
    sa.Column("case_id", sa.String(36), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("keyfp", sa.String(16), nullable=False),
    sa.Index("ix_evidence_name_sha256", "sha256"),
)

evidence_chunk = sa.Table(
    "evidence_chunk",
    metadata,
    sa.Column("blob_id", sa.String(81), primary_key=True),
    sa.Column("n", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("sealed", sa.LargeBinary(), nullable=False),
    sa.Column("size", sa.Integer(), nullable=False),
)


def data_dir() -> Path:
    override = os.environ.get("ASB_SERVER_DATA_DIR")
    return Path(override) if override else Path(user_data_dir("asb-sync-server"))


def default_db_url() -> str:
    return f"sqlite:///{data_dir() / 'central.sqlite3'}"


def normalise_url(url: str) -> str:
    """`postgresql://` means psycopg 3 here (the only PostgreSQL driver installed)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# Advisory lock keys (PostgreSQL). The two-int form `(class, key)` for the global lock and the
# case locks; the one-bigint form (pg_locks.objsubid = 1) only for in-flight marks, whose key is
# a stream position (a bigint, so no wrap-around; the two-int form would end at 2**31).
GLOBAL_LOCK_CLASS = 0x41534200  # "ASB\0"
CASE_LOCK_CLASS = 0x41534201
#: a push naming more cases than this takes the global lock exclusively instead (each advisory
#: lock takes a slot of the shared lock table, which max_locks_per_transaction bounds)
MAX_CASE_LOCKS = 64

_SEQ_LAST = sa.text(
    "SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM stream_seq"
)
_MARK = sa.text(
    "SELECT pg_advisory_xact_lock_shared(CASE WHEN is_called THEN last_value ELSE last_value - 1 "
    "END), CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM stream_seq"
)
_OLDEST_MARK = sa.text(
    "SELECT min((classid::bigint << 32) | objid::bigint) FROM pg_locks "
    "WHERE locktype = 'advisory' AND objsubid = 1 "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)
_CASE_LOCKS = sa.text(
    "SELECT pg_advisory_xact_lock(:c, k) FROM unnest(CAST(:keys AS integer[])) AS k"
)
_NEXT = sa.text("SELECT nextval('stream_seq') FROM generate_series(1, :n)")


def case_lock_key(case_id: str) -> int:
    """The case's lock (a signed 32-bit hash: two cases may share one, which only serialises)."""
    value = zlib.crc32(case_id.encode())
    return value - (1 << 32) if value >= 1 << 31 else value


def _postgres(connection: sa.Connection) -> bool:
    return connection.dialect.name == "postgresql"


def stream_head(connection: sa.Connection) -> int:
    """The safe head: every change numbered up to it is committed and visible to the statements
    that follow (READ COMMITTED: each takes a new snapshot). See the module docstring."""
    if not _postgres(connection):
        return int(
            connection.execute(
                sa.select(stream_counter.c.value).where(stream_counter.c.id == 1)
            ).scalar_one()
        )
    last = int(connection.execute(_SEQ_LAST).scalar_one())  # first
    oldest = connection.execute(_OLDEST_MARK).scalar_one()  # then the marks still held
    return last if oldest is None else min(last, int(oldest))


def stream_last(connection: sa.Connection) -> int:
    """The last stream number taken. Under `write` (nobody else takes numbers) it is the head."""
    if not _postgres(connection):
        return stream_head(connection)
    return int(connection.execute(_SEQ_LAST).scalar_one())


def set_stream_last(connection: sa.Connection, value: int) -> None:
    """Under `write`: the writer counted its numbers on from `stream_last` itself; record the
    last it used (PostgreSQL: the sequence; `write` marked the transaction in flight first)."""
    if _postgres(connection):
        connection.execute(sa.text("SELECT setval('stream_seq', :v)"), {"v": value})
    else:
        connection.execute(
            stream_counter.update().where(stream_counter.c.id == 1).values(value=value)
        )


def take_numbers(connection: sa.Connection, n: int) -> list[int]:
    """Under `write_parallel` (PostgreSQL): mark the transaction in flight at the sequence's last
    value L, then take `n` numbers, each above L, ascending, not necessarily contiguous."""
    connection.execute(_MARK)
    if n <= 0:
        return []
    return sorted(int(v) for v in connection.execute(_NEXT, {"n": n}).scalars())


def _lock(connection: sa.Connection, function: str, key: int) -> None:
    connection.execute(sa.text(f"SELECT {function}(:c, :k)"), {"c": GLOBAL_LOCK_CLASS, "k": key})


@dataclass(frozen=True)
class Database:
    """Two views of one database; how writers exclude each other: see the module docstring."""

    reader: sa.Engine
    writer: sa.Engine

    @property
    def is_sqlite(self) -> bool:
        return self.writer.dialect.name == "sqlite"

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        with self.reader.begin() as connection:
            yield connection

    @contextmanager
    def write(self, *, ordered: bool = True) -> Iterator[sa.Connection]:
        """A write transaction holding the global write lock until it commits. `ordered=False`:
        a transaction that writes nothing to the stream (and locks the rows it updates itself)
        need not wait for it on PostgreSQL."""
        if not ordered:
            with self.writer.begin() as connection:
                yield connection
            return
        with self.write_stream() as (connection, _head):
            yield connection

    @contextmanager
    def write_stream(self) -> Iterator[tuple[sa.Connection, int]]:
        """`write()`, with the last stream number (the head: nobody else takes numbers while it
        runs). The writer numbers on from it and ends with `set_stream_last`. On PostgreSQL the
        transaction is marked in flight at the head first, so no reader passes its numbers
        before it commits."""
        with self.writer.begin() as connection:
            if self.is_sqlite:  # SQLite's BEGIN IMMEDIATE already holds the lock
                yield connection, stream_head(connection)
                return
            _lock(connection, "pg_advisory_xact_lock", 0)
            yield connection, int(connection.execute(_MARK).one()[1])

    @contextmanager
    def write_parallel(self, case_ids: Iterable[str]) -> Iterator[sa.Connection]:
        """PostgreSQL: a push's transaction, alongside other pushes: the global lock shared
        (only `write` waits for it), then the locks of its cases in one order (no deadlock).
        It takes its numbers with `take_numbers`, last."""
        assert not self.is_sqlite, "SQLite serialises its writers (write_stream)"
        with self.writer.begin() as connection:
            _lock(connection, "pg_advisory_xact_lock_shared", 0)
            keys = sorted({case_lock_key(c) for c in case_ids})
            if keys:  # one round trip; unnest yields the keys in the array's (sorted) order
                connection.execute(_CASE_LOCKS, {"c": CASE_LOCK_CLASS, "keys": keys})
            yield connection

    def dispose(self) -> None:
        self.reader.dispose()
        self.writer.dispose()


def _sqlite_engine(url: str, *, immediate: bool) -> sa.Engine:
    engine = sa.create_engine(
        url, connect_args={"check_same_thread": False, "timeout": 60}, hide_parameters=True
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def open_database(url: str) -> Database:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = sa.make_url(url).database
        if path and path != ":memory:":
            from sync.server.hygiene import secure_sqlite_file

            file = Path(path)
            secure_sqlite_file(file, private_folder=file.parent == data_dir())
        return Database(
            reader=_sqlite_engine(url, immediate=False), writer=_sqlite_engine(url, immediate=True)
        )
    # hide_parameters: a failed statement's message never carries the personal data it wrote.
    # The pool keeps as many connections as requests that run at once in the usual crowd (30
    # devices syncing): a connection over `pool_size` is closed when returned, so with 10 kept
    # every request of a 30-device crowd opened ~2 new ones (a PostgreSQL backend forked and
    # authenticated each time). At most 30 in all, as before: three instances then stay within
    # PostgreSQL's default max_connections of 100 with room for its administrators; a request
    # beyond 30 at once waits for a connection (anyio runs up to 40 request threads).
    engine = sa.create_engine(
        url, pool_size=30, max_overflow=0, pool_pre_ping=True, hide_parameters=True
    )
    return Database(reader=engine, writer=engine)
