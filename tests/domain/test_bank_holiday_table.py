"""The bank-holiday table kept in asb_tui/data: the `holidays` package's own answer, and the
working days made from it the same as those the package gives, day for day."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from importlib import resources

import pytest

from asb_tui.domain import bank_holiday_table, working_days
from asb_tui.domain.types import Region
from asb_tui.domain.working_days import (
    ClosureRule,
    add_working_days,
    bank_holidays,
    expand_closure_rules,
    is_working_day,
    supported_years,
    working_days_between,
)

CLOSURES = expand_closure_rules([ClosureRule.parse("24/12-01/01")], 2018, 2030)


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    working_days.clear_caches()
    yield
    working_days.clear_caches()


def test_the_table_is_the_installed_package_s_answer() -> None:
    """Fails after a `holidays` upgrade until `python -m asb_tui.domain.bank_holiday_table`
    has written the table again (meanwhile the package is asked, see the next test)."""
    kept = json.loads(
        resources.files("asb_tui").joinpath(bank_holiday_table.TABLE).read_text("utf-8")
    )
    assert kept == bank_holiday_table.table_from_package(kept["first_year"], kept["last_year"])
    assert bank_holiday_table.kept_table() is not None, "the table is used with this release"


def test_another_release_of_the_package_is_asked_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bank_holiday_table, "installed_holidays_version", lambda: "0.1")
    assert bank_holiday_table.kept_table() is None
    # Still right, from the package: Scotland's St Andrew's Day substitute in 2026.
    assert date(2026, 11, 30) in bank_holidays(Region.SCOTLAND, 2026)


def test_supported_years_are_the_package_s() -> None:
    assert supported_years() == working_days.package_supported_years()
    assert supported_years().start < 1990 and supported_years().stop > 2090


def _package_days_off(region: Region, closures: frozenset[date]) -> set[date]:
    days: set[date] = set(closures)
    for year in range(2017, 2032):
        days |= set(working_days.package_bank_holidays(region, year))
    return days


def _walk(start: date, count: int, days_off: set[date]) -> date:
    """The working-day rule, a day at a time (the reference for the binary search)."""

    def working(day: date) -> bool:
        return day.weekday() < 5 and day not in days_off

    day = start
    if count == 0:
        while not working(day):
            day += timedelta(days=1)
        return day
    step = timedelta(days=1 if count > 0 else -1)
    left = abs(count)
    while left:
        day += step
        if working(day):
            left -= 1
    return day


@pytest.mark.parametrize("region", list(Region))
@pytest.mark.parametrize("closures", [frozenset(), CLOSURES], ids=["no closures", "closures"])
def test_working_days_from_the_table_match_the_package(
    region: Region, closures: frozenset[date]
) -> None:
    assert bank_holiday_table.kept_table() is not None
    days_off = _package_days_off(region, closures)
    # Every day of 2019-2027: all their bank holidays, substitutes and the years' turns.
    day = date(2019, 1, 1)
    while day <= date(2027, 12, 31):
        assert is_working_day(day, region, closures) == (
            day.weekday() < 5 and day not in days_off
        ), day
        for count in (-3, -1, 0, 1, 2, 5, 10):
            assert add_working_days(day, count, region, closures) == _walk(day, count, days_off), (
                day,
                count,
            )
        day += timedelta(days=1)
    assert working_days_between(date(2019, 1, 1), date(2027, 12, 31), region, closures) == sum(
        1
        for n in range(1, (date(2027, 12, 31) - date(2019, 1, 1)).days + 1)
        if (d := date(2019, 1, 1) + timedelta(days=n)).weekday() < 5 and d not in days_off
    )


@pytest.mark.parametrize("region", list(Region))
def test_bank_holidays_from_the_table_match_the_package(region: Region) -> None:
    for year in range(2000, 2061):
        assert dict(bank_holidays(region, year)) == working_days.package_bank_holidays(region, year)
