"""The real app, end to end: every screen wired into case detail and the dashboard opens from its
key and closes with escape, and a diary row typed in the real app is saved (the screens are also
tested one by one on small host apps; this proves they work inside AsbApp)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from app_testkit import TODAY, make_app, screen_as, wait_for, wait_for_screen
from sqlmodel import select
from textual_testkit import settle

from asb_tui.screens.case_detail import CASE_SCREENS
from asb_tui.screens.dashboard import APP_SCREENS
from asb_tui.screens.diary_sheet import DiarySheetScreen
from asb_tui.store.commands.cases import refer_case
from asb_tui.store.core.models import Incident
from asb_tui.store.core.store import Store


def _class_name(target: str) -> str:
    module_name, class_name = target.split(":")
    assert hasattr(importlib.import_module(module_name), class_name), target
    return class_name


@pytest.fixture
def case_id(store: Store) -> str:
    new = refer_case(
        store,
        category="personal",
        summary="Shouting at the windows at night",
        referred_on=TODAY,
        officer="Test Officer",
        team="north",
        victim_name="[bold]Smith[/]",
    )
    return new.id


async def test_every_case_screen_opens_from_case_detail(
    store: Store, data_dir: Path, case_id: str
) -> None:
    app = make_app(data_dir, store=store)
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        from asb_tui.screens.case_detail import CaseDetailScreen

        app.push_screen(CaseDetailScreen(case_id))
        await wait_for_screen(pilot, "CaseDetailScreen")
        for name, (key, _text, target) in CASE_SCREENS.items():
            await pilot.press(key)
            await wait_for_screen(pilot, _class_name(target))
            await settle(pilot)  # the screen's first load has finished
            await pilot.press("escape")
            await wait_for_screen(pilot, "CaseDetailScreen")
            assert name  # each binding named


async def test_every_office_screen_opens_from_the_dashboard(
    store: Store, data_dir: Path, case_id: str
) -> None:
    keys = {"sync": "S", "review-queue": "R", "vvc": "V", "reports": "P"}
    assert set(keys) == set(APP_SCREENS)
    app = make_app(data_dir, store=store)
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        for name, target in APP_SCREENS.items():
            await pilot.press(keys[name])
            await wait_for_screen(pilot, _class_name(target))
            await settle(pilot)  # the screen's first load has finished
            await pilot.press("escape")
            await wait_for_screen(pilot, "DashboardScreen")


async def test_a_diary_row_typed_in_the_real_app_is_saved(
    store: Store, data_dir: Path, case_id: str
) -> None:
    app = make_app(data_dir, store=store)
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        from asb_tui.screens.case_detail import CaseDetailScreen

        app.push_screen(CaseDetailScreen(case_id))
        await wait_for_screen(pilot, "CaseDetailScreen")
        await pilot.press("d")
        await wait_for_screen(pilot, "DiarySheetScreen")
        await pilot.press("ctrl+n")  # record the sheets sent (the date prompt offers today)
        await wait_for_screen(pilot, "FormPrompt")
        await pilot.press("enter")
        await wait_for_screen(pilot, "DiarySheetScreen")
        await wait_for(pilot, lambda: screen_as(app, DiarySheetScreen).sheet_id is not None)
        await settle(pilot)
        await wait_for(pilot, lambda: app.focused is screen_as(app, DiarySheetScreen).grid)
        for text in ("12/11/2026", "21:30", "Loud music [/] until 2am", "Flat 3", "No sleep"):
            await pilot.press(*text)
            await pilot.press("tab")
        await pilot.press("enter")

        def saved() -> list[Incident]:
            with store.read() as session:
                return list(session.exec(select(Incident).where(Incident.case_id == case_id)))

        await wait_for(pilot, lambda: len(saved()) == 1)
        incident = saved()[0]
    assert incident.occurred_on.isoformat() == "2026-11-12"
    assert incident.occurred_time == "21:30"
    assert incident.description == "Loud music [/] until 2am"


async def test_a_half_typed_diary_row_survives_the_lock(
    store: Store, data_dir: Path, case_id: str, passphrase: str
) -> None:
    from asb_tui.store.commands.diary import record_sheets_sent

    sheet = record_sheets_sent(store, case_id, sent_on=TODAY)
    marker = "Kicked the door HALFTYPED-7731"
    app = make_app(data_dir, store=store)
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        app.push_screen(DiarySheetScreen(case_id, sheet.id))
        await wait_for_screen(pilot, "DiarySheetScreen")
        await settle(pilot)
        await wait_for(pilot, lambda: app.focused is screen_as(app, DiarySheetScreen).grid)
        await pilot.press(*"11/11/2026", "tab", *"22:00", "tab", *marker)
        await pilot.press("ctrl+l")
        await wait_for_screen(pilot, "UnlockScreen")
        diary_screen = app.screen_stack[-2]
        assert isinstance(diary_screen, DiarySheetScreen)
        assert marker not in str(diary_screen.draft_state())  # blanked while locked
        for path in data_dir.iterdir():  # kept encrypted, never in clear on disk
            assert marker.encode() not in path.read_bytes()
        await pilot.press(*passphrase, "enter")
        await wait_for_screen(pilot, "DiarySheetScreen", timeout=20)
        await wait_for(pilot, lambda: marker in str(screen_as(app, DiarySheetScreen).draft_state()))
        grid = screen_as(app, DiarySheetScreen).grid
        assert grid.current_row.values(grid.columns)["date"] == "11/11/2026"
        # The cursor is back at the end of the half-typed cell: the next words follow it.
        await pilot.press(*" again", "enter")
        await wait_for(pilot, lambda: len(screen_as(app, DiarySheetScreen).saved_ids) == 1)
        assert app.store is not None
        with app.store.read() as session:  # the store the unlock opened
            incident = session.exec(select(Incident).where(Incident.case_id == case_id)).one()
    assert (incident.occurred_time, incident.description) == ("22:00", marker + " again")
