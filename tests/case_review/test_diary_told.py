"""Reported means reported in the diary grid: the Told cell (who, then when) typed ahead of the
saves, key by key, lands exactly; a cell that cannot be read is refused naming the cell."""

from __future__ import annotations

from datetime import date

import pytest
from case_testkit import TODAY, Host
from sqlmodel import col, select
from typing_kit import post_keys, wait_until_saved

from asb_tui.domain.diary_columns import DiaryRowProblem, read_diary_row, read_reported
from asb_tui.screens.diary_sheet import DiarySheetScreen
from asb_tui.store.commands import diary
from asb_tui.store.core.models import Incident
from asb_tui.store.core.store import Store

HAPPENED = date(2026, 11, 2)
NOV_6, NOV_20 = date(2026, 11, 6), date(2026, 11, 20)


@pytest.mark.parametrize(
    ("typed", "agencies", "reported_on"),
    [
        ("", (), None),
        ("c", ("council",), None),  # reported, the date not known
        ("cp =", ("council", "police"), HAPPENED),
        ("l+2", ("housing",), date(2026, 11, 4)),
        ("h 3/11", ("health",), date(2026, 11, 3)),
        ("pc 03/11/2026", ("council", "police"), date(2026, 11, 3)),
        ("C YESTERDAY", ("council",), date(2026, 11, 22)),
    ],
)
def test_the_told_cell_reads_who_then_when(
    typed: str, agencies: tuple[str, ...], reported_on: date | None
) -> None:
    assert read_reported(typed, HAPPENED, TODAY) == (agencies, reported_on)


@pytest.mark.parametrize(
    ("typed", "refusal"),
    [
        ("x", "start with who it was told to"),
        ("c 1/11", "before it happened"),
        ("c +40", "in the future"),
        ("p someday", "Reported when"),
    ],
)
def test_a_told_cell_that_cannot_be_read_is_refused_naming_the_cell(
    typed: str, refusal: str
) -> None:
    with pytest.raises(DiaryRowProblem, match=refusal) as problem:
        read_reported(typed, HAPPENED, TODAY)
    assert problem.value.column == "told"


def test_a_police_yes_adds_the_police_to_whom_it_was_told() -> None:
    cells = {"date": "02/11/2026", "what": "Shouting", "police": "y", "told": "c ="}
    values = read_diary_row(cells, TODAY)
    assert (values.reported_to, values.reported_on) == (("council", "police"), HAPPENED)


ROWS = [
    # (cells typed, what the store must hold: reported_on, reported_to)
    (["02/11/2026", "21:30", "Music (1)", "", "", "", "", "c ="], (HAPPENED, "council")),
    (["", "", "Shouting (2)", "", "", "y", "CAD 12", "="], (HAPPENED, "police")),
    (["05/11/2026", "", "Bins (3)", "", "", "", "", "lh+1"], (NOV_6, "housing,health")),
    (["06/11/2026", "", "Eggs (4)", "", "", "", "", ""], (None, "")),
    (["07/11/2026", "", "Door (5)", "", "", "n", "", "c 20/11"], (NOV_20, "council")),
]  # fmt: skip


async def test_told_cells_typed_ahead_of_their_saves_land_exactly(
    store: Store, case_id: str, host: Host
) -> None:
    sheet = diary.record_sheets_sent(store, case_id, sent_on=date(2026, 10, 30))
    diary.record_sheet_returned(store, sheet.id, TODAY)  # the return dates nothing
    screen = DiarySheetScreen(case_id, sheet.id)
    app = host(screen)
    keys: list[str] = []
    for cells, _stored in ROWS:
        for index, cell in enumerate(cells):
            keys.extend(cell)
            keys.append("enter" if index == len(cells) - 1 else "tab")
    async with app.run_test(size=(80, 24)) as pilot:
        post_keys(app, keys)
        await wait_until_saved(pilot, screen.grid, len(ROWS))
    with store.read() as session:
        stored = session.exec(
            select(Incident)
            .where(Incident.diary_sheet_id == sheet.id)
            .order_by(col(Incident.created_at))
        ).all()
        shown = [(i.description, i.reported_on, i.reported_to) for i in stored]
    assert shown == [(cells[2], *expected) for cells, expected in ROWS]
