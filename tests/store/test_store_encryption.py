"""Nothing readable on disk: a canary saved through the store never appears in any file of the
data directory (database, WAL, shared memory, key file), and plain SQLite cannot open the file."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select
from tamper_kit import write_engine

from asb_tui.store.core import keyslots
from asb_tui.store.core.models import Case, Incident, Note, Person
from asb_tui.store.core.store import Store, StorePaths, create_store, open_store

PASSPHRASE = "correct horse battery staple"
CANARY = "Zanzibar-canary-7f3a91"


def _encodings(text: str) -> dict[str, bytes]:
    return {
        "utf-8": text.encode("utf-8"),
        "utf-16-le": text.encode("utf-16-le"),
        "utf-16-be": text.encode("utf-16-be"),
    }


def _leaks(data_dir: Path, needles: dict[str, bytes]) -> list[str]:
    """Every (file, encoding) in which a needle is found, for a readable failure message."""
    found: list[str] = []
    for path in sorted(data_dir.iterdir()):
        if not path.is_file():
            continue
        content = path.read_bytes()
        found.extend(
            f"{path.name} ({name})" for name, needle in needles.items() if needle in content
        )
    return found


def _save_canary_rows(store: Store) -> str:
    """Several rows with the canary in different tables and columns, each its own transaction."""
    with store.write() as uow:
        case = uow.add(
            Case(
                ref="ASB-2026-00001",
                category="personal",
                status="accepted",
                summary=f"Summary mentioning {CANARY}",
                referred_on=date(2026, 11, 2),
            ),
            action="case.refer",
        )
    with store.write() as uow:
        uow.add(Person(case_id=case.id, name=f"{CANARY} Smith"), action="person.add")
    for n in range(3):
        with store.write() as uow:
            uow.add(
                Incident(
                    case_id=case.id,
                    occurred_on=date(2026, 11, 3 + n),
                    description=f"Shouting at night, entry {n}, {CANARY}",
                ),
                action="incident.add",
            )
    with store.write() as uow:
        uow.add(Note(case_id=case.id, body=f"Intelligence: {CANARY}"), action="note.add")
    return case.id


def test_canary_is_in_no_file_of_the_data_directory(data_dir: Path) -> None:
    store, recovery_key = create_store(data_dir, PASSPHRASE, actor="Officer")
    paths = StorePaths(data_dir)
    data_key = keyslots.open_slot(
        keyslots.read_key_file(paths.key_file).slot(keyslots.PASSPHRASE), PASSPHRASE
    )
    # Secrets must not be on disk either: the passphrase, the recovery key, the raw data key.
    needles = {
        **_encodings(CANARY),
        "passphrase": PASSPHRASE.encode(),
        "recovery key": recovery_key.encode(),
        "data key (raw)": data_key,
        "data key (hex)": data_key.hex().encode(),
    }
    try:
        case_id = _save_canary_rows(store)

        # Committed, not yet checkpointed: the newest pages live only in the WAL.
        wal = paths.database.with_name("asb.db-wal")
        assert wal.exists() and wal.stat().st_size > 0
        with store.read() as session:
            assert CANARY in session.exec(select(Case)).one().summary
        assert _leaks(data_dir, needles) == []

        # After a checkpoint the pages are in the main file.
        raw = write_engine(store).raw_connection()  # no BEGIN: a checkpoint runs outside one
        try:
            busy, _log, _done = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            raw.close()
        assert busy == 0
        assert wal.stat().st_size == 0
        assert _leaks(data_dir, needles) == []
    finally:
        store.close()

    # Closed: the WAL is folded into the database; still nothing in clear.
    assert _leaks(data_dir, needles) == []
    reopened = open_store(data_dir, PASSPHRASE, actor="Officer")
    with reopened, reopened.read() as session:
        descriptions = session.exec(select(Incident.description)).all()
        assert len(descriptions) == 3 and all(CANARY in text for text in descriptions)
        assert session.get(Case, case_id) is not None


def test_plain_sqlite_cannot_read_the_database(store: Store) -> None:
    with store.write() as uow:
        uow.add(
            Case(
                ref="ASB-2026-00002",
                category="nuisance",
                status="referred",
                referred_on=date(2026, 11, 2),
            ),
            action="case.refer",
        )
    conn = sqlite3.connect(store.paths.database)
    try:
        with pytest.raises(sqlite3.DatabaseError):
            conn.execute("SELECT name FROM sqlite_master").fetchall()
    finally:
        conn.close()
    # The header is not SQLite's magic string: the whole file, page 1 included, is encrypted.
    assert not store.paths.database.read_bytes()[:16].startswith(b"SQLite format 3")


def test_the_store_runs_with_the_pragmas_the_design_requires(store: Store) -> None:
    with store.read() as session:
        conn = session.connection()
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA temp_store").scalar() == 2  # MEMORY
        assert str(conn.exec_driver_sql("PRAGMA cipher_version").scalar()).startswith("4.")


def test_key_file_and_database_are_private_to_the_user(store: Store) -> None:
    for path in (store.paths.database, store.paths.key_file):
        assert path.stat().st_mode & 0o077 == 0, oct(path.stat().st_mode)
