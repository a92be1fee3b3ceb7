"""The sync limits hold at entry: a form refuses a note over the limit with a clear message and
saves nothing, instead of accepting it and failing at sync (limits from sync/schema.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_testkit import TODAY, make_app, wait_for, wait_for_screen
from sqlmodel import select
from textual.widgets import Static, TextArea

from asb_tui.store.commands.cases import refer_case
from asb_tui.store.core.entry_limits import EntryRefused
from asb_tui.store.core.models import Case, Note
from asb_tui.store.core.store import Store
from sync import schema


async def test_the_note_form_refuses_an_over_long_note_and_saves_nothing(
    store: Store, data_dir: Path
) -> None:
    case_id = refer_case(
        store, category="personal", summary="Shouting", referred_on=TODAY,
        officer="Test Officer", team="north", victim_name="Ann Victim",
    ).id  # fmt: skip
    app = make_app(data_dir, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        from asb_tui.screens.case_detail import CaseDetailScreen

        app.push_screen(CaseDetailScreen(case_id))
        await wait_for_screen(pilot, "CaseDetailScreen")
        await pilot.pause()
        await pilot.press("n")
        await wait_for_screen(pilot, "NoteFormScreen")
        screen = app.screen
        screen.query_one("#body", TextArea).load_text("x" * (schema.LONG + 1))  # a paste
        await pilot.press("ctrl+s")
        error = screen.query_one("#form-error", Static)
        await wait_for(pilot, lambda: "characters long" in str(error.render()), timeout=60)
        message = str(error.render())
        assert "100,001 characters long; the most it may hold is 100,000" in message
        assert "Shorten it" in message
        assert app.screen is screen  # the typed note is still there to shorten
        assert len(screen.query_one("#body", TextArea).text) == schema.LONG + 1
        with store.read() as session:
            assert session.exec(select(Note).where(Note.case_id == case_id)).all() == []


def test_the_store_refuses_what_the_service_would_refuse(store: Store) -> None:
    case = refer_case(
        store, category="personal", summary="Shouting", referred_on=TODAY,
        officer="Test Officer", team="north", victim_name="Ann Victim",
    )  # fmt: skip
    for changes, words in (
        ({"team": "t" * (schema.SHORT + 1)}, "Asb case team is 201 characters long"),
        ({"summary": "lone \ud800"}, "not valid Unicode"),
        ({"location": "nul \x00"}, "NUL character"),
    ):
        with pytest.raises(EntryRefused, match=words), store.write() as uow:
            row = uow.reads.get(Case, case.id)
            assert row is not None
            uow.update(row, changes, action="case.edit")
    with store.read() as session:
        kept = session.get(Case, case.id)
    assert kept is not None and (kept.team, kept.summary) == ("north", "Shouting")
