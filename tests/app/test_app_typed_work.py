"""Typed work in the real app: Escape asks before throwing it away (a dropdown's Escape included),
keys typed ahead across Tab, Escape and a prompt land where they were meant, and a draft restored
after unlock carries on at the end of what was typed."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from app_testkit import TODAY, make_app, screen_as, wait_for, wait_for_screen
from laptop_testkit import PASSPHRASE
from sqlmodel import col, select
from textual.pilot import Pilot
from textual.widgets import Input, Select, TextArea
from typing_kit import post_keys

from asb_tui.app import AsbApp
from asb_tui.screens.diary_sheet import DiarySheetScreen
from asb_tui.store.commands.cases import refer_case
from asb_tui.store.core.models import AgencyContact, DiarySheet, Incident, Note
from asb_tui.store.core.store import Store
from asb_tui.widgets.discard_prompt import DiscardPrompt


@pytest.fixture
def case_id(store: Store) -> str:
    return refer_case(
        store,
        category="personal",
        summary="Shouting at the windows at night",
        referred_on=TODAY,
        officer="Test Officer",
        team="north",
        victim_name="Ann Victim",
    ).id


async def _open_case(pilot: Pilot[Any], app: AsbApp, case_id: str) -> None:
    await wait_for_screen(pilot, "DashboardScreen")
    from asb_tui.screens.case_detail import CaseDetailScreen

    app.push_screen(CaseDetailScreen(case_id))
    await wait_for_screen(pilot, "CaseDetailScreen")
    await pilot.pause()


async def test_escape_after_closing_a_dropdown_asks_before_losing_an_agency_contact(
    store: Store, data_dir: Path, case_id: str
) -> None:
    app = make_app(data_dir, store=store)
    async with app.run_test(size=(100, 32)) as pilot:
        await _open_case(pilot, app, case_id)
        await pilot.press("c")
        await wait_for_screen(pilot, "AgencyContactScreen")
        screen = app.screen
        await wait_for(pilot, lambda: isinstance(app.focused, Select))
        # Typed ahead: the other agency, the person, the reference, each after a Tab.
        post_keys(app, ["tab", *"Housing [north]", "tab", *"Jo Bloggs", "tab", "tab"])
        post_keys(app, [*"HX-22", "tab", "tab", "tab", *"Rang about the bins"])
        await wait_for(pilot, lambda: "bins" in screen.query_one("#ac-summary", TextArea).text)
        assert screen.query_one("#ac-other", Input).value == "Housing [north]"
        assert screen.query_one("#ac-name", Input).value == "Jo Bloggs"
        assert screen.query_one("#ac-ref", Input).value == "HX-22"
        # Open the method dropdown, close it with Escape: only the dropdown closes.
        screen.query_one("#ac-method", Select).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.query_one("#ac-method", Select).expanded)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and not isinstance(app.screen, DiscardPrompt)
        # Escape again asks; Escape on the question keeps editing.
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DiscardPrompt))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        assert screen.query_one("#ac-summary", TextArea).text == "Rang about the bins"
        # Saved, then Escape leaves at once: nothing is left to lose.
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "saved" in str(screen.query_one("#status").render()))
        await pilot.press("escape")
        await wait_for_screen(pilot, "CaseDetailScreen")
        with store.read() as session:
            contact = session.exec(select(AgencyContact)).one()
    assert (contact.agency, contact.reference) == ("Housing [north]", "HX-22")


async def test_typed_ahead_then_escape_on_a_form_asks_and_keeps_every_key(
    store: Store, data_dir: Path, case_id: str
) -> None:
    text = "Neighbour says the shouting starts at 11pm"
    app = make_app(data_dir, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_case(pilot, app, case_id)
        await pilot.press("n")
        await wait_for_screen(pilot, "NoteFormScreen")
        # The note and Escape at once: Escape comes before the field has taken the keys.
        post_keys(app, [*text, "escape"])
        await wait_for(pilot, lambda: isinstance(app.screen, DiscardPrompt))
        post_keys(app, ["k", *" and ends at 2am"])
        await wait_for_screen(pilot, "NoteFormScreen")
        body = app.screen.query_one("#body", TextArea)
        await wait_for(pilot, lambda: body.text.endswith("2am"))
        assert body.text == text + " and ends at 2am"
        # Escape and "d" typed together discard it; nothing was saved.
        post_keys(app, ["escape", "d"])
        await wait_for_screen(pilot, "CaseDetailScreen")
        # An untouched form closes with Escape at once.
        post_keys(app, ["n"])
        await wait_for_screen(pilot, "NoteFormScreen")
        post_keys(app, ["escape"])
        await wait_for_screen(pilot, "CaseDetailScreen")
        with store.read() as session:
            assert session.exec(select(Note).where(Note.case_id == case_id)).all() == []


async def test_a_draft_restored_after_unlock_carries_on_at_the_end(
    store: Store, data_dir: Path, case_id: str
) -> None:
    app = make_app(data_dir, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_case(pilot, app, case_id)
        await pilot.press("n")
        await wait_for_screen(pilot, "NoteFormScreen")
        post_keys(app, [*"shout at her door."])
        body = app.screen.query_one("#body", TextArea)
        await wait_for(pilot, lambda: body.text == "shout at her door.")
        await pilot.press("ctrl+l")
        await wait_for_screen(pilot, "UnlockScreen")
        post_keys(app, [*PASSPHRASE, "enter"])
        await wait_for_screen(pilot, "NoteFormScreen", timeout=20)
        body = app.screen.query_one("#body", TextArea)
        await wait_for(pilot, lambda: body.text == "shout at her door.")
        post_keys(app, [*" Phoned Siobhán at 18:10."])
        await wait_for(pilot, lambda: body.text.endswith("18:10."))
        assert body.text == "shout at her door. Phoned Siobhán at 18:10."
        # The same for a one-line field: the agency contact's reference.
        await pilot.press("escape", "d")
        await wait_for_screen(pilot, "CaseDetailScreen")
        await pilot.press("c")
        await wait_for_screen(pilot, "AgencyContactScreen")
        screen = app.screen
        screen.query_one("#ac-ref", Input).focus()
        await pilot.pause()
        post_keys(app, [*"CAD 12"])
        await wait_for(pilot, lambda: screen.query_one("#ac-ref", Input).value == "CAD 12")
        await pilot.press("ctrl+l")
        await wait_for_screen(pilot, "UnlockScreen")
        post_keys(app, [*PASSPHRASE, "enter"])
        await wait_for_screen(pilot, "AgencyContactScreen", timeout=20)
        reference = app.screen.query_one("#ac-ref", Input)
        await wait_for(pilot, lambda: reference.value == "CAD 12")
        post_keys(app, [*"34"])
        await wait_for(pilot, lambda: reference.value.endswith("34"))
        assert reference.value == "CAD 1234"


async def test_keys_typed_while_drafts_come_back_follow_them(
    store: Store, data_dir: Path, case_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The drafts are read back in a worker after unlock: keys typed meanwhile wait, then land
    after the restored text (never in a blank field that the draft then overwrites)."""
    from asb_tui.screens import lock_drafts

    typed = " again"
    app = make_app(data_dir, store=store)
    read_back = lock_drafts.read_lock_drafts

    def read_once_the_keys_are_taken(*args: object, **kwargs: object) -> object:
        # The worker goes on only once the app has dealt with the keys (held them, or let them
        # into the field): the test does not depend on which of the two is faster.
        for _ in range(500):
            if len(app._held_keys) == len(typed) or "again" in body.text:
                break
            time.sleep(0.01)
        return read_back(*args, **kwargs)  # type: ignore[arg-type]

    async with app.run_test(size=(80, 24)) as pilot:
        await _open_case(pilot, app, case_id)
        await pilot.press("n")
        await wait_for_screen(pilot, "NoteFormScreen")
        post_keys(app, [*"Loud music"])
        body = app.screen.query_one("#body", TextArea)
        await wait_for(pilot, lambda: body.text == "Loud music")
        await pilot.press("ctrl+l")
        await wait_for_screen(pilot, "UnlockScreen")
        monkeypatch.setattr(lock_drafts, "read_lock_drafts", read_once_the_keys_are_taken)
        restore = app._restore_after_lock

        def restore_then_type() -> None:
            restore()  # the drafts are on their way back from the store: not in the form yet
            post_keys(app, [*typed])

        app._restore_after_lock = restore_then_type  # type: ignore[method-assign]
        post_keys(app, [*PASSPHRASE, "enter"])
        await wait_for_screen(pilot, "NoteFormScreen", timeout=20)
        await wait_for(pilot, lambda: body.text.endswith("again"))
        assert body.text == "Loud music again"


async def test_a_prompt_typed_through_at_once_then_a_diary_row(
    store: Store, data_dir: Path, case_id: str
) -> None:
    app = make_app(data_dir, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_case(pilot, app, case_id)
        # The diary sheet (no sheet yet); ctrl+n asks when the sheets went out: a date typed
        # over the offered one, Enter, and the first row of the sheet, all at once.
        row = [*"12/11/2026", "tab", "tab", *"Music at 3am", "tab", *"Flat 4", "enter"]
        await pilot.press("d")
        await wait_for_screen(pilot, "DiarySheetScreen")
        post_keys(app, ["ctrl+n", *"10/11/2026", "enter", *row])
        # (The date prompt is on screen for a moment: it has no rows.)
        await wait_for(pilot, lambda: len(getattr(app.screen, "saved_ids", ())) == 1)
        with store.read() as session:
            sheet = session.exec(select(DiarySheet).where(DiarySheet.case_id == case_id)).one()
            incident = session.exec(select(Incident).where(Incident.case_id == case_id)).one()
    assert sheet.sent_on is not None and sheet.sent_on.isoformat() == "2026-11-10"
    assert (incident.diary_sheet_id, incident.description, incident.who_involved) == (
        sheet.id,
        "Music at 3am",
        "Flat 4",
    )


async def test_rows_typed_ahead_of_a_lock_are_each_saved_once_after_unlock(
    store: Store, data_dir: Path, case_id: str
) -> None:
    from typing_kit import diary_sheet, sheet_keys

    from asb_tui.store.commands.diary import record_sheets_sent

    sheet = record_sheets_sent(store, case_id, sent_on=TODAY)
    rows = diary_sheet(6)
    app = make_app(data_dir, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_case(pilot, app, case_id)
        await pilot.press("d")
        await wait_for_screen(pilot, "DiarySheetScreen")
        # Six rows and a half-typed seventh, then ctrl+l, at once: the lock comes while rows
        # are still waiting to be checked and saved.
        post_keys(app, [*sheet_keys(rows), *"02/11/2026", "tab", "tab", *"Half", "ctrl+l"])
        await wait_for_screen(pilot, "UnlockScreen")
        post_keys(app, [*PASSPHRASE, "enter"])
        await wait_for_screen(pilot, "DiarySheetScreen", timeout=20)
        diary_screen = screen_as(app, DiarySheetScreen)
        await wait_for(pilot, lambda: len(diary_screen.saved_ids) == 6)
        grid = diary_screen.grid
        assert grid.current_row.values(grid.columns)["what"] == "Half"
        assert app.store is not None
        with app.store.read() as session:
            stored = session.exec(
                select(Incident.description)
                .where(Incident.diary_sheet_id == sheet.id)
                .order_by(col(Incident.created_at))
            ).all()
    assert stored == [row.stored[2] for row in rows]  # each once, in the order typed


async def test_an_agency_contact_with_no_agency_chosen_is_refused_and_blank_choices_stay_blank(
    store: Store, data_dir: Path, case_id: str
) -> None:
    """An unselected dropdown is no answer: saving with no agency asks for one, and a kind of
    reference left unchosen is stored empty (never the dropdown's own marker for "nothing")."""
    app = make_app(data_dir, store=store)
    async with app.run_test(size=(100, 32)) as pilot:
        await _open_case(pilot, app, case_id)
        await pilot.press("c")
        await wait_for_screen(pilot, "AgencyContactScreen")
        screen = app.screen
        screen.query_one("#ac-summary", TextArea).text = "Rang about the bins"
        await pilot.press("ctrl+s")
        await wait_for(
            pilot, lambda: "Choose the agency" in str(screen.query_one("#status").render())
        )
        with store.read() as session:
            assert session.exec(select(AgencyContact)).all() == []
        screen.query_one("#ac-other", Input).value = "Housing"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "saved" in str(screen.query_one("#status").render()))
        with store.read() as session:
            contact = session.exec(select(AgencyContact)).one()
    assert contact.agency == "Housing"
    assert contact.reference_kind in ("", None)
