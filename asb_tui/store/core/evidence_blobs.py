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
absent. Intake (`seal_file`) streams: it reads the source chunk by chunk and never holds it whole.
Why files rather than blobs in the database, with figures: docs/evidence.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

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
        raise EvidenceDamaged(
            f"chunk {n} of exhibit file {ref.sha256[:12]} does not open under its key "
            "(damaged or altered)"
        ) from None


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
        temporary = folder / f".{n}.{secrets.token_hex(4)}.part"
        try:
            with open(temporary, "xb") as out:
                out.write(sealed)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, folder / str(n))
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
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
        """Hash a source file as it is read (one chunk in memory at a time)."""
        digest = hashlib.sha256()
        size = 0
        head = b""
        with _open_source(source, max_bytes) as stream:
            while chunk := stream.read(CHUNK_SIZE):
                if not head:
                    head = chunk[:65536]
                size += len(chunk)
                _refuse_too_big(source, size, max_bytes)
                digest.update(chunk)
        return Measured(sha256=digest.hexdigest(), size=size, head=head)

    def seal_file(self, source: Path, ref: BlobRef) -> None:
        """Seal a measured source into the blob's chunk files, checking as it reads that the file
        is still what `measure` hashed; a file that changed meanwhile is refused and its partial
        chunks removed. Chunks already held (an interrupted intake) are sealed again identically."""
        if self.has_complete(ref):
            return
        digest = hashlib.sha256()
        size = 0
        try:
            with _open_source(source, ref.size) as stream:
                for n in range(ref.total_chunks):
                    plain = stream.read(CHUNK_SIZE)
                    size += len(plain)
                    digest.update(plain)
                    if len(plain) != chunk_length(ref, n):
                        break
                    self.write_sealed(ref, n, seal(ref, n, plain))
                if stream.read(1) or size != ref.size or digest.hexdigest() != ref.sha256:
                    raise EvidenceError(
                        f"{source} changed while it was being attached; nothing was attached"
                    )
            # The plaintext sealed is the plaintext hashed: complete without reading it back
            # (each chunk is still authenticated whenever it is read).
            self._mark_complete(ref)
        except BaseException:
            self.remove(ref)
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


def _open_source(source: Path, max_bytes: int) -> BinaryIO:
    """The source opened for reading, with one-line refusals for what is not a readable file."""
    path = Path(source)
    if path.is_dir():
        raise EvidenceError(f"{path} is a folder, not a file; nothing was attached")
    if not path.exists():
        raise EvidenceError(f"there is no file {path}; nothing was attached")
    if not path.is_file():
        raise EvidenceError(f"{path} is not a regular file; nothing was attached")
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
