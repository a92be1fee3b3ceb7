"""Evidence intake's safety on a real store (store/core/evidence_blobs.py `seal_file`, its writer
threads): a file that changes between the two reads is refused and nothing is kept; what the
chunk files hold is checked before the blob counts as complete; every chunk file is fsynced
before its rename and the folder before the blob is marked complete; an intake stopped half way
leaves nothing and no thread writing; a full disk is one line and no half exhibit."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from evidence_testkit import canary_file, laptop_with_case, new_canary
from fault_testkit import SmallDisk, assert_refused, small_disk
from laptop_testkit import run_cli
from sqlmodel import select

import asb_tui.store.core.evidence_blobs as evidence_blobs
from asb_tui.store.commands.evidence import attach_evidence
from asb_tui.store.core.evidence_blobs import (
    CHUNK_SIZE,
    BlobRef,
    BlobStore,
    EvidenceDamaged,
    EvidenceError,
    new_key,
)
from asb_tui.store.core.models import EvidenceItem
from asb_tui.store.core.store import Store

__all__ = ["small_disk"]  # the fixture, used by name below

SIZE = 5 * CHUNK_SIZE + 1234  # six chunks, the last one short


def _nothing_kept(store: Store) -> None:
    """No exhibit recorded, no blob folder, no temporary chunk file, no intake thread left."""
    with store.read() as session:
        assert session.exec(select(EvidenceItem)).all() == []
    assert list(store.blobs.held()) == []
    assert [p for p in store.paths.data_dir.rglob("*.part")] == []
    assert [t.name for t in threading.enumerate() if t.name.startswith("evidence-")] == []


def _flip_byte(path: Path, offset: int) -> None:
    with open(path, "r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0x01]))


def _measured(blobs: BlobStore, source: Path) -> BlobRef:
    measured = blobs.measure(source)
    return BlobRef(sha256=measured.sha256, key=new_key(), size=measured.size)


@pytest.mark.parametrize(
    "change",
    ["one byte of its last chunk", "one byte of its first chunk", "grown", "cut short"],
)
def test_a_file_changed_after_it_was_hashed_is_refused_and_nothing_is_kept(
    store: Store, case_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    source = canary_file(tmp_path / "photo.jpg", SIZE, new_canary())
    real_measure = BlobStore.measure

    def measure_then_change(self: BlobStore, path: Path, **kwargs: int) -> object:
        measured = real_measure(self, path, **kwargs)
        if change == "grown":
            with open(path, "ab") as handle:
                handle.write(b"x")
        elif change == "cut short":
            os.truncate(path, SIZE - 1)
        else:
            _flip_byte(path, SIZE - 10 if "last" in change else 10)
        return measured

    monkeypatch.setattr(BlobStore, "measure", measure_then_change)
    with pytest.raises(EvidenceError, match="changed while it was being attached"):
        attach_evidence(store, case_id, source, officer="Gwen Davies")
    _nothing_kept(store)


def test_a_file_changed_while_it_is_being_sealed_is_refused(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = canary_file(tmp_path / "photo.jpg", SIZE, new_canary())
    ref = _measured(store.blobs, source)
    real_queue = evidence_blobs._ChunkWriter.seal_and_queue

    def queue_then_change(self: object, n: int, plain: memoryview) -> None:
        real_queue(self, n, plain)  # type: ignore[arg-type]
        if n == 1:  # chunks 0 and 1 read; chunk 4 is changed before it is read
            _flip_byte(source, 4 * CHUNK_SIZE + 99)

    monkeypatch.setattr(evidence_blobs._ChunkWriter, "seal_and_queue", queue_then_change)
    with pytest.raises(EvidenceError, match="changed while it was being attached"):
        store.blobs.seal_file(source, ref)
    assert not store.blobs.folder(ref).exists()
    assert not store.blobs.has_complete(ref)


def test_a_chunk_file_that_does_not_hold_what_was_sealed_is_refused_before_it_is_recorded(
    store: Store, case_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What is checked is the chunk file as read back, not the sealed bytes in memory."""
    source = canary_file(tmp_path / "photo.jpg", SIZE, new_canary())
    real_write = evidence_blobs._write_durably

    def write_then_damage(folder: Path, n: int, sealed: memoryview) -> None:
        real_write(folder, n, sealed)
        if n == 3:
            _flip_byte(folder / str(n), 500)

    monkeypatch.setattr(evidence_blobs, "_write_durably", write_then_damage)
    with pytest.raises(EvidenceDamaged, match=r"chunk 3 of exhibit file \w+ does not open"):
        attach_evidence(store, case_id, source, officer="Gwen Davies")
    _nothing_kept(store)


def test_every_chunk_is_fsynced_before_its_rename_and_the_folder_before_it_is_complete(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = canary_file(tmp_path / "photo.jpg", SIZE, new_canary())
    ref = _measured(store.blobs, source)
    folder = store.blobs.folder(ref)
    synced: list[tuple[str, bool]] = []  # (what was fsynced, was the blob marked complete then)
    lock = threading.Lock()
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        real_fsync(fd)
        path = Path(os.readlink(f"/proc/self/fd/{fd}"))
        with lock:
            synced.append((str(path.relative_to(folder.parent)), (folder / "complete").exists()))

    monkeypatch.setattr(os, "fsync", recording_fsync)
    store.blobs.seal_file(source, ref)
    monkeypatch.undo()

    chunk_syncs = [name for name, _ in synced if name.startswith(f"{folder.name}/.")]
    # Each chunk fsynced under its temporary name (so its final name is whole or absent) ...
    assert sorted(int(name.split("/.")[1].split(".")[0]) for name in chunk_syncs) == list(range(6))
    assert all(name.endswith(".part") for name in chunk_syncs)
    # ... then the folder (its renames) and its parent once, after every chunk and before the
    # blob is marked complete; then the folder again for the marker.
    last_chunk = max(i for i, (name, _) in enumerate(synced) if name in chunk_syncs)
    assert synced[last_chunk + 1 :] == [(folder.name, False), (".", False), (folder.name, True)]
    assert store.blobs.has_complete(ref)
    assert [p.name for p in folder.iterdir() if p.name.endswith(".part")] == []
    joined = b"".join(store.blobs.iter_plain(ref))
    assert (
        hashlib.sha256(joined).hexdigest()
        == ref.sha256
        == hashlib.sha256(source.read_bytes()).hexdigest()
    )


def test_an_intake_interrupted_half_way_leaves_nothing_and_no_thread_writing(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = canary_file(tmp_path / "photo.jpg", SIZE, new_canary())
    ref = _measured(store.blobs, source)
    real_queue = evidence_blobs._ChunkWriter.seal_and_queue

    def interrupted(self: object, n: int, plain: memoryview) -> None:
        if n == 4:
            raise KeyboardInterrupt
        real_queue(self, n, plain)  # type: ignore[arg-type]

    monkeypatch.setattr(evidence_blobs._ChunkWriter, "seal_and_queue", interrupted)
    with pytest.raises(KeyboardInterrupt):
        store.blobs.seal_file(source, ref)
    assert not store.blobs.folder(ref).exists()
    assert [t.name for t in threading.enumerate() if t.name.startswith("evidence-")] == []
    # Attached again, it goes through.
    monkeypatch.undo()
    store.blobs.seal_file(source, ref)
    assert store.blobs.has_complete(ref)


def test_a_full_disk_is_one_line_and_leaves_no_half_exhibit(
    small_disk: Callable[[int], SmallDisk], tmp_path: Path
) -> None:
    disk = small_disk(24)
    data_dir = disk.path / "data"
    _case_id, ref = laptop_with_case(data_dir)
    source = canary_file(tmp_path / "cctv.mp4", 12 * CHUNK_SIZE, new_canary())
    disk.fill(leave_free=4 * CHUNK_SIZE)
    assert_refused(run_cli("evidence", "add", ref, str(source), data_dir=data_dir), "disk is full")
    assert not [p for p in (data_dir / "evidence").rglob("*") if p.is_file()]
    assert disk.free() >= 4 * CHUNK_SIZE - 65536  # the chunks written were removed
    listed = run_cli("evidence", "list", ref, "--json", data_dir=data_dir)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == []
    # With room again, the same file attaches whole.
    disk.empty()
    added = run_cli("evidence", "add", ref, str(source), data_dir=data_dir)
    assert added.returncode == 0, added.stderr
    assert f"SHA-256 {hashlib.sha256(source.read_bytes()).hexdigest()}" in added.stdout
