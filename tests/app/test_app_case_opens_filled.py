"""The kept case screen is shown once its read has filled it in (screens/case_detail_kept.py
`open`): its first frame holds the case, not "Loading…"; a read slower than `OPEN_WAIT_S`
shows the screen blank first and fills it when it comes; keys typed while the open waits reach
the case, never the dashboard; a case gone from the laptop is said so and not shown (the real
app, a real store)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from app_testkit import accepted_case, make_app, screen_as, wait_for, wait_for_screen
from textual import events
from textual.app import App
from textual.widgets import DataTable, Static, TabbedContent

from asb_tui.screens import case_detail_kept
from asb_tui.screens.case_detail import CaseDetailScreen
from asb_tui.screens.dashboard import DashboardScreen
from asb_tui.store.core.store import Store
from asb_tui.store.queries import screen_reads


def _installed(app: App[Any]) -> list[CaseDetailScreen]:
    return [s for s in app._installed_screens.values() if isinstance(s, CaseDetailScreen)]


def _kept(app: App[Any]) -> CaseDetailScreen:
    (screen,) = _installed(app)
    return screen


async def _board_with_kept_screen(pilot: Any, app: App[Any], case_id: str) -> DataTable[Any]:
    await wait_for_screen(pilot, "DashboardScreen")
    dashboard = screen_as(app, DashboardScreen)
    await wait_for(pilot, lambda: dashboard.query(DataTable))  # composed after it is shown
    table = dashboard.query_one(DataTable)
    await wait_for(pilot, lambda: case_id in table.rows)
    # Installed once the first fresh board is drawn (later on a loaded machine).
    await wait_for(pilot, lambda: any(s.is_mounted for s in _installed(app)))
    await app.workers.wait_for_complete()
    await pilot.pause()
    table.move_cursor(row=table.get_row_index(case_id), animate=False)
    await pilot.pause()
    return table


class _HeaderWhenShown:
    """The kept screen's case header each time it is shown (what its first frame draws): a
    message hook for `run_test`."""

    def __init__(self) -> None:
        self.app: App[Any] | None = None
        self.seen: list[str] = []

    def __call__(self, message: object) -> None:
        if isinstance(message, events.ScreenResume) and self.app is not None:
            screen = self.app.screen
            if isinstance(screen, CaseDetailScreen):
                self.seen.append(str(screen.query_one("#case-header", Static).render()))


async def test_the_first_frame_of_an_opened_case_holds_the_case(
    store: Store, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(case_detail_kept, "OPEN_WAIT_S", 10.0)  # however loaded the machine
    case_id = accepted_case(store, data_dir, "Alice Aardvark")
    app = make_app(data_dir, store)
    hook = _HeaderWhenShown()
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        await _board_with_kept_screen(pilot, app, case_id)
        kept = _kept(app)
        hook.app, shown = app, hook.seen
        await pilot.press("enter")
        await wait_for_screen(pilot, "CaseDetailScreen")
        assert app.screen is kept
        assert kept.detail is not None
        (first,) = shown
        assert kept.detail.summary.ref in first and "Loading" not in first


async def test_a_slow_read_shows_the_screen_blank_then_filled_and_keys_reach_the_case(
    store: Store, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(case_detail_kept, "OPEN_WAIT_S", 0.05)
    case_id = accepted_case(store, data_dir, "Alice Aardvark")
    accepted_case(store, data_dir, "Betty Bramble")
    release = threading.Event()
    plain = screen_reads.read_case_detail
    slow = {"on": False}

    def read(store: Store, wanted: str, **kwargs: Any) -> Any:
        if slow["on"]:
            release.wait(30)
        return plain(store, wanted, **kwargs)

    monkeypatch.setattr(screen_reads, "read_case_detail", read)
    app = make_app(data_dir, store)
    hook = _HeaderWhenShown()
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        table = await _board_with_kept_screen(pilot, app, case_id)
        row = table.cursor_row
        kept = _kept(app)
        hook.app, shown = app, hook.seen
        slow["on"] = True
        # Enter, then the People tab and a cursor key, typed at once.
        await pilot.press("enter", "2", "down")
        await wait_for_screen(pilot, "CaseDetailScreen")
        assert shown == ["Loading…"]  # shown blank: the read took longer than the wait
        release.set()
        await wait_for(pilot, lambda: kept.detail is not None)
        await wait_for(pilot, lambda: kept.query_one(TabbedContent).active == "people")
        assert table.cursor_row == row, "a key typed behind Enter reached the dashboard"


async def test_keys_typed_while_the_open_waits_reach_the_case(
    store: Store, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(case_detail_kept, "OPEN_WAIT_S", 10.0)
    case_id = accepted_case(store, data_dir, "Alice Aardvark")
    accepted_case(store, data_dir, "Betty Bramble")
    app = make_app(data_dir, store)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await _board_with_kept_screen(pilot, app, case_id)
        row = table.cursor_row
        kept = _kept(app)
        await pilot.press("enter", "5", "down")
        await wait_for_screen(pilot, "CaseDetailScreen")
        await wait_for(pilot, lambda: kept.query_one(TabbedContent).active == "actions")
        assert kept.case_id == case_id
        assert table.cursor_row == row, "a key typed behind Enter reached the dashboard"


async def test_a_case_gone_from_the_laptop_is_said_so_and_not_shown(
    store: Store, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(case_detail_kept, "OPEN_WAIT_S", 10.0)
    case_id = accepted_case(store, data_dir, "Alice Aardvark")
    app = make_app(data_dir, store)
    gone = {"yes": False}
    plain = screen_reads.read_case_detail

    def read(store: Store, wanted: str, **kwargs: Any) -> Any:
        return None if gone["yes"] else plain(store, wanted, **kwargs)

    monkeypatch.setattr(screen_reads, "read_case_detail", read)
    async with app.run_test(size=(120, 40)) as pilot:
        await _board_with_kept_screen(pilot, app, case_id)
        dashboard = app.screen
        kept = _kept(app)
        notified: list[str] = []
        plain_notify = app.notify

        def notify(message: str, **kwargs: Any) -> None:
            notified.append(message)
            plain_notify(message, **kwargs)

        monkeypatch.setattr(app, "notify", notify)
        gone["yes"] = True  # e.g. retention destroyed it, or a sync moved it away meanwhile
        await pilot.press("enter")
        await wait_for(pilot, lambda: notified)
        await pilot.pause()
        assert app.screen is dashboard
        assert kept not in app.screen_stack and kept.detail is None
        assert any("not on this laptop" in text or "no longer" in text for text in notified), (
            notified
        )
