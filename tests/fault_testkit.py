"""Helpers for the fault tests of the laptop store (imported by name): a store full of records
and a way to check that every one is still there, a snapshot of a directory ("no file changed"),
the one-line refusal every damaged input gets, and a small real disk (tmpfs) that can be filled.
"""

from __future__ import annotations

import errno
import hashlib
import os
import subprocess
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from laptop_testkit import PASSPHRASE, assert_no_traceback
from sqlmodel import col, select

from asb_tui.store.core.audit import verify_chain
from asb_tui.store.core.models import Case, Incident
from asb_tui.store.core.store import create_store, open_store

Snapshot = dict[str, tuple[int, bytes]]


def snapshot(directory: Path) -> Snapshot:
    """Every file's modification time and bytes: "no file changed" means this does not change
    (no file added or removed either)."""
    return {
        p.name: (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(directory.iterdir())
        if p.is_file()
    }


def assert_refused(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """Exit 2, exactly one line on stderr naming the problem, no traceback; the line."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert_no_traceback(result)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = str(lines[0])
    assert line.startswith("asb-tui: "), line
    for fragment in fragments:
        assert fragment.lower() in line.lower(), line
    return line


def fill_store(data_dir: Path, *, incidents: int = 12, description_bytes: int = 400) -> str:
    """A new store with two cases and their incidents, closed; returns its content digest."""
    store, _recovery = create_store(data_dir, PASSPHRASE, actor="Officer")
    with store:
        for n in (1, 2):
            with store.write() as uow:
                case = uow.add(
                    Case(
                        ref=f"ASB-2026-0000{n}",
                        category="personal",
                        status="accepted",
                        summary=f"Noise from no. {n * 7}",
                        referred_on=date(2026, 11, n),
                    ),
                    action="case.refer",
                )
                for i in range(incidents // 2):
                    uow.add(
                        Incident(
                            case_id=case.id,
                            occurred_on=date(2026, 11, 2) + timedelta(days=i % 20),
                            description=f"Entry {n}-{i}: "
                            + "shouting and banging " * (description_bytes // 21),
                        ),
                        action="incident.add",
                    )
    return content_digest(data_dir)


def content_digest(data_dir: Path, passphrase: str = PASSPHRASE) -> str:
    """Open the store with its passphrase: every case and incident, hashed; the audit chain and
    every page checked on the way."""
    store = open_store(data_dir, passphrase, actor="Checker")
    with store:
        assert store.integrity_problems() is None
        with store.read() as session:
            assert verify_chain(session).ok
            digest = hashlib.sha256()
            for case in session.exec(select(Case).order_by(col(Case.ref))).all():
                digest.update(f"{case.id}|{case.ref}|{case.summary}\n".encode())
            for incident in session.exec(select(Incident).order_by(col(Incident.id))).all():
                digest.update(f"{incident.id}|{incident.description}\n".encode())
    return digest.hexdigest()


def leftover_temporaries(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith((".tmp", ".part")))


class SmallDisk:
    """A tmpfs of a few MB: a real file system that really fills up."""

    def __init__(self, mount_point: Path) -> None:
        self.path = mount_point

    def free(self) -> int:
        stats = os.statvfs(self.path)
        return stats.f_bavail * stats.f_frsize

    def fill(self, leave_free: int = 0) -> None:
        """Write a filler file until the disk is full, then give back `leave_free` bytes."""
        filler = self.path / "filler"
        chunk = b"\0" * 65536
        with open(filler, "ab", buffering=0) as handle:
            try:
                while True:
                    handle.write(chunk)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
        size = filler.stat().st_size
        page = os.statvfs(self.path).f_frsize
        os.truncate(filler, max(0, size - -(-leave_free // page) * page))
        assert leave_free <= self.free() < leave_free + 2 * page

    def empty(self) -> None:
        (self.path / "filler").unlink(missing_ok=True)


def _is_mount_point(path: Path) -> bool:
    with open("/proc/self/mounts", encoding="utf-8") as mounts:
        return any(line.split()[1] == str(path) for line in mounts)


def _unmount(path: Path) -> None:
    if subprocess.run(["umount", str(path)], capture_output=True, check=False).returncode:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Any]:
    """`small_disk(megabytes)` mounts a fresh tmpfs under this test's temporary directory and
    returns it; every one is unmounted afterwards, even when the test failed. Needs root (the
    project's test machines run as root); a machine that cannot mount fails the test, loudly."""
    mounted: list[Path] = []

    def mount(megabytes: int) -> SmallDisk:
        point = tmp_path / f"small-disk-{len(mounted)}"
        point.mkdir(exist_ok=True)
        if _is_mount_point(point):  # a leftover of an interrupted run at the same path
            _unmount(point)
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m,mode=0700", "tmpfs", str(point)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, f"cannot mount a tmpfs (run as root): {result.stderr}"
        mounted.append(point)
        return SmallDisk(point)

    try:
        yield mount
    finally:
        for point in reversed(mounted):
            _unmount(point)
