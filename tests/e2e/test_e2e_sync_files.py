"""Evidence files between real laptops (encrypted stores, their blob stores) through a real
server process, SQLite and PostgreSQL: records first, then the files; identical bytes on a
second laptop of the team; none on an agency laptop whose share leaves the files out (and its
requests refused), the files with a share that includes them; an upload cut halfway resumed
with only the rest; downloads deferred on a slow link and one file fetched on demand by the CLI;
a destroyed case's chunks gone from the service."""

from __future__ import annotations

import hashlib
import os
import uuid
from datetime import date

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import select
from sync_e2e_support import (
    FaultyTransport,
    Laptop,
    LaptopFactory,
    assert_no_traceback,
    central,
    central_db,
    laptops,
    run_cli,
    unique_team,
)

from asb_tui.services.file_sync import fetch_item_file, run_file_sync
from asb_tui.store.commands.evidence import attach_evidence
from asb_tui.store.commands.retention import destroy_due_cases
from asb_tui.store.commands.sharing import share_case
from asb_tui.store.core.evidence_blobs import BlobRef, BlobStore
from asb_tui.store.core.models import Case, EvidenceItem
from asb_tui.store.queries.evidence import blob_ref
from asb_tui.store.replica.files import set_downloads_mode
from sync.client import SyncNetworkError
from sync.files import FileProgress
from sync.protocol import FILE_CHUNK_SIZE, blob_id
from sync.server import db as tables
from sync.server.db import open_database

__all__ = ["central", "central_db", "laptops"]


def _attach(laptop: Laptop, case_id: str, data: bytes, exhibit: str = "GD/1") -> BlobRef:
    """Attach a file as an officer does (hashed and sealed as it is read, recorded, audited)."""
    source = laptop.data_dir.parent / f"source-{uuid.uuid4().hex[:6]}.bin"
    source.write_bytes(data)
    attach_evidence(
        laptop.store, case_id, source, officer="Gill Dawson", exhibit_ref=exhibit,
        description="door damage",
    )  # fmt: skip
    source.unlink()
    with laptop.store.read() as session:
        item = session.exec(
            select(EvidenceItem).where(
                EvidenceItem.case_id == case_id, EvidenceItem.exhibit_ref == exhibit
            )
        ).one()
    ref = blob_ref(item)
    assert ref is not None
    return ref


def _share(laptop: Laptop, case_id: str, agency: str, *, files: bool) -> None:
    share_case(
        laptop.store, case_id, agency=agency, what="whole case",
        legal_basis="s115-crime-and-disorder-act-1998", shared_on=date(2026, 1, 6),
        today=date(2026, 1, 6), includes_files=files,
    )  # fmt: skip


def _plain(laptop: Laptop, ref: BlobRef) -> bytes:
    return b"".join(laptop.store.blobs.iter_plain(ref))


def _chunk_rows(db_url: str, blob: str) -> int:
    database = open_database(db_url)
    try:
        with database.read() as connection:
            c = tables.evidence_chunk
            query = sa.select(sa.func.count()).select_from(c).where(c.c.blob_id == blob)
            return int(connection.execute(query).scalar_one())
    finally:
        database.dispose()


def test_team_laptops_get_identical_bytes_and_agencies_only_with_the_files(
    laptops: LaptopFactory,
) -> None:
    team = unique_team()
    police, housing = f"police-{team}", f"housing-{team}"
    ann, bob = laptops(team=team, name="Ann"), laptops(team=team, name="Bob")
    pc = laptops(team=unique_team(), agency=police, name="PC")
    officer = laptops(team=unique_team(), agency=housing, name="Housing")
    data = os.urandom(2 * FILE_CHUNK_SIZE + 777)
    case_id = ann.new_case()
    ref = _attach(ann, case_id, data)
    _share(ann, case_id, police, files=False)
    _share(ann, case_id, housing, files=True)
    ann.sync()
    sent = run_file_sync(ann.store)
    assert (sent.sent.files_uploaded, sent.sent.chunks_sent) == (1, 3)

    progress: list[FileProgress] = []
    bob.sync()
    got = run_file_sync(bob.store, progress=progress.append)
    assert got.received.files_downloaded == 1 and got.lacking == 0
    assert hashlib.sha256(_plain(bob, ref)).hexdigest() == ref.sha256
    assert _plain(bob, ref) == data
    assert progress[-1].bytes_done == progress[-1].bytes_total == len(data)

    pc.sync()
    assert pc.case(case_id) is not None  # the records reach the agency
    skipped = run_file_sync(pc.store)  # its share has no files: it does not even ask
    assert skipped.received.chunks_received == 0 and skipped.lacking == 1
    case_ref = pc.held_case(case_id).ref
    asked = fetch_item_file(pc.store, case_ref, "GD/1")  # and when it asks, it is refused
    assert (asked.files_refused, asked.chunks_received) == (1, 0)
    pc.store.close()
    by_cli = run_cli("evidence", "fetch", case_ref, "GD/1", data_dir=pc.data_dir)
    assert_no_traceback(by_cli)
    assert by_cli.returncode == 2 and "without its files" in by_cli.stderr
    assert not BlobStore(pc.data_dir).folder(ref).exists()
    evidence = pc.data_dir / "evidence"
    assert not evidence.exists() or not any(p.is_file() for p in evidence.rglob("*"))

    officer.sync()
    shared = run_file_sync(officer.store)
    assert shared.received.files_downloaded == 1
    assert _plain(officer, ref) == data


def test_an_upload_cut_halfway_resumes_with_only_the_rest(
    laptops: LaptopFactory, central_db: str
) -> None:
    team = unique_team()
    ann = laptops(team=team, name="Ann")
    ref = _attach(ann, ann.new_case(), os.urandom(6 * FILE_CHUNK_SIZE))
    ann.sync()
    puts: list[str] = []

    def drop_after_three(request: httpx.Request, inner: httpx.BaseTransport) -> httpx.Response:
        if request.method == "PUT":
            if len(puts) >= 3:
                raise httpx.ConnectError("the link dropped", request=request)
            puts.append(request.url.path)
        return inner.handle_request(request)

    with pytest.raises(SyncNetworkError):
        run_file_sync(ann.store, transport=FaultyTransport(drop_after_three), retry_delay=0.01)
    blob = blob_id(ref.sha256, ref.keyfp)
    assert _chunk_rows(central_db, blob) == 3

    resumed_puts: list[str] = []

    def count(request: httpx.Request, inner: httpx.BaseTransport) -> httpx.Response:
        if request.method == "PUT":
            resumed_puts.append(request.url.path.rsplit("/", 1)[-1])
        return inner.handle_request(request)

    resumed = run_file_sync(ann.store, transport=FaultyTransport(count))
    assert sorted(resumed_puts) == ["3", "4", "5"]
    assert resumed.sent.chunks_sent == 3 and _chunk_rows(central_db, blob) == 6


def test_downloads_deferred_then_one_file_fetched_on_demand(
    laptops: LaptopFactory,
) -> None:
    team = unique_team()
    ann, bob = laptops(team=team, name="Ann"), laptops(team=team, name="Bob")
    case_id = ann.new_case()
    first = _attach(ann, case_id, os.urandom(3000), exhibit="GD/1")
    second = _attach(ann, case_id, os.urandom(4000), exhibit="GD/2")
    ann.store.close()
    synced = run_cli("sync", data_dir=ann.data_dir)  # records first, then the files
    assert_no_traceback(synced)
    assert synced.returncode == 0, synced.stderr
    assert "evidence files sent 2 (2 chunks)" in synced.stdout

    set_downloads_mode(bob.store, "on-demand")
    bob.sync()
    deferred = run_file_sync(bob.store)
    assert deferred.received.chunks_received == 0 and deferred.lacking == 2
    with bob.store.read() as session:
        ref = session.get(Case, case_id).ref  # type: ignore[union-attr]
    bob.store.close()
    done = run_cli("evidence", "fetch", ref, "gd/2", data_dir=bob.data_dir)
    assert_no_traceback(done)
    assert done.returncode == 0, done.stderr
    assert "is on this laptop" in done.stdout and "MB" in done.stdout
    unknown = run_cli("evidence", "fetch", ref, "GD/9", data_dir=bob.data_dir)
    assert unknown.returncode == 2 and "GD/9" in unknown.stderr
    assert_no_traceback(unknown)
    held = BlobStore(bob.data_dir)
    assert held.has_complete(second) and not held.has_complete(first)


def test_a_destroyed_case_takes_its_chunks_from_the_service(
    laptops: LaptopFactory, central_db: str
) -> None:
    team = unique_team()
    ann = laptops(team=team, name="Ann")
    case_id = ann.new_case()
    ref = _attach(ann, case_id, os.urandom(FILE_CHUNK_SIZE + 5))
    ann.sync()
    run_file_sync(ann.store)
    blob = blob_id(ref.sha256, ref.keyfp)
    assert _chunk_rows(central_db, blob) == 2
    ann.edit_case(case_id, {"status": "closed", "closed_on": date(2019, 3, 1),
                            "closure_reason": "resolved"})  # fmt: skip
    assert ann.sync().result.ok
    destroyed = destroy_due_cases(ann.store, date(2026, 1, 5), 5, apply=True)
    assert [c.case_id for c in destroyed.cases] == [case_id]
    assert ann.sync().result.ok
    assert _chunk_rows(central_db, blob) == 0
