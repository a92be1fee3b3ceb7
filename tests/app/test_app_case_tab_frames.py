"""A tab switch on the case detail is drawn without repainting the whole screen: the focus
moves to the tab's table in the key's action and the screen is not repainted for it (Textual's
Screen.focused repaints everything; docs/performance.md). The keys still land where they did."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_testkit import accepted_case, case_detail_shown, make_app, wait_for
from textual._compositor import Compositor
from textual.containers import VerticalScroll
from textual.widgets import DataTable, TabbedContent

from asb_tui.screens.case_detail import TABS
from asb_tui.store.commands import cases
from asb_tui.store.core.store import Store


async def test_tab_switches_repaint_only_what_changed(
    store: Store, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = accepted_case(store, data_dir, "Ann Lake")
    cases.add_person(store, case_id, name="Bob Witness", role="witness")
    app = make_app(data_dir, store)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await case_detail_shown(pilot, case_id)
        await pilot.pause()

        whole: list[str] = []
        plain = Compositor.render_update

        def counted(compositor: Compositor, *args: object, **kwargs: object) -> object:
            if compositor.root is screen and compositor.size.region in compositor._dirty_regions:
                whole.append(screen.query_one(TabbedContent).active)
            return plain(compositor, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(Compositor, "render_update", counted)
        # 2..9 then 1, as the screens benchmark presses them.
        numbered = {tab_id: number for number, (tab_id, _title) in enumerate(TABS, start=1)}
        for tab_id in [*list(numbered)[1:], "summary"]:
            await pilot.press(str(numbered[tab_id]))
            await pilot.pause()
            assert screen.query_one(TabbedContent).active == tab_id
            pane = screen.query_one(TabbedContent).get_pane(tab_id)
            expected = DataTable if tab_id != "summary" else VerticalScroll
            assert isinstance(app.focused, expected) and pane in app.focused.ancestors
        assert whole == []

        # Keys typed at once after a switch go to the tab's table.
        await pilot.press("2", "down")
        people = screen.query_one("#people-table", DataTable)
        await wait_for(pilot, lambda: people.cursor_row == 1)
        assert app.focused is people
