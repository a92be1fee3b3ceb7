"""Quitting as soon as the dashboard shows, while its hidden case screen
(screens/case_detail_kept.py) may still be composing or mounting its tabs, closes the app with
no error: the dashboard's removal waits for that screen's (the real app, a real store).

The moment is a race (it came in about one run in five of the dashboard-copy tests on a loaded
machine), so the app is started and quit several times, at the points those tests quit at."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_testkit import accepted_case, make_app, wait_for
from textual.message import Message

from asb_tui.screens.dashboard import DashboardScreen
from asb_tui.store.core.store import Store


@pytest.mark.parametrize("when", ["fresh", *["counted", "workers done"] * 5])
async def test_quitting_as_soon_as_the_dashboard_shows_raises_nothing(
    store: Store, data_dir: Path, when: str
) -> None:
    for victim in ("Alice Aardvark", "Betty Bramble"):
        accepted_case(store, data_dir, victim)
    app = make_app(data_dir, store)
    fresh: list[Message] = []

    def hook(message: Message) -> None:
        if isinstance(message, DashboardScreen.Populated) and message.fresh:
            fresh.append(message)

    async with app.run_test(size=(120, 30), message_hook=hook) as pilot:
        await wait_for(pilot, lambda: bool(fresh))
        if when != "fresh":
            await wait_for(pilot, lambda: "…" not in str(app.screen.query_one("#counts").render()))
        if when == "workers done":
            await app.workers.wait_for_complete()
        if when == "fresh":
            await pilot.press("ctrl+q")  # the dashboard's Quit
        # else closed as the app closes when its test ends (as the dashboard-copy tests end)
    # run_test raises what the app met (the tabs' NoMatches or ValueError); nothing was.
    assert app._exception is None
