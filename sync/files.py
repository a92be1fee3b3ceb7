"""The laptop side of evidence file sync: sealed chunks up and down, after the records.

The transfer talks to the laptop's blob store only through `LocalFiles`, which the laptop
implements (asb_tui/store/replica/files.py), and to the service through `SyncClient`. It never
sees a plaintext byte: chunks are sealed on the laptop at intake (AES-GCM under the file's own
key) and travel and rest sealed; the laptop opens and checks each one as it is kept.

- Upload: the files of the officer's team's cases that the laptop holds whole and the service
  does not: the service says which chunks it holds (one request per `MAX_BLOB_ASK` files) and
  only the others are sent.
- Download: the files the pulled evidence items name and the laptop lacks: only the chunks it
  lacks are asked for, and a file is finished (its SHA-256 checked over every chunk) when the
  last arrives.

Both resume where they stopped: a transfer cut after k chunks (a dropped link, a closed lid)
sends or fetches only the rest the next time, because what is held is asked on both sides
rather than remembered. A file two items name is one blob (the same id) and moves once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from sync.client import SyncClient
from sync.protocol import (
    MAX_BLOB_ASK,
    BlobStatus,
    BlobStatusReply,
    BlobStatusRequest,
    ChunkPutReply,
    plain_chunk_size,
    sealed_chunk_size,
)
from sync.replica_contract import FileWant, LocalFiles, SyncError

__all__ = [
    "FileProgress",
    "FileRefused",
    "FileSyncResult",
    "FileTransfer",
    "FileWant",
    "LocalFiles",
]


class FileRefused(SyncError):
    """The laptop would not keep what the service sent (a chunk that does not open under the
    file's key, or a file whose hash is not the item's): nothing of it was kept."""


@dataclass(frozen=True)
class FileProgress:
    direction: Literal["upload", "download"]
    bytes_done: int
    bytes_total: int
    files_done: int
    files_total: int

    @property
    def message(self) -> str:
        verb = "sent" if self.direction == "upload" else "received"
        return (
            f"files {verb}: {self.files_done}/{self.files_total}, "
            f"{self.bytes_done / 1e6:.1f}/{self.bytes_total / 1e6:.1f} MB"
        )


@dataclass
class FileSyncResult:
    chunks_sent: int = 0
    chunks_received: int = 0
    #: chunks the service already held (acknowledged, not rewritten)
    chunks_already_held: int = 0
    files_uploaded: int = 0
    files_downloaded: int = 0
    #: files the service does not hold whole yet (their team's laptop has not sent them all)
    files_waiting: int = 0
    #: files the service refused this laptop (a share without files, or no item it may see)
    files_refused: int = 0
    warnings: list[str] = field(default_factory=list)


Notify = Callable[[FileProgress], None]


class FileTransfer:
    """Evidence files up and down through one enrolled `SyncClient`. Blocking: a worker's."""

    def __init__(self, client: SyncClient, files: LocalFiles) -> None:
        self.client = client
        self.files = files

    # -- the service's side ------------------------------------------------------------------

    def status(self, blob_ids: Sequence[str]) -> BlobStatusReply:
        blobs: list[BlobStatus] = []
        refused = []
        ids = list(dict.fromkeys(blob_ids))
        for start in range(0, len(ids), MAX_BLOB_ASK):
            request = BlobStatusRequest(blob_ids=ids[start : start + MAX_BLOB_ASK])
            reply = self.client.call("POST", "/files/status", BlobStatusReply, request)
            blobs.extend(reply.blobs)
            refused.extend(reply.refused)
        return BlobStatusReply(blobs=blobs, refused=refused)

    def put_chunk(self, blob_id: str, n: int, sealed: bytes) -> ChunkPutReply:
        response = self.client.octets("PUT", f"/files/{blob_id}/chunks/{n}", sealed)
        return ChunkPutReply.model_validate_json(response.content)

    def get_chunk(self, blob_id: str, n: int, size: int) -> bytes:
        sealed = self.client.octets("GET", f"/files/{blob_id}/chunks/{n}").content
        if len(sealed) != sealed_chunk_size(size, n):
            raise FileRefused(f"the service sent chunk {n} of a file at the wrong length")
        return sealed

    # -- the two directions ------------------------------------------------------------------

    def upload(self, notify: Notify | None = None) -> FileSyncResult:
        """Send the chunks of this laptop's team's files that the service lacks."""
        result = FileSyncResult()
        wants = {w.blob_id: w for w in self.files.to_upload()}
        if not wants:
            return result
        reply = self.status(list(wants))
        for refusal in reply.refused:  # an item the service does not hold yet, say
            result.warnings.append(f"a file could not be sent: {refusal.message}")
        whole = [b.blob_id for b in reply.blobs if b.complete]
        todo = [b for b in reply.blobs if not b.complete]
        total = sum(b.size for b in todo)
        done = 0
        for number, blob in enumerate(todo, start=1):
            held = set(blob.held)
            for n in range(blob.chunks):
                if n in held:
                    done += plain_chunk_size(blob.size, n)
                    continue
                put = self.put_chunk(blob.blob_id, n, self.files.read_sealed(blob.blob_id, n))
                result.chunks_sent += put.stored
                result.chunks_already_held += not put.stored
                done += plain_chunk_size(blob.size, n)
                if notify:
                    notify(FileProgress("upload", done, total, number - 1, len(todo)))
            result.files_uploaded += 1
            whole.append(blob.blob_id)
            if notify:
                notify(FileProgress("upload", done, total, number, len(todo)))
        self.files.mark_sent(whole)
        return result

    def download(
        self, notify: Notify | None = None, only: Sequence[FileWant] | None = None
    ) -> FileSyncResult:
        """Fetch the chunks of the files the laptop lacks (`only`: these files alone)."""
        result = FileSyncResult()
        wants = {w.blob_id: w for w in (only if only is not None else self.files.to_download())}
        if not wants:
            return result
        reply = self.status(list(wants))
        result.files_refused = len(reply.refused)
        missing = {b.blob_id: self.files.missing_chunks(b.blob_id) for b in reply.blobs}
        total = sum(plain_chunk_size(b.size, n) for b in reply.blobs for n in missing[b.blob_id])
        done = files_done = 0
        for blob in reply.blobs:
            held = set(blob.held)
            lacking = missing[blob.blob_id]
            for n in lacking:
                if n not in held:
                    continue
                sealed = self.get_chunk(blob.blob_id, n, blob.size)
                try:
                    self.files.write_sealed(blob.blob_id, n, sealed)
                except ValueError as exc:
                    raise FileRefused(
                        f"chunk {n} of a file from the service does not open under its key "
                        f"({exc}); it was not kept"
                    ) from exc
                result.chunks_received += 1
                done += plain_chunk_size(blob.size, n)
                if notify:
                    notify(FileProgress("download", done, total, files_done, len(reply.blobs)))
            if not set(lacking) <= held:
                result.files_waiting += 1
                continue
            try:
                self.files.finish(blob.blob_id)
            except ValueError as exc:
                raise FileRefused(f"a file from the service is not the item's ({exc})") from exc
            files_done += 1
            result.files_downloaded += 1
            if notify:
                notify(FileProgress("download", done, total, files_done, len(reply.blobs)))
        return result
