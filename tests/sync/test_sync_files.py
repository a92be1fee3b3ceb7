"""Evidence files through a real server process (SQLite and PostgreSQL): sealed chunks up and
down, resumed after a cut, deduplicated, reaching an agency only with a share that includes the
files, refused to everyone else, and removed with a destroyed case. The laptops are test
replicas with an in-memory blob store sealing chunks the way the laptop's does (AES-GCM, the
chunk number as nonce); the service never sees a key in use, only sealed bytes."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sync_server_testkit import (
    Device,
    NewDevice,
    ServerProcess,
    make_device,
    running_server,
    unique_team,
)

from sync.client import SyncNetworkError
from sync.files import FileProgress, FileTransfer, FileWant
from sync.protocol import (
    FILE_CHUNK_SIZE,
    MAX_SEALED_CHUNK,
    blob_id,
    chunk_count,
    plain_chunk_size,
)
from sync.server import db as tables
from sync.server.db import open_database


@dataclass
class SealedFile:
    data: bytes
    key: bytes = field(default_factory=lambda: os.urandom(32))

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def blob_id(self) -> str:
        return blob_id(self.sha256, hashlib.sha256(self.key).hexdigest()[:16])

    @property
    def chunks(self) -> int:
        return chunk_count(len(self.data))

    def seal(self, n: int) -> bytes:
        plain = self.data[n * FILE_CHUNK_SIZE : (n + 1) * FILE_CHUNK_SIZE]
        aad = f"{self.sha256}:{n}:{self.chunks}".encode()
        return AESGCM(self.key).encrypt(n.to_bytes(12, "big"), plain, aad)

    def open(self, n: int, sealed: bytes) -> bytes:
        aad = f"{self.sha256}:{n}:{self.chunks}".encode()
        return AESGCM(self.key).decrypt(n.to_bytes(12, "big"), sealed, aad)


class MemoryFiles:
    """A laptop's blob store in memory, with the checks the real one makes on what it keeps."""

    def __init__(self) -> None:
        self.known: dict[str, SealedFile] = {}  # what its evidence items name (key included)
        self.held: dict[str, dict[int, bytes]] = {}
        self.finished: set[str] = set()
        self.sent: set[str] = set()  # the service said it holds them whole
        self.read_budget: int | None = None  # raise after this many chunk reads (a cut)

    def attach(self, file: SealedFile) -> None:
        self.known[file.blob_id] = file
        self.held[file.blob_id] = {n: file.seal(n) for n in range(file.chunks)}
        self.finished.add(file.blob_id)

    def learn(self, file: SealedFile) -> None:
        """An item pulled: the laptop knows the file's key but holds none of its bytes."""
        self.known[file.blob_id] = file  # (the test keeps the bytes to compare with)
        self.held.setdefault(file.blob_id, {})

    def to_upload(self) -> list[FileWant]:
        return [FileWant(b, len(self.known[b].data)) for b in sorted(self.finished - self.sent)]

    def mark_sent(self, blobs: Sequence[str]) -> None:
        self.sent.update(blobs)

    def to_download(self) -> list[FileWant]:
        return [FileWant(b, len(f.data)) for b, f in self.known.items() if b not in self.finished]

    def missing_chunks(self, blob: str) -> list[int]:
        return [n for n in range(self.known[blob].chunks) if n not in self.held[blob]]

    def read_sealed(self, blob: str, n: int) -> bytes:
        if self.read_budget is not None:
            if self.read_budget == 0:
                raise ConnectionError("the lid was closed")
            self.read_budget -= 1
        return self.held[blob][n]

    def write_sealed(self, blob: str, n: int, sealed: bytes) -> None:
        try:
            self.known[blob].open(n, sealed)
        except Exception as exc:
            raise ValueError("the chunk does not open under the file's key") from exc
        self.held[blob][n] = sealed

    def finish(self, blob: str) -> None:
        file = self.known[blob]
        plain = b"".join(file.open(n, self.held[blob][n]) for n in range(file.chunks))
        if hashlib.sha256(plain).hexdigest() != file.sha256:
            raise ValueError("the file's SHA-256 is not the item's")
        self.finished.add(blob)

    def plain(self, blob: str) -> bytes:
        file = self.known[blob]
        return b"".join(file.open(n, self.held[blob][n]) for n in range(file.chunks))


def _item(device: Device, case_id: str, file: SealedFile) -> str:
    return device.replica.insert(
        "evidence_item",
        {
            "sha256": file.sha256,
            "size": len(file.data),
            "content_key": file.key.hex(),
            "description": "photo of the damaged door",
        },
        case_id=case_id,
    )


def _share(device: Device, case_id: str, agency: str, *, files: bool) -> str:
    return device.replica.insert(
        "sharing_record",
        {"agency": agency, "what": "case", "legal_basis": "s.115", "includes_files": files},
        case_id=case_id,
    )


def _headers(device: Device, **extra: str) -> dict[str, str]:
    settings = device.replica.sync_settings()
    assert settings is not None
    return {"Authorization": f"Bearer {settings.device_token}", **extra}


def _put(server: ServerProcess, device: Device, blob: str, n: int, body: bytes) -> httpx.Response:
    return httpx.put(
        f"{server.url}/v1/files/{blob}/chunks/{n}",
        content=body,
        headers=_headers(device, **{"Content-Type": "application/octet-stream"}),
        timeout=30,
    )


def _get(server: ServerProcess, device: Device, blob: str, n: int) -> httpx.Response:
    return httpx.get(
        f"{server.url}/v1/files/{blob}/chunks/{n}", headers=_headers(device), timeout=30
    )


def _chunks_held(server: ServerProcess, blob: str | None = None) -> int:
    database = open_database(server.db_url)
    try:
        with database.read() as connection:
            query = sa.select(sa.func.count()).select_from(tables.evidence_chunk)
            if blob is not None:
                query = query.where(tables.evidence_chunk.c.blob_id == blob)
            return int(connection.execute(query).scalar_one())
    finally:
        database.dispose()


def _file(size: int) -> SealedFile:
    return SealedFile(os.urandom(size))


def test_a_second_laptop_of_the_team_receives_identical_bytes(new_device: NewDevice) -> None:
    team = unique_team()
    ann, bob = new_device(team=team), new_device(team=team)
    file = _file(2 * FILE_CHUNK_SIZE + 12_345)  # three chunks, the last short
    case_id = ann.replica.new_case(team)
    _item(ann, case_id, file)
    ann.sync()
    ann_files, bob_files = MemoryFiles(), MemoryFiles()
    ann_files.attach(file)

    sent = FileTransfer(ann.client, ann_files).upload()
    assert (sent.chunks_sent, sent.files_uploaded) == (3, 1)

    bob.sync()
    bob_files.learn(file)
    progress: list[FileProgress] = []
    got = FileTransfer(bob.client, bob_files).download(progress.append)
    assert (got.chunks_received, got.files_downloaded, got.files_refused) == (3, 1, 0)
    assert hashlib.sha256(bob_files.plain(file.blob_id)).hexdigest() == file.sha256
    assert bob_files.held[file.blob_id] == ann_files.held[file.blob_id]
    assert progress[-1].bytes_done == progress[-1].bytes_total == len(file.data)

    # nothing moves twice: a second upload sends nothing, a second download fetches nothing
    assert FileTransfer(ann.client, ann_files).upload().chunks_sent == 0
    assert FileTransfer(bob.client, bob_files).download().chunks_received == 0


def test_an_upload_cut_halfway_resumes_with_only_the_rest(
    new_device: NewDevice, server: ServerProcess
) -> None:
    team = unique_team()
    ann = new_device(team=team)
    file = _file(5 * FILE_CHUNK_SIZE + 1)  # six chunks
    case_id = ann.replica.new_case(team)
    _item(ann, case_id, file)
    ann.sync()
    files = MemoryFiles()
    files.attach(file)
    files.read_budget = 2
    with pytest.raises(ConnectionError):
        FileTransfer(ann.client, files).upload()
    assert _chunks_held(server, file.blob_id) == 2

    files.read_budget = None
    before = ann.client.bytes_sent
    resumed = FileTransfer(ann.client, files).upload()
    assert (resumed.chunks_sent, resumed.chunks_already_held) == (4, 0)
    sealed_rest = sum(len(file.seal(n)) for n in range(2, 6))
    assert sealed_rest <= ann.client.bytes_sent - before < sealed_rest + 4_000
    assert _chunks_held(server, file.blob_id) == 6


def test_a_download_cut_halfway_resumes_with_only_the_rest(new_device: NewDevice) -> None:
    team = unique_team()
    ann, bob = new_device(team=team), new_device(team=team)
    file = _file(4 * FILE_CHUNK_SIZE)
    case_id = ann.replica.new_case(team)
    _item(ann, case_id, file)
    ann.sync()
    ann_files = MemoryFiles()
    ann_files.attach(file)
    FileTransfer(ann.client, ann_files).upload()
    bob.sync()
    bob_files = MemoryFiles()
    bob_files.learn(file)

    def cut(progress: object) -> None:
        if len(bob_files.held[file.blob_id]) == 1:
            raise ConnectionError("the train went into a tunnel")

    with pytest.raises(ConnectionError):
        FileTransfer(bob.client, bob_files).download(cut)
    assert bob_files.missing_chunks(file.blob_id) == [1, 2, 3]
    resumed = FileTransfer(bob.client, bob_files).download()
    assert (resumed.chunks_received, resumed.files_downloaded) == (3, 1)
    assert bob_files.plain(file.blob_id) == file.data


def test_a_chunk_held_is_acknowledged_and_not_rewritten(
    new_device: NewDevice, server: ServerProcess
) -> None:
    team = unique_team()
    ann = new_device(team=team)
    file = _file(1000)
    case_id = ann.replica.new_case(team)
    _item(ann, case_id, file)
    ann.sync()
    first = _put(server, ann, file.blob_id, 0, file.seal(0))
    assert first.status_code == 200, first.text
    assert first.json()["stored"] is True and first.json()["complete"] is True
    # the same blob named by an item of a second case moves no bytes again
    other_case = ann.replica.new_case(team)
    _item(ann, other_case, file)
    ann.sync()
    again = _put(server, ann, file.blob_id, 0, os.urandom(len(file.seal(0))))
    assert again.status_code == 200 and again.json()["stored"] is False
    assert _get(server, ann, file.blob_id, 0).content == file.seal(0)
    assert _chunks_held(server, file.blob_id) == 1


def test_an_agency_receives_the_files_only_with_a_share_that_includes_them(
    new_device: NewDevice, server: ServerProcess
) -> None:
    team = unique_team()
    ann = new_device(team=team)
    police = new_device(team=unique_team(), agency=f"police-{team}")
    housing = new_device(team=unique_team(), agency=f"housing-{team}")
    file = _file(FILE_CHUNK_SIZE + 10)
    case_id = ann.replica.new_case(team)
    _item(ann, case_id, file)
    _share(ann, case_id, f"police-{team}", files=False)
    _share(ann, case_id, f"housing-{team}", files=True)
    ann.sync()
    ann_files = MemoryFiles()
    ann_files.attach(file)
    FileTransfer(ann.client, ann_files).upload()

    police.sync()
    assert police.replica.get("asb_case", case_id) is not None  # the records did come
    police_files = MemoryFiles()
    police_files.learn(file)
    refused = FileTransfer(police.client, police_files).download()
    assert (refused.files_refused, refused.chunks_received) == (1, 0)
    assert police_files.held[file.blob_id] == {}
    answer = _get(server, police, file.blob_id, 0)
    assert answer.status_code == 403 and "without its files" in answer.json()["message"]

    housing.sync()
    housing_files = MemoryFiles()
    housing_files.learn(file)
    got = FileTransfer(housing.client, housing_files).download()
    assert got.files_downloaded == 1
    assert housing_files.plain(file.blob_id) == file.data
    # even with the files, an agency never uploads to a case it does not own
    upload = _put(server, housing, file.blob_id, 0, file.seal(0))
    assert upload.status_code == 403


def test_what_an_attacker_sends_is_refused_without_a_server_error(
    new_device: NewDevice, server: ServerProcess
) -> None:
    team = unique_team()
    ann = new_device(team=team)
    mallory = new_device(team=unique_team())
    file = _file(FILE_CHUNK_SIZE + 100)
    case_id = ann.replica.new_case(team)
    _item(ann, case_id, file)
    ann.sync()
    good = file.seal(0)

    # another team: as if the file did not exist
    for answer in (
        _put(server, mallory, file.blob_id, 0, good),
        _get(server, mallory, file.blob_id, 0),
    ):
        assert answer.status_code == 404, answer.text
    status = httpx.post(
        f"{server.url}/v1/files/status", json={"blob_ids": [file.blob_id]},
        headers=_headers(mallory), timeout=30,
    )  # fmt: skip
    assert status.status_code == 200 and status.json()["blobs"] == []
    assert status.json()["refused"][0]["error"] == "not_found"
    # a forged blob id: the item's hash with another key's fingerprint
    forged = blob_id(file.sha256, "0" * 16)
    assert _put(server, ann, forged, 0, good).status_code == 404
    # a chunk for a blob no item names
    nameless = blob_id(hashlib.sha256(b"nothing").hexdigest(), "1" * 16)
    assert _put(server, ann, nameless, 0, good).status_code == 404
    # a chunk of the wrong size, and chunk n beyond the count
    short = _put(server, ann, file.blob_id, 1, good)
    assert short.status_code == 422 and "bytes sealed" in short.json()["message"]
    beyond = _put(server, ann, file.blob_id, 2, file.seal(1))
    assert beyond.status_code == 422 and "beyond" in beyond.json()["message"]
    # a huge body: over a chunk's size, and over the service's body limit
    assert _put(server, ann, file.blob_id, 0, b"\0" * (MAX_SEALED_CHUNK + 1)).status_code == 413
    assert _put(server, ann, file.blob_id, 0, b"\0" * (12 * 1024 * 1024)).status_code == 413
    # malformed names, a JSON body, no token
    for bad in ("nothex", file.blob_id.upper(), file.blob_id + "0"):
        assert _put(server, ann, bad, 0, good).status_code == 422
    assert _put(server, ann, file.blob_id, -1, good).status_code == 422
    assert _put(server, ann, file.blob_id, 10**9, good).status_code == 422
    as_json = httpx.put(
        f"{server.url}/v1/files/{file.blob_id}/chunks/0", json={"chunk": "x"},
        headers=_headers(ann), timeout=30,
    )  # fmt: skip
    assert as_json.status_code == 415
    anonymous = httpx.get(f"{server.url}/v1/files/{file.blob_id}/chunks/0", timeout=30)
    assert anonymous.status_code == 401
    assert _chunks_held(server, file.blob_id) == 0
    # and the real chunk still goes in afterwards
    assert _put(server, ann, file.blob_id, 0, good).status_code == 200
    assert plain_chunk_size(len(file.data), 1) == 100


def test_a_destroyed_case_or_deleted_item_takes_its_chunks_with_it(
    new_device: NewDevice, server: ServerProcess
) -> None:
    team = unique_team()
    ann = new_device(team=team)
    kept, destroyed = _file(3000), _file(2 * FILE_CHUNK_SIZE)
    shared = _file(500)  # named by both cases: it stays for the other
    keep_case, gone_case = ann.replica.new_case(team), ann.replica.new_case(team)
    kept_item = _item(ann, keep_case, kept)
    _item(ann, keep_case, shared)
    _item(ann, gone_case, destroyed)
    _item(ann, gone_case, shared)
    ann.sync()
    files = MemoryFiles()
    for f in (kept, destroyed, shared):
        files.attach(f)
    FileTransfer(ann.client, files).upload()
    assert _chunks_held(server, destroyed.blob_id) == 2

    ann.replica.delete("asb_case", gone_case)
    ann.sync()
    assert _chunks_held(server, destroyed.blob_id) == 0
    assert _chunks_held(server, kept.blob_id) == 1
    assert _chunks_held(server, shared.blob_id) == 1
    assert _get(server, ann, destroyed.blob_id, 0).status_code == 404

    # an item deleted alone takes its file's chunks too
    ann.replica.delete("evidence_item", kept_item)
    ann.sync()
    assert _chunks_held(server, kept.blob_id) == 0
    assert _chunks_held(server, shared.blob_id) == 1
    database = open_database(server.db_url)
    try:
        with database.read() as connection:
            names = connection.execute(sa.select(tables.evidence_name.c.case_id)).scalars()
            assert gone_case not in set(names)
            left = connection.execute(
                sa.select(tables.evidence_name.c.sha256).where(
                    tables.evidence_name.c.case_id == keep_case
                )
            ).scalars()
            assert set(left) == {shared.sha256}
    finally:
        database.dispose()


def test_a_service_killed_mid_upload_takes_the_rest_after_its_restart(
    db_url: str, tmp_path: Path
) -> None:
    """The service host loses power after two chunks: the chunks it committed are kept, and
    after the restart the laptop sends only the others."""
    with running_server(db_url, tmp_path) as own_server:
        team = unique_team()
        ann = make_device(own_server, tmp_path, team=team, retries=0)
        file = _file(5 * FILE_CHUNK_SIZE)
        case_id = ann.replica.new_case(team)
        _item(ann, case_id, file)
        ann.sync()
        files = MemoryFiles()
        files.attach(file)

        def kill_after_two(progress: FileProgress) -> None:
            if progress.bytes_done == 2 * FILE_CHUNK_SIZE:
                own_server.kill()

        with pytest.raises(SyncNetworkError):
            FileTransfer(ann.client, files).upload(kill_after_two)
        own_server.start()
        assert _chunks_held(own_server, file.blob_id) == 2
        resumed = FileTransfer(ann.client, files).upload()
        assert (resumed.chunks_sent, resumed.chunks_already_held) == (3, 0)
        assert _chunks_held(own_server, file.blob_id) == 5
        ann.client.close()
        ann.replica.close()
