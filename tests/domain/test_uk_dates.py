"""UK date formatting and parsing, shortcuts included."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asb_tui.domain.dates import format_uk, parse_uk_date
from asb_tui.domain.errors import DomainError

FRIDAY = date(2026, 11, 20)


def test_format_uk() -> None:
    assert format_uk(date(2026, 11, 23)) == "23/11/2026"
    assert format_uk(date(2026, 1, 2)) == "02/01/2026"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("23/11/2026", date(2026, 11, 23)),
        ("01/02/2026", date(2026, 2, 1)),  # day first, never 2 January
        ("1/2/2026", date(2026, 2, 1)),
        ("23-11-2026", date(2026, 11, 23)),
        ("23.11.2026", date(2026, 11, 23)),
        ("23/11/26", date(2026, 11, 23)),
        ("02/03/97", date(1997, 3, 2)),
        ("2026-11-23", date(2026, 11, 23)),
        ("23 Nov 2026", date(2026, 11, 23)),
        ("23rd November 2026", date(2026, 11, 23)),
        ("29/02/2024", date(2024, 2, 29)),
        ("today", FRIDAY),
        ("  Today ", FRIDAY),
        ("yesterday", date(2026, 11, 19)),
        ("tomorrow", date(2026, 11, 21)),
        ("+3wd", date(2026, 11, 25)),
        ("-2wd", date(2026, 11, 18)),
        ("+0wd", FRIDAY),
        ("+5d", date(2026, 11, 25)),
        ("-5d", date(2026, 11, 15)),
        ("+2w", date(2026, 12, 4)),
        ("+ 2 w", date(2026, 12, 4)),
    ],
)
def test_accepted_forms(text: str, expected: date) -> None:
    assert parse_uk_date(text, FRIDAY) == expected


def test_working_day_shortcuts_use_region_and_closures() -> None:
    friday = date(2026, 11, 27)
    assert parse_uk_date("+1wd", friday, "scotland") == date(2026, 12, 1)
    assert parse_uk_date("+1wd", friday) == date(2026, 11, 30)
    assert parse_uk_date("+1wd", friday, closures=frozenset({date(2026, 11, 30)})) == date(
        2026, 12, 1
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31/02/2026", "February 2026 has 28 days"),
        ("29/02/2025", "February 2025 has 28 days"),
        ("31/04/2026", "April 2026 has 30 days"),
        ("13/13/2026", "no month 13"),
        ("00/01/2026", "no day 0"),
        ("2026-02-30", "not a real date"),
        ("", "No date given"),
        ("soon", "not a date"),
        ("3", "not a date"),
        ("march", "not a date"),
        ("23/11", "not a date"),
        ("23 Smarch 2026", "not a date"),
        ("+3x", "not a date"),
        ("12/11/2026 and 13/11/2026", "not a date"),
    ],
)
def test_refused_input_explains(text: str, message: str) -> None:
    with pytest.raises(DomainError, match=message):
        parse_uk_date(text, FRIDAY)


@given(st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31)))
def test_format_then_parse_round_trips(day: date) -> None:
    assert parse_uk_date(format_uk(day), FRIDAY) == day
