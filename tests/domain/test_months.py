"""Month arithmetic, worked out directly, pinned to `dateutil.relativedelta` day for day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta

from asb_tui.domain.months import add_months, add_years


def test_add_months_matches_relativedelta_over_years_of_days() -> None:
    day = date(2019, 1, 1)
    while day <= date(2029, 12, 31):  # three leap years, every month end
        for months in (-37, -13, -12, -1, 0, 1, 2, 6, 11, 12, 13, 24, 72):
            assert add_months(day, months) == day + relativedelta(months=months), (day, months)
        day += timedelta(days=1)


def test_month_ends_and_leap_days_are_clamped() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_years(date(2028, 2, 29), 1) == date(2029, 2, 28)
    assert add_years(date(2000, 2, 29), 100) == date(2100, 2, 28)  # 2100 is no leap year
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)


def test_out_of_range_is_refused_as_relativedelta_does() -> None:
    with pytest.raises(ValueError):
        date(9999, 12, 1) + relativedelta(months=1)
    with pytest.raises(ValueError):
        add_months(date(9999, 12, 1), 1)
    with pytest.raises(ValueError):
        add_months(date(1, 1, 1), -1)
