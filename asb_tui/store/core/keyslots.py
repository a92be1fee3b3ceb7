"""Key slots: the random data key that opens the database, kept only wrapped.

The key file beside the database holds one slot per way in: a passphrase slot (key-encryption key
from Argon2id, RFC 9106 second profile) and a recovery slot (key-encryption key from a random
recovery key shown once). Each slot wraps the same 256-bit data key with AES-256-GCM; the slot's
kind and the format version are bound in as associated data, so slots cannot be swapped or
downgraded unnoticed. Changing the passphrase rewrites one slot, never the database.

The Argon2id parameters are stored per slot so that a later release can raise them; opening a slot
always uses the parameters it was written with, once they are checked against sane bounds: a
damaged or hostile key file must not make an unlock spend gigabytes of memory before failing.
Salts, nonces and wrapped keys must have exactly the sizes this release writes.

The key file is replaced atomically (a temporary file, fsync, rename) and only after the new
content has been read back from the disk, byte for byte, and parsed; each new slot is opened with
its key-encryption key as it is made.
"""

from __future__ import annotations

import base64
import errno
import json
import os
import secrets
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from asb_tui.store.core.disk_space import free_bytes, human_size
from asb_tui.store.core.errors import (
    DiskFull,
    KeyFileError,
    StoreError,
    WeakPassphrase,
    WrongPassphrase,
)

FORMAT = "asb-tui-keyslots"
FORMAT_VERSION = 1
MIN_PASSPHRASE_LENGTH = 12

# RFC 9106 section 4, second recommended option: 64 MiB, 3 passes, 4 lanes.
DEFAULT_ARGON2 = {"memory_kib": 65536, "iterations": 3, "lanes": 4}
# What a slot may ask for. The floor refuses nonsense, the ceiling refuses a key file that would
# make an unlock take gigabytes and seconds (the unlock target is 0.6 s at the defaults).
ARGON2_BOUNDS = {"memory_kib": (8192, 1048576), "iterations": (1, 10), "lanes": (1, 16)}
SALT_BYTES = 16
NONCE_BYTES = 12
DATA_KEY_BYTES = 32
WRAPPED_BYTES = DATA_KEY_BYTES + 16  # AES-GCM appends a 16-byte tag
MAX_KEY_FILE_BYTES = 64 * 1024

PASSPHRASE = "passphrase"  # noqa: S105 - a slot kind, not a secret
RECOVERY = "recovery"
_KDF_OF_KIND = {PASSPHRASE: "argon2id", RECOVERY: "hkdf-sha256"}

# A passphrase or recovery key as typed (str) or held in a buffer the caller wipes (bytearray).
Secret = str | bytes | bytearray


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any, what: str = "a field", size: int | None = None) -> bytes:
    if not isinstance(text, str):
        raise KeyFileError("the key file is corrupt (a field is not text)")
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise KeyFileError("the key file is corrupt (bad base64)") from exc
    if size is not None and len(raw) != size:
        raise KeyFileError(
            f"the key file is corrupt ({what} is {len(raw)} bytes; it must be {size})"
        )
    return raw


def _utf8(secret: Secret) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)


def check_passphrase_strength(passphrase: Secret) -> None:
    text = (
        passphrase if isinstance(passphrase, str) else bytes(passphrase).decode("utf-8", "replace")
    )
    if len(text) < MIN_PASSPHRASE_LENGTH:
        raise WeakPassphrase(
            f"the passphrase is too short: use at least {MIN_PASSPHRASE_LENGTH} characters "
            "(a few unrelated words are easy to remember and hard to guess)"
        )
    if len(set(text)) < 4:
        raise WeakPassphrase("the passphrase repeats too few characters to be safe")


def new_recovery_key() -> str:
    """160 random bits as eight groups of four base32 characters, easy to copy by hand."""
    raw = base64.b32encode(secrets.token_bytes(20)).decode("ascii")
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def normalise_recovery_key(text: Secret) -> str:
    if not isinstance(text, str):
        text = bytes(text).decode("utf-8", "replace")
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    return "-".join(cleaned[i : i + 4] for i in range(0, len(cleaned), 4))


def _check_kdf(kind: str, kdf: dict[str, Any]) -> None:
    """Refuse what this release would not write, before any memory is spent on it."""
    name = kdf.get("name")
    if name not in _KDF_OF_KIND.values():
        raise KeyFileError(f"the key file names an unknown KDF for its {kind} slot")
    if name != _KDF_OF_KIND[kind]:
        raise KeyFileError(f"the key file is corrupt (its {kind} slot names the KDF {name!r})")
    _unb64(kdf.get("salt"), f"the {kind} slot's salt", SALT_BYTES)
    if name != "argon2id":
        return
    for param, (low, high) in ARGON2_BOUNDS.items():
        value = kdf.get(param)
        if not isinstance(value, int) or isinstance(value, bool):
            raise KeyFileError(f"the key file is corrupt (bad KDF parameters: {param} {value!r})")
        if not low <= value <= high:
            raise KeyFileError(
                f"the key file is corrupt or tampered with: its Argon2id {param} is {value:,}, "
                f"outside the bounds {low:,} to {high:,} (nothing was derived)"
            )


@dataclass
class Slot:
    kind: str
    kdf: dict[str, Any]
    nonce: bytes
    wrapped: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "kdf": self.kdf,
            "nonce": _b64(self.nonce),
            "wrapped_key": _b64(self.wrapped),
        }

    @classmethod
    def from_json(cls, data: Any) -> Slot:
        if not isinstance(data, dict):
            raise KeyFileError("the key file is corrupt (a slot is not an object)")
        kdf = data.get("kdf")
        kind = data.get("kind")
        if not isinstance(kdf, dict) or not isinstance(kind, str):
            raise KeyFileError("the key file is corrupt (a slot lacks its kind or KDF)")
        if kind not in _KDF_OF_KIND:
            raise KeyFileError(f"the key file is corrupt (a slot of unknown kind {kind[:40]!r})")
        _check_kdf(kind, kdf)
        return cls(
            kind=kind,
            kdf=kdf,
            nonce=_unb64(data.get("nonce"), f"the {kind} slot's nonce", NONCE_BYTES),
            wrapped=_unb64(data.get("wrapped_key"), f"the {kind} slot's key", WRAPPED_BYTES),
        )


def _derive_kek(kind: str, secret: Secret, kdf: dict[str, Any]) -> bytes:
    _check_kdf(kind, kdf)
    salt = _unb64(kdf.get("salt"))
    if kdf["name"] == "argon2id":
        return Argon2id(
            salt=salt,
            length=32,
            iterations=kdf["iterations"],
            lanes=kdf["lanes"],
            memory_cost=kdf["memory_kib"],
        ).derive(_utf8(secret))
    # The recovery key already carries 160 random bits: stretching it buys nothing.
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"asb-recovery").derive(
        normalise_recovery_key(secret).encode("ascii")
    )


def _aad(kind: str) -> bytes:
    return f"{FORMAT}/{FORMAT_VERSION}/{kind}".encode("ascii")


def make_slot(kind: str, secret: Secret, data_key: bytes | bytearray) -> Slot:
    if kind == PASSPHRASE:
        kdf: dict[str, Any] = {
            "name": "argon2id",
            "salt": _b64(os.urandom(SALT_BYTES)),
            **DEFAULT_ARGON2,
        }
    else:
        kdf = {"name": "hkdf-sha256", "salt": _b64(os.urandom(SALT_BYTES))}
    kek = _derive_kek(kind, secret, kdf)
    nonce = os.urandom(NONCE_BYTES)
    wrapped = AESGCM(kek).encrypt(nonce, bytes(data_key), _aad(kind))
    # Opened at once with the same key-encryption key: a slot that would not give the data key
    # back never reaches the disk (the written file is then read back byte for byte).
    if AESGCM(kek).decrypt(nonce, wrapped, _aad(kind)) != bytes(data_key):
        raise StoreError("a new key slot did not open; nothing was changed")
    return Slot(kind, kdf, nonce, wrapped)


def open_slot(slot: Slot, secret: Secret) -> bytes:
    kek = _derive_kek(slot.kind, secret, slot.kdf)
    try:
        key = AESGCM(kek).decrypt(slot.nonce, slot.wrapped, _aad(slot.kind))
    except InvalidTag:
        if slot.kind == RECOVERY:
            raise WrongPassphrase("that recovery key does not open this store") from None
        raise WrongPassphrase("wrong passphrase") from None
    if len(key) != DATA_KEY_BYTES:
        raise KeyFileError("the key file is corrupt (the data key has the wrong length)")
    return key


@dataclass
class KeyFile:
    slots: list[Slot] = field(default_factory=list)

    def slot(self, kind: str) -> Slot:
        for slot in self.slots:
            if slot.kind == kind:
                return slot
        raise KeyFileError(f"the key file has no {kind} slot")

    def replace(self, new: Slot) -> KeyFile:
        return KeyFile([s for s in self.slots if s.kind != new.kind] + [new])

    def to_bytes(self) -> bytes:
        doc = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "slots": [s.to_json() for s in self.slots],
        }
        return (json.dumps(doc, indent=2) + "\n").encode("utf-8")

    @classmethod
    def from_bytes(cls, raw: bytes) -> KeyFile:
        if len(raw) > MAX_KEY_FILE_BYTES:
            raise KeyFileError(f"the key file is corrupt ({len(raw):,} bytes is far too large)")
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise KeyFileError("the key file is corrupt (not JSON)") from exc
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise KeyFileError("the key file is not an asb-tui key file")
        if doc.get("version") != FORMAT_VERSION:
            raise KeyFileError(
                f"the key file has format version {repr(doc.get('version'))[:20]}; "
                f"this release reads version {FORMAT_VERSION}"
            )
        slots = doc.get("slots")
        if not isinstance(slots, list) or not slots:
            raise KeyFileError("the key file is corrupt (no slots)")
        parsed = [Slot.from_json(s) for s in slots]
        kinds = [s.kind for s in parsed]
        if len(set(kinds)) != len(kinds):
            raise KeyFileError("the key file is corrupt (two slots of the same kind)")
        return cls(parsed)

    @classmethod
    def create(cls, data_key: bytes | bytearray, passphrase: Secret, recovery_key: str) -> KeyFile:
        return cls(
            [
                make_slot(PASSPHRASE, passphrase, data_key),
                make_slot(RECOVERY, recovery_key, data_key),
            ]
        )


def read_key_file(path: Path) -> KeyFile:
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_KEY_FILE_BYTES + 1)
    except FileNotFoundError:
        raise KeyFileError(f"the key file {path} is missing") from None
    except OSError as exc:
        raise KeyFileError(f"the key file {path} cannot be read: {exc.strerror}") from None
    return KeyFile.from_bytes(raw)


def _space_error(path: Path, needed: int) -> DiskFull:
    try:
        free = human_size(free_bytes(path.parent))
    except OSError:
        free = "unknown"
    return DiskFull(
        f"not enough free space in {path.parent} to write {path.name}: it needs "
        f"{human_size(needed)} and {free} is free; free some space and try again "
        "(nothing was changed)"
    )


def write_atomically(
    path: Path,
    data: bytes,
    mode: int = 0o600,
    *,
    check: Callable[[bytes], None] | None = None,
) -> None:
    """Write a file so that a crash leaves either the old or the new content, never a mix.

    `check` is called with the bytes read back from the written temporary file; only if it
    returns is the file moved into place. Any failure (a full disk included) removes the
    temporary file and leaves the old file as it was.
    """
    needed = len(data) + 4096
    try:
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise _space_error(path, needed) from None
        raise StoreError(f"cannot write {path}: {exc.strerror}; nothing was changed") from None
    tmp = Path(tmp_name)
    try:
        try:
            os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        if check is not None:
            check(tmp.read_bytes())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise _space_error(path, needed) from None
        raise StoreError(f"cannot write {path}: {exc.strerror}; nothing was changed") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def wipe(buffer: bytearray | Iterable[bytearray]) -> None:
    """Best effort: overwrite key material we own before dropping it."""
    buffers = [buffer] if isinstance(buffer, bytearray) else list(buffer)
    for buf in buffers:
        for i in range(len(buf)):
            buf[i] = 0
