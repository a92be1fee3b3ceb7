"""Opening, creating, re-keying and closing the encrypted store.

Files in the data directory: `asb.db` (SQLCipher; plus `-wal`/`-shm` while open), `keys.json`
(the key slots) and `asb.lock` (empty; its advisory lock tells who has the store open, see
store_lock.py). `keys.json.rekey` exists only during a rekey: it holds the new key's slots until
the database is proven to open under the new key, and lets an interrupted rekey finish on the
next open instead of locking the officer out.

Every change to the key file (passphrase change and reset, rekey) writes the new file beside the
old one (each new slot opened with its key as it is made), reads it back byte for byte, and only
then moves it into place.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlmodel import Session

from asb_tui.store.core import keyslots, settings
from asb_tui.store.core.database import (
    DataKey,
    check_file,
    check_key,
    checkpoint,
    disk_full_message,
    is_disk_full,
    make_engines,
)
from asb_tui.store.core.database import explain as explain_failure
from asb_tui.store.core.database import rekey as rekey_database
from asb_tui.store.core.disk_space import free_bytes, human_size
from asb_tui.store.core.errors import (
    DiskFull,
    NotOurDatabase,
    StoreError,
    StoreExists,
    StoreLocked,
    StoreNotFound,
)
from asb_tui.store.core.keyslots import Secret
from asb_tui.store.core.models import utcnow
from asb_tui.store.core.replica_writer import ReplicaWriter
from asb_tui.store.core.store_lock import LOCK_NAME, StoreLock
from asb_tui.store.core.unit_of_work import UnitOfWork, unit_of_work, writer_of_kind
from asb_tui.store.core.write_journal import WriteJournal

if TYPE_CHECKING:
    from asb_tui.store.core.evidence_blobs import BlobStore

# Beyond the database's own size, a rekey needs room for the log's headers, the shared-memory
# file and two key files.
REKEY_MARGIN_BYTES = 1024 * 1024
INTERRUPTED_REKEY_NOTICE = (
    "an interrupted rekey was finished: its new recovery key was never shown and the old one no "
    "longer opens this store; run `asb-tui rekey` to get a recovery key you can write down"
)


@dataclass(frozen=True)
class StorePaths:
    data_dir: Path

    @property
    def database(self) -> Path:
        return self.data_dir / "asb.db"

    @property
    def key_file(self) -> Path:
        return self.data_dir / "keys.json"

    @property
    def pending_key_file(self) -> Path:
        return self.data_dir / "keys.json.rekey"

    @property
    def lock_file(self) -> Path:
        return self.data_dir / LOCK_NAME

    def exists(self) -> bool:
        return self.key_file.exists() or self.database.exists()

    def files(self) -> list[Path]:
        return [p for p in sorted(self.data_dir.glob("*")) if p.is_file()]


class Store:
    """An open store. Thread-safe: each call opens its own short-lived session.

    Holds the store's shared lock (taken here unless the caller passes one it holds) until
    closed. Closing (auto-lock, quit) wipes the key buffer and drops the engines, whose
    connection creator held nothing but a reference to that buffer.
    """

    def __init__(
        self,
        paths: StorePaths,
        key: bytes | bytearray,
        *,
        actor: str,
        lock: StoreLock | None = None,
    ) -> None:
        self.paths = paths
        self.actor = actor
        self.device_id = ""
        # What the officer should be told once the store is open (the CLI prints them).
        self.notices: list[str] = []
        self._key = DataKey(key)
        self._read: Engine | None = None
        self._write: Engine | None = None
        self._lock: StoreLock | None = None
        #: the cases this process's writes touched, in commit order (write_journal.py)
        self.journal = WriteJournal()
        try:
            self._lock = lock or StoreLock.acquire(paths.data_dir, exclusive=False)
            self._read, self._write = make_engines(paths.database, self._key)
            self.device_id = self._prepare()
        except BaseException:
            # A store that cannot be opened must not keep the key, connections or its own lock
            # (a lock the caller passed in is the caller's to release).
            if lock is not None:
                self._lock = None
            self.close()
            raise

    def _prepare(self) -> str:
        """Upgrade an older schema and read the device id; refuse what we cannot open."""
        from asb_tui.store.core.migrate import UnknownRevision, upgrade_to_head

        with self._translated():
            try:
                upgrade_to_head(self._write_engine)
            except UnknownRevision:
                raise StoreError(
                    f"{self.paths.database} has a schema revision this release does not know: "
                    "it was probably written by a newer asb-tui; update asb-tui to open it"
                ) from None
            with Session(self.read_engine) as session:
                device_id = settings.get(session, settings.DEVICE_ID)
        if device_id is None:
            raise NotOurDatabase(
                f"{self.paths.database} has no device id: it is not an asb-tui store"
            )
        return device_id

    @property
    def blobs(self) -> BlobStore:
        """The evidence locker's encrypted chunk files (store/core/evidence_blobs.py). Imported
        here, not at the top: `cryptography` costs ~45 ms, a tenth of the app's start, and only
        the evidence screens and commands need it."""
        from asb_tui.store.core.evidence_blobs import BlobStore

        if not self.is_open:
            raise StoreLocked("the store is locked")
        return BlobStore(self.paths.data_dir)

    @property
    def is_open(self) -> bool:
        return bool(self._key) and self._write is not None

    @property
    def read_engine(self) -> Engine:
        if self._read is None or not self._key:
            raise StoreLocked("the store is locked")
        return self._read

    @property
    def _write_engine(self) -> Engine:
        # Private: every write goes through `write()` (or the replica's `replica_writer()`).
        if self._write is None or not self._key:
            raise StoreLocked("the store is locked")
        return self._write

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A short-lived read session; open one per worker, never share across threads."""
        with self._translated(), Session(self.read_engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self, actor: str | None = None) -> Iterator[UnitOfWork]:
        """The one write path: rows, audit event and change record commit together or not at all."""
        with (
            self._translated(),
            unit_of_work(
                self._write_engine, actor=actor or self.actor, device_id=self.device_id
            ) as uow,
        ):
            yield uow
        self._note(uow)

    @contextmanager
    def replica_writer(self) -> Iterator[ReplicaWriter]:
        """The replica's writer for pulled changes (asb_tui.store.replica only; see
        replica_writer.py): one transaction, committed on leaving."""
        with (
            self._translated(),
            writer_of_kind(
                ReplicaWriter, self._write_engine, actor=self.actor, device_id=self.device_id
            ) as writer,
        ):
            yield writer
        self._note(writer)

    def _note(self, uow: UnitOfWork) -> None:
        """A committed write, in the journal of the cases it touched (write_journal.py)."""
        if uow.audit_seq is not None:
            self.journal.note(uow.touched(), uow.audit_seq)

    def compact_file(self) -> bool:
        """VACUUM the database and fold the log in with TRUNCATE, so deleted data cannot be read
        back from the files; False when another program kept the log open. Raises the driver's
        OperationalError when SQLite cannot (retention says how to finish)."""
        # Idle pooled readers hold no snapshot, but closing them lets the checkpoint truncate.
        self.read_engine.dispose()
        with self._write_engine.connect() as connection:
            raw = connection.connection.dbapi_connection
            assert raw is not None
            raw.execute("VACUUM")
            busy = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        return not busy

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """A damaged page or a full disk becomes one line that says what to do."""
        try:
            yield
        except Exception as exc:
            error = self.explain(exc)
            if error is None:
                raise
            raise error from None

    def explain(self, exc: BaseException) -> StoreError | None:
        """The user's error for a database failure (damage, a full disk), or None."""
        return explain_failure(self.paths.database, exc, self._key)

    def integrity_problems(self) -> str | None:
        """Every page's HMAC and the structure checked: None when sound, else the finding."""
        from asb_tui.store.core.database import integrity_problems

        if not self._key:
            raise StoreLocked("the store is locked")
        return integrity_problems(self.paths.database, self._key)

    def close(self) -> None:
        """Drop the engines, the key and the lock (auto-lock and quit)."""
        read, write, self._read, self._write = self._read, self._write, None, None
        for engine in (read, write):
            if engine is not None:
                engine.dispose()
        self._key.wipe()
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        error = self.explain(exc) if isinstance(exc, Exception) and self._key else None
        self.close()
        if error is not None:
            raise error from None


def require_store(data_dir: Path) -> StorePaths:
    """The store's paths; StoreNotFound (saying how to create one) when there is no database,
    StoreDamaged when the database file cannot be whole (empty, truncated).

    Callers check this before asking for a passphrase, so nobody types one for nothing.
    """
    paths = StorePaths(Path(data_dir))
    if not paths.database.exists():
        if paths.key_file.exists():
            raise StoreNotFound(
                f"the database {paths.database} is missing although its key file is there; "
                "restore it from backup (nothing was changed)"
            )
        raise StoreNotFound(f"no store in {paths.data_dir}: create one with `asb-tui init`")
    if paths.key_file.exists():
        check_file(paths.database)
    return paths


def _reads_back_as(expected: bytes) -> Callable[[bytes], None]:
    """A read-back check for a key file: the bytes on disk are the ones meant, and they parse
    as a key file (each new slot was opened with its key as it was made, see make_slot)."""

    def check(raw: bytes) -> None:
        keyslots.KeyFile.from_bytes(raw)
        if raw != expected:
            raise StoreError("the new key file did not read back correctly; nothing was changed")

    return check


def _unwrap(paths: StorePaths, slot_kind: str, secret: Secret, store_notices: list[str]) -> bytes:
    """The data key, from the key file or (after an interrupted rekey) the pending one.

    The caller holds the store's lock, so no rekey is running while this looks at its files.
    """
    require_store(paths.data_dir)
    key_file = keyslots.read_key_file(paths.key_file)
    key = keyslots.open_slot(key_file.slot(slot_kind), secret)
    try:
        check_key(paths.database, key)
    except NotOurDatabase:
        if not paths.pending_key_file.exists():
            raise
    else:
        # A rekey that stopped before the database changed: its slots wrap a key never used.
        paths.pending_key_file.unlink(missing_ok=True)
        return key
    # A rekey stopped between re-encrypting the database and replacing the key file.
    pending = keyslots.read_key_file(paths.pending_key_file)
    new_key = keyslots.open_slot(pending.slot(slot_kind), secret)
    check_key(paths.database, new_key)
    keyslots.write_atomically(
        paths.key_file, pending.to_bytes(), check=_reads_back_as(pending.to_bytes())
    )
    paths.pending_key_file.unlink(missing_ok=True)
    store_notices.append(INTERRUPTED_REKEY_NOTICE)
    return new_key


@contextmanager
def _tidy_after_failure(paths: StorePaths, lock: StoreLock) -> Iterator[None]:
    """If opening fails, remove the empty log and shared-memory files that SQLite created for
    the attempt (on a full disk it cannot clean them up itself), so that a refusal leaves the
    directory as it found it. Only when no other process has the store open, and only files
    that were not there before and hold no data."""
    companions = [paths.database.with_name(f"{paths.database.name}-{s}") for s in ("wal", "shm")]
    existed = {p for p in companions if p.exists()}
    try:
        yield
    except BaseException:
        wal = companions[0]
        empty_log = not wal.exists() or wal.stat().st_size == 0
        if empty_log and lock.try_exclusive():
            for companion in companions:
                if companion not in existed:
                    companion.unlink(missing_ok=True)
        raise


def open_store(data_dir: Path, passphrase: Secret, *, actor: str) -> Store:
    """Open with the passphrase. Wrong passphrase or foreign files raise; nothing is written."""
    paths = require_store(Path(data_dir))
    lock = StoreLock.acquire(paths.data_dir, exclusive=False)
    try:
        with _tidy_after_failure(paths, lock):
            notices: list[str] = []
            key = _unwrap(paths, keyslots.PASSPHRASE, passphrase, notices)
            store = Store(paths, key, actor=actor, lock=lock)
    except BaseException:
        lock.release()
        raise
    store.notices.extend(notices)
    return store


def _remove_half_made(paths: StorePaths) -> None:
    """What a failed `create_store` wrote (there was no store here before it)."""
    for name in ("asb.db", "asb.db-wal", "asb.db-shm", "asb.db-journal", "keys.json", LOCK_NAME):
        with suppress(OSError):
            (paths.data_dir / name).unlink()


def create_store(data_dir: Path, passphrase: Secret, *, actor: str) -> tuple[Store, str]:
    """Create a new empty store; returns it with the recovery key (to be shown once)."""
    from asb_tui.store.core.migrate import upgrade_to_head

    keyslots.check_passphrase_strength(passphrase)
    paths = StorePaths(Path(data_dir))
    if paths.exists():
        raise StoreExists(f"a store already exists in {paths.data_dir}")
    paths.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    lock = StoreLock.acquire(paths.data_dir, exclusive=False)
    raw_key = secrets.token_bytes(32)
    data_key = DataKey(raw_key)
    recovery_key = keyslots.new_recovery_key()
    try:
        # The database is created first and the key file last: a crash in between leaves no key
        # file, so the half-made store is recognisably not one.
        read, write = make_engines(paths.database, data_key)
        try:
            upgrade_to_head(write)
            with unit_of_work(write, actor=actor, device_id="") as uow:
                uow.put_setting(settings.DEVICE_ID, str(uuid.uuid4()))
                uow.put_setting(settings.SCHEMA_CREATED, utcnow().isoformat())
        finally:
            read.dispose()
            write.dispose()
            data_key.wipe()
        paths.database.chmod(0o600)
        key_file = keyslots.KeyFile.create(raw_key, passphrase, recovery_key).to_bytes()
        keyslots.write_atomically(paths.key_file, key_file, check=_reads_back_as(key_file))
        store = Store(paths, raw_key, actor=actor, lock=lock)
    except BaseException as exc:
        lock.release()
        _remove_half_made(paths)
        if is_disk_full(exc, paths.data_dir):
            raise DiskFull(disk_full_message(paths.data_dir, "a new store", 1024 * 1024)) from None
        raise
    try:
        with store.write() as uow:
            uow.audit_only(action="store.create", entity="store", entity_id=store.device_id)
    except BaseException:
        store.close()
        _remove_half_made(paths)
        raise
    return store, recovery_key


def change_passphrase(data_dir: Path, old: Secret, new: Secret) -> None:
    """Rewrite the passphrase slot; the database is not touched."""
    keyslots.check_passphrase_strength(new)
    paths = require_store(Path(data_dir))
    with (
        StoreLock.acquire(paths.data_dir, exclusive=False) as lock,
        _tidy_after_failure(paths, lock),
    ):
        key = _unwrap(paths, keyslots.PASSPHRASE, old, [])
        _rewrite_slot(paths, keyslots.PASSPHRASE, new, key)


def reset_passphrase(data_dir: Path, recovery_key: Secret, new: Secret) -> None:
    """Set a new passphrase with the recovery key."""
    keyslots.check_passphrase_strength(new)
    paths = require_store(Path(data_dir))
    with (
        StoreLock.acquire(paths.data_dir, exclusive=False) as lock,
        _tidy_after_failure(paths, lock),
    ):
        key = _unwrap(paths, keyslots.RECOVERY, recovery_key, [])
        _rewrite_slot(paths, keyslots.PASSPHRASE, new, key)


def _rewrite_slot(paths: StorePaths, kind: str, secret: Secret, key: bytes) -> None:
    """Replace one slot: written beside the old file, read back, then moved in."""
    current = keyslots.read_key_file(paths.key_file)
    updated = current.replace(keyslots.make_slot(kind, secret, key)).to_bytes()
    keyslots.write_atomically(paths.key_file, updated, check=_reads_back_as(updated))


@dataclass(frozen=True)
class RekeyResult:
    recovery_key: str
    # The rekey itself is done; only its audit event could not be written (why, for a person).
    audit_problem: str | None = None


def _check_space_for_rekey(paths: StorePaths) -> None:
    """SQLCipher rewrites every page into the write-ahead log before it commits: it needs about
    the database's size free, and fails silently without it."""
    size = paths.database.stat().st_size
    needed = size + REKEY_MARGIN_BYTES
    free = free_bytes(paths.data_dir)
    if free < needed:
        raise DiskFull(
            f"rekey needs about {human_size(needed)} free in {paths.data_dir} (the database is "
            f"{human_size(size)}), and only {human_size(free)} is free: free at least "
            f"{human_size(needed - free)} and run rekey again; nothing was changed"
        )


def _remove_stale_temporaries(paths: StorePaths) -> None:
    """Temporary key files a killed process left behind (only under the exclusive lock, when no
    other process can be writing one)."""
    for stale in paths.data_dir.glob(".keys.json*.tmp"):
        stale.unlink(missing_ok=True)


def rekey(data_dir: Path, passphrase: Secret, *, actor: str = "officer") -> RekeyResult:
    """Replace the data key (the database is re-encrypted) and issue a new recovery key.

    A transaction that can always be recovered from: refused while any other process has the
    store open, and when there is not room for it; the new key's slots are written beside the
    old ones and replace them only once every page of the database verifies under the new key.
    Killed at any moment, it leaves a store that the passphrase opens with all its data.

    The old recovery key cannot wrap the new data key (only its holder knows it), so a new one
    is issued and must be written down again.
    """
    paths = require_store(Path(data_dir))
    lock = StoreLock.acquire(paths.data_dir, exclusive=True, purpose="rekey")
    try:
        with _tidy_after_failure(paths, lock):
            old_key = _unwrap(paths, keyslots.PASSPHRASE, passphrase, [])
        _remove_stale_temporaries(paths)
        checkpoint(paths.database, old_key)
        _check_space_for_rekey(paths)
        new_key = secrets.token_bytes(32)
        recovery_key = keyslots.new_recovery_key()
        pending = keyslots.KeyFile.create(new_key, passphrase, recovery_key).to_bytes()
        proves_new_key = _reads_back_as(pending)
        keyslots.write_atomically(paths.pending_key_file, pending, check=proves_new_key)
        try:
            rekey_database(paths.database, old_key, new_key)
        except StoreError:
            if check_key_quietly(paths.database, old_key):
                paths.pending_key_file.unlink(missing_ok=True)
            raise
        try:
            keyslots.write_atomically(paths.key_file, pending, check=proves_new_key)
        except StoreError as exc:
            raise StoreError(
                f"the database was re-encrypted but {exc}; the next open finishes the rekey. "
                f"The new recovery key (shown only now): {recovery_key}"
            ) from None
        paths.pending_key_file.unlink(missing_ok=True)
    except BaseException:
        lock.release()
        raise
    # The database is rewritten anyway, so the new key's first use is to record that it exists.
    try:
        with Store(paths, new_key, actor=actor, lock=lock) as store, store.write() as uow:
            uow.audit_only(action="store.rekey", entity="store", entity_id=store.device_id)
    except Exception as exc:  # the new recovery key must be shown whatever happens here
        return RekeyResult(recovery_key, audit_problem=str(exc) or type(exc).__name__)
    finally:
        lock.release()  # already released by the store's close, unless it failed to open
    return RekeyResult(recovery_key)


def check_key_quietly(path: Path, key: bytes) -> bool:
    try:
        check_key(path, key)
    except StoreError:
        return False
    return True
