"""The columns of a diary sheet, and how one transcribed row is read.

This is the one list of columns: the rapid-entry grid shows exactly these, in this order, and the
printable diary sheet prints them, so a sheet that comes back can be typed straight across. Widths
are hints in terminal cells (a printed sheet can scale them): `min_cells` is the narrowest useful
width, `share` the column's part of whatever room is left (0: it stays at `min_cells`). `kind` is
what the cell holds: "date", "time" and "yesno" are short values one types over; "text" is what
the victim wrote.

`read_diary_row` turns the text typed in one row into the values of a diary entry, or raises
`DiaryRowProblem` naming the column to put right. It is pure (no I/O), so the grid can check a row
the moment Enter is pressed, before the save is queued.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from asb_tui.domain.case_review import AGENCIES, parse_agencies
from asb_tui.domain.dates import parse_uk_date
from asb_tui.domain.errors import DomainError
from asb_tui.domain.types import Region
from asb_tui.domain.working_days import RegionLike

__all__ = [
    "DIARY_COLUMNS",
    "DIARY_COLUMN_KEYS",
    "DiaryColumn",
    "DiaryRowProblem",
    "DiaryRowValues",
    "check_lengths",
    "parse_entry_time",
    "read_diary_row",
    "read_reported",
]


@dataclass(frozen=True)
class DiaryColumn:
    key: str
    kind: str  # date / time / yesno / agencies / text
    heading: str  # as printed on the paper sheet
    short: str  # the heading on a narrow screen
    hint: str  # what to write in it
    min_cells: int
    share: int
    max_chars: int


DIARY_COLUMNS: tuple[DiaryColumn, ...] = (
    DiaryColumn(
        "date", "date", "Date", "Date", "dd/mm/yyyy, today, yesterday, -2d", 10, 0, 40
    ),
    DiaryColumn(
        "time", "time", "Time", "Time", "21:30, 2130, 9.30pm; blank if not known", 5, 0, 20
    ),
    DiaryColumn(
        "what", "text", "What happened", "What happened", "what was done or said", 16, 12, 10_000
    ),
    DiaryColumn(
        "who", "text", "Who was involved", "Who", "names, or a description", 5, 2, 1_000
    ),
    DiaryColumn(
        "effect", "text", "How it affected you", "Effect", "how it made them feel", 5, 2, 2_000
    ),
    DiaryColumn(
        "police", "yesno", "Reported to the police?", "Pol", "y or n (blank: n)", 3, 0, 10
    ),
    DiaryColumn(
        "police_ref", "text", "Police reference", "Ref", "crime or CAD number", 5, 1, 100
    ),
    DiaryColumn(
        "told", "agencies", "Reported to whom, and when first", "Told",
        "c p l h (council police landlord health) then when: cp =, l 3/11, c+2", 5, 1, 60
    ),
)  # fmt: skip
DIARY_COLUMN_KEYS: tuple[str, ...] = tuple(column.key for column in DIARY_COLUMNS)
_BY_KEY = {column.key: column for column in DIARY_COLUMNS}

_YES = frozenset({"y", "yes"})
_NO = frozenset({"", "n", "no"})
_TIME = re.compile(r"^(\d{1,2})(?:[:.]?(\d{2}))?\s*(am|pm)?$")


class DiaryRowProblem(DomainError):
    """One cell of a row cannot be saved as typed; `column` is its key."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


@dataclass(frozen=True)
class DiaryRowValues:
    """A row as it will be stored: the date parsed, the time as HH:MM (or blank)."""

    occurred_on: date
    occurred_time: str
    description: str
    who_involved: str
    impact: str
    reported_to_police: bool
    police_ref: str
    # Reported means reported: when first reported (None: not known, or not reported) and to
    # which agencies (codes of case_review.AGENCIES).
    reported_on: date | None = None
    reported_to: tuple[str, ...] = ()


def parse_entry_time(text: str) -> str:
    """ "21:30", "2130", "9.30", "9pm", "9:30pm" -> "HH:MM"; blank stays blank (time unknown).

    Raises DomainError for anything that is not a time of day.
    """
    cleaned = text.strip().lower()
    if not cleaned:
        return ""
    match = _TIME.match(cleaned)
    if match is None:
        raise DomainError(f"'{text.strip()}' is not a time. Type it as 21:30 (or 9:30pm).")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    suffix = match.group(3)
    if suffix is not None:
        if not 1 <= hour <= 12:
            raise DomainError(f"'{text.strip()}' is not a time: {hour} is not a 12-hour hour.")
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if hour > 23 or minute > 59:
        raise DomainError(f"'{text.strip()}' is not a time of day.")
    return f"{hour:02d}:{minute:02d}"


def check_lengths(cells: Mapping[str, str]) -> None:
    """Refuse a cell longer than its column allows (a runaway paste), naming the column."""
    for key, value in cells.items():
        column = _BY_KEY.get(key)
        if column is not None and len(value) > column.max_chars:
            raise DiaryRowProblem(
                key,
                f"{column.heading} is {len(value):,} characters long; "
                f"at most {column.max_chars:,} fit.",
            )


def read_diary_row(
    cells: Mapping[str, str],
    today: date,
    region: RegionLike = Region.ENGLAND_AND_WALES,
    closures: Iterable[date] = (),
) -> DiaryRowValues:
    """The values of one typed row (keys of DIARY_COLUMNS; a missing key counts as blank).

    Text is kept exactly as typed; only the date and the time are read into their stored forms.
    Raises DiaryRowProblem for the first column, left to right, that cannot be saved.
    """
    text = {key: cells.get(key, "") for key in DIARY_COLUMN_KEYS}
    check_lengths(text)
    try:
        occurred_on = parse_uk_date(text["date"], today, region, closures)
    except DomainError as exc:
        raise DiaryRowProblem("date", str(exc)) from None
    if occurred_on > today:
        raise DiaryRowProblem("date", f"{text['date'].strip()} is in the future.")
    try:
        occurred_time = parse_entry_time(text["time"])
    except DomainError as exc:
        raise DiaryRowProblem("time", str(exc)) from None
    if not text["what"].strip():
        raise DiaryRowProblem("what", "Say what happened.")
    police = text["police"].strip().lower()
    if police not in _YES | _NO:
        raise DiaryRowProblem("police", f"Reported to the police: type y or n, not '{police}'.")
    if police in _NO and text["police_ref"].strip():
        raise DiaryRowProblem(
            "police", "A police reference is given: type y (reported), or clear the reference."
        )
    told_text = text["told"].strip()
    if police in _YES and told_text and not told_text[0].isalpha():
        told_text = "p " + told_text  # "=" with a y for the police: told the police that day
    told, reported_on = read_reported(told_text, occurred_on, today, region, closures)
    if police in _YES and "police" not in told:
        told = tuple(code for code in AGENCIES if code in {*told, "police"})
    return DiaryRowValues(
        occurred_on=occurred_on,
        occurred_time=occurred_time,
        description=text["what"],
        who_involved=text["who"],
        impact=text["effect"],
        reported_to_police=police in _YES,
        police_ref=text["police_ref"],
        reported_on=reported_on,
        reported_to=told,
    )


_SAME_DAY = frozenset({"=", "same"})
_TOLD = re.compile(r"^\s*([cplh]+)(?![a-z])\s*(.*?)\s*$")
_DAY_MONTH = re.compile(r"^(\d{1,2})[/.](\d{1,2})$")
_DAYS_AFTER = re.compile(r"^\+\s*(\d{1,3})\s*d?$")


def read_reported(
    typed: str,
    occurred_on: date,
    today: date,
    region: RegionLike = Region.ENGLAND_AND_WALES,
    closures: Iterable[date] = (),
) -> tuple[tuple[str, ...], date | None]:
    """The "reported to whom, and when first" cell: agency letters (c council, p police,
    l landlord, h health), then when: blank (not known), "=" (the day it happened), "+2" (two
    days after it), "3/11" (that day in the incident's year; a month before the incident's is
    the next year's) or a date as the date column takes it. Blank: not reported.

    Returns (agency codes in AGENCIES order, the date or None). A date is never before the
    incident nor in the future. Raises DiaryRowProblem("told", ...).
    """
    cleaned = typed.strip().lower()
    if not cleaned:
        return (), None
    match = _TOLD.match(cleaned)
    if match is None:
        raise DiaryRowProblem(
            "told",
            f"Reported: start with who it was told to (c council, p police, l landlord, h health), "
            f"not '{typed.strip()}'.",
        )
    letters, when = match.group(1), match.group(2)
    agencies = parse_agencies(letters)
    if not when:
        return agencies, None
    after = _DAYS_AFTER.match(when)
    day_month = _DAY_MONTH.match(when)
    if when in _SAME_DAY:
        day = occurred_on
    elif after is not None:
        day = occurred_on + timedelta(days=int(after.group(1)))
    elif day_month is not None:  # dd/mm: the incident's year (or the next, for a year's turn)
        try:
            day = date(occurred_on.year, int(day_month.group(2)), int(day_month.group(1)))
            if day.month < occurred_on.month:  # a December incident reported in January
                day = date(occurred_on.year + 1, day.month, day.day)
        except ValueError:
            raise DiaryRowProblem("told", f"Reported when: '{when}' is not a date.") from None
    else:
        try:
            day = parse_uk_date(when, today, region, closures)
        except DomainError as exc:
            raise DiaryRowProblem("told", f"Reported when: {exc}") from None
    if day > today:
        raise DiaryRowProblem("told", f"Reported on {day:%d/%m/%Y}: that is in the future.")
    if day < occurred_on:
        raise DiaryRowProblem("told", "It cannot have been reported before it happened.")
    return agencies, day
