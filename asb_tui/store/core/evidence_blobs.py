"""The evidence locker's files: encrypted chunk files in the store's data directory.

A file attached to a case (an exhibit) is kept as chunk files, never in plaintext:

    DATA/evidence/<sha256[:2]>/<sha256>-<keyfp>/<n>      n = 0 .. chunk_count(size) - 1

Each chunk is CHUNK_SIZE (1 MiB) of plaintext or less (the last), sealed with AES-256-GCM under
the blob's own random content key: nonce = n as 12 big-endian bytes, associated data =
f"{sha256}:{n}:{total_chunks}". The key is kept in the evidence_item row (`content_key`, hex),
so it lives in SQLCipher under the store's data key and travels with the row to the laptops that
may read the case. One key seals one content once, so the fixed nonce per chunk is safe and
sealing again gives the same bytes (a resumed transfer writes what it already had). keyfp =
sha256(key).hexdigest()[:16] keeps two keys for one content (two laptops attached the same file
before they synced) in two folders.

The sealed chunk is what the wire carries (`read_sealed` / `write_sealed`): a receiver checks it
by opening it before keeping it, and `finish` checks the SHA-256 over all the plaintext before
the blob counts as complete (a marker file `complete`, which holds nothing). Chunks are written
to a temporary name in their folder, flushed to disk and renamed, so a chunk file is whole or
absent. Intake (`seal_file`) streams: it reads the source chunk by chunk and never holds it whole,
and checks what the chunk files hold (read back, opened, hashed) before the blob is complete.
Why files rather than blobs in the database, with figures: docs/evidence.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import queue
import secrets
import shutil
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from asb_tui.store.core.errors import StoreError

CHUNK_SIZE = 1 << 20
#: The largest file intake accepts unless the store's setting says otherwise (500 MB).
DEFAULT_MAX_BYTES = 500_000_000
KEY_BYTES = 32
FOLDER = "evidence"
COMPLETE = "complete"
_TAG = 16


class EvidenceError(StoreError):
    """A file that cannot be attached, read or exported; one line saying why."""


class EvidenceDamaged(EvidenceError):
    """A chunk that does not open under its key, or content whose hash is not the recorded one."""


@dataclass(frozen=True)
class BlobRef:
    """Which blob: its content's SHA-256 (hex), its content key (32 bytes) and plaintext size."""

    sha256: str
    key: bytes = field(repr=False)
    size: int

    def __post_init__(self) -> None:
        if len(self.sha256) != 64 or any(c not in "0123456789abcdef" for c in self.sha256):
            raise EvidenceError("an evidence file's hash is not a SHA-256 in lower-case hex")
        if len(self.key) != KEY_BYTES:
            raise EvidenceError("an evidence file's content key is not 32 bytes")
        if self.size < 0:
            raise EvidenceError("an evidence file's size is negative")

    @classmethod
    def from_hex(cls, sha256: str, key_hex: str, size: int) -> BlobRef:
        try:
            key = bytes.fromhex(key_hex)
        except ValueError:
            raise EvidenceError("an evidence file's content key is not hex") from None
        return cls(sha256=sha256, key=key, size=size)

    @property
    def keyfp(self) -> str:
        return hashlib.sha256(self.key).hexdigest()[:16]

    @property
    def total_chunks(self) -> int:
        return chunk_count(self.size)


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def chunk_count(size: int) -> int:
    """Chunks of a blob of `size` bytes: an empty file is one empty chunk."""
    return max(1, -(-size // CHUNK_SIZE))


def chunk_length(ref: BlobRef, n: int) -> int:
    """Plaintext bytes in chunk n."""
    last = ref.total_chunks - 1
    return CHUNK_SIZE if n < last else ref.size - last * CHUNK_SIZE


def _nonce(n: int) -> bytes:
    return n.to_bytes(12, "big")


def _aad(ref: BlobRef, n: int) -> bytes:
    return f"{ref.sha256}:{n}:{ref.total_chunks}".encode()


def seal(ref: BlobRef, n: int, plain: bytes) -> bytes:
    return AESGCM(ref.key).encrypt(_nonce(n), plain, _aad(ref, n))


def open_sealed(ref: BlobRef, n: int, sealed: bytes) -> bytes:
    """The plaintext of chunk n; EvidenceDamaged if it was not sealed as chunk n of this blob."""
    _check_index(ref, n)
    if len(sealed) != chunk_length(ref, n) + _TAG:
        raise EvidenceDamaged(f"chunk {n} of exhibit file {ref.sha256[:12]} has the wrong length")
    try:
        return AESGCM(ref.key).decrypt(_nonce(n), sealed, _aad(ref, n))
    except InvalidTag:
        raise _not_opening(ref, n) from None


def _not_opening(ref: BlobRef, n: int) -> EvidenceDamaged:
    return EvidenceDamaged(
        f"chunk {n} of exhibit file {ref.sha256[:12]} does not open under its key "
        "(damaged or altered)"
    )


def _check_index(ref: BlobRef, n: int) -> None:
    if not 0 <= n < ref.total_chunks:
        raise EvidenceError(f"exhibit file {ref.sha256[:12]} has no chunk {n}")


@dataclass(frozen=True)
class Measured:
    """A source file read once: its hash, size and first bytes (for the type)."""

    sha256: str
    size: int
    head: bytes


class BlobStore:
    """The chunk files under one store's data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir) / FOLDER

    # -- where ------------------------------------------------------------------------------------

    def folder(self, ref: BlobRef) -> Path:
        return self.root / ref.sha256[:2] / f"{ref.sha256}-{ref.keyfp}"

    def chunk_path(self, ref: BlobRef, n: int) -> Path:
        return self.folder(ref) / str(n)

    # -- state ------------------------------------------------------------------------------------

    def has_complete(self, ref: BlobRef) -> bool:
        return (self.folder(ref) / COMPLETE).exists() and not self.missing_chunks(ref)

    def missing_chunks(self, ref: BlobRef) -> list[int]:
        folder = self.folder(ref)
        held = set(os.listdir(folder)) if folder.is_dir() else set()
        return [n for n in range(ref.total_chunks) if str(n) not in held]

    # -- the wire's unit: one sealed chunk --------------------------------------------------------

    def read_sealed(self, ref: BlobRef, n: int) -> bytes:
        _check_index(ref, n)
        try:
            return self.chunk_path(ref, n).read_bytes()
        except FileNotFoundError:
            raise EvidenceError(
                f"chunk {n} of exhibit file {ref.sha256[:12]} is not on this laptop"
            ) from None

    def write_sealed(self, ref: BlobRef, n: int, sealed: bytes) -> None:
        """Keep a sealed chunk after checking it opens as chunk n of this blob; written whole
        (temporary name, fsync, rename) or not at all. Writing a chunk already held is harmless."""
        open_sealed(ref, n, sealed)
        folder = self.folder(ref)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        _write_durably(folder, n, sealed)
        _fsync_dir(folder)

    def finish(self, ref: BlobRef) -> None:
        """Check the whole plaintext against the recorded hash and mark the blob complete."""
        missing = self.missing_chunks(ref)
        if missing:
            raise EvidenceError(
                f"exhibit file {ref.sha256[:12]} lacks {len(missing)} of its "
                f"{ref.total_chunks} chunks"
            )
        digest = hashlib.sha256()
        for plain in self.iter_plain(ref, check_complete=False):
            digest.update(plain)
        if digest.hexdigest() != ref.sha256:
            raise EvidenceDamaged(
                f"exhibit file {ref.sha256[:12]} does not hash to its recorded SHA-256"
            )
        self._mark_complete(ref)

    def _mark_complete(self, ref: BlobRef) -> None:
        marker = self.folder(ref) / COMPLETE
        marker.touch()
        _fsync_dir(marker.parent)

    def iter_plain(self, ref: BlobRef, *, check_complete: bool = True) -> Iterator[bytes]:
        """The plaintext, chunk by chunk, each opened (and so checked) as it is read."""
        if check_complete and not self.has_complete(ref):
            raise EvidenceError(f"exhibit file {ref.sha256[:12]} is not complete on this laptop")
        for n in range(ref.total_chunks):
            yield open_sealed(ref, n, self.read_sealed(ref, n))

    def remove(self, ref: BlobRef) -> bool:
        """Delete the blob's chunk files; True if there were any."""
        folder = self.folder(ref)
        if not folder.exists():
            return False
        shutil.rmtree(folder)
        with contextlib.suppress(OSError):  # the <sha[:2]> folder, when it held only this blob
            folder.parent.rmdir()
        return True

    def held(self) -> Iterator[tuple[str, str, Path]]:
        """(sha256, keyfp, folder) of every blob folder on disk, complete or not."""
        if not self.root.is_dir():
            return
        for prefix in sorted(self.root.iterdir()):
            for folder in sorted(prefix.iterdir()) if prefix.is_dir() else ():
                sha, _, keyfp = folder.name.partition("-")
                yield sha, keyfp, folder

    def remove_folder(self, folder: Path) -> None:
        """Delete one blob folder found by `held` (space no item refers to any more)."""
        if folder.resolve().parent.parent != self.root.resolve():
            raise EvidenceError(f"{folder} is not an evidence folder of this store")
        shutil.rmtree(folder)
        with contextlib.suppress(OSError):
            folder.parent.rmdir()

    # -- intake: a file on disk in, chunk files out ----------------------------------------------

    def measure(self, source: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Measured:
        """Hash a source file as it is read (into one reused chunk buffer)."""
        digest = hashlib.sha256()
        size = 0
        head = b""
        buffer = bytearray(CHUNK_SIZE)
        view = memoryview(buffer)
        with _open_source(source, max_bytes) as stream:
            while got := stream.readinto(view):
                if not head:
                    head = bytes(view[: min(got, 65536)])
                size += got
                _refuse_too_big(source, size, max_bytes)
                digest.update(view[:got])
        return Measured(sha256=digest.hexdigest(), size=size, head=head)

    def seal_file(self, source: Path, ref: BlobRef) -> None:
        """Seal a measured source into the blob's chunk files. This thread reads and seals each
        chunk; writer threads (`_ChunkWriter`) write and fsync the chunk files, and a checking
        thread reads each back, opens it and hashes the plaintext it opens to, so that the blob
        is marked complete only when what the chunk files hold is the content `measure` hashed.
        A file that changed meanwhile (or a chunk that does not read back) is refused and the
        partial chunks removed. Chunks already held (an interrupted intake) are sealed again
        identically."""
        if self.has_complete(ref):
            return
        folder = self.folder(ref)
        writer: _ChunkWriter | None = None
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            writer = _ChunkWriter(ref, folder)
            # No size limit here: a file grown since `measure` is refused as changed (below),
            # not as too big, and only ref.size + 1 bytes of it are read.
            with _open_source(source, None) as stream:
                plain = memoryview(bytearray(CHUNK_SIZE))
                for n in range(ref.total_chunks):
                    length = chunk_length(ref, n)
                    if _read_exactly(stream, plain[:length]) != length:
                        raise _changed(source)
                    writer.seal_and_queue(n, plain[:length])
                if stream.read(1):
                    raise _changed(source)
            if writer.finish() != ref.sha256:
                raise _changed(source)
            # The chunks' renames are made durable here, once, rather than after each chunk:
            # nothing refers to the blob until it is marked complete (below) and the item is
            # recorded (after this returns), and a crash before then loses only chunks that a
            # later intake or transfer writes again (each chunk file is whole or absent).
            _fsync_dir(folder)
            _fsync_dir(folder.parent)
            self._mark_complete(ref)
        except BaseException:
            if writer is not None:
                writer.abandon()  # before the chunks are removed: nothing is written after
            self.remove(ref)
            raise


def _changed(source: Path) -> EvidenceError:
    return EvidenceError(f"{source} changed while it was being attached; nothing was attached")


#: Chunk files written and fsynced at once: the file system commits their journal entries
#: together (200 x 1 MiB here: 1.7-2.6 s one at a time, 0.7-1.2 s three at a time).
_WRITERS = 3
#: Sealed chunks between the reading thread and the check: the intake's memory stays a few MiB.
_IN_FLIGHT = _WRITERS + 2


class _ChunkWriter:
    """The writing half of an intake, on threads of its own, so that chunk files are written,
    fsynced, read back and checked while the next chunks are read and sealed (AES-GCM, SHA-256
    and file I/O release the GIL). `_WRITERS` threads write; one thread then checks the chunks in
    order: it reads each file back, opens it and hashes the plaintext it opens to, so the hash
    returned is of what the chunk files hold (the check `finish` makes, without a third pass)."""

    def __init__(self, ref: BlobRef, folder: Path) -> None:
        self._ref = ref
        self._folder = folder
        self._aead = AESGCM(ref.key)
        self._digest = hashlib.sha256()
        self._error: BaseException | None = None
        # Sealing buffers go round: the reader takes a free one, the check gives it back, so at
        # most _IN_FLIGHT sealed chunks exist and none is allocated per chunk.
        self._free: queue.Queue[bytearray] = queue.Queue()
        for _ in range(_IN_FLIGHT):
            self._free.put(bytearray(CHUNK_SIZE + _TAG))
        self._queued: queue.Queue[tuple[int, bytearray, Future[None]] | None] = queue.Queue()
        self._pool = ThreadPoolExecutor(_WRITERS, thread_name_prefix="evidence-write")
        self._checker = threading.Thread(
            target=self._check_in_order, name="evidence-check", daemon=True
        )
        self._checker.start()

    def seal_and_queue(self, n: int, plain: memoryview) -> None:
        """Seal chunk n into a free buffer and hand it to a writer (waits for a free buffer)."""
        if self._error is not None:
            raise self._error
        buffer = self._free.get()
        sealed = memoryview(buffer)[: len(plain) + _TAG]
        self._aead.encrypt_into(_nonce(n), plain, _aad(self._ref, n), sealed)
        written = self._pool.submit(_write_durably, self._folder, n, sealed)
        self._queued.put((n, buffer, written))

    def finish(self) -> str:
        """Wait for every chunk queued; the SHA-256 of what the chunk files open to."""
        self._stop()
        if self._error is not None:
            raise self._error
        return self._digest.hexdigest()

    def abandon(self) -> None:
        """Stop, writing nothing more once the writes under way are done."""
        self._error = self._error or EvidenceError("the intake was abandoned")
        self._stop()

    def _stop(self) -> None:
        if self._checker.is_alive():
            self._queued.put(None)
            self._checker.join()
        self._pool.shutdown(wait=True)

    def _check_in_order(self) -> None:
        readback = memoryview(bytearray(CHUNK_SIZE + _TAG))
        opened = memoryview(bytearray(CHUNK_SIZE))
        while (queued := self._queued.get()) is not None:
            n, buffer, written = queued
            try:
                if self._error is not None:  # after a failure: write nothing more
                    written.cancel()
                written.result()
                if self._error is None:
                    self._read_back_and_open(n, readback, opened)
            except BaseException as exc:  # the first is re-raised in the reading thread
                self._error = self._error or exc
            self._free.put(buffer)  # only once its write is over

    def _read_back_and_open(self, n: int, readback: memoryview, opened: memoryview) -> None:
        ref, length = self._ref, chunk_length(self._ref, n)
        with open(self._folder / str(n), "rb", buffering=0) as back:
            if _read_exactly(back, readback[: length + _TAG]) != length + _TAG or back.read(1):
                raise EvidenceDamaged(
                    f"chunk {n} of exhibit file {ref.sha256[:12]} did not read back whole"
                )
        try:
            self._aead.decrypt_into(
                _nonce(n), readback[: length + _TAG], _aad(ref, n), opened[:length]
            )
        except InvalidTag:
            raise _not_opening(ref, n) from None
        self._digest.update(opened[:length])


def _read_exactly(stream: io.BufferedIOBase | io.RawIOBase, into: memoryview) -> int:
    """Fill `into` from the stream unless it ends first; the bytes read."""
    got = 0
    while got < len(into) and (more := stream.readinto(into[got:])):
        got += more
    return got


def _write_durably(folder: Path, n: int, sealed: bytes | memoryview) -> None:
    """Chunk n written under a temporary name, flushed to disk and renamed: whole or absent.
    (The rename's own durability is the directory's fsync, which the caller makes.)"""
    temporary = folder / f".{n}.{secrets.token_hex(4)}.part"
    try:
        with open(temporary, "xb", buffering=0) as out:
            view = memoryview(sealed)
            while view:
                view = view[out.write(view) :]
            os.fsync(out.fileno())
        os.replace(temporary, folder / str(n))
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def detect_media_type(head: bytes) -> str:
    """The media type from the content's first bytes (puremagic's signatures), not the name;
    text that decodes as UTF-8 is text/plain; anything else application/octet-stream."""
    import puremagic  # only intake needs it

    if head:
        try:
            return str(puremagic.from_string(head, mime=True)) or _text_or_binary(head)
        except puremagic.PureError:
            pass
    return _text_or_binary(head)


def _text_or_binary(head: bytes) -> str:
    if b"\x00" in head:
        return "application/octet-stream"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not merely a character cut at the end of the sample
            return "application/octet-stream"
    return "text/plain"


def _refuse_too_big(source: Path, size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise EvidenceError(
            f"{source} is larger than the {max_bytes / 1_000_000:g} MB an exhibit may be; "
            "nothing was attached"
        )


def _open_source(source: Path, max_bytes: int | None) -> io.BufferedReader:
    """The source opened for reading, with one-line refusals for what is not a readable file
    (or, given `max_bytes`, one larger than that)."""
    path = Path(source)
    if path.is_dir():
        raise EvidenceError(f"{path} is a folder, not a file; nothing was attached")
    if not path.exists():
        raise EvidenceError(f"there is no file {path}; nothing was attached")
    if not path.is_file():
        raise EvidenceError(f"{path} is not a regular file; nothing was attached")
    if max_bytes is not None:
        _refuse_too_big(path, path.stat().st_size, max_bytes)
    try:
        return open(path, "rb")
    except PermissionError:
        raise EvidenceError(f"{path} cannot be read (permission denied)") from None
    except OSError as exc:
        raise EvidenceError(f"{path} cannot be read: {exc.strerror or exc}") from None


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
