"""The blob store of the evidence locker (store/core/evidence_blobs.py) on a real store's data
directory: chunk files sealed and opened, refused when altered, resumed, checked whole."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from asb_tui.store.core.evidence_blobs import (
    CHUNK_SIZE,
    BlobRef,
    BlobStore,
    EvidenceDamaged,
    EvidenceError,
    chunk_count,
    new_key,
    seal,
)
from asb_tui.store.core.store import Store

CANARY = b"CANARY-7f3e-evidence-locker-plaintext"


def _source(tmp_path: Path, size: int) -> Path:
    body = (CANARY + os.urandom(61)) * (size // (len(CANARY) + 61) + 1)
    path = tmp_path / "source.bin"
    path.write_bytes(body[:size])
    return path


def _intake(blobs: BlobStore, path: Path) -> BlobRef:
    measured = blobs.measure(path)
    ref = BlobRef(sha256=measured.sha256, key=new_key(), size=measured.size)
    blobs.seal_file(path, ref)
    return ref


def test_chunk_count_counts_whole_mebibytes_and_an_empty_file_as_one() -> None:
    assert [chunk_count(s) for s in (0, 1, CHUNK_SIZE, CHUNK_SIZE + 1)] == [1, 1, 1, 2]


def test_a_sealed_file_reads_back_identical_and_holds_no_plaintext(
    store: Store, tmp_path: Path
) -> None:
    source = _source(tmp_path, 2 * CHUNK_SIZE + 12345)
    ref = _intake(store.blobs, source)
    assert ref.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert store.blobs.has_complete(ref) and store.blobs.missing_chunks(ref) == []
    assert b"".join(store.blobs.iter_plain(ref)) == source.read_bytes()
    chunks = sorted(p for p in store.blobs.folder(ref).iterdir() if p.name != "complete")
    assert [p.name for p in chunks] == ["0", "1", "2"]
    for path in store.paths.data_dir.rglob("*"):
        if path.is_file():
            assert CANARY not in path.read_bytes(), path


def test_a_tampered_chunk_is_refused_on_read_and_on_receipt(store: Store, tmp_path: Path) -> None:
    ref = _intake(store.blobs, _source(tmp_path, CHUNK_SIZE + 10))
    sealed = bytearray(store.blobs.read_sealed(ref, 1))
    sealed[3] ^= 0x01
    with pytest.raises(EvidenceDamaged):
        store.blobs.write_sealed(ref, 1, bytes(sealed))
    store.blobs.chunk_path(ref, 1).write_bytes(bytes(sealed))
    with pytest.raises(EvidenceDamaged, match="does not open"):
        b"".join(store.blobs.iter_plain(ref))
    # A chunk moved to another position does not open either (the position is authenticated).
    with pytest.raises(EvidenceDamaged):
        store.blobs.write_sealed(ref, 1, store.blobs.read_sealed(ref, 0))


def test_sealed_chunks_copied_one_by_one_make_the_same_blob_elsewhere(
    store: Store, tmp_path: Path
) -> None:
    """The transfer's path: a receiver writes sealed chunks in any order, resumes what is missing,
    and `finish` checks the whole; sealing again is byte-identical (idempotent resume)."""
    ref = _intake(store.blobs, _source(tmp_path, 3 * CHUNK_SIZE))
    other = BlobStore(tmp_path / "other")
    other.write_sealed(ref, 2, store.blobs.read_sealed(ref, 2))
    assert other.missing_chunks(ref) == [0, 1] and not other.has_complete(ref)
    with pytest.raises(EvidenceError, match="lacks 2"):
        other.finish(ref)
    for n in other.missing_chunks(ref):
        other.write_sealed(ref, n, store.blobs.read_sealed(ref, n))
    other.finish(ref)
    assert other.has_complete(ref)
    plain0 = next(iter(store.blobs.iter_plain(ref)))
    assert seal(ref, 0, plain0) == store.blobs.read_sealed(ref, 0)


def test_finish_refuses_chunks_that_open_but_are_not_the_recorded_content(
    store: Store, tmp_path: Path
) -> None:
    source = _source(tmp_path, 100)
    measured = store.blobs.measure(source)
    wrong = BlobRef(sha256="0" * 64, key=new_key(), size=measured.size)
    store.blobs.write_sealed(wrong, 0, seal(wrong, 0, source.read_bytes()))
    with pytest.raises(EvidenceDamaged, match="does not hash"):
        store.blobs.finish(wrong)


def test_intake_refuses_a_folder_a_missing_file_and_a_file_too_big(
    store: Store, tmp_path: Path
) -> None:
    with pytest.raises(EvidenceError, match="is a folder"):
        store.blobs.measure(tmp_path)
    with pytest.raises(EvidenceError, match="there is no file"):
        store.blobs.measure(tmp_path / "absent.jpg")
    with pytest.raises(EvidenceError, match=r"larger than the 0\.001 MB"):
        store.blobs.measure(_source(tmp_path, 1001), max_bytes=1000)


def test_remove_deletes_the_chunk_files(store: Store, tmp_path: Path) -> None:
    ref = _intake(store.blobs, _source(tmp_path, 10))
    assert store.blobs.remove(ref)
    assert not store.blobs.folder(ref).exists()
    assert not store.blobs.folder(ref).parent.exists()
    assert list(store.blobs.held()) == []
