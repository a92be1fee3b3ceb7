"""`export json` onto a disk without room, and retention with a period under a year, for real: a
one-line refusal that says how much room is needed, no partial file, the store untouched."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from fault_testkit import (
    SmallDisk,
    assert_refused,
    content_digest,
    fill_store,
    small_disk,
)
from laptop_testkit import PASSPHRASE, run_cli

from asb_tui.domain.errors import DomainError
from asb_tui.store.commands.retention import cases_due_for_destruction, destroy_due_cases
from asb_tui.store.core.store import open_store

__all__ = ["small_disk"]  # the fixture, used by name below


def test_export_to_a_full_disk_says_how_much_room_it_needs_and_writes_nothing(
    tmp_path: Path, small_disk: Callable[[int], SmallDisk]
) -> None:
    data_dir = tmp_path / "data"
    digest = fill_store(data_dir, incidents=20, description_bytes=4000)
    disk = small_disk(4)
    disk.fill(leave_free=8192)
    out = disk.path / "cases.json"
    line = assert_refused(
        run_cli("export", "json", "--out", str(out), data_dir=data_dir),
        "the disk is full",
        "the export needs about",
        "nothing was written",
    )
    assert "KB is free" in line, line
    assert sorted(p.name for p in disk.path.iterdir()) == ["filler"]  # no partial file
    disk.empty()
    assert run_cli("export", "json", "--out", str(out), data_dir=data_dir).returncode == 0
    assert out.stat().st_size > 40_000
    assert content_digest(data_dir) == digest


@pytest.mark.parametrize("years", [0, -100])
def test_retention_refuses_a_period_under_one_year_whatever_the_caller(
    tmp_path: Path, years: int
) -> None:
    data_dir = tmp_path / "data"
    digest = fill_store(data_dir)
    store = open_store(data_dir, PASSPHRASE, actor="Officer")
    with store:
        with pytest.raises(DomainError, match="at least 1 year"):
            cases_due_for_destruction(store, date(2026, 12, 1), years)
        with pytest.raises(DomainError, match="at least 1 year"):
            destroy_due_cases(store, date(2026, 12, 1), years, apply=True)
    assert content_digest(data_dir) == digest
