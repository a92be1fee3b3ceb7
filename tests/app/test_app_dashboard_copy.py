"""The dashboard's kept copy: the next start shows the officer's cases at once, marked as
refreshing, then the fresh computation replaces them; the copy never shows a case that is no
longer open, never travels to the central service, and keeps the cursor on the chosen case."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app_testkit import OFFICER, TODAY, accepted_case, make_app, make_config, screen_text, wait_for
from sqlmodel import select
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import DataTable

from asb_tui.app import AsbApp
from asb_tui.screens.dashboard import DashboardScreen
from asb_tui.store.cache.local_cache import DASHBOARD, forget_snapshots, load_snapshot
from asb_tui.store.commands import cases
from asb_tui.store.core.models import ChangeRecord, LocalCacheEntry
from asb_tui.store.core.store import Store, open_store
from asb_tui.store.queries.deadline_facts import deadline_rules


def _reopened(data_dir: Path, passphrase: str) -> Store:
    """The app closes its store when it ends; each start gets the store opened again."""
    return open_store(data_dir, passphrase, actor=OFFICER)


def _kept_screens(app: Any) -> list[Any]:
    from asb_tui.screens.case_detail import CaseDetailScreen

    return [s for s in app._installed_screens.values() if isinstance(s, CaseDetailScreen)]


async def _run_until_fresh(
    data_dir: Path, passphrase: str, *, hold_fresh: bool = False
) -> tuple[AsbApp, Pilot[Any], list[DashboardScreen.Populated], str]:
    """Start the app; with `hold_fresh` the computation is held back so the copy stays shown."""
    app = make_app(data_dir, _reopened(data_dir, passphrase))
    seen: list[DashboardScreen.Populated] = []
    held: list[object] = []

    def record(message: Message) -> None:
        # Once each: the hook sees a message at the screen and again as it bubbles to the app.
        if isinstance(message, DashboardScreen.Populated) and all(m is not message for m in seen):
            seen.append(message)

    if hold_fresh:
        original = DashboardScreen.reload

        def hold(self: DashboardScreen, *, whole: bool = False) -> None:
            held.append(self)

        DashboardScreen.reload = hold  # type: ignore[method-assign]
    try:
        async with app.run_test(size=(120, 30), message_hook=record) as pilot:
            await wait_for(pilot, lambda: bool(seen))
            if hold_fresh:
                await wait_for(pilot, lambda: bool(held))
                return app, pilot, seen, screen_text(app)
            await wait_for(pilot, lambda: any(m.fresh for m in seen))
            # The copy is kept once the Case Review count is in.
            await wait_for(pilot, lambda: "…" not in str(app.screen.query_one("#counts").render()))
            # The hidden case screen composed after the fresh board: the app is not closed
            # while it composes (Textual's tabs then meet a removed underline).
            await wait_for(pilot, lambda: any(s.is_mounted for s in _kept_screens(app)))
            await app.workers.wait_for_complete()
            return app, pilot, seen, screen_text(app)
    finally:
        if hold_fresh:
            DashboardScreen.reload = original  # type: ignore[method-assign]


async def test_next_start_shows_the_kept_copy_marked_refreshing(
    store: Store, data_dir: Path, passphrase: str
) -> None:
    accepted_case(store, data_dir, "[bold]Ann[/] Lee")
    _app, _pilot, seen, _text = await _run_until_fresh(data_dir, passphrase)
    assert [m.fresh for m in seen] == [True]  # nothing kept yet: computed
    store = _reopened(data_dir, passphrase)
    with store.read() as session:
        assert session.get(LocalCacheEntry, (DASHBOARD, OFFICER)) is not None
        kept_changes = len(session.exec(select(ChangeRecord)).all())

    _app, _pilot, seen, text = await _run_until_fresh(data_dir, passphrase, hold_fresh=True)
    assert [m.fresh for m in seen] == [False]
    assert "Refreshing…" in text
    assert "[bold]Ann[/] Lee" in text  # the victim, literally, from the case tables
    assert "ASB-" in text

    _app, _pilot, seen, text = await _run_until_fresh(data_dir, passphrase)
    assert [m.fresh for m in seen] == [False, True]
    assert "Refreshing…" not in text and "[bold]Ann[/] Lee" in text
    store = _reopened(data_dir, passphrase)
    with store.read() as session:
        # A cache, not a record: nothing for the central service, nothing audited.
        assert len(session.exec(select(ChangeRecord)).all()) == kept_changes


async def test_a_case_closed_since_is_never_shown_from_the_copy(
    store: Store, data_dir: Path, passphrase: str
) -> None:
    stays = accepted_case(store, data_dir, "Bea Stays")
    closes = accepted_case(store, data_dir, "Cal Closes")
    await _run_until_fresh(data_dir, passphrase)
    store = _reopened(data_dir, passphrase)
    cases.close_case(store, closes, reason="asb-ceased", on=TODAY)
    with store.read() as session:
        copy = load_snapshot(session, OFFICER, today=TODAY, rules_key="?")
    assert copy is not None
    assert [row.case_id for row in copy.rows] == [stays]
    assert copy.week_until is None  # other rules: the band is worked out again before showing

    _app, _pilot, _seen, text = await _run_until_fresh(data_dir, passphrase, hold_fresh=True)
    assert "Bea Stays" in text and "Cal Closes" not in text


async def test_the_fresh_rows_keep_the_cursor_on_the_chosen_case(
    store: Store, data_dir: Path, passphrase: str
) -> None:
    for name in ("Ann", "Bea", "Cal"):
        accepted_case(store, data_dir, name)
    await _run_until_fresh(data_dir, passphrase)
    app = make_app(data_dir, _reopened(data_dir, passphrase))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        screen = app.screen
        assert isinstance(screen, DashboardScreen)

        def rows() -> int:
            tables = screen.query(DataTable)  # none until the screen is composed
            return tables.first().row_count if len(tables) else -1

        await wait_for(pilot, lambda: rows() == 3)
        await pilot.press("down", "down")
        chosen = screen.selected_case_id()
        await wait_for(pilot, lambda: not screen.showing_copy)
        await pilot.pause()
        assert screen.selected_case_id() == chosen


def test_forgetting_the_copies(store: Store, data_dir: Path) -> None:
    from asb_tui.store.cache.local_cache import save_snapshot
    from asb_tui.store.queries.case_queries import dashboard

    accepted_case(store, data_dir, "Ann")
    rules = deadline_rules(make_config(data_dir), TODAY)
    with store.read() as session:
        board = dashboard(session, officer=OFFICER, today=TODAY, rules=rules)
    save_snapshot(store, OFFICER, board, made_on=TODAY, rules_key="k")
    with store.read() as session:
        copy = load_snapshot(session, OFFICER, today=TODAY, rules_key="k")
        assert copy is not None and copy.week_until == board.week_until
        assert [r.case_id for r in copy.rows] == [r.case_id for r in board.rows]
        assert copy.counts.open_cases == board.counts.open_cases == 1
    assert forget_snapshots(store) == 1
    with store.read() as session:
        assert load_snapshot(session, OFFICER, today=TODAY, rules_key="k") is None
