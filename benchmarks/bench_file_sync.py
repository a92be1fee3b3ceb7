"""Evidence file sync over loopback: a 50 MB file's sealed chunks sent by one laptop and fetched
by another through a real `asb-sync-server` process (SQLite, and PostgreSQL when reachable),
against the raw copy speed of the same bytes on the same disk in the same run.

The laptops' blob stores are the real one (asb_tui/store/core/evidence_blobs.py: chunk files
sealed with AES-GCM, each fetched chunk opened before it is kept, written to a temporary name,
flushed and renamed, and the whole file's SHA-256 checked at the end); the records are a test
replica's (an evidence item pushed before its bytes, as a laptop does). The raw copy is
`shutil.copyfile` of the plaintext and an fsync: the floor any transfer of those bytes through
this disk pays.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from benchmarks._report import Figure

TESTS_SYNC = Path(__file__).resolve().parents[1] / "tests" / "sync"
if str(TESTS_SYNC) not in sys.path:
    sys.path.insert(0, str(TESTS_SYNC))

from asb_tui.store.core.evidence_blobs import BlobRef, BlobStore, new_key  # noqa: E402
from sync.client import SyncClient  # noqa: E402
from sync.files import FileTransfer, FileWant  # noqa: E402
from sync.protocol import blob_id  # noqa: E402

MEGABYTES = 50
#: each way, file sync may take at most this many times the raw copy of the same bytes: an HTTP
#: request, a database row and an fsync'd chunk file per MiB, against a copy through the page
#: cache (measured on the 2-core machine: 26 to 44 x, under load from other work)
TARGET_SLOWDOWN = 80.0


class BlobFiles:
    """`LocalFiles` over one blob store and the one file the benchmark moves."""

    def __init__(self, store: BlobStore, ref: BlobRef) -> None:
        self.store, self.ref = store, ref
        self.id = blob_id(ref.sha256, ref.keyfp)

    def to_upload(self) -> list[FileWant]:
        return [FileWant(self.id, self.ref.size)] if self.store.has_complete(self.ref) else []

    def to_download(self) -> list[FileWant]:
        return [] if self.store.has_complete(self.ref) else [FileWant(self.id, self.ref.size)]

    def mark_sent(self, _blobs: Sequence[str]) -> None:
        pass

    def missing_chunks(self, _blob: str) -> list[int]:
        return self.store.missing_chunks(self.ref)

    def read_sealed(self, _blob: str, n: int) -> bytes:
        return self.store.read_sealed(self.ref, n)

    def write_sealed(self, _blob: str, n: int, sealed: bytes) -> None:
        self.store.write_sealed(self.ref, n, sealed)

    def finish(self, _blob: str) -> None:
        self.store.finish(self.ref)


def _raw_copy_seconds(source: Path, directory: Path) -> float:
    target = directory / "copy.bin"
    started = time.perf_counter()
    shutil.copyfile(source, target)
    with open(target, "rb+") as copy:
        os.fsync(copy.fileno())
    seconds = time.perf_counter() - started
    target.unlink()
    return seconds


def _device(server: object, directory: Path, team: str) -> SyncClient:
    from replica_for_tests import TestReplica
    from sync_server_testkit import add_officer

    token = add_officer(server.db_url, f"bench-{uuid.uuid4().hex[:6]}", team=team)  # type: ignore[attr-defined]
    replica = TestReplica(directory / f"{uuid.uuid4().hex[:8]}.sqlite3")
    client = SyncClient(replica, server.url)  # type: ignore[attr-defined]
    client.enrol(token, "bench laptop")
    return client


def _bench_backend(kind: str, directory: Path, source: Path, megabytes: int) -> list[Figure]:
    from sync_server_testkit import fresh_database, running_server

    sender_store = BlobStore(directory / f"sender-{kind}")
    measured = sender_store.measure(source, max_bytes=source.stat().st_size)
    ref = BlobRef(measured.sha256, new_key(), measured.size)
    sender_store.seal_file(source, ref)
    receiver_store = BlobStore(directory / f"receiver-{kind}")

    with fresh_database(kind, directory) as url, running_server(url, directory) as server:
        team = f"bench-{uuid.uuid4().hex[:6]}"
        sender, receiver = _device(server, directory, team), _device(server, directory, team)
        replica = sender.replica
        case_id = replica.new_case(team, summary="benchmark case")  # type: ignore[attr-defined]
        replica.insert(  # type: ignore[attr-defined]
            "evidence_item",
            {"sha256": ref.sha256, "size": ref.size, "content_key": ref.key.hex()},
            case_id=case_id,
        )
        sender.sync()
        receiver.sync()

        copy_seconds = min(_raw_copy_seconds(source, directory) for _ in range(3))
        started = time.perf_counter()
        sent = FileTransfer(sender, BlobFiles(sender_store, ref)).upload()
        up_seconds = time.perf_counter() - started
        started = time.perf_counter()
        got = FileTransfer(receiver, BlobFiles(receiver_store, ref)).download()
        down_seconds = time.perf_counter() - started
        assert sent.files_uploaded == 1 and got.files_downloaded == 1, (sent, got)
        assert receiver_store.has_complete(ref)
        sender.close()
        receiver.close()

    return [
        Figure(f"raw copy of the {megabytes} MiB file, with fsync ({kind} run)",
               megabytes / copy_seconds, "MiB/s", detail=f"{copy_seconds:.3f} s"),
        Figure(f"file sync: send {megabytes} MiB of sealed chunks ({kind})",
               megabytes / up_seconds, "MiB/s", detail=f"{up_seconds:.2f} s"),
        Figure(f"file sync: fetch, open and check {megabytes} MiB ({kind})",
               megabytes / down_seconds, "MiB/s", detail=f"{down_seconds:.2f} s"),
        Figure(f"file sync: send, against the raw copy ({kind})",
               up_seconds / copy_seconds, "x", target=TARGET_SLOWDOWN),
        Figure(f"file sync: fetch, against the raw copy ({kind})",
               down_seconds / copy_seconds, "x", target=TARGET_SLOWDOWN),
    ]  # fmt: skip


def run(quick: bool = False) -> list[Figure]:
    from sync_server_testkit import postgres_unavailable_reason

    megabytes = 8 if quick else MEGABYTES
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="asb-bench-files-") as tmp:
        directory = Path(tmp)
        source = directory / "exhibit.bin"
        with open(source, "wb") as out:
            for _ in range(megabytes):
                out.write(os.urandom(1024 * 1024))
        figures += _bench_backend("sqlite", directory, source, megabytes)
        reason = postgres_unavailable_reason()
        if reason is None:
            figures += _bench_backend("postgres", directory, source, megabytes)
        else:
            figures.append(Figure(f"file sync on PostgreSQL skipped: {reason}", 0, "", target=None))
    return figures
