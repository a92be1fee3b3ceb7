"""Snapshots of the first screens and the key ones, at 80x24 and 120x40 (fixed today, fixed
references, no clock); the kit, and how to regenerate, are in snapshot_kit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from app_testkit import make_app, wait_for, wait_for_screen
from snapshot_kit import (
    PASSPHRASE,
    SIZES,
    Filled,
    fixed_dir,
    keys_from_dashboard,
    keys_on_case,
    open_case,
    settled,
    size_id,
    snap_screen,
)
from textual.pilot import Pilot
from textual.widgets import DataTable

from asb_tui.app import AsbApp
from asb_tui.store.core.store import create_store

Compare = Callable[..., bool]


@pytest.mark.parametrize("size", SIZES, ids=size_id)
def test_first_run_snapshot(snap_compare: Compare, size: tuple[int, int]) -> None:
    """First run: create a store or load demo data."""
    app = make_app(fixed_dir("first-run", size))
    assert snap_compare(app, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=size_id)
def test_unlock_snapshot(snap_compare: Compare, size: tuple[int, int]) -> None:
    """Unlock after a wrong passphrase: the message, the field ready for another try."""
    data_dir = fixed_dir("unlock", size)
    store, _ = create_store(data_dir, PASSPHRASE, actor="Test Officer")
    store.close()
    app = make_app(data_dir)

    async def wrong_passphrase(pilot: Pilot[Any]) -> None:
        await wait_for_screen(pilot, "UnlockScreen")
        await pilot.press(*"not it", "enter")
        await wait_for(
            pilot, lambda: "Wrong" in str(app.screen.query_one("#unlock-error").render())
        )
        # A blinking cursor would make the picture depend on the moment it is taken.
        field = app.screen.query_one("#passphrase")
        field.cursor_blink = False  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: field.has_focus)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=wrong_passphrase)


@pytest.mark.parametrize("size", SIZES, ids=size_id)
def test_dashboard_snapshot(snap_compare: Compare, size: tuple[int, int]) -> None:
    """Dashboard: open cases by next deadline with RAG colours, counts and sync state."""

    async def loaded(pilot: Pilot[Any], app: AsbApp, filled: Filled) -> None:
        await wait_for(pilot, lambda: app.screen.query_one(DataTable).row_count == 2)
        # The Case Review count arrives just after the table.
        await wait_for(pilot, lambda: "…" not in str(app.screen.query_one("#counts").render()))
        await settled(pilot)

    assert snap_screen(snap_compare, "dashboard", size, loaded)


@pytest.mark.parametrize("size", SIZES, ids=size_id)
def test_case_detail_snapshot(snap_compare: Compare, size: tuple[int, int]) -> None:
    """Case detail of a high-risk case: summary tab with its deadlines."""

    async def opened(pilot: Pilot[Any], app: AsbApp, filled: Filled) -> None:
        await open_case(pilot, app, filled.high)

    assert snap_screen(snap_compare, "case-detail", size, opened)


@pytest.mark.parametrize("size", SIZES, ids=size_id)
def test_diary_sheet_snapshot(snap_compare: Compare, size: tuple[int, int]) -> None:
    """Diary sheet of the high-risk case: the sheet sent 14 days ago, its one transcribed entry
    (with markup-like text shown literally) and a blank row ready for the next."""
    steps = keys_on_case("high", "DiarySheetScreen", "d")
    assert snap_screen(snap_compare, "diary-sheet", size, steps)


@pytest.mark.parametrize("size", SIZES, ids=size_id)
def test_vvc_snapshot(snap_compare: Compare, size: tuple[int, int]) -> None:
    """VVC meetings: the coming meetings with their cut-offs, and the next meeting's agenda
    holding the high-risk case referred on acceptance."""
    steps = keys_from_dashboard("VvcScreen", "V")
    assert snap_screen(snap_compare, "vvc", size, steps)


@pytest.mark.parametrize("size", SIZES, ids=size_id)
def test_sync_snapshot(snap_compare: Compare, size: tuple[int, int]) -> None:
    """Sync on a laptop never enrolled: what is waiting to go, and how to enrol."""
    steps = keys_from_dashboard("SyncScreen", "S")
    assert snap_screen(snap_compare, "sync", size, steps)
