"""Diary sheet rapid entry, driven with the keyboard alone."""

from __future__ import annotations

from datetime import date

from sqlmodel import col, select
from textual import events
from textual.keys import _character_to_key

from asb_tui.screens.diary_sheet import DiarySheetScreen
from asb_tui.store import diary
from asb_tui.store.models import Incident
from asb_tui.store.store import Store

ROWS = [
    # date, time, what, who, effect, police, ref
    ("01/11/2026", "21:30", "Loud music", "Flat 4", "Kept awake", "n", ""),
    ("", "23:05", "Shouting on stairs", "Two men", "Scared", "y", "CAD 1234"),
    ("03/11/2026", "7am", "Bins set alight", "Unknown", "Afraid to go out", "y", "CR/55/26"),
    ("04/11/2026", "18:00", "Eggs thrown at window", "Teenagers", "Upset", "n", ""),
    ("05/11/2026", "2000", "Fireworks at door", "Teenagers", "Dog terrified", "n", ""),
    ("06/11/2026", "22:40", "Banging on wall", "Flat 4", "No sleep", "n", ""),
    ("07/11/2026", "9.15", "Abuse in the street", "Flat 4 man", "Shaken", "y", "CAD 2288"),
    ("08/11/2026", "21:00", "Car blocking drive", "Flat 4", "Late for work", "n", ""),
]


async def _type(pilot, text: str) -> None:
    """Type `text` as key events (one per character) into the focused widget, then let the app
    catch up. Faster than pilot.press per character, which waits for idle after every key."""
    for character in text:
        key = character if character.isalnum() else _character_to_key(character)
        pilot.app.post_message(events.Key(key, character))
    await pilot.pause()


async def _type_row(pilot, row) -> None:
    for index, value in enumerate(row):
        await _type(pilot, value)
        await pilot.press("enter" if index == len(row) - 1 else "tab")


async def test_ten_entries_typed_without_the_mouse(store: Store, case_id: str, host):
    sheet = diary.record_sheets_sent(store, case_id, sent_on=date(2026, 10, 30))
    screen = DiarySheetScreen(case_id, sheet.id)
    app = host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for row in ROWS[:2]:
            await _type_row(pilot, row)
        # An impossible date: the row is refused, the date marked, the rest kept.
        await _type_row(
            pilot, ("31/02/2026", "10:00", "Graffiti on door", "Unknown", "Angry", "n", "")
        )
        date_field = screen.query_one("#entry-date")
        assert date_field.has_class("-invalid")
        assert screen.query_one("#entry-what").value == "Graffiti on door"
        assert "February 2026 has 28 days" in str(screen.query_one("#status").render())
        assert len(screen.saved_ids) == 2
        # Fix only the date (focus is back on it, its text selected) and save.
        assert app.focused is date_field
        await _type(pilot, "02/11/2026")
        await pilot.press("enter")
        assert len(screen.saved_ids) == 3
        for row in ROWS[2:]:
            await _type_row(pilot, row)
        # Copy the previous row, change the time, save.
        await pilot.press("ctrl+d")
        assert screen.query_one("#entry-what").value == "Car blocking drive"
        await _type(pilot, "23:59")
        await pilot.press("enter")
        await pilot.pause()
        assert str(screen.query_one("#status").render()) == "Saved entry 10."
        assert len(screen.saved_ids) == 10

    with store.read() as session:
        incidents = session.exec(
            select(Incident)
            .where(Incident.diary_sheet_id == sheet.id)
            .order_by(col(Incident.created_at))
        ).all()
    assert len(incidents) == 10
    got = [(i.occurred_on, i.occurred_time, i.description) for i in incidents]
    assert got[:4] == [
        (date(2026, 11, 1), "21:30", "Loud music"),
        (date(2026, 11, 1), "23:05", "Shouting on stairs"),  # previous date carried over
        (date(2026, 11, 2), "10:00", "Graffiti on door"),
        (date(2026, 11, 3), "07:00", "Bins set alight"),
    ]
    assert got[-1] == (date(2026, 11, 8), "23:59", "Car blocking drive")
    assert got[-2] == (date(2026, 11, 8), "21:00", "Car blocking drive")
    assert incidents[1].reported_to_police and incidents[1].police_ref == "CAD 1234"
    assert all(i.source == "diary" for i in incidents)
