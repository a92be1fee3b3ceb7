"""Diary sheet rapid entry through the grid: whole sheets typed ahead of the saves or pasted land
in the store exactly; refused rows stay editable; Escape waits and asks."""

from __future__ import annotations

from datetime import date

from app_testkit import screen_as, wait_for
from case_testkit import Host
from sqlmodel import col, select
from textual import events
from typing_kit import diary_sheet, post_keys, sheet_keys, wait_until_saved

from asb_tui.screens.diary_sheet import DiarySheetScreen
from asb_tui.store.commands import diary
from asb_tui.store.core.models import Incident
from asb_tui.store.core.store import Store
from asb_tui.widgets.diary_grid import RowState
from asb_tui.widgets.discard_prompt import DiscardPrompt


def stored_rows(store: Store, sheet_id: str) -> list[tuple[object, ...]]:
    with store.read() as session:
        incidents = session.exec(
            select(Incident)
            .where(Incident.diary_sheet_id == sheet_id)
            .order_by(col(Incident.created_at), col(Incident.id))
        ).all()
    return [
        (
            i.occurred_on,
            i.occurred_time,
            i.description,
            i.who_involved,
            i.impact,
            i.reported_to_police,
            i.police_ref,
        )
        for i in incidents
    ]


async def test_a_whole_sheet_typed_ahead_of_its_saves_is_stored_exactly(
    store: Store, case_id: str, host: Host
) -> None:
    sheet = diary.record_sheets_sent(store, case_id, sent_on=date(2026, 10, 30))
    rows = diary_sheet(30)
    screen = DiarySheetScreen(case_id, sheet.id)
    app = host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        # Every key of the sheet posted at once, before the screen has even loaded its sheet:
        # rows are typed while earlier ones are still waiting to be saved.
        posted = post_keys(app, sheet_keys(rows))
        assert posted > 1500
        await wait_until_saved(pilot, screen.grid, len(rows))
        assert screen.grid.count(RowState.REFUSED) == 0
        assert str(screen.query_one("#status").render()) == "Saved row 30."
        # The next row is open with the last row's date, ready for more.
        assert screen.grid.current_row.values(screen.grid.columns)["date"] == "09/11/2026"
    assert stored_rows(store, sheet.id) == [row.stored for row in rows]


async def test_a_pasted_sheet_lands_cell_by_cell(store: Store, case_id: str, host: Host) -> None:
    sheet = diary.record_sheets_sent(store, case_id, sent_on=date(2026, 10, 30))
    rows = diary_sheet(24, first_day=2)
    screen = DiarySheetScreen(case_id, sheet.id)
    app = host(screen)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        # As a spreadsheet copies it: CRLF line ends, a tab between cells, a last line break.
        app.post_message(events.Paste("\r\n".join(row.tsv() for row in rows) + "\r\n"))
        await wait_until_saved(pilot, screen.grid, len(rows))
        # A paste of one cell's text (with the line break a copied cell brings) is that text,
        # in the cell under the cursor; the carried date is replaced, as typing would.
        app.post_message(events.Paste("03/11/2026"))
        post_keys(app, ["tab", "tab"])
        app.post_message(events.Paste("Door kicked twice\r\n"))
        await pilot.pause()
        assert screen.grid.cursor == (len(screen.grid.rows) - 1, 2)
        current = screen.grid.current_row.values(screen.grid.columns)
        assert (current["date"], current["what"]) == ("03/11/2026", "Door kicked twice")
    assert stored_rows(store, sheet.id) == [row.stored for row in rows]


async def test_one_cell_pasted_with_its_line_break_stays_in_its_cell(
    store: Store, case_id: str, host: Host
) -> None:
    sheet = diary.record_sheets_sent(store, case_id, sent_on=date(2026, 10, 30))
    screen = DiarySheetScreen(case_id, sheet.id)
    app = host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        post_keys(app, [*"05/11/2026", "tab", *"22:00", "tab"])
        app.post_message(events.Paste("Music through the wall\n"))
        post_keys(app, ["tab", *"Flat 4", "enter"])
        await wait_until_saved(pilot, screen.grid, 1)
    [row] = stored_rows(store, sheet.id)
    assert row[:4] == (date(2026, 11, 5), "22:00", "Music through the wall", "Flat 4")


async def test_a_paste_wider_than_a_row_is_refused_whole(
    store: Store, case_id: str, host: Host
) -> None:
    sheet = diary.record_sheets_sent(store, case_id, sent_on=date(2026, 10, 30))
    screen = DiarySheetScreen(case_id, sheet.id)
    app = host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        good = "\t".join(["01/11/2026", "21:00", "Music", "Flat 4", "Awake", "n", "", "c ="])
        app.post_message(events.Paste(good + "\n" + good + "\textra\tcells\n"))
        await pilot.pause()
        status = str(screen.query_one("#status").render())
        assert status.startswith("Nothing pasted: line 2 of the paste has 10 cells")
        assert [row.state for row in screen.grid.rows] == [RowState.EDITING]
        assert screen.grid.current_row.values(screen.grid.columns)["what"] == ""
    assert stored_rows(store, sheet.id) == []


async def test_refused_rows_keep_their_typing_and_are_fixed_in_place(
    store: Store, case_id: str, host: Host
) -> None:
    sheet = diary.record_sheets_sent(store, case_id, sent_on=date(2026, 10, 30))
    screen = DiarySheetScreen(case_id, sheet.id)
    app = host(screen)
    typed = [
        ("01/11/2026", "21:30", "Loud music", "Flat 4", "Kept awake", "n", ""),
        ("31/02/2026", "10:00", "Graffiti on door", "Unknown", "Angry", "n", ""),
        ("02/11/2026", "07:10Sm", "Shouting", "Flat 4", "Scared", "n", ""),
        ("03/11/2026", "18:00", "Eggs at window", "Teens", "Upset", "n", "CAD 77"),
        ("04/11/2026", "20:00", "Fireworks", "Teens", "Dog terrified", "y", "CAD 78"),
    ]
    keys: list[str] = []
    for row in typed:
        for index, cell in enumerate(row):
            keys.extend(cell)
            keys.append("enter" if index == len(row) - 1 else "tab")
    async with app.run_test(size=(80, 24)) as pilot:
        post_keys(app, keys)
        await wait_until_saved(pilot, screen.grid, 2)
        grid = screen.grid
        assert [(row.number, row.state) for row in grid.rows] == [
            (1, RowState.SAVED),
            (2, RowState.REFUSED),
            (3, RowState.REFUSED),
            (4, RowState.REFUSED),
            (5, RowState.SAVED),
            (6, RowState.EDITING),
        ]
        reasons = {row.number: row.reason for row in grid.rows if row.reason}
        assert "February 2026 has 28 days" in reasons[2]
        assert "'07:10Sm' is not a time" in reasons[3]
        assert "A police reference is given" in reasons[4]
        # The reasons are on screen, under their rows, and nothing typed was lost.
        shown = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
        assert "✗ '31/02/2026' is not a real date" in shown
        assert grid.rows[1].values(grid.columns)["what"] == "Graffiti on door"
        # Up goes to row 4 (saved rows are skipped), straight to the cell to put right, its
        # value selected (a y/n, a time, a date is typed over); then rows 3 and 2.
        post_keys(app, ["up", "y", "enter"])
        post_keys(app, ["up", *"0710", "enter"])  # row 4 is saving: up goes to row 3
        post_keys(app, ["up", *"28/02/2026", "enter"])
        await wait_until_saved(pilot, grid, 5)
        assert grid.count(RowState.REFUSED) == 0
    got = stored_rows(store, sheet.id)
    assert [(row[0], row[1], row[2], row[5]) for row in got] == [
        (date(2026, 11, 1), "21:30", "Loud music", False),
        (date(2026, 11, 4), "20:00", "Fireworks", True),
        (date(2026, 11, 3), "18:00", "Eggs at window", True),
        (date(2026, 11, 2), "07:10", "Shouting", False),
        (date(2026, 2, 28), "10:00", "Graffiti on door", False),
    ]


async def test_enter_carries_the_date_and_ctrl_d_copies_the_last_row(
    store: Store, case_id: str, host: Host
) -> None:
    sheet = diary.record_sheets_sent(store, case_id, sent_on=date(2026, 10, 30))
    screen = DiarySheetScreen(case_id, sheet.id)
    app = host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        post_keys(app, [*"yesterday", "tab", *"21:00", "tab", *"Car blocking drive", "enter"])
        # ctrl+d on the new row (only the carried date in it) copies the row above; typing the
        # time replaces the copied one.
        post_keys(app, ["ctrl+d", *"23:59", "enter"])
        await wait_until_saved(pilot, screen.grid, 2)
        # ctrl+d on a row with typing in it refuses, and keeps the typing.
        post_keys(app, ["tab", "tab", *"Kept", "ctrl+d"])
        await pilot.pause()
        assert "this one has typing in it" in str(screen.query_one("#status").render())
        assert screen.grid.current_row.values(screen.grid.columns)["what"] == "Kept"
        assert screen.grid.current_row.values(screen.grid.columns)["date"] == "yesterday"
    got = stored_rows(store, sheet.id)
    assert [(row[0], row[1], row[2]) for row in got] == [
        (date(2026, 11, 22), "21:00", "Car blocking drive"),
        (date(2026, 11, 22), "23:59", "Car blocking drive"),
    ]


async def test_escape_waits_for_saves_then_asks_about_an_unsaved_row(
    store: Store, case_id: str, host: Host
) -> None:
    sheet = diary.record_sheets_sent(store, case_id, sent_on=date(2026, 10, 30))
    screen = DiarySheetScreen(case_id, sheet.id)
    app = host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        rows = diary_sheet(3)
        # Three rows, then a half-typed fourth, then Escape at once, and "k" (keep editing).
        post_keys(app, [*sheet_keys(rows), *"12/11/2026", "tab", "tab", *"Half typed", "escape"])
        await wait_until_saved(pilot, screen.grid, 3)
        # The app hands keys on one at a time: the prompt comes once Escape's turn has come.
        await wait_for(pilot, lambda: isinstance(app.screen, DiscardPrompt))
        post_keys(app, ["k", *" row"])
        await wait_for(
            pilot,
            lambda: screen.grid.current_row.values(screen.grid.columns)["what"] == "Half typed row",
        )
        assert app.screen is screen
        # Escape and "d" typed together discard it and close the screen.
        post_keys(app, ["escape", "d"])
        await wait_for(pilot, lambda: app.screen is not screen and not app._key_backlog)
        assert type(app.screen).__name__ == "DashboardScreen"
    assert len(stored_rows(store, sheet.id)) == 3


async def test_escape_on_an_untouched_grid_closes_at_once(
    store: Store, case_id: str, host: Host
) -> None:
    sheet = diary.record_sheets_sent(store, case_id, sent_on=date(2026, 10, 30))
    screen = DiarySheetScreen(case_id, sheet.id)
    app = host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        post_keys(app, ["escape"])
        await pilot.pause()
        assert app.screen is not screen


async def test_what_happened_gets_the_room_and_wraps_at_80x24(
    store: Store, case_id: str, host: Host
) -> None:
    sheet = diary.record_sheets_sent(store, case_id, sent_on=date(2026, 10, 30))
    screen = DiarySheetScreen(case_id, sheet.id)
    app = host(screen)
    long_text = "Kicked the door and shouted abuse through the letterbox for ten minutes"
    async with app.run_test(size=(80, 24)) as pilot:
        post_keys(app, [*"01/11/2026", "tab", "tab", *long_text])
        await pilot.pause()
        widths = dict(
            zip(
                [c.key for c in screen.grid.columns],
                screen.grid.column_widths(screen.grid.size.width),
                strict=True,
            )
        )
        assert widths["what"] >= 24
        assert widths["what"] == max(widths.values())
        shown = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
        # Every word typed is on screen (the cell wraps), none cut off.
        for word in long_text.split():
            assert word in shown
    async with host(DiarySheetScreen(case_id, sheet.id)).run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        grid = screen_as(pilot.app, DiarySheetScreen).grid
        widths_120 = grid.column_widths(grid.size.width)
        assert widths_120[2] >= 48
