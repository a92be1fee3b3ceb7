"""Damaged and hostile files are refused in one line, with exit status 2, no traceback and no file
changed; the undamaged original still opens with its passphrase and holds every record.

Damaged copies of a real store: a key file asking for absurd Argon2id parameters (refused before
any memory is spent on them) or holding wrong-sized salts, nonces and keys; an empty or truncated
database; a database with one flipped byte in a page (the integrity check names the page and the
message says how to restore the store).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fault_testkit import assert_refused, content_digest, fill_store, snapshot
from laptop_testkit import PASSPHRASE, cli_env, run_cli

from asb_tui.store.core import keyslots
from asb_tui.store.core.database import PAGE_SIZE, raw_connection
from asb_tui.store.core.errors import KeyFileError, StoreDamaged
from asb_tui.store.core.store import open_store

RESTORE_ADVICE = ("restore asb.db and keys.json", "from a backup", "asb-tui enrol")


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A real store with records (never damaged itself) and its content digest."""
    data_dir = tmp_path_factory.mktemp("original") / "data"
    return data_dir, fill_store(data_dir)


@pytest.fixture
def damaged(original: tuple[Path, str], tmp_path: Path) -> Path:
    """A copy of the original store, for a test to damage."""
    copy = tmp_path / "copy"
    shutil.copytree(original[0], copy)
    return copy


def _restore_key_file_and_check(original: tuple[Path, str], copy: Path) -> None:
    """The damage was in the key file only: with the original key file back, the copy opens
    with its passphrase and holds every record (the refused attempt changed nothing else)."""
    shutil.copy2(original[0] / "keys.json", copy / "keys.json")
    assert content_digest(copy) == original[1]


# --- the key file ----------------------------------------------------------------------------


def _edit_slot(data_dir: Path, kind: str, edit: Callable[[dict[str, Any]], None]) -> None:
    path = data_dir / "keys.json"
    doc = json.loads(path.read_bytes())
    edit(next(s for s in doc["slots"] if s["kind"] == kind))
    path.write_text(json.dumps(doc))


def _kdf(param: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(slot: dict[str, Any]) -> None:
        slot["kdf"][param] = value

    return edit


def _sized(field: str, size: int, *, in_kdf: bool = False) -> Callable[[dict[str, Any]], None]:
    def edit(slot: dict[str, Any]) -> None:
        target = slot["kdf"] if in_kdf else slot
        target[field] = base64.b64encode(os.urandom(size)).decode()

    return edit


def _rename_kind(slot: dict[str, Any]) -> None:
    slot["kind"] = "backdoor"


def _swap_kdf(slot: dict[str, Any]) -> None:
    slot["kdf"] = {"name": "hkdf-sha256", "salt": slot["kdf"]["salt"]}


KEY_FILE_DAMAGE: dict[str, tuple[str, Callable[[dict[str, Any]], None], tuple[str, ...]]] = {
    "memory 4 GiB": ("passphrase", _kdf("memory_kib", 2**22), ("memory_kib", "4,194,304")),
    "memory 1 KiB": ("passphrase", _kdf("memory_kib", 1), ("memory_kib", "8,192 to")),
    "negative iterations": ("passphrase", _kdf("iterations", -3), ("iterations is -3",)),
    "zero iterations": ("passphrase", _kdf("iterations", 0), ("iterations is 0",)),
    "a million iterations": ("passphrase", _kdf("iterations", 10**6), ("1 to 10",)),
    "zero lanes": ("passphrase", _kdf("lanes", 0), ("lanes is 0",)),
    "lanes as true": ("passphrase", _kdf("lanes", True), ("lanes True",)),
    "memory as text": ("passphrase", _kdf("memory_kib", "65536"), ("memory_kib '65536'",)),
    "8-byte salt": ("passphrase", _sized("salt", 8, in_kdf=True), ("salt is 8 bytes",)),
    "64-byte salt": ("passphrase", _sized("salt", 64, in_kdf=True), ("salt is 64 bytes",)),
    "recovery salt": ("recovery", _sized("salt", 4, in_kdf=True), ("recovery slot's salt",)),
    "short nonce": ("passphrase", _sized("nonce", 8), ("nonce is 8 bytes",)),
    "long wrapped key": ("passphrase", _sized("wrapped_key", 80), ("key is 80 bytes",)),
    "short wrapped key": ("passphrase", _sized("wrapped_key", 16), ("key is 16 bytes",)),
    "unknown slot kind": ("passphrase", _rename_kind, ("unknown kind 'backdoor'",)),
    "passphrase slot without argon2": ("passphrase", _swap_kdf, ("names the kdf 'hkdf-sha256'",)),
}


@pytest.mark.parametrize("damage", sorted(KEY_FILE_DAMAGE))
def test_a_damaged_key_file_is_refused_before_deriving_anything(damaged: Path, damage: str) -> None:
    kind, edit, fragments = KEY_FILE_DAMAGE[damage]
    _edit_slot(damaged, kind, edit)
    before = snapshot(damaged)
    with pytest.raises(KeyFileError) as error:
        open_store(damaged, PASSPHRASE, actor="Officer")
    message = str(error.value)
    assert "\n" not in message and "key file" in message
    for fragment in fragments:
        assert fragment.lower() in message.lower(), message
    assert snapshot(damaged) == before


# The CLI's own peak memory, read by a small parent of its own: a child forked straight from the
# test process starts its peak at the test process's size (Linux carries the parent's high-water
# mark across fork and exec), which in a long pytest worker is already hundreds of megabytes.
_PEAK_OF_CHILD = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_pid, status, usage = os.wait4(child.pid, 0)
open(sys.argv[1], "w").write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def test_absurd_argon2_memory_is_refused_by_the_cli_without_spending_it(
    original: tuple[Path, str], damaged: Path, tmp_path: Path
) -> None:
    """`memory_kib = 2**22` once cost 4.3 GB and 17 s before failing."""
    _edit_slot(damaged, "passphrase", _kdf("memory_kib", 2**22))
    before = snapshot(damaged)
    out, err, peak = tmp_path / "stdout", tmp_path / "stderr", tmp_path / "peak"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        cli = [sys.executable, "-m", "asb_tui.cli", "audit", "verify"]
        process = subprocess.run(
            [sys.executable, "-c", _PEAK_OF_CHILD, str(peak), *cli],
            env=cli_env(damaged),
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            check=False,
        )
    result = subprocess.CompletedProcess(
        [], process.returncode, out.read_text(encoding="utf-8"), err.read_text(encoding="utf-8")
    )
    peak_kib = int(peak.read_text())
    assert_refused(result, "key file", "memory_kib is 4,194,304", "nothing was derived")
    assert peak_kib < 512 * 1024, f"peak {peak_kib} KiB: memory was spent"
    assert snapshot(damaged) == before
    _restore_key_file_and_check(original, damaged)


# --- the database file -----------------------------------------------------------------------


def test_an_empty_database_beside_a_good_key_file_is_refused_not_refilled(
    damaged: Path,
) -> None:
    (damaged / "asb.db").write_bytes(b"")
    before = snapshot(damaged)
    line = assert_refused(
        run_cli("export", "json", "--out", str(damaged.parent / "out.json"), data_dir=damaged),
        "is damaged",
        "empty (0 bytes)",
        *RESTORE_ADVICE,
    )
    assert "nothing was changed" in line
    assert snapshot(damaged) == before  # no fresh schema written into it
    assert (damaged / "asb.db").stat().st_size == 0
    assert not (damaged.parent / "out.json").exists()
    with pytest.raises(StoreDamaged):
        open_store(damaged, PASSPHRASE, actor="Officer")
    assert snapshot(damaged) == before


@pytest.mark.parametrize(
    ("keep", "fragments"),
    [
        (lambda size: size // 2 // PAGE_SIZE * PAGE_SIZE, ("damaged", "malformed")),
        (lambda size: size // 2 // PAGE_SIZE * PAGE_SIZE + 1000, ("truncated", "4,096-byte")),
    ],
    ids=["at a page boundary", "mid-page"],
)
def test_a_truncated_database_is_refused(
    damaged: Path,
    keep: Callable[[int], int],
    fragments: tuple[str, ...],
) -> None:
    database = damaged / "asb.db"
    os.truncate(database, keep(database.stat().st_size))
    before = snapshot(damaged)
    assert_refused(run_cli("audit", "verify", data_dir=damaged), *fragments, *RESTORE_ADVICE)
    assert snapshot(damaged) == before


def _flip_a_byte_in_the_incident_table(data_dir: Path) -> int:
    """The page number damaged: the root page of the incident table, which `export json` reads
    and the audit chain does not."""
    key_file = keyslots.read_key_file(data_dir / "keys.json")
    key = keyslots.open_slot(key_file.slot(keyslots.PASSPHRASE), PASSPHRASE)
    with raw_connection(data_dir / "asb.db", key) as conn:
        (page,) = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = 'incident'"
        ).fetchone()
    database = data_dir / "asb.db"
    raw = bytearray(database.read_bytes())
    raw[(page - 1) * PAGE_SIZE + 1500] ^= 0x10
    database.write_bytes(bytes(raw))
    return int(page)


def test_a_flipped_byte_fails_audit_verify_and_export_with_the_page_and_advice(
    damaged: Path, tmp_path: Path
) -> None:
    page = _flip_a_byte_in_the_incident_table(damaged)
    before = snapshot(damaged)
    found = f"1 page fails the integrity check (page {page})"
    assert_refused(run_cli("audit", "verify", data_dir=damaged), found, *RESTORE_ADVICE)
    assert snapshot(damaged) == before

    out = tmp_path / "export.json"
    assert_refused(
        run_cli("export", "json", "--out", str(out), data_dir=damaged), found, *RESTORE_ADVICE
    )
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".export")] == []
    assert snapshot(damaged) == before
