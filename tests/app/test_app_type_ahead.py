"""Keys typed ahead, as fast as the event loop takes them, land where the officer meant: ctrl+l
right after typing keeps every character in the locked form's draft (and the passphrase typed
next never reaches the form)."""

from __future__ import annotations

from pathlib import Path

from app_testkit import make_app, wait_for, wait_for_screen
from textual.widgets import Input
from textual_testkit import settle
from typing_kit import post_keys

from asb_tui.store.store import Store

PASSPHRASE = "correct horse battery staple"


async def test_ctrl_l_behind_typed_keys_keeps_them_all(store: Store, data_dir: Path) -> None:
    app = make_app(data_dir, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        await pilot.press("n")
        await wait_for_screen(pilot, "ReferralFormScreen")
        await settle(pilot)
        post_keys(app, [*"Shouting at night", "ctrl+l", *PASSPHRASE, "enter"])
        await wait_for_screen(pilot, "UnlockScreen")
        await wait_for_screen(pilot, "ReferralFormScreen")  # the passphrase unlocked it
        summary = app.screen.query_one("#summary", Input)
        await wait_for(pilot, lambda: summary.value != "")
        assert summary.value == "Shouting at night"
        assert summary.cursor_position == len(summary.value)  # the next words go after
