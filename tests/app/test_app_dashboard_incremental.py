"""Back from a case, the dashboard recomputes only the case written there (the real app)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from app_testkit import OFFICER, TODAY, accepted_case, make_app, screen_text, wait_for
from sqlmodel import select
from textual.widgets import DataTable

from asb_tui.screens.case_detail import CaseDetailScreen
from asb_tui.screens.dashboard import DashboardScreen
from asb_tui.store.commands import cases
from asb_tui.store.core.models import Case
from asb_tui.store.core.store import Store, open_store


async def test_back_from_a_case_only_that_case_is_recomputed(
    store: Store, data_dir: Path, passphrase: str
) -> None:
    ids = [accepted_case(store, data_dir, name) for name in ("Ann", "Bea", "Cal", "Dee")]
    store.close()
    app = make_app(data_dir, open_store(data_dir, passphrase, actor=OFFICER))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        board = app.screen
        assert isinstance(board, DashboardScreen)
        await wait_for(pilot, lambda: board.board_state is not None)
        first = board.board_state
        assert first is not None and first.recomputed == len(ids)

        table = board.query_one(DataTable)
        table.move_cursor(row=table.get_row_index(ids[2]), animate=False)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CaseDetailScreen))
        assert app.store is not None
        cases.add_action(
            app.store, ids[2], title="Ring the housing officer", due_on=TODAY - timedelta(days=9)
        )
        await pilot.press("escape")  # back to the dashboard, as the officer goes
        await wait_for(pilot, lambda: board.board_state is not first)
        state = board.board_state
        assert state is not None and state.recomputed == 1
        await wait_for(pilot, lambda: "Ring the housing officer" in screen_text(app))

        await pilot.press("r")  # the officer's own Refresh computes everything
        await wait_for(pilot, lambda: board.board_state is not state)
        refreshed = board.board_state
        assert refreshed is not None and refreshed.recomputed == len(ids)
        with app.store.read() as session:
            assert len(session.exec(select(Case)).all()) == len(ids)
        await app.workers.wait_for_complete()
