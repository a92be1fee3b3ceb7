"""The case screen's tab bar shows the tab that is active, however fast the number keys come: a
terminal hands a burst of keys over at once (typed ahead, or pasted), and Textual's own scroll of
the bar for each switch is deferred and animated, so an earlier tab's scroll could land after the
last one's and leave the active tab scrolled out of an 80-column bar, its underline unseen."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_testkit import accepted_case, case_detail_shown, make_app, wait_for
from textual import events
from textual.widgets import TabbedContent, Tabs

from asb_tui.screens.case_detail import TABS
from asb_tui.store.core.store import Store

NUMBER = {tab_id: str(n) for n, (tab_id, _title) in enumerate(TABS, start=1)}


@pytest.mark.parametrize(
    "burst", [["people", "actions", "timeline", "summary"], ["summary", "timeline"]]
)
async def test_a_burst_of_tab_keys_ends_with_the_active_tab_in_view(
    store: Store, data_dir: Path, burst: list[str]
) -> None:
    case_id = accepted_case(store, data_dir, "Ann Lake")
    app = make_app(data_dir, store)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await case_detail_shown(pilot, case_id)
        await pilot.pause()
        tabbed = screen.query_one(TabbedContent)
        bar = tabbed.query_one(Tabs)
        scroll = bar.query_one("#tabs-scroll")
        assert scroll.virtual_size.width > scroll.size.width  # the bar does not fit: it scrolls
        for _round in range(3):
            for tab_id in burst:  # all queued before the first is handled, as a terminal's
                app.post_message(events.Key(NUMBER[tab_id], NUMBER[tab_id]))
            await wait_for(pilot, lambda: tabbed.active == burst[-1])
            await pilot.wait_for_scheduled_animations()
            for _ in range(3):
                await pilot.pause()
            active = bar.active_tab
            assert active is not None and active.id is not None
            left, right = active.virtual_region.column_span
            shown = range(int(scroll.scroll_x), int(scroll.scroll_x) + scroll.size.width + 1)
            assert left in shown and right in shown, (burst[-1], scroll.scroll_x, left, right)
