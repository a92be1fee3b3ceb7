"""The diary sheet's one list of columns, and how a typed row is read (or refused, naming the
column to put right)."""

from __future__ import annotations

from datetime import date

import pytest

from asb_tui.domain.diary_columns import (
    DIARY_COLUMN_KEYS,
    DIARY_COLUMNS,
    DiaryRowProblem,
    read_diary_row,
)

TODAY = date(2026, 11, 23)
ROW = {
    "date": "21/11/2026",
    "time": "9.30pm",
    "what": "  [bold]Music[/] till 3am  ",
    "who": "Flat 4",
    "effect": "No sleep",
    "police": "Y",
    "police_ref": "CAD 12",
}


def test_the_columns_are_those_of_the_paper_sheet_in_order() -> None:
    assert DIARY_COLUMN_KEYS == (
        "date",
        "time",
        "what",
        "who",
        "effect",
        "police",
        "police_ref",
        "told",
    )
    assert [c.heading for c in DIARY_COLUMNS][:3] == ["Date", "Time", "What happened"]
    widest = max(DIARY_COLUMNS, key=lambda column: column.share)
    assert widest.key == "what"  # the long text gets the room


def test_a_row_is_kept_as_typed_with_its_date_and_time_read() -> None:
    values = read_diary_row(ROW, TODAY)
    assert values.occurred_on == date(2026, 11, 21)
    assert values.occurred_time == "21:30"
    assert values.description == "  [bold]Music[/] till 3am  "
    assert (values.who_involved, values.impact) == ("Flat 4", "No sleep")
    assert (values.reported_to_police, values.police_ref) == (True, "CAD 12")
    assert read_diary_row({**ROW, "date": "yesterday", "time": ""}, TODAY).occurred_time == ""


@pytest.mark.parametrize(
    ("change", "column", "message"),
    [
        ({"date": ""}, "date", "No date given"),
        ({"date": "31/02/2026"}, "date", "February 2026 has 28 days"),
        ({"date": "tomorrow"}, "date", "is in the future"),
        ({"time": "07:10Sm"}, "time", "'07:10Sm' is not a time"),
        ({"time": "25:00"}, "time", "not a time of day"),
        ({"what": "   "}, "what", "Say what happened"),
        ({"police": "maybe"}, "police", "type y or n"),
        ({"police": "n"}, "police", "A police reference is given"),
        ({"what": "x" * 10_001}, "what", "at most 10,000 fit"),
        ({"police_ref": "9" * 101}, "police_ref", "at most 100 fit"),
    ],
)
def test_a_row_that_cannot_be_saved_names_its_column(
    change: dict[str, str], column: str, message: str
) -> None:
    with pytest.raises(DiaryRowProblem, match=message) as refused:
        read_diary_row({**ROW, **change}, TODAY)
    assert refused.value.column == column
