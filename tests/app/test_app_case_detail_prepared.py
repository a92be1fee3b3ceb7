"""The dashboard composes its case detail screen before the first case is opened
(screens/case_detail_kept.py `prepare`): hidden, never focused, holding no case, keys typed
meanwhile reach the dashboard, and the first case opens in that screen. The kept screen is not
restyled when shown again (case_detail.py `on_screen_resume`): a theme changed while it was
hidden still reaches it (the real app, a real store)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from app_testkit import accepted_case, make_app, screen_as, screen_text, wait_for, wait_for_screen
from textual import events
from textual.app import App
from textual.widgets import DataTable, Static

from asb_tui.screens.case_detail import CaseDetailScreen
from asb_tui.screens.dashboard import DashboardScreen
from asb_tui.store.core.store import Store
from asb_tui.store.queries import screen_reads


def _prepared(app: App[Any]) -> list[CaseDetailScreen]:
    """The case detail screens installed in the app (shown or not)."""
    installed = app._installed_screens.values()
    return [screen for screen in installed if isinstance(screen, CaseDetailScreen)]


async def test_the_screen_is_composed_hidden_and_the_first_case_opens_in_it(
    store: Store, data_dir: Path
) -> None:
    a = accepted_case(store, data_dir, "Alice Aardvark")
    accepted_case(store, data_dir, "Betty Bramble")
    app = make_app(data_dir, store)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        dashboard = screen_as(app, DashboardScreen)
        await wait_for(pilot, lambda: any(s.is_mounted for s in _prepared(app)))
        (prepared,) = _prepared(app)
        assert prepared not in app.screen_stack
        assert app.screen is dashboard
        table = dashboard.query_one(DataTable)
        assert app.focused is table
        assert prepared.detail is None and prepared.case_id == ""
        assert str(prepared.query_one("#summary-body", Static).render()) == ""

        table.move_cursor(row=table.get_row_index(a), animate=False)
        await pilot.pause()
        await pilot.press("enter")
        await wait_for_screen(pilot, "CaseDetailScreen")
        assert screen_as(app, CaseDetailScreen) is prepared  # composed before: not composed again
        await wait_for(pilot, lambda: prepared.detail is not None)
        assert "Alice Aardvark" in screen_text(app)
        # The keys of the case work at once: the People tab.
        await pilot.press("2")
        await wait_for(pilot, lambda: prepared.query("#people-table"))
        assert "Alice Aardvark" in screen_text(app)


async def test_a_key_typed_while_the_screen_is_composed_reaches_the_dashboard(
    store: Store, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for victim in ("Alice Aardvark", "Betty Bramble", "Carol Crane"):
        accepted_case(store, data_dir, victim)
    app = make_app(data_dir, store)
    typed: list[str] = []
    rows_at_key: list[int] = []  # the dashboard's cursor when the key was pressed
    plain = CaseDetailScreen.compose

    def compose_with_a_key(screen: CaseDetailScreen):  # type: ignore[no-untyped-def]
        # The officer presses down while the hidden screen is being composed.
        if not typed:
            typed.append("down")
            board = next(s for s in app.screen_stack if isinstance(s, DashboardScreen))
            rows_at_key.append(board.query_one(DataTable).cursor_row)
            app.post_message(events.Key("down", None))
        yield from plain(screen)

    monkeypatch.setattr(CaseDetailScreen, "compose", compose_with_a_key)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        dashboard = screen_as(app, DashboardScreen)
        await wait_for(pilot, lambda: dashboard.query(DataTable))  # composed after it is shown
        table = dashboard.query_one(DataTable)
        await wait_for(pilot, lambda: table.row_count == 3 and not dashboard.showing_copy)
        await wait_for(pilot, lambda: any(s.is_mounted for s in _prepared(app)))
        assert typed == ["down"]
        # Read when the key was pressed: the key may be dealt with before the board is seen.
        await wait_for(pilot, lambda: table.cursor_row == rows_at_key[0] + 1)
        assert app.screen is dashboard and app.focused is table


async def test_a_theme_changed_while_the_kept_screen_is_hidden_reaches_it(
    store: Store, data_dir: Path
) -> None:
    a = accepted_case(store, data_dir, "Alice Aardvark")
    app = make_app(data_dir, store)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        dashboard = screen_as(app, DashboardScreen)
        await wait_for(pilot, lambda: dashboard.query(DataTable))  # composed after it is shown
        table = dashboard.query_one(DataTable)
        await wait_for(pilot, lambda: a in table.rows)
        await wait_for(pilot, lambda: any(s.is_mounted for s in _prepared(app)))
        await pilot.press("enter")
        await wait_for_screen(pilot, "CaseDetailScreen")
        kept = screen_as(app, CaseDetailScreen)
        assert kept.kept
        await wait_for(pilot, lambda: kept.detail is not None)
        header = kept.query_one("#case-header", Static)
        dark = header.styles.background
        await pilot.press("escape")
        await wait_for_screen(pilot, "DashboardScreen")

        app.theme = "textual-light"
        await pilot.pause()
        await pilot.press("enter")
        await wait_for_screen(pilot, "CaseDetailScreen")
        assert app.screen is kept
        await wait_for(pilot, lambda: kept.detail is not None)
        light = header.styles.background
        assert light != dark
        # As a screen composed under the new theme has it.
        await pilot.press("escape")
        await wait_for_screen(pilot, "DashboardScreen")
        fresh = CaseDetailScreen(a)
        app.push_screen(fresh)
        await wait_for(pilot, lambda: fresh.detail is not None)
        assert fresh.query_one("#case-header", Static).styles.background == light


async def test_the_case_under_the_cursor_is_read_ahead_and_nothing_of_it_kept(
    store: Store, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = accepted_case(store, data_dir, "Alice Aardvark")
    read: list[str] = []
    plain = screen_reads.read_case_detail

    def spied(store: Store, case_id: str, **kwargs: Any) -> Any:
        read.append(case_id)
        return plain(store, case_id, **kwargs)

    monkeypatch.setattr(screen_reads, "read_case_detail", spied)
    app = make_app(data_dir, store)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        await wait_for(pilot, lambda: read == [a])
        await app.workers.wait_for_complete()
        await pilot.pause()
        (prepared,) = _prepared(app)
        assert prepared.detail is None and prepared.case_id == ""
        assert str(prepared.query_one("#summary-body", Static).render()) == ""
        assert not prepared.query(DataTable)
        assert "Alice Aardvark" not in str(prepared.query_one("#case-header", Static).render())
        assert app.screen is screen_as(app, DashboardScreen)
