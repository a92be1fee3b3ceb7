"""Calendar month arithmetic, with `dateutil.relativedelta` semantics (31/01 + 1 month = 28/02)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from dateutil.relativedelta import relativedelta


@lru_cache(maxsize=65536)
def add_months(day: date, months: int) -> date:
    """`day` moved by `months` calendar months, clamped to the end of a shorter month.

    Cached because relativedelta costs microseconds and the dashboard asks for the same few
    thousand (date, months) pairs on every refresh.
    """
    return day + relativedelta(months=months)


def add_years(day: date, years: int) -> date:
    """`day` moved by `years` years; 29/02 becomes 28/02 in a common year."""
    return add_months(day, 12 * years)
