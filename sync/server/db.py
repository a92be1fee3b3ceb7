"""The central store: its tables (SQLAlchemy Core) and how to open it on SQLite or PostgreSQL.

Concurrency rule: every write transaction (push, conflict resolution) first locks the single row
of `stream_counter` (`SELECT ... FOR UPDATE` on PostgreSQL, `BEGIN IMMEDIATE` on SQLite). Writers
are therefore serialised and commit in the order they took stream numbers, so a reader that sees
the counter at N also sees every change numbered <= N: `WHERE seq > cursor` can never skip a row.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
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

stream_counter = sa.Table(
    "stream_counter",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("value", sa.BigInteger(), nullable=False),
)

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


@dataclass(frozen=True)
class Database:
    """Two views of one database: `writer` transactions are serialised (see module docstring)."""

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
        """`write()`, with the stream head read as the lock is taken (one query for both)."""
        with self.writer.begin() as connection:
            query = sa.select(stream_counter.c.value).where(stream_counter.c.id == 1)
            if not self.is_sqlite:  # SQLite's BEGIN IMMEDIATE already holds the lock
                query = query.with_for_update()
            yield connection, int(connection.execute(query).scalar_one())

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
    engine = sa.create_engine(
        url, pool_size=10, max_overflow=20, pool_pre_ping=True, hide_parameters=True
    )
    return Database(reader=engine, writer=engine)
