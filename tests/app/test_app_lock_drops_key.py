"""Locking drops the key: after ctrl+l no live object of the app holds the data key or the
passphrase, in any form, whether the store was just created on the first-run screen or unlocked
on the unlock screen; while unlocked, the same walk does find the key (so the walk can see it)."""

from __future__ import annotations

import secrets
from pathlib import Path

from app_testkit import make_app, screen_text, wait_for, wait_for_screen
from memory_testkit import holders_of, needles_for

from asb_tui.store.core import keyslots
from asb_tui.store.core.store import StorePaths


async def test_nothing_holds_the_key_or_passphrase_after_lock(data_dir: Path) -> None:
    # Built at run time, so the only str holding it is this test's own (skipped by identity).
    passphrase = "lock test " + secrets.token_hex(8) + " words"
    app = make_app(data_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "FirstRunScreen")
        await pilot.press("n", "enter")  # the officer's name, as configured
        await pilot.press(*passphrase, "enter", *passphrase, "enter")
        await wait_for(pilot, lambda: "Your recovery key" in screen_text(app), timeout=30)
        await pilot.press("space", "tab", "enter")
        await wait_for_screen(pilot, "DashboardScreen")
        await app.workers.wait_for_complete()
        key_file = keyslots.read_key_file(StorePaths(data_dir).key_file)
        data_key = keyslots.open_slot(key_file.slot(keyslots.PASSPHRASE), passphrase)
        needles = needles_for(passphrase, data_key)
        assert any(line.startswith("data key in") for line in holders_of(needles))

        await pilot.press("ctrl+l")
        await wait_for_screen(pilot, "UnlockScreen")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.store is None
        assert holders_of(needles) == []

        # Unlocking builds new engines over a new key buffer; the lock after it drops that too.
        await pilot.press(*passphrase, "enter")
        await wait_for_screen(pilot, "DashboardScreen", timeout=30)
        await app.workers.wait_for_complete()
        assert app.store is not None and app.store.is_open
        await pilot.press("ctrl+l")
        await wait_for_screen(pilot, "UnlockScreen")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert holders_of(needles) == []
