"""A laptop with one accepted case for the evidence locker's tests, and files with a canary."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from case_testkit import make_case
from laptop_testkit import OFFICER, PASSPHRASE

from asb_tui.store.core.models import Case
from asb_tui.store.core.store import Store, create_store

CANARY = b"EVIDENCE-CANARY-5b1d93c0-do-not-find-me"


def new_canary() -> bytes:
    """A canary no other test writes (tests run side by side and share /tmp)."""
    return b"EVIDENCE-CANARY-" + uuid.uuid4().hex.encode()


def laptop_with_case(data_dir: Path) -> tuple[str, str]:
    """A store in `data_dir` (closed again) with one case: (case id, case ref)."""
    store, _recovery = create_store(data_dir, PASSPHRASE, actor=OFFICER)
    try:
        made = case_and_ref(store)
    finally:
        store.close()
    (data_dir / "config.toml").write_text(f'officer = "{OFFICER}"\n', encoding="utf-8")
    return made


def case_and_ref(store: Store) -> tuple[str, str]:
    case_id = make_case(store)
    with store.read() as session:
        case = session.get(Case, case_id)
        assert case is not None
        return case_id, case.ref


def canary_file(path: Path, size: int, canary: bytes = CANARY) -> Path:
    """A file of `size` bytes: random data with the canary every 64 KiB."""
    with open(path, "wb") as out:
        written = 0
        while written < size:
            block = (canary + os.urandom(65536 - len(canary)))[: size - written]
            out.write(block)
            written += len(block)
    return path


def files_holding(root: Path, needle: bytes, written_since: float | None = None) -> list[Path]:
    """The files under `root` that hold `needle`. With `written_since` (a modification time)
    files last written before it are not read: they cannot hold a canary made after it (a
    scan of the shared /tmp read every store and bench copy in it, ~2 minutes on a busy day)."""
    found = []
    for path in root.rglob("*"):
        try:
            if not path.is_file() or path.is_symlink():
                continue
            if written_since is not None and path.stat().st_mtime < written_since:
                continue
            if needle in path.read_bytes():
                found.append(path)
        except OSError:
            continue  # another user's file, a socket
    return found
