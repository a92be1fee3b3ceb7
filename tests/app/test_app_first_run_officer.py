"""First run asks who the officer is (never the operating system's user), keeps it in the
store, and the app uses it again after unlocking; its small defects: a tick that shows, and
messages that never outlive what they were about."""

from __future__ import annotations

from pathlib import Path

from app_testkit import make_app, screen_as, screen_text, wait_for, wait_for_screen
from sqlmodel import col, select
from textual.widgets import DataTable, Input, Static

from asb_tui.domain.types import OPEN_STATUSES
from asb_tui.screens.dashboard import DashboardScreen
from asb_tui.store.commands.officer import load_officer
from asb_tui.store.core.models import Case

PASSPHRASE = "correct horse battery staple"


async def test_first_run_asks_the_officer_and_the_app_uses_the_answer(data_dir: Path) -> None:
    app = make_app(data_dir, officer="root")  # what the config falls back to on a fresh laptop
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "FirstRunScreen")
        await pilot.press("n")
        name = app.screen.query_one("#officer-name", Input)
        assert name.value == "" and name.has_focus  # never offered the OS user
        await pilot.press("enter")
        assert "Type your name as cases are assigned to you." in screen_text(app)
        await pilot.press(*"Siobhán Kelly", "tab", *"East Team", "enter")
        await wait_for(pilot, lambda: app.screen.query_one("#pass1", Input).has_focus)
        await pilot.press(*PASSPHRASE, "enter", *PASSPHRASE, "enter")
        await wait_for(pilot, lambda: "Your recovery key" in screen_text(app), timeout=30)
        box = app.screen.query_one("#written-down")
        unticked = str(box.render())
        await pilot.press("space")
        ticked = str(box.render())
        assert "✔" in ticked and "✔" not in unticked  # the tick shows without colour
        await pilot.press("tab", "enter")
        await wait_for_screen(pilot, "DashboardScreen")
        await wait_for(pilot, lambda: "Siobhán Kelly" in screen_text(app))
        assert "root" not in screen_text(app)
        assert (app.config.officer, app.config.team) == ("Siobhán Kelly", "East Team")
        assert app.store is not None and app.store.actor == "Siobhán Kelly"
        officer = load_officer(app.store)
        assert officer is not None and officer.name == "Siobhán Kelly"
        app.store.close()

    again = make_app(data_dir, officer="root")  # the next start: unlock reads it back
    async with again.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "UnlockScreen")
        await pilot.press(*PASSPHRASE, "enter")
        await wait_for_screen(pilot, "DashboardScreen")
        assert again.config.officer == "Siobhán Kelly"


async def test_stale_passphrase_messages_are_cleared(data_dir: Path) -> None:
    app = make_app(data_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "FirstRunScreen")
        await pilot.press("n", "enter")
        await pilot.press(*"short", "enter", "enter")
        error = app.screen.query_one("#create-error", Static)
        assert "Choose a stronger passphrase" in str(error.render())
        app.screen.query_one("#pass1", Input).focus()
        await pilot.press(*" and a much longer tail")
        assert "Strong." in screen_text(app)
        assert "Choose a stronger passphrase" not in screen_text(app)
        app.screen.query_one("#pass2", Input).focus()
        await pilot.press(*"short and a different tail", "enter")
        assert "differ" in str(error.render())
        pass1 = app.screen.query_one("#pass1", Input).value
        app.screen.query_one("#pass2", Input).value = pass1
        await pilot.pause()
        assert "differ" not in screen_text(app)


async def test_first_run_with_demo_data_shows_cases_that_are_mine(data_dir: Path) -> None:
    app = make_app(data_dir, officer="root")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, "FirstRunScreen")
        await pilot.press("D")
        await pilot.press(*"Siobhán Kelly", "tab", *"East Team", "enter")
        await wait_for(pilot, lambda: app.screen.query_one("#pass1", Input).has_focus)
        await pilot.press(*PASSPHRASE, "enter", *PASSPHRASE, "enter")
        await wait_for(pilot, lambda: "Your recovery key" in screen_text(app), timeout=60)
        await pilot.press("space", "tab", "enter")
        await wait_for_screen(pilot, "DashboardScreen")
        dashboard = screen_as(app, DashboardScreen)
        assert dashboard.mine_only  # the dashboard opens on "mine"
        table = dashboard.query_one(DataTable)
        await wait_for(pilot, lambda: table.row_count > 0)
        assert app.store is not None
        with app.store.read() as session:
            mine = session.exec(
                select(Case.id).where(
                    Case.officer == "Siobhán Kelly", col(Case.status).in_(sorted(OPEN_STATUSES))
                )
            ).all()
            every = session.exec(select(Case.officer, Case.team)).all()
        assert mine  # the demo's worked cases are the new officer's
        # Every demo case is the team's, and the officer's but for a few of a colleague's.
        assert {team for _officer, team in every} == {"East Team"}
        officers = [officer for officer, _team in every]
        assert set(officers) <= {"Siobhán Kelly", "Priya Natarajan"}
        assert officers.count("Siobhán Kelly") > len(officers) * 3 // 4
        assert {key.value for key in table.rows} == set(mine)
        assert "Showing open cases of Siobhán Kelly" in screen_text(app)  # not "none assigned"
        app.store.close()
