"""Engines over the SQLCipher database, opened with a raw 256-bit key.

The engine is created as `create_engine("sqlite://", creator=...)` so that the raw key is given
with `PRAGMA key = "x'...'"` before anything else (the `sqlite+pysqlcipher` dialect would derive a
key from a URL password instead). Two engines share the file: writes go through a one-connection
engine that begins `IMMEDIATE`, so the per-device counter and the audit chain are read and extended
under the write lock; reads use a small pool and never wait for a writer (WAL).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool
from sqlcipher3 import dbapi2 as sqlcipher

from asb_tui.store.errors import NotOurDatabase

BUSY_TIMEOUT_MS = 10_000


def _connect(path: Path, hex_key: str) -> Callable[[], Any]:
    def creator() -> Any:
        conn = sqlcipher.connect(str(path), check_same_thread=False, isolation_level=None)
        # SQLCipher writes decryption failures to stderr by default; the app reports them itself.
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{hex_key}'\"")
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA journal_mode = WAL")
        # FULL: a committed diary entry survives a power cut, not only a killed process.
        conn.execute("PRAGMA synchronous = FULL")
        return conn

    return creator


def check_key(path: Path, key: bytes) -> None:
    """Raise NotOurDatabase unless `key` decrypts the database at `path`."""
    conn = sqlcipher.connect(str(path), isolation_level=None)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher.DatabaseError:
        raise NotOurDatabase(
            f"{path} does not open with this store's key: it is not an asb-tui database, "
            "or it is damaged"
        ) from None
    finally:
        conn.close()


def make_engines(path: Path, key: bytes) -> tuple[Engine, Engine]:
    """(read engine, write engine) over the encrypted file."""
    creator = _connect(path, key.hex())
    read = create_engine(
        "sqlite://", creator=creator, module=sqlcipher, poolclass=QueuePool, pool_size=4
    )
    write = create_engine(
        "sqlite://",
        creator=creator,
        module=sqlcipher,
        poolclass=QueuePool,
        pool_size=1,
        max_overflow=0,
        pool_timeout=60,
    )

    @event.listens_for(read, "begin")
    def _begin_read(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")

    @event.listens_for(write, "begin")
    def _begin_write(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return read, write


def rekey(path: Path, old_key: bytes, new_key: bytes) -> None:
    conn = sqlcipher.connect(str(path), isolation_level=None)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{old_key.hex()}'\"")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
    finally:
        conn.close()
