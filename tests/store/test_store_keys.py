"""Key slots through the real CLI and the store API: wrong passphrase, missing or corrupt key file,
a database that is not ours (each: one line, exit 2, no traceback, no file touched), passphrase
change, recovery-key reset, rekey, and an interrupted rekey that finishes on the next open."""

from __future__ import annotations

import base64
import json
import re
import secrets
import sqlite3
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import laptop_testkit as _helpers
import pytest
from sqlmodel import col, select

from asb_tui.store.core import keyslots
from asb_tui.store.core.audit import verify_chain
from asb_tui.store.core.database import check_key
from asb_tui.store.core.database import rekey as rekey_database
from asb_tui.store.core.errors import NotOurDatabase, WeakPassphrase, WrongPassphrase
from asb_tui.store.core.models import AuditEvent, Case, Incident
from asb_tui.store.core.store import (
    StorePaths,
    change_passphrase,
    create_store,
    open_store,
    reset_passphrase,
)

run_cli = _helpers.run_cli
cli_env = _helpers.cli_env
assert_no_traceback = _helpers.assert_no_traceback
PASSPHRASE: str = _helpers.PASSPHRASE
NEW_PASSPHRASE = "a brand new passphrase 2026"
RECOVERY_KEY_PATTERN = re.compile(r"^  ([A-Z2-7]{4}(?:-[A-Z2-7]{4}){7})$", re.MULTILINE)

Snapshot = dict[str, tuple[int, bytes]]


def snapshot(data_dir: Path) -> Snapshot:
    """Every file's modification time and bytes: "no file touched" means this does not change."""
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(data_dir.iterdir())}


@pytest.fixture
def closed_store(data_dir: Path) -> tuple[Path, str, str]:
    """A store with a case and two incidents, closed: (data dir, case id, recovery key)."""
    store, recovery_key = create_store(data_dir, PASSPHRASE, actor="Officer")
    with store:
        with store.write() as uow:
            case = uow.add(
                Case(
                    ref="ASB-2026-00042",
                    category="personal",
                    status="accepted",
                    summary="Noise from no. 14",
                    referred_on=date(2026, 11, 2),
                ),
                action="case.refer",
            )
        for day in (3, 4):
            with store.write() as uow:
                uow.add(
                    Incident(
                        case_id=case.id,
                        occurred_on=date(2026, 11, day),
                        description=f"Music until 3am on the {day}th",
                    ),
                    action="incident.add",
                )
    return data_dir, case.id, recovery_key


def _assert_store_intact(data_dir: Path, passphrase: str, case_id: str) -> None:
    store = open_store(data_dir, passphrase, actor="Officer")
    with store, store.read() as session:
        case = session.get(Case, case_id)
        assert case is not None and case.summary == "Noise from no. 14"
        assert len(session.exec(select(Incident)).all()) == 2


def _assert_refused(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """Exit 2, exactly one line on stderr naming the problem, no traceback, nothing on stdout."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert_no_traceback(result)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    message = lines[0].lower()
    assert message.startswith("asb-tui: ")
    for fragment in fragments:
        assert fragment.lower() in message, message


def _verify(data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return run_cli("audit", "verify", data_dir=data_dir, env=cli_env(data_dir, **env))


# --- a wrong or missing secret, a damaged key file -----------------------------------------


def test_wrong_passphrase_is_refused_and_touches_nothing(
    closed_store: tuple[Path, str, str],
) -> None:
    data_dir, case_id, _ = closed_store
    before = snapshot(data_dir)
    result = _verify(data_dir, ASB_PASSPHRASE="not the right passphrase")
    _assert_refused(result, "wrong passphrase")
    assert snapshot(data_dir) == before
    with pytest.raises(WrongPassphrase):
        open_store(data_dir, "not the right passphrase", actor="Officer")
    assert snapshot(data_dir) == before
    _assert_store_intact(data_dir, PASSPHRASE, case_id)


def test_missing_key_file_is_refused(closed_store: tuple[Path, str, str]) -> None:
    data_dir, _, _ = closed_store
    (data_dir / "keys.json").unlink()
    before = snapshot(data_dir)
    _assert_refused(_verify(data_dir), "key file", "missing")
    assert snapshot(data_dir) == before


def test_missing_database_beside_its_key_file_is_refused(
    closed_store: tuple[Path, str, str],
) -> None:
    data_dir, _, _ = closed_store
    (data_dir / "asb.db").unlink()
    before = snapshot(data_dir)
    _assert_refused(_verify(data_dir), "database", "missing")
    assert snapshot(data_dir) == before


def _edit_key_json(edit: Callable[[dict[str, Any]], None]) -> Callable[[bytes], bytes]:
    def apply(raw: bytes) -> bytes:
        doc = json.loads(raw)
        edit(doc)
        return json.dumps(doc).encode()

    return apply


def _passphrase_slot(doc: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in doc["slots"] if s["kind"] == "passphrase")


def _flip_bit_in_wrapped_key(doc: dict[str, Any]) -> None:
    slot = _passphrase_slot(doc)
    wrapped = bytearray(base64.b64decode(slot["wrapped_key"]))
    wrapped[5] ^= 0x01
    slot["wrapped_key"] = base64.b64encode(bytes(wrapped)).decode()


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        target = doc
        *parents, last = path.split(".")
        for part in parents:
            target = _passphrase_slot(target) if part == "slot" else target[part]
        target[last] = value

    return edit


CORRUPTIONS: dict[str, tuple[Callable[[bytes], bytes], tuple[str, ...]]] = {
    "truncated": (lambda raw: raw[: len(raw) // 2], ("key file", "not json")),
    "not json": (lambda raw: b"this is not a key file\n", ("key file", "not json")),
    "empty": (lambda raw: b"", ("key file", "not json")),
    "binary": (lambda raw: secrets.token_bytes(200), ("key file",)),
    "wrong format": (
        _edit_key_json(_set("format", "someone-elses-keys")),
        ("not an asb-tui key file",),
    ),
    "wrong version": (_edit_key_json(_set("version", 99)), ("format version 99",)),
    "no slots": (_edit_key_json(_set("slots", [])), ("no slots",)),
    "bad base64 nonce": (_edit_key_json(_set("slot.nonce", "!!not base64!!")), ("bad base64",)),
    "bad base64 salt": (_edit_key_json(_set("slot.kdf.salt", "%%%")), ("bad base64",)),
    "bad kdf parameters": (_edit_key_json(_set("slot.kdf.iterations", "three")), ("kdf",)),
    "unknown kdf": (_edit_key_json(_set("slot.kdf.name", "md5")), ("unknown kdf",)),
    "slot not an object": (_edit_key_json(_set("slots", ["x"])), ("slot",)),
    # AES-GCM cannot tell a damaged wrapped key from a wrong passphrase: both fail the tag.
    "flipped bit in wrapped key": (_edit_key_json(_flip_bit_in_wrapped_key), ("wrong passphrase",)),
}


@pytest.mark.parametrize("kind", sorted(CORRUPTIONS))
def test_corrupt_key_file_is_refused_and_touches_nothing(
    closed_store: tuple[Path, str, str], kind: str
) -> None:
    data_dir, case_id, _ = closed_store
    key_file = data_dir / "keys.json"
    original = key_file.read_bytes()
    corrupt, fragments = CORRUPTIONS[kind]
    key_file.write_bytes(corrupt(original))
    before = snapshot(data_dir)
    _assert_refused(_verify(data_dir), *fragments)
    assert snapshot(data_dir) == before
    # The damage is in the key file only: the original key file opens the store again.
    key_file.write_bytes(original)
    _assert_store_intact(data_dir, PASSPHRASE, case_id)


# --- a database that is not ours -----------------------------------------------------------


def _plain_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE t (x TEXT)")
    conn.execute("INSERT INTO t VALUES ('plain')")
    conn.commit()
    conn.close()


def _random_bytes(path: Path) -> None:
    path.write_bytes(secrets.token_bytes(8192))


def _another_store(path: Path) -> None:
    other = path.parent.parent / "other-store"
    store, _ = create_store(other, "another store's passphrase", actor="Someone")
    store.close()
    path.write_bytes((other / "asb.db").read_bytes())


@pytest.mark.parametrize(
    "replace",
    [_plain_sqlite, _random_bytes, _another_store],
    ids=["plain sqlite", "random bytes", "another store's database"],
)
def test_database_that_is_not_ours_is_refused_and_touches_nothing(
    closed_store: tuple[Path, str, str], replace: Callable[[Path], None]
) -> None:
    data_dir, _, _ = closed_store
    database = data_dir / "asb.db"
    database.unlink()
    replace(database)
    before = snapshot(data_dir)
    _assert_refused(_verify(data_dir), "not an asb-tui database")
    assert snapshot(data_dir) == before
    with pytest.raises(NotOurDatabase):
        open_store(data_dir, PASSPHRASE, actor="Officer")
    assert snapshot(data_dir) == before


# --- passphrase change, recovery key ------------------------------------------------------


def test_passphrase_change_keeps_all_data_and_refuses_the_old_one(
    closed_store: tuple[Path, str, str],
) -> None:
    data_dir, case_id, _ = closed_store
    database_before = (data_dir / "asb.db").read_bytes()
    result = run_cli(
        "passphrase",
        "change",
        data_dir=data_dir,
        env=cli_env(data_dir, ASB_NEW_PASSPHRASE=NEW_PASSPHRASE),
    )
    assert result.returncode == 0, result.stderr
    assert_no_traceback(result)
    # A slot was rewritten, not the database.
    assert (data_dir / "asb.db").read_bytes() == database_before
    assert sorted(p.name for p in data_dir.iterdir()) == ["asb.db", "asb.lock", "keys.json"]
    _assert_store_intact(data_dir, NEW_PASSPHRASE, case_id)
    with pytest.raises(WrongPassphrase):
        open_store(data_dir, PASSPHRASE, actor="Officer")
    _assert_refused(_verify(data_dir), "wrong passphrase")


def test_passphrase_change_refuses_a_short_new_passphrase(
    closed_store: tuple[Path, str, str],
) -> None:
    data_dir, _, _ = closed_store
    before = snapshot(data_dir)
    result = run_cli(
        "passphrase",
        "change",
        data_dir=data_dir,
        env=cli_env(data_dir, ASB_NEW_PASSPHRASE="too short"),
    )
    _assert_refused(result, "too short", "12 characters")
    assert snapshot(data_dir) == before
    with pytest.raises(WeakPassphrase):
        change_passphrase(data_dir, PASSPHRASE, "short")


def test_recovery_key_resets_a_forgotten_passphrase(closed_store: tuple[Path, str, str]) -> None:
    data_dir, case_id, recovery_key = closed_store
    result = run_cli(
        "passphrase",
        "reset",
        "--recovery-key",
        data_dir=data_dir,
        env=cli_env(data_dir, ASB_RECOVERY_KEY=recovery_key, ASB_NEW_PASSPHRASE=NEW_PASSPHRASE),
    )
    assert result.returncode == 0, result.stderr
    assert_no_traceback(result)
    _assert_store_intact(data_dir, NEW_PASSPHRASE, case_id)
    with pytest.raises(WrongPassphrase):
        open_store(data_dir, PASSPHRASE, actor="Officer")
    # The recovery key survives a reset, and is forgiving about case and dashes.
    reset_passphrase(data_dir, recovery_key.lower().replace("-", " "), PASSPHRASE)
    _assert_store_intact(data_dir, PASSPHRASE, case_id)


def test_wrong_recovery_key_is_refused(closed_store: tuple[Path, str, str]) -> None:
    data_dir, case_id, _ = closed_store
    before = snapshot(data_dir)
    result = run_cli(
        "passphrase",
        "reset",
        "--recovery-key",
        data_dir=data_dir,
        env=cli_env(
            data_dir,
            ASB_RECOVERY_KEY=keyslots.new_recovery_key(),
            ASB_NEW_PASSPHRASE=NEW_PASSPHRASE,
        ),
    )
    _assert_refused(result, "recovery key does not open this store")
    assert snapshot(data_dir) == before
    _assert_store_intact(data_dir, PASSPHRASE, case_id)


def test_recovery_key_file_is_read_and_an_empty_one_refused(
    closed_store: tuple[Path, str, str], tmp_path: Path
) -> None:
    data_dir, case_id, recovery_key = closed_store
    empty = tmp_path / "empty-recovery"
    empty.write_text("\n")
    before = snapshot(data_dir)
    result = run_cli(
        "passphrase",
        "reset",
        "--recovery-key",
        "--recovery-key-file",
        str(empty),
        data_dir=data_dir,
        env=cli_env(data_dir, ASB_NEW_PASSPHRASE=NEW_PASSPHRASE),
    )
    _assert_refused(result, "is empty")
    assert snapshot(data_dir) == before
    key_file = tmp_path / "recovery"
    key_file.write_text(recovery_key + "\n")
    result = run_cli(
        "passphrase",
        "reset",
        "--recovery-key",
        "--recovery-key-file",
        str(key_file),
        data_dir=data_dir,
        env=cli_env(data_dir, ASB_NEW_PASSPHRASE=NEW_PASSPHRASE),
    )
    assert result.returncode == 0, result.stderr
    _assert_store_intact(data_dir, NEW_PASSPHRASE, case_id)


# --- rekey ---------------------------------------------------------------------------------


def _data_key(data_dir: Path, kind: str, secret: str) -> bytes:
    key_file = keyslots.read_key_file(data_dir / "keys.json")
    return keyslots.open_slot(key_file.slot(kind), secret)


def test_rekey_replaces_the_data_key_and_the_recovery_key(
    closed_store: tuple[Path, str, str],
) -> None:
    data_dir, case_id, old_recovery = closed_store
    old_key = _data_key(data_dir, keyslots.PASSPHRASE, PASSPHRASE)
    old_database = (data_dir / "asb.db").read_bytes()

    result = run_cli("rekey", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert_no_traceback(result)
    assert "shown only now" in result.stdout
    found = RECOVERY_KEY_PATTERN.findall(result.stdout)
    assert len(found) == 1, result.stdout
    new_recovery = found[0]
    assert new_recovery != old_recovery

    _assert_store_intact(data_dir, PASSPHRASE, case_id)
    new_key = _data_key(data_dir, keyslots.PASSPHRASE, PASSPHRASE)
    assert new_key != old_key
    assert (data_dir / "asb.db").read_bytes() != old_database
    assert not (data_dir / "keys.json.rekey").exists()
    with pytest.raises(NotOurDatabase):
        check_key(data_dir / "asb.db", old_key)
    with open_store(data_dir, PASSPHRASE, actor="Officer") as reopened, reopened.read() as session:
        last = session.exec(select(AuditEvent).order_by(col(AuditEvent.seq).desc())).first()
        assert last is not None and last.action == "store.rekey"  # the rekey is audited
        assert verify_chain(session).ok

    with pytest.raises(WrongPassphrase):
        reset_passphrase(data_dir, old_recovery, NEW_PASSPHRASE)
    reset_passphrase(data_dir, new_recovery, NEW_PASSPHRASE)
    _assert_store_intact(data_dir, NEW_PASSPHRASE, case_id)


def test_rekey_with_a_wrong_passphrase_touches_nothing(
    closed_store: tuple[Path, str, str],
) -> None:
    data_dir, _, _ = closed_store
    before = snapshot(data_dir)
    result = run_cli(
        "rekey", data_dir=data_dir, env=cli_env(data_dir, ASB_PASSPHRASE="wrong passphrase!!")
    )
    _assert_refused(result, "wrong passphrase")
    assert snapshot(data_dir) == before


def test_interrupted_rekey_finishes_on_the_next_open(closed_store: tuple[Path, str, str]) -> None:
    """The rekey stopped after re-encrypting the database, before replacing keys.json."""
    data_dir, case_id, old_recovery = closed_store
    paths = StorePaths(data_dir)
    old_key = _data_key(data_dir, keyslots.PASSPHRASE, PASSPHRASE)
    new_key = secrets.token_bytes(32)
    new_recovery = keyslots.new_recovery_key()
    pending = keyslots.KeyFile.create(new_key, PASSPHRASE, new_recovery).to_bytes()
    keyslots.write_atomically(paths.pending_key_file, pending)
    rekey_database(paths.database, old_key, new_key)
    # ... and here the process died: keys.json still wraps the old key.
    assert _data_key(data_dir, keyslots.PASSPHRASE, PASSPHRASE) == old_key

    _assert_store_intact(data_dir, PASSPHRASE, case_id)
    assert paths.key_file.read_bytes() == pending
    assert not paths.pending_key_file.exists()
    assert _data_key(data_dir, keyslots.PASSPHRASE, PASSPHRASE) == new_key
    with pytest.raises(WrongPassphrase):
        reset_passphrase(data_dir, old_recovery, NEW_PASSPHRASE)
    reset_passphrase(data_dir, new_recovery, NEW_PASSPHRASE)
    _assert_store_intact(data_dir, NEW_PASSPHRASE, case_id)


def test_rekey_interrupted_before_the_database_changed_keeps_the_old_key(
    closed_store: tuple[Path, str, str],
) -> None:
    data_dir, case_id, old_recovery = closed_store
    paths = StorePaths(data_dir)
    old_key = _data_key(data_dir, keyslots.PASSPHRASE, PASSPHRASE)
    pending = keyslots.KeyFile.create(
        secrets.token_bytes(32), PASSPHRASE, keyslots.new_recovery_key()
    )
    keyslots.write_atomically(paths.pending_key_file, pending.to_bytes())
    # ... the process died before `PRAGMA rekey`: the old key still opens everything.
    _assert_store_intact(data_dir, PASSPHRASE, case_id)
    assert _data_key(data_dir, keyslots.PASSPHRASE, PASSPHRASE) == old_key
    reset_passphrase(data_dir, old_recovery, NEW_PASSPHRASE)
    _assert_store_intact(data_dir, NEW_PASSPHRASE, case_id)
