"""Engines over the SQLCipher database, opened with a raw 256-bit key.

The engine is created as `create_engine("sqlite://", creator=...)` so that the raw key is given
with `PRAGMA key = "x'...'"` before anything else (the `sqlite+pysqlcipher` dialect would derive a
key from a URL password instead). Two engines share the file: writes go through a one-connection
engine that begins `IMMEDIATE`, so the per-device counter and the audit chain are read and extended
under the write lock; reads use a small pool and never wait for a writer (WAL).

The key lives in one `DataKey` buffer that the store overwrites when it locks or closes: the
connection creator reads it at each connect and holds no copy of its own (a closure over the hex
text kept the key in memory after lock). The `PRAGMA key` text is run with `executescript`, which
bypasses the driver's statement cache, so no cached statement keeps the key either.

Damage is told apart from a wrong key: SQLCipher says "file is not a database" when the key does
not fit, and "database disk image is malformed" when pages that the key opens do not verify.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.pool import QueuePool
from sqlcipher3 import dbapi2 as sqlcipher

from asb_tui.store.core import write_gate
from asb_tui.store.core.disk_space import free_bytes, human_size
from asb_tui.store.core.errors import (
    DiskFull,
    NotOurDatabase,
    RekeyFailed,
    StoreBusy,
    StoreDamaged,
    StoreError,
    StoreLocked,
)

BUSY_TIMEOUT_MS = 10_000
# SQLCipher 4's default page size; the store never changes it, so the file is whole pages.
PAGE_SIZE = 4096
RESTORE_ADVICE = (
    "To recover, restore asb.db and keys.json together from a backup, or move this data "
    "directory aside, create a new store (asb-tui init) and enrol it with a new token from your "
    "administrator (asb-tui enrol, then asb-tui sync) to fetch your cases from the service; "
    "changes made since the last sync are lost"
)
_HMAC_FAILURE = re.compile(r"hmac verification failed for page (\d+)", re.IGNORECASE)
_DAMAGE_TEXT = ("malformed", "not a database", "corrupt")
_FULL_TEXT = ("database or disk is full",)
# Opening needs room for SQLite's shared-memory file (32 KiB) and the start of its log.
OPEN_NEEDS_BYTES = 256 * 1024


class DataKey:
    """The data key in a buffer that `wipe()` overwrites (bytes or str copies could not be)."""

    __slots__ = ("_buffer",)

    def __init__(self, key: bytes | bytearray) -> None:
        if len(key) != 32:
            raise ValueError("a data key is 32 bytes")
        self._buffer = bytearray(key)

    def __bool__(self) -> bool:
        return bool(self._buffer)

    def __repr__(self) -> str:
        return "DataKey(<wiped>)" if not self._buffer else "DataKey(<hidden>)"

    def pragma(self, name: str = "key") -> str:
        """`PRAGMA key = "x'...'"`: a transient string, run once and dropped."""
        if not self._buffer:
            raise StoreLocked("the store is locked")
        return f"PRAGMA {name} = \"x'{self._buffer.hex()}'\";"

    def wipe(self) -> None:
        for i in range(len(self._buffer)):
            self._buffer[i] = 0
        del self._buffer[:]


def _as_data_key(key: bytes | bytearray | DataKey) -> DataKey:
    return key if isinstance(key, DataKey) else DataKey(key)


def _raw_connect(path: Path, key: DataKey, **options: Any) -> Any:
    conn = sqlcipher.connect(str(path), isolation_level=None, **options)
    try:
        # SQLCipher writes decryption failures to stderr by default; the app reports them itself.
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.executescript(key.pragma())
    except BaseException:
        conn.close()
        raise
    return conn


#: SQLite's page cache per connection, in KiB (a negative `cache_size` is KiB)
PAGE_CACHE_KIB = 8_192


def _connect(path: Path, key: DataKey, *, query_only: bool = False) -> Callable[[], Any]:
    def creator() -> Any:
        conn = _raw_connect(path, key, check_same_thread=False)
        if query_only:
            # Reads only: SQLite itself refuses a write on these (the write path is the unit of
            # work, on the write engine).
            conn.execute("PRAGMA query_only = ON")
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA temp_store = MEMORY")
        # Every page read from the file is decrypted; pages kept in SQLite's cache are not. The
        # default 2 MiB cache let a search's newest-first read of diary rows (search.py) decrypt
        # the same pages again within one query (docs/performance.md, "SQLCipher").
        conn.execute(f"PRAGMA cache_size = -{PAGE_CACHE_KIB}")
        conn.execute("PRAGMA journal_mode = WAL")
        # FULL: a committed diary entry survives a power cut, not only a killed process.
        conn.execute("PRAGMA synchronous = FULL")
        return conn

    return creator


@contextmanager
def raw_connection(path: Path, key: bytes | bytearray | DataKey) -> Iterator[Any]:
    """A plain SQLCipher connection (no engine, no pool), closed on leaving."""
    conn = _raw_connect(path, _as_data_key(key))
    try:
        yield conn
    finally:
        conn.close()


# --- recognising damage and a full disk ----------------------------------------------------


_DRIVER_ERRORS: tuple[type[BaseException], ...] = (sqlcipher.Error,)


def _driver_error(exc: BaseException) -> BaseException | None:
    if isinstance(exc, sa_exc.DBAPIError) and isinstance(exc.orig, BaseException):
        return exc.orig
    if isinstance(exc, _DRIVER_ERRORS):
        return exc
    return None


def is_disk_full(exc: BaseException, directory: Path | None = None) -> bool:
    """SQLite's "database or disk is full", or an I/O error on a disk with no room left (on a
    full tmpfs SQLite cannot even map its shared-memory file, and says "disk I/O error")."""
    error = _driver_error(exc)
    if not isinstance(error, sqlcipher.OperationalError):
        return False
    text = str(error).lower()
    if any(full in text for full in _FULL_TEXT):
        return True
    if "i/o error" in text and directory is not None:
        try:
            return free_bytes(directory) < OPEN_NEEDS_BYTES
        except OSError:
            return False
    return False


def is_damage(exc: BaseException) -> bool:
    """An error that means the file is damaged (not a constraint, not a busy or full disk)."""
    error = _driver_error(exc)
    if not isinstance(error, sqlcipher.DatabaseError) or isinstance(
        error, sqlcipher.IntegrityError | sqlcipher.ProgrammingError
    ):
        return False
    return any(text in str(error).lower() for text in _DAMAGE_TEXT)


def disk_full_message(directory: Path, doing: str, needed: int) -> str:
    try:
        free = human_size(free_bytes(directory))
    except OSError:
        free = "no space"
    return (
        f"the disk holding {directory} is full ({free} free): {doing} needs about "
        f"{human_size(needed)} free; free some space and try again (nothing was changed)"
    )


def explain(path: Path, exc: BaseException, key: DataKey | None) -> StoreError | None:
    """The user's error for a failure of the database at `path`: damage (with what the
    integrity checks find, when the key is at hand), a full disk; None for anything else."""
    if is_disk_full(exc, path.parent):
        return DiskFull(
            disk_full_message(path.parent, "saving a change (and SQLite's log)", OPEN_NEEDS_BYTES)
        )
    if is_damage(exc):
        try:
            finding = diagnose(path, key) if key else f"SQLite reports: {_driver_error(exc)}"
        except StoreLocked:
            finding = f"SQLite reports: {_driver_error(exc)}"
        return StoreDamaged(damage_message(path, finding))
    return None


# --- checking a file before and after opening it -------------------------------------------


def damage_message(path: Path, finding: str) -> str:
    return f"the database {path} is damaged: {finding}; nothing was changed. {RESTORE_ADVICE}"


def check_file(path: Path) -> None:
    """Refuse a database file that cannot be whole: empty, or not a whole number of pages.

    SQLCipher would happily write a fresh schema into an empty file beside a good key file,
    hiding that the officer's data is gone.
    """
    size = path.stat().st_size
    wal = path.with_name(path.name + "-wal")
    if size == 0 and not (wal.exists() and wal.stat().st_size > 0):
        raise StoreDamaged(damage_message(path, "the file is empty (0 bytes)"))
    if size % PAGE_SIZE:
        raise StoreDamaged(
            damage_message(
                path,
                f"the file is truncated ({size:,} bytes is not a whole number of "
                f"{PAGE_SIZE:,}-byte pages)",
            )
        )


def diagnose(path: Path, key: bytes | bytearray | DataKey) -> str:
    """What SQLCipher's and SQLite's integrity checks find, as a phrase for a message.

    `cipher_integrity_check` verifies every page's HMAC under the key (a flipped byte shows as
    its page); SQLite's `quick_check` then looks at the structure (a truncated file).
    """
    try:
        with raw_connection(path, key) as conn:
            cipher_rows = [str(row[0]) for row in conn.execute("PRAGMA cipher_integrity_check")]
            try:
                structure = [str(row[0]) for row in conn.execute("PRAGMA quick_check")]
            except sqlcipher.DatabaseError as exc:
                structure = [str(exc)]
    except sqlcipher.DatabaseError as exc:
        return f"it cannot be read ({exc})"
    pages = [int(m.group(1)) for row in cipher_rows if (m := _HMAC_FAILURE.search(row))]
    others = [row for row in cipher_rows if not _HMAC_FAILURE.search(row)]
    findings: list[str] = []
    if pages:
        listed = ", ".join(str(p) for p in pages[:5]) + (", ..." if len(pages) > 5 else "")
        noun = "page fails" if len(pages) == 1 else "pages fail"
        findings.append(f"{len(pages)} {noun} the integrity check (page {listed})")
    findings.extend(others[:2])
    if structure != ["ok"]:
        findings.append(f"SQLite's check reports: {'; '.join(structure[:2])}")
    return "; ".join(findings) if findings else "the integrity checks find nothing wrong"


def integrity_problems(path: Path, key: bytes | bytearray | DataKey) -> str | None:
    """None when every page verifies and the structure is sound, else what was found."""
    try:
        with raw_connection(path, key) as conn:
            if list(conn.execute("PRAGMA cipher_integrity_check")):
                return diagnose(path, key)
            if [row[0] for row in conn.execute("PRAGMA quick_check")] != ["ok"]:
                return diagnose(path, key)
    except sqlcipher.DatabaseError:
        return diagnose(path, key)
    return None


def check_key(path: Path, key: bytes | bytearray | DataKey) -> None:
    """Raise NotOurDatabase unless `key` decrypts the database at `path`; StoreDamaged when it
    does but the file is damaged; DiskFull when there is no room even to open it."""
    check_file(path)
    data_key = _as_data_key(key)
    try:
        with raw_connection(path, data_key) as conn:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher.DatabaseError as exc:
        if "not a database" in str(exc).lower():
            raise NotOurDatabase(
                f"{path} does not open with this store's key: it is not an asb-tui database, "
                "or it is damaged"
            ) from None
        if is_disk_full(exc, path.parent):
            raise DiskFull(
                disk_full_message(path.parent, "opening the store", OPEN_NEEDS_BYTES)
            ) from None
        if is_damage(exc):
            raise StoreDamaged(damage_message(path, diagnose(path, data_key))) from None
        raise StoreError(f"cannot open {path}: {exc}; nothing was changed") from None


def make_engines(path: Path, key: bytes | bytearray | DataKey) -> tuple[Engine, Engine]:
    """(read engine, write engine) over the encrypted file; both read `key` at each connect
    (a DataKey that the caller wipes when it is done; bytes are copied into one). The read
    engine's connections are query-only; the write engine writes only through the write gate
    (write_gate.py), which the unit of work's methods open."""
    data_key = _as_data_key(key)
    read = create_engine(
        "sqlite://",
        creator=_connect(path, data_key, query_only=True),
        module=sqlcipher,
        poolclass=QueuePool,
        pool_size=4,
    )
    write = create_engine(
        "sqlite://",
        creator=_connect(path, data_key),
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

    write_gate.install(write)
    return read, write


# --- rekey ---------------------------------------------------------------------------------


def checkpoint(path: Path, key: bytes | bytearray | DataKey) -> None:
    """Fold the write-ahead log into the database file and empty it."""
    with raw_connection(path, key) as conn:
        busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    if busy:
        raise StoreBusy(
            f"{path} is in use by another program, so its log cannot be folded in: close it "
            "and try again; nothing was changed"
        )


def rekey(path: Path, old_key: bytes | bytearray | DataKey, new_key: bytes | bytearray) -> None:
    """Re-encrypt the database under `new_key` and prove it: every page must verify under the
    new key. SQLCipher's `PRAGMA rekey` reports success even when it failed (a full disk rolls
    it back), so its answer is never trusted.

    RekeyFailed when the database is still whole under the old key (nothing changed);
    StoreDamaged when it opens under neither.
    """
    old = _as_data_key(old_key)
    new = DataKey(new_key)
    try:
        with raw_connection(path, old) as conn:
            conn.executescript(new.pragma("rekey"))
    except sqlcipher.DatabaseError:
        pass  # judged below, by what the file opens with
    try:
        problem = integrity_problems(path, new)
        if problem is None:
            return
        try:
            check_key(path, old)
        except (NotOurDatabase, StoreDamaged):
            raise StoreDamaged(damage_message(path, f"after a failed rekey, {problem}")) from None
        raise RekeyFailed(
            f"the database could not be re-encrypted (most likely the disk filled up); it is "
            f"unchanged under its old key, which still opens it: {path}"
        )
    finally:
        new.wipe()
