"""Opening, creating, re-keying and closing the encrypted store.

Files in the data directory: `asb.db` (SQLCipher; plus `-wal`/`-shm` while open) and `keys.json`
(the key slots). `keys.json.rekey` exists only between the two steps of a rekey: it lets an
interrupted rekey finish on the next open instead of locking the officer out.
"""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic.util import CommandError
from sqlalchemy import Engine
from sqlmodel import Session

from asb_tui.store import keyslots, settings
from asb_tui.store.database import check_key, make_engines
from asb_tui.store.database import rekey as rekey_database
from asb_tui.store.errors import (
    KeyFileError,
    NotOurDatabase,
    StoreError,
    StoreExists,
    StoreLocked,
    StoreNotFound,
)
from asb_tui.store.migrate import upgrade_to_head
from asb_tui.store.models import utcnow
from asb_tui.store.unit_of_work import UnitOfWork, unit_of_work


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

    def exists(self) -> bool:
        return self.key_file.exists() or self.database.exists()

    def files(self) -> list[Path]:
        return [p for p in sorted(self.data_dir.glob("*")) if p.is_file()]


class Store:
    """An open store. Thread-safe: each call opens its own short-lived session."""

    def __init__(self, paths: StorePaths, key: bytes, *, actor: str) -> None:
        self.paths = paths
        self.actor = actor
        self._key: bytearray | None = bytearray(key)
        self._read, self._write = make_engines(paths.database, key)
        try:
            self.device_id = self._prepare()
        except BaseException:
            # A store that cannot be opened must not keep the key or pooled connections alive.
            self.close()
            raise

    def _prepare(self) -> str:
        """Upgrade an older schema and read the device id; refuse what we cannot open."""
        try:
            upgrade_to_head(self._write)
        except CommandError:
            raise StoreError(
                f"{self.paths.database} has a schema revision this release does not know: it "
                "was probably written by a newer asb-tui; update asb-tui to open it"
            ) from None
        with Session(self._read) as session:
            device_id = settings.get(session, settings.DEVICE_ID)
        if device_id is None:
            raise NotOurDatabase(
                f"{self.paths.database} has no device id: it is not an asb-tui store"
            )
        return device_id

    @property
    def is_open(self) -> bool:
        return self._key is not None

    @property
    def read_engine(self) -> Engine:
        self._check_open()
        return self._read

    @property
    def write_engine(self) -> Engine:
        self._check_open()
        return self._write

    def _check_open(self) -> None:
        if self._key is None:
            raise StoreLocked("the store is locked")

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A short-lived read session; open one per worker, never share across threads."""
        with Session(self.read_engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self, actor: str | None = None) -> Iterator[UnitOfWork]:
        """The one write path: rows, audit event and change record commit together or not at all."""
        with unit_of_work(
            self.write_engine, actor=actor or self.actor, device_id=self.device_id
        ) as uow:
            yield uow

    def close(self) -> None:
        """Drop the engines and the key (auto-lock and quit)."""
        if self._key is None:
            return
        self._read.dispose()
        self._write.dispose()
        keyslots.wipe(self._key)
        self._key = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def require_store(data_dir: Path) -> StorePaths:
    """The store's paths; StoreNotFound (saying how to create one) when there is no database.

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
    return paths


def _unwrap(paths: StorePaths, slot_kind: str, secret: str) -> bytes:
    """The data key, from the key file or (after an interrupted rekey) the pending one."""
    require_store(paths.data_dir)
    key_file = keyslots.read_key_file(paths.key_file)
    key = keyslots.open_slot(key_file.slot(slot_kind), secret)
    try:
        check_key(paths.database, key)
        return key
    except NotOurDatabase:
        if not paths.pending_key_file.exists():
            raise
    # A rekey stopped between re-encrypting the database and replacing the key file.
    pending = keyslots.read_key_file(paths.pending_key_file)
    new_key = keyslots.open_slot(pending.slot(slot_kind), secret)
    check_key(paths.database, new_key)
    keyslots.write_atomically(paths.key_file, pending.to_bytes())
    paths.pending_key_file.unlink()
    return new_key


def open_store(data_dir: Path, passphrase: str, *, actor: str) -> Store:
    """Open with the passphrase. Wrong passphrase or foreign files raise; nothing is written."""
    paths = StorePaths(Path(data_dir))
    key = _unwrap(paths, keyslots.PASSPHRASE, passphrase)
    return Store(paths, key, actor=actor)


def create_store(data_dir: Path, passphrase: str, *, actor: str) -> tuple[Store, str]:
    """Create a new empty store; returns it with the recovery key (to be shown once)."""
    keyslots.check_passphrase_strength(passphrase)
    paths = StorePaths(Path(data_dir))
    if paths.exists():
        raise StoreExists(f"a store already exists in {paths.data_dir}")
    paths.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    data_key = secrets.token_bytes(32)
    recovery_key = keyslots.new_recovery_key()
    # The database is created first and the key file last: a crash in between leaves no key
    # file, so the half-made store is recognisably not one.
    read, write = make_engines(paths.database, data_key)
    try:
        upgrade_to_head(write)
        with Session(write) as session:
            settings.put(session, settings.DEVICE_ID, str(uuid.uuid4()))
            settings.put(session, settings.SCHEMA_CREATED, utcnow().isoformat())
            session.commit()
    finally:
        read.dispose()
        write.dispose()
    os.chmod(paths.database, 0o600)
    keyslots.write_atomically(
        paths.key_file, keyslots.KeyFile.create(data_key, passphrase, recovery_key).to_bytes()
    )
    store = Store(paths, data_key, actor=actor)
    with store.write() as uow:
        uow.audit_only(action="store.create", entity="store", entity_id=store.device_id)
    return store, recovery_key


def change_passphrase(data_dir: Path, old: str, new: str) -> None:
    """Rewrite the passphrase slot; the database is not touched."""
    keyslots.check_passphrase_strength(new)
    paths = StorePaths(Path(data_dir))
    key = _unwrap(paths, keyslots.PASSPHRASE, old)
    _rewrite_slot(paths, keyslots.make_slot(keyslots.PASSPHRASE, new, key))


def reset_passphrase(data_dir: Path, recovery_key: str, new: str) -> None:
    """Set a new passphrase with the recovery key."""
    keyslots.check_passphrase_strength(new)
    paths = StorePaths(Path(data_dir))
    key = _unwrap(paths, keyslots.RECOVERY, recovery_key)
    _rewrite_slot(paths, keyslots.make_slot(keyslots.PASSPHRASE, new, key))


def _rewrite_slot(paths: StorePaths, slot: keyslots.Slot) -> None:
    try:
        current = keyslots.read_key_file(paths.key_file)
    except KeyFileError:
        raise
    keyslots.write_atomically(paths.key_file, current.replace(slot).to_bytes())


def rekey(data_dir: Path, passphrase: str, *, actor: str = "officer") -> str:
    """Replace the data key (the database is re-encrypted) and issue a new recovery key.

    The old recovery key cannot wrap the new data key (only its holder knows it), so a new one
    is issued and must be written down again.
    """
    paths = StorePaths(Path(data_dir))
    old_key = _unwrap(paths, keyslots.PASSPHRASE, passphrase)
    new_key = secrets.token_bytes(32)
    recovery_key = keyslots.new_recovery_key()
    pending = keyslots.KeyFile.create(new_key, passphrase, recovery_key)
    keyslots.write_atomically(paths.pending_key_file, pending.to_bytes())
    rekey_database(paths.database, old_key, new_key)
    keyslots.write_atomically(paths.key_file, pending.to_bytes())
    paths.pending_key_file.unlink()
    # The database is rewritten anyway, so the new key's first use is to record that it exists.
    with Store(paths, new_key, actor=actor) as store, store.write() as uow:
        uow.audit_only(action="store.rekey", entity="store", entity_id=store.device_id)
    return recovery_key
