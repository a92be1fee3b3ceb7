"""UK date formatting and the date parser behind every date field and CLI option.

Accepted input: 23/11/2026 (also 23-11-2026, 23.11.2026, 23/11/26, 2026-11-23, 23 Nov 2026),
"today", "yesterday", "tomorrow", and offsets from today: "+3wd"/"-2wd" (working days), "+5d"
(days), "+2w" (weeks). Anything else is refused with a message that shows the accepted forms.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from asb_tui.domain.errors import DomainError
from asb_tui.domain.types import Region
from asb_tui.domain.working_days import RegionLike, add_working_days

__all__ = ["format_uk", "parse_uk_date"]

_HINT = (
    "Type a date as dd/mm/yyyy (for example 23/11/2026), "
    "or today, yesterday, tomorrow, +3wd, -2wd, +5d, +2w."
)
_WORDS = {"today": 0, "yesterday": -1, "tomorrow": 1}
_OFFSET = re.compile(r"^([+-])\s*(\d{1,4})\s*(wd|d|w)$")
# The shapes handed to dateutil; its own parser alone would read "3" or "march" as a date.
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DAY_MONTH_NAME_YEAR = re.compile(r"^\d{1,2}(st|nd|rd|th)?\s+[a-z]{3,9}\.?,?\s+\d{4}$")


def format_uk(day: date) -> str:
    """23/11/2026."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def parse_uk_date(
    text: str,
    today: date,
    region: RegionLike = Region.ENGLAND_AND_WALES,
    closures: Iterable[date] = (),
) -> date:
    """Read a date as a UK case officer types it (see the module docstring).

    Raises DomainError (a ValueError) with a user-facing message for impossible dates such as
    31/02/2026 and for anything that is not a date.
    """
    cleaned = " ".join(text.strip().lower().split())
    if not cleaned:
        raise DomainError(f"No date given. {_HINT}")
    if cleaned in _WORDS:
        return today + timedelta(days=_WORDS[cleaned])
    offset = _OFFSET.match(cleaned)
    if offset is not None:
        return _apply_offset(offset, today, region, closures)

    numeric = _DAY_MONTH_YEAR.match(cleaned)
    if numeric is not None:
        day_text, month_text, year_text = numeric.groups()
        year = _full_year(int(year_text), today) if len(year_text) == 2 else int(year_text)
        _check_real_date(int(day_text), int(month_text), year, text)
        candidate = f"{int(day_text):02d}/{int(month_text):02d}/{year:04d}"
        return _dateutil_parse(candidate, text, yearfirst=False)
    if _ISO.match(cleaned):
        return _dateutil_parse(cleaned, text, yearfirst=True)
    if _DAY_MONTH_NAME_YEAR.match(cleaned):
        return _dateutil_parse(cleaned, text, yearfirst=False)
    raise DomainError(f"'{text.strip()}' is not a date. {_HINT}")


def _apply_offset(
    offset: re.Match[str], today: date, region: RegionLike, closures: Iterable[date]
) -> date:
    sign, amount_text, unit = offset.groups()
    amount = int(amount_text) * (1 if sign == "+" else -1)
    try:
        if unit == "wd":
            return add_working_days(today, amount, region, closures)
        step = timedelta(weeks=amount) if unit == "w" else timedelta(days=amount)
        return today + step
    except OverflowError:
        raise DomainError(f"'{offset.string}' is too far from today.") from None


def _check_real_date(day: int, month: int, year: int, original: str) -> None:
    if not 1 <= month <= 12:
        raise DomainError(f"'{original.strip()}' is not a real date: there is no month {month}.")
    if not 1 <= year <= 9999:
        raise DomainError(f"'{original.strip()}' is not a real date: the year is out of range.")
    if day < 1:
        raise DomainError(f"'{original.strip()}' is not a real date: there is no day {day}.")
    days_in_month = calendar.monthrange(year, month)[1]
    if day > days_in_month:
        month_name = calendar.month_name[month]
        raise DomainError(
            f"'{original.strip()}' is not a real date: {month_name} {year} has "
            f"{days_in_month} days."
        )


def _full_year(two_digits: int, today: date) -> int:
    """The year ending in `two_digits` closest to today (26 -> 2026; 97 -> 1997 in 2026)."""
    century = today.year - today.year % 100
    candidates = (century - 100 + two_digits, century + two_digits, century + 100 + two_digits)
    return min(candidates, key=lambda year: abs(year - today.year))


def _dateutil_parse(candidate: str, original: str, *, yearfirst: bool) -> date:
    # Imported here: formatting a date (every dashboard row) must not load the parser.
    from dateutil import parser as dateutil_parser

    try:
        parsed: datetime = dateutil_parser.parse(candidate, dayfirst=True, yearfirst=yearfirst)
    except (ValueError, OverflowError) as error:
        reason = str(error).split(":")[0]
        if "out of range" in reason or "must be in" in reason:
            raise DomainError(f"'{original.strip()}' is not a real date ({reason}).") from None
        raise DomainError(f"'{original.strip()}' is not a date. {_HINT}") from None
    return parsed.date()
