"""First run, unlock (wrong passphrase, then right) and auto-lock keeping a half-typed form,
encrypted, in the store."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from app_testkit import make_app, screen_as, screen_text, wait_for, wait_for_screen
from textual.widgets import Button, Checkbox, Input

from asb_tui.screens.first_run import FirstRunScreen
from asb_tui.store.core.store import Store, StorePaths, create_store

PASSPHRASE = "correct horse battery staple"


async def test_first_run_creates_a_store_and_shows_the_recovery_key_once(data_dir: Path) -> None:
    app = make_app(data_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "FirstRunScreen")
        await pilot.press("n")
        assert app.screen.query_one("#officer-name", Input).value == "Test Officer"
        await pilot.press("enter")
        await pilot.press(*"short")
        assert "Too weak" in screen_text(app)
        await pilot.press("enter", *"short", "enter")
        assert "Choose a stronger passphrase" in screen_text(app)
        assert not StorePaths(data_dir).exists()  # nothing written for a refused passphrase

        app.screen.query_one("#pass1", Input).value = PASSPHRASE
        app.screen.query_one("#pass2", Input).value = PASSPHRASE + "x"
        await pilot.press("enter")
        assert "differ" in screen_text(app)
        app.screen.query_one("#pass2", Input).value = PASSPHRASE
        app.screen.query_one("#pass2", Input).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Your recovery key" in screen_text(app))
        key = screen_as(app, FirstRunScreen).recovery_key
        assert re.fullmatch(r"([A-Z2-7]{4}-){7}[A-Z2-7]{4}", key)
        assert key in screen_text(app)
        continue_button = app.screen.query_one("#continue", Button)
        assert continue_button.disabled  # not until "I have written it down" is ticked
        assert app.screen.query_one("#written-down", Checkbox).has_focus
        await pilot.press("space", "tab", "enter")
        await wait_for_screen(pilot, "DashboardScreen")
        assert app.store is not None and app.store.is_open
        assert StorePaths(data_dir).key_file.exists()
        assert key not in screen_text(app)


async def test_first_run_can_load_demo_data(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from asb_tui.screens import first_run

    monkeypatch.setattr(first_run, "DEMO_CASES", 4)
    app = make_app(data_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "FirstRunScreen")
        await pilot.press("D", "enter")  # the officer's name, as configured
        app.screen.query_one("#pass1", Input).value = PASSPHRASE
        app.screen.query_one("#pass2", Input).value = PASSPHRASE
        app.screen.query_one("#pass2", Input).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Your recovery key" in screen_text(app), timeout=60)
        await pilot.press("space", "tab", "enter")
        await wait_for_screen(pilot, "DashboardScreen")
        # The demo's worked cases are the officer's just named: "mine" is not empty.
        mine = re.compile(r"ASB-\d{4}-[A-Z0-9]{3}-\d{5}")
        await wait_for(pilot, lambda: mine.search(screen_text(app)), timeout=30)
        assert "Showing open cases of" in screen_text(app)


async def test_wrong_passphrase_says_so_then_the_right_one_unlocks(data_dir: Path) -> None:
    created, _recovery = create_store(data_dir, PASSPHRASE, actor="Test Officer")
    created.close()
    app = make_app(data_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "UnlockScreen")
        await pilot.press(*"not the passphrase", "enter")
        await wait_for(pilot, lambda: "Wrong passphrase. Try again." in screen_text(app))
        assert app.store is None
        assert app.screen.query_one("#passphrase", Input).has_focus  # ready to retry
        await pilot.press(*PASSPHRASE, "enter")
        await wait_for_screen(pilot, "DashboardScreen")
        assert app.store is not None and app.store.is_open


async def test_auto_lock_keeps_the_half_typed_form_encrypted_and_restores_it(
    store: Store, data_dir: Path
) -> None:
    marker = "QUOKKA-7731 shouting at the bins"
    # Idle for 12 seconds locks (the idle check runs every 3 s). The keys are typed with the
    # clock stopped, so a slow machine cannot lock the app halfway through the marker; then the
    # officer "walks away": the last activity moves back past the limit and the app's own timer
    # must lock it.
    app = make_app(data_dir, store, auto_lock_minutes=0.2)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        await pilot.press("n")
        await wait_for_screen(pilot, "ReferralFormScreen")
        await pilot.press(*marker)
        await wait_for(pilot, lambda: app.screen.query_one("#summary", Input).value == marker)
        assert type(app.screen).__name__ == "ReferralFormScreen"  # typing kept it unlocked
        app._last_activity -= 13
        await wait_for_screen(pilot, "UnlockScreen", timeout=20)
        await wait_for(pilot, lambda: "The app locked itself" in screen_text(app))
        assert app.store is None and not store.is_open  # key and engines dropped
        form = app.screen_stack[-2]
        assert form.query_one("#summary", Input).value == ""  # not on screen while locked
        # The draft is in the database, and the database is encrypted: no file shows it.
        for path in StorePaths(data_dir).files():
            assert b"QUOKKA" not in path.read_bytes(), path

        await pilot.press(*PASSPHRASE, "enter")
        await wait_for_screen(pilot, "ReferralFormScreen")
        # The draft comes back from the store in a worker, a moment after the form is shown.
        await wait_for(pilot, lambda: app.screen.query_one("#summary", Input).value == marker)


async def test_ctrl_l_locks_at_once(store: Store, data_dir: Path) -> None:
    app = make_app(data_dir, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        await pilot.press("ctrl+l")
        await wait_for_screen(pilot, "UnlockScreen")
        assert "Locked" in screen_text(app)
        assert "You locked the app" in screen_text(app)
        assert "locked itself" not in screen_text(app)  # only said when it did
        assert not store.is_open
        await pilot.press("escape")  # no way past but the passphrase
        assert type(app.screen).__name__ == "UnlockScreen"
        await pilot.press(*PASSPHRASE, "enter")
        await wait_for_screen(pilot, "DashboardScreen")
