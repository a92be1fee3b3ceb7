"""Rekey (and the passphrase commands) under faults, for real: a nearly full disk (a small tmpfs),
a second process writing to the store, and SIGKILL at the worst moments. Each time: the message
and exit status, no traceback, no temporary file left, and a store that its passphrase opens with
every record."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fault_testkit import (
    SmallDisk,
    assert_refused,
    content_digest,
    fill_store,
    leftover_temporaries,
    small_disk,
    snapshot,
)
from laptop_testkit import PASSPHRASE, cli_env, run_cli
from sqlmodel import select

from asb_tui.store.core import keyslots
from asb_tui.store.core import store as store_mod
from asb_tui.store.core.errors import DiskFull, RekeyFailed, StoreBusy, StoreError
from asb_tui.store.core.models import Case, Incident
from asb_tui.store.core.store import StorePaths, open_store
from asb_tui.store.core.store_lock import StoreLock

__all__ = ["small_disk"]  # the fixture, used by name below

WRITER = Path(__file__).with_name("steady_writer.py")
NEW_PASSPHRASE = "a brand new passphrase 2026"


def _recovery_key(data_dir: Path) -> str:
    """A recovery key this test knows (the store's own was shown once and not kept): its slot
    replaces the recovery slot."""
    key_file = keyslots.read_key_file(data_dir / "keys.json")
    data_key = keyslots.open_slot(key_file.slot(keyslots.PASSPHRASE), PASSPHRASE)
    recovery = keyslots.new_recovery_key()
    keyslots.write_atomically(
        data_dir / "keys.json",
        key_file.replace(keyslots.make_slot(keyslots.RECOVERY, recovery, data_key)).to_bytes(),
    )
    return recovery


@pytest.fixture
def disk_store(small_disk: Callable[[int], SmallDisk]) -> tuple[SmallDisk, Path, str]:
    """A store of about 1.5 MB on an 8 MB tmpfs: (the disk, the data dir, its digest)."""
    disk = small_disk(8)
    data_dir = disk.path / "data"
    digest = fill_store(data_dir, incidents=20, description_bytes=20000)
    return disk, data_dir, digest


# --- a nearly full disk ----------------------------------------------------------------------


def test_rekey_on_a_nearly_full_disk_is_refused_with_the_space_it_needs(
    disk_store: tuple[SmallDisk, Path, str],
) -> None:
    disk, data_dir, digest = disk_store
    size = (data_dir / "asb.db").stat().st_size
    disk.fill(leave_free=size // 2)
    before = snapshot(data_dir)
    line = assert_refused(
        run_cli("rekey", data_dir=data_dir), "rekey needs about", "free at least", "nothing was"
    )
    assert f"the database is {size / 2**20:.1f} MB" in line
    assert snapshot(data_dir) == before
    assert leftover_temporaries(data_dir) == []
    disk.empty()
    assert content_digest(data_dir) == digest


def test_a_rekey_that_fails_for_lack_of_space_keeps_the_old_key(
    disk_store: tuple[SmallDisk, Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills up between the space check and SQLCipher's rekey, which then reports
    success although it rolled back: the new key is proven not to open the database, so the
    old slots stay and the new ones are thrown away."""
    disk, data_dir, digest = disk_store
    monkeypatch.setattr(store_mod, "_check_space_for_rekey", lambda paths: None)
    disk.fill(leave_free=128 * 1024)  # room for the key files, not for the log of a rekey
    keys_before = (data_dir / "keys.json").read_bytes()
    database_before = (data_dir / "asb.db").read_bytes()
    with pytest.raises(RekeyFailed) as error:
        store_mod.rekey(data_dir, PASSPHRASE)
    assert "unchanged under its old key" in str(error.value)
    assert (data_dir / "keys.json").read_bytes() == keys_before
    assert (data_dir / "asb.db").read_bytes() == database_before
    assert not StorePaths(data_dir).pending_key_file.exists()
    assert leftover_temporaries(data_dir) == []
    disk.empty()
    assert content_digest(data_dir) == digest
    # With room, the same rekey goes through.
    assert store_mod.rekey(data_dir, PASSPHRASE).audit_problem is None
    assert content_digest(data_dir) == digest


def test_passphrase_change_and_reset_on_a_full_disk_change_nothing(
    disk_store: tuple[SmallDisk, Path, str],
) -> None:
    disk, data_dir, digest = disk_store
    recovery = _recovery_key(data_dir)
    disk.fill()
    before = snapshot(data_dir)
    env = cli_env(data_dir, ASB_NEW_PASSPHRASE=NEW_PASSPHRASE, ASB_RECOVERY_KEY=recovery)
    for argv in (["passphrase", "change"], ["passphrase", "reset", "--recovery-key"]):
        assert_refused(
            run_cli(*argv, data_dir=data_dir, env=env),
            f"the disk holding {data_dir} is full",
            "needs about 256 KB free",
            "nothing was changed",
        )
        assert snapshot(data_dir) == before
        assert leftover_temporaries(data_dir) == []
    disk.empty()
    assert content_digest(data_dir) == digest  # the old passphrase still opens it
    store_mod.change_passphrase(data_dir, PASSPHRASE, NEW_PASSPHRASE)  # with room, it works
    assert content_digest(data_dir, NEW_PASSPHRASE) == digest


def test_a_key_file_that_cannot_be_written_leaves_the_old_one_and_no_temporary(
    disk_store: tuple[SmallDisk, Path, str],
) -> None:
    """The store opened, then the disk filled before the new key file was written."""
    disk, data_dir, digest = disk_store
    key_file = data_dir / "keys.json"
    old = key_file.read_bytes()
    current = keyslots.read_key_file(key_file)
    data_key = keyslots.open_slot(current.slot(keyslots.PASSPHRASE), PASSPHRASE)
    new = current.replace(keyslots.make_slot(keyslots.PASSPHRASE, NEW_PASSPHRASE, data_key))
    disk.fill()
    with pytest.raises(DiskFull) as error:
        keyslots.write_atomically(key_file, new.to_bytes())
    assert "to write keys.json: it needs 5 KB and 0 KB is free" in str(error.value)
    assert key_file.read_bytes() == old
    assert leftover_temporaries(data_dir) == []
    disk.empty()
    assert content_digest(data_dir) == digest


# --- another process has the store open ------------------------------------------------------


def test_rekey_is_refused_while_another_process_writes_and_its_writes_all_succeed(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    fill_store(data_dir)
    with open_store(data_dir, PASSPHRASE, actor="Test") as store, store.read() as session:
        case_id = session.exec(select(Case.id)).first()
    writer = subprocess.Popen(
        [sys.executable, str(WRITER), str(data_dir), str(case_id)],
        env=cli_env(data_dir),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None and writer.stdin is not None
        ready = writer.stdout.readline()
        assert ready.startswith("ready "), (ready, writer.stderr.read() if writer.stderr else "")
        keys_before = (data_dir / "keys.json").read_bytes()
        started = time.monotonic()
        result = run_cli("rekey", data_dir=data_dir)
        finished = time.monotonic()
        assert_refused(
            result,
            "is open in another asb-tui process",
            f"pid {writer.pid}",
            "then run rekey again",
            "nothing was changed",
        )
        writer.stdin.write("stop\n")
        writer.stdin.flush()
        report = json.loads(writer.stdout.readline())
        assert writer.wait(timeout=60) == 0
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    assert report["failed"] == []
    assert report["first"] < started and report["last"] > finished  # it wrote all along
    assert (data_dir / "keys.json").read_bytes() == keys_before
    with open_store(data_dir, PASSPHRASE, actor="Test") as store, store.read() as session:
        stored = set(session.exec(select(Incident.id)).all())
    assert set(report["saved"]) <= stored


def test_nothing_opens_the_store_while_a_rekey_holds_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    digest = fill_store(data_dir, incidents=2)
    with StoreLock.acquire(data_dir, exclusive=True, purpose="rekey"):
        with pytest.raises(StoreBusy) as error:
            open_store(data_dir, PASSPHRASE, actor="Test")
        assert "is being re-keyed by another asb-tui process" in str(error.value)
        assert "(pid " in str(error.value)
        with pytest.raises(StoreBusy):
            store_mod.change_passphrase(data_dir, PASSPHRASE, NEW_PASSPHRASE)
    assert content_digest(data_dir) == digest


# --- killed at the worst moments -------------------------------------------------------------


def _inode(path: Path) -> int:
    try:
        return path.stat().st_ino
    except FileNotFoundError:
        return 0


def _kill_rekey_when(data_dir: Path, moment: Callable[[], bool]) -> str:
    """Start `asb-tui rekey`, SIGKILL it as soon as `moment()` is true; how it ended."""
    process = subprocess.Popen(
        [sys.executable, "-m", "asb_tui.cli", "rekey"],
        env=cli_env(data_dir),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        # Watching another process's files: there is nothing to await, so look often.
        while process.poll() is None and not moment():
            time.sleep(0.001)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        _out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert b"Traceback" not in err, err.decode()
    return "killed" if process.returncode == -signal.SIGKILL else f"exit {process.returncode}"


def test_a_rekey_killed_at_any_moment_leaves_a_store_the_passphrase_opens(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    digest = fill_store(data_dir, incidents=40, description_bytes=40000)
    paths = StorePaths(data_dir)
    size = paths.database.stat().st_size
    wal = paths.database.with_name("asb.db-wal")
    rng = random.Random()
    seed = rng.randrange(2**32)
    rng.seed(seed)
    keys_inode = _inode(paths.key_file)
    deadline = time.monotonic()
    moments: dict[str, Callable[[], bool]] = {
        "the new slots are written": paths.pending_key_file.exists,
        "the log holds a third of the pages": lambda: (
            wal.exists() and wal.stat().st_size > size // 3
        ),
        "the key file is replaced": lambda: _inode(paths.key_file) != keys_inode,
        "a random moment": lambda: time.monotonic() > deadline,
    }
    endings: dict[str, str] = {}
    for name, moment in moments.items():
        keys_inode = _inode(paths.key_file)
        deadline = time.monotonic() + rng.uniform(0.5, 3.0)
        endings[name] = _kill_rekey_when(data_dir, moment)
        assert content_digest(data_dir) == digest, (name, endings, seed)
        assert not paths.pending_key_file.exists(), (name, endings)
    # The three moments of the transaction itself were reached and cut short.
    assert [endings[name] for name in list(moments)[:3]] == ["killed"] * 3, (endings, seed)


def test_a_key_file_that_does_not_read_back_is_never_moved_into_place(tmp_path: Path) -> None:
    key_file = tmp_path / "keys.json"
    key_file.write_bytes(b"the old key file")

    def refuse(raw: bytes) -> None:
        assert raw == b"the new key file"  # what was read back is what was written
        raise StoreError("the new key file did not read back correctly; nothing was changed")

    with pytest.raises(StoreError, match="did not read back"):
        keyslots.write_atomically(key_file, b"the new key file", check=refuse)
    assert key_file.read_bytes() == b"the old key file"
    assert leftover_temporaries(tmp_path) == []
