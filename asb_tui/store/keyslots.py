"""Key slots: the random data key that opens the database, kept only wrapped.

The key file beside the database holds one slot per way in: a passphrase slot (key-encryption key
from Argon2id, RFC 9106 second profile) and a recovery slot (key-encryption key from a random
recovery key shown once). Each slot wraps the same 256-bit data key with AES-256-GCM; the slot's
kind and the format version are bound in as associated data, so slots cannot be swapped or
downgraded unnoticed. Changing the passphrase rewrites one slot, never the database.

The Argon2id parameters are stored per slot so that a later release can raise them; opening a slot
always uses the parameters it was written with.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from asb_tui.store.errors import KeyFileError, WeakPassphrase, WrongPassphrase

FORMAT = "asb-tui-keyslots"
FORMAT_VERSION = 1
MIN_PASSPHRASE_LENGTH = 12

# RFC 9106 section 4, second recommended option: 64 MiB, 3 passes, 4 lanes.
DEFAULT_ARGON2 = {"memory_kib": 65536, "iterations": 3, "lanes": 4}

PASSPHRASE = "passphrase"  # noqa: S105 - a slot kind, not a secret
RECOVERY = "recovery"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise KeyFileError("the key file is corrupt (a field is not text)")
    try:
        return base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise KeyFileError("the key file is corrupt (bad base64)") from exc


def check_passphrase_strength(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise WeakPassphrase(
            f"the passphrase is too short: use at least {MIN_PASSPHRASE_LENGTH} characters "
            "(a few unrelated words are easy to remember and hard to guess)"
        )
    if len(set(passphrase)) < 4:
        raise WeakPassphrase("the passphrase repeats too few characters to be safe")


def new_recovery_key() -> str:
    """160 random bits as eight groups of four base32 characters, easy to copy by hand."""
    raw = base64.b32encode(secrets.token_bytes(20)).decode("ascii")
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def normalise_recovery_key(text: str) -> str:
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    return "-".join(cleaned[i : i + 4] for i in range(0, len(cleaned), 4))


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
        if not isinstance(kdf, dict) or not isinstance(data.get("kind"), str):
            raise KeyFileError("the key file is corrupt (a slot lacks its kind or KDF)")
        return cls(
            kind=data["kind"],
            kdf=kdf,
            nonce=_unb64(data.get("nonce")),
            wrapped=_unb64(data.get("wrapped_key")),
        )


def _derive_kek(kind: str, secret: str, kdf: dict[str, Any]) -> bytes:
    salt = _unb64(kdf.get("salt"))
    try:
        if kdf.get("name") == "argon2id":
            return Argon2id(
                salt=salt,
                length=32,
                iterations=int(kdf["iterations"]),
                lanes=int(kdf["lanes"]),
                memory_cost=int(kdf["memory_kib"]),
            ).derive(secret.encode("utf-8"))
        if kdf.get("name") == "hkdf-sha256":
            # The recovery key already carries 160 random bits: stretching it buys nothing.
            return HKDF(
                algorithm=hashes.SHA256(), length=32, salt=salt, info=b"asb-recovery"
            ).derive(normalise_recovery_key(secret).encode("ascii"))
    except (KeyError, TypeError, ValueError) as exc:
        raise KeyFileError("the key file is corrupt (bad KDF parameters)") from exc
    raise KeyFileError(f"the key file names an unknown KDF for its {kind} slot")


def _aad(kind: str) -> bytes:
    return f"{FORMAT}/{FORMAT_VERSION}/{kind}".encode("ascii")


def make_slot(kind: str, secret: str, data_key: bytes) -> Slot:
    if kind == PASSPHRASE:
        kdf: dict[str, Any] = {"name": "argon2id", "salt": _b64(os.urandom(16)), **DEFAULT_ARGON2}
    else:
        kdf = {"name": "hkdf-sha256", "salt": _b64(os.urandom(16))}
    kek = _derive_kek(kind, secret, kdf)
    nonce = os.urandom(12)
    return Slot(kind, kdf, nonce, AESGCM(kek).encrypt(nonce, data_key, _aad(kind)))


def open_slot(slot: Slot, secret: str) -> bytes:
    kek = _derive_kek(slot.kind, secret, slot.kdf)
    try:
        key = AESGCM(kek).decrypt(slot.nonce, slot.wrapped, _aad(slot.kind))
    except InvalidTag:
        if slot.kind == RECOVERY:
            raise WrongPassphrase("that recovery key does not open this store") from None
        raise WrongPassphrase("wrong passphrase") from None
    if len(key) != 32:
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
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise KeyFileError("the key file is corrupt (not JSON)") from exc
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise KeyFileError("the key file is not an asb-tui key file")
        if doc.get("version") != FORMAT_VERSION:
            raise KeyFileError(
                f"the key file has format version {doc.get('version')!r}; "
                f"this release reads version {FORMAT_VERSION}"
            )
        slots = doc.get("slots")
        if not isinstance(slots, list) or not slots:
            raise KeyFileError("the key file is corrupt (no slots)")
        return cls([Slot.from_json(s) for s in slots])

    @classmethod
    def create(cls, data_key: bytes, passphrase: str, recovery_key: str) -> KeyFile:
        return cls(
            [
                make_slot(PASSPHRASE, passphrase, data_key),
                make_slot(RECOVERY, recovery_key, data_key),
            ]
        )


def read_key_file(path: Path) -> KeyFile:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise KeyFileError(f"the key file {path} is missing") from None
    except OSError as exc:
        raise KeyFileError(f"the key file {path} cannot be read: {exc.strerror}") from None
    return KeyFile.from_bytes(raw)


def write_atomically(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write a file so that a crash leaves either the old or the new content, never a mix."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
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
