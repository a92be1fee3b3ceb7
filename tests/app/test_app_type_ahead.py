"""Keys typed ahead, as fast as the event loop takes them, land where the officer meant: ctrl+l
right after typing keeps every character in the locked form's draft (and the passphrase typed
next never reaches the form); keys typed right after a key that opens a screen (n on the
dashboard, n or c on a case) go to that screen, none to the one left behind."""

from __future__ import annotations

from pathlib import Path

from app_testkit import TODAY, make_app, wait_for, wait_for_screen
from textual.widgets import Input, TextArea
from textual_testkit import settle
from typing_kit import post_keys

from asb_tui.screens.case_detail import CaseDetailScreen
from asb_tui.store.commands import cases
from asb_tui.store.core.store import Store

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


async def test_keys_typed_after_n_on_the_dashboard_go_to_the_new_referral(
    store: Store, data_dir: Path
) -> None:
    app = make_app(data_dir, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        await settle(pilot)
        # "S" and "a" are dashboard keys too (sync, mine/all): they must not act there.
        post_keys(app, ["n", *"Shouting at all hours"])
        await wait_for_screen(pilot, "ReferralFormScreen")
        summary = app.screen.query_one("#summary", Input)
        await wait_for(pilot, lambda: summary.value == "Shouting at all hours")
        assert [type(s).__name__ for s in app.screen_stack][-2:] == [
            "DashboardScreen",
            "ReferralFormScreen",
        ]


async def test_keys_typed_after_a_case_key_go_to_the_screen_it_opens(
    store: Store, data_dir: Path
) -> None:
    case = cases.refer_case(
        store,
        category="personal",
        summary="Noise",
        referred_on=TODAY,
        officer="Test Officer",
        victim_name="Ann Lee",
    )
    app = make_app(data_dir, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        await app.push_screen(CaseDetailScreen(case.id))
        await wait_for(pilot, lambda: getattr(app.screen, "detail", None) is not None)
        await settle(pilot)
        # "w", "t", "r" and "C" are case keys: typed into the note, they must open nothing.
        post_keys(app, ["n", *"Went round at ten; Called the police"])
        await wait_for_screen(pilot, "NoteFormScreen")
        body = app.screen.query_one(TextArea)
        await wait_for(pilot, lambda: body.text == "Went round at ten; Called the police")
        assert type(app.screen_stack[-2]).__name__ == "CaseDetailScreen"


async def test_ctrl_s_right_after_typing_saves_every_character(
    store: Store, data_dir: Path
) -> None:
    from sqlmodel import select

    from asb_tui.store.core.models import Action

    case = cases.refer_case(
        store,
        category="personal",
        summary="Noise",
        referred_on=TODAY,
        officer="Test Officer",
        victim_name="Ann Lee",
    )
    app = make_app(data_dir, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        await app.push_screen(CaseDetailScreen(case.id))
        await wait_for(pilot, lambda: getattr(app.screen, "detail", None) is not None)
        await settle(pilot)
        # The action form: its title, then ctrl+s, all typed ahead of the screen opening.
        post_keys(app, ["t", *"Ring the landlord about the locks", "ctrl+s"])
        await wait_for_screen(pilot, "ActionFormScreen")
        await wait_for_screen(pilot, "CaseDetailScreen")
        with store.read() as session:
            titles = [a.title for a in session.exec(select(Action)).all()]
    assert "Ring the landlord about the locks" in titles
