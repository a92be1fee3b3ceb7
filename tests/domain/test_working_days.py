"""Working days: known bank holidays of all three regions, closures, and properties."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asb_tui.domain.errors import DomainError
from asb_tui.domain.types import Region
from asb_tui.domain.working_days import (
    ClosureRule,
    MonthDay,
    add_working_days,
    bank_holidays,
    expand_closure_rules,
    is_working_day,
    normalise_region,
    working_days_between,
)

EW = Region.ENGLAND_AND_WALES
SCT = Region.SCOTLAND
NI = Region.NORTHERN_IRELAND
ALL_REGIONS = (EW, SCT, NI)

# (day, region): a weekday that is a bank holiday there.
DAYS_OFF = [
    # Diamond Jubilee 2012: spring bank holiday moved, plus the extra day.
    (date(2012, 6, 4), EW),
    (date(2012, 6, 5), EW),
    (date(2012, 6, 5), SCT),
    # VE Day 75 moved the early May bank holiday to Friday 08/05/2020.
    (date(2020, 5, 8), EW),
    (date(2020, 5, 8), NI),
    # Platinum Jubilee, the Queen's funeral, the Coronation.
    (date(2022, 6, 2), EW),
    (date(2022, 6, 3), EW),
    (date(2022, 6, 3), SCT),
    (date(2022, 9, 19), EW),
    (date(2022, 9, 19), SCT),
    (date(2022, 9, 19), NI),
    (date(2023, 5, 8), EW),
    (date(2023, 5, 8), NI),
    # Substitute days.
    (date(2020, 12, 28), EW),  # Boxing Day on a Saturday
    (date(2021, 12, 27), EW),
    (date(2021, 12, 28), EW),
    (date(2021, 12, 28), SCT),
    (date(2022, 12, 27), EW),
    (date(2022, 1, 3), EW),
    # Easter Monday and the summer holiday need the subdivision.
    (date(2026, 4, 6), EW),
    (date(2026, 8, 31), EW),
    (date(2026, 4, 6), NI),
    # Scotland: 2 January, St Andrew's Day and its substitutes, August bank holiday, 15/06/2026.
    (date(2026, 1, 2), SCT),
    (date(2021, 1, 4), SCT),  # 2 January 2021 was a Saturday
    (date(2026, 11, 30), SCT),
    (date(2024, 12, 2), SCT),  # St Andrew's Day 2024 was a Saturday
    (date(2025, 12, 1), SCT),  # ... and 2025 a Sunday
    (date(2026, 8, 3), SCT),
    (date(2026, 6, 15), SCT),
    # Northern Ireland: St Patrick's Day and the Battle of the Boyne, with substitutes.
    (date(2026, 3, 17), NI),
    (date(2024, 3, 18), NI),  # 17/03/2024 was a Sunday
    (date(2023, 7, 12), NI),
    (date(2025, 7, 14), NI),  # 12/07/2025 was a Saturday
    (date(2026, 7, 13), NI),  # 12/07/2026 is a Sunday
]

# (day, region): a weekday that is a working day there, including near misses.
WORKING = [
    (date(2020, 5, 4), EW),  # the usual early May Monday, moved in 2020
    (date(2012, 5, 28), EW),  # the usual spring bank holiday, moved in 2012
    (date(2022, 5, 30), EW),  # the usual spring bank holiday, moved in 2022
    (date(2026, 4, 6), SCT),  # no Easter Monday in Scotland
    (date(2026, 8, 31), SCT),  # Scotland's summer holiday is in early August
    (date(2026, 8, 3), EW),
    (date(2026, 1, 2), EW),  # 2 January is Scottish only
    (date(2026, 11, 30), EW),
    (date(2026, 6, 15), EW),  # the World Cup day is Scottish only
    (date(2026, 6, 15), NI),
    (date(2026, 3, 17), EW),
    (date(2026, 7, 13), EW),
    (date(2023, 7, 12), SCT),
    (date(2026, 11, 20), EW),
]


@pytest.mark.parametrize(("day", "region"), DAYS_OFF)
def test_known_bank_holidays_are_days_off(day: date, region: Region) -> None:
    assert day.weekday() < 5, "the table should hold weekdays only"
    assert not is_working_day(day, region)
    assert day in bank_holidays(region, day.year)


@pytest.mark.parametrize(("day", "region"), WORKING)
def test_known_working_days(day: date, region: Region) -> None:
    assert is_working_day(day, region)


def test_weekend_is_never_a_working_day() -> None:
    assert not is_working_day(date(2026, 11, 21))  # Saturday
    assert not is_working_day(date(2026, 11, 22))  # Sunday
    # The package lists the weekend date of a substituted holiday too; it is a day off anyway.
    assert not is_working_day(date(2021, 12, 25))


def test_region_given_as_string_or_enum() -> None:
    assert not is_working_day(date(2026, 1, 2), "scotland")
    assert is_working_day(date(2026, 1, 2), "england-and-wales")
    assert normalise_region("northern-ireland") is NI


def test_unknown_region_names_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="england-and-wales, scotland, northern-ireland"):
        is_working_day(date(2026, 1, 2), "wales")


def test_year_outside_the_package_is_refused() -> None:
    with pytest.raises(DomainError, match="only known for"):
        add_working_days(date(1800, 1, 6), 1)


def test_acceptance_example_from_the_procedure() -> None:
    # Accepted Friday 20/11/2026, high risk: 3 working days is Wednesday 25/11/2026.
    assert add_working_days(date(2026, 11, 20), 3) == date(2026, 11, 25)


@pytest.mark.parametrize(
    ("start", "days", "region", "expected"),
    [
        (date(2026, 11, 20), 0, EW, date(2026, 11, 20)),
        (date(2026, 11, 21), 0, EW, date(2026, 11, 23)),  # Saturday -> Monday
        (date(2026, 11, 20), 1, EW, date(2026, 11, 23)),
        (date(2026, 11, 21), 1, EW, date(2026, 11, 23)),
        (date(2026, 11, 27), 1, SCT, date(2026, 12, 1)),  # St Andrew's Monday skipped
        (date(2026, 11, 27), 1, EW, date(2026, 11, 30)),
        (date(2021, 12, 24), 1, EW, date(2021, 12, 29)),  # 27 and 28 are substitutes
        (date(2026, 12, 31), 1, SCT, date(2027, 1, 5)),  # 1, 2 (-> 4) January, over the year
        (date(2026, 12, 24), 3, EW, date(2026, 12, 31)),
        (date(2026, 11, 23), -1, EW, date(2026, 11, 20)),
        (date(2026, 11, 22), -1, EW, date(2026, 11, 20)),
        (date(2027, 1, 5), -1, SCT, date(2026, 12, 31)),
        (date(2026, 11, 25), -3, EW, date(2026, 11, 20)),
    ],
)
def test_add_working_days_table(start: date, days: int, region: Region, expected: date) -> None:
    assert add_working_days(start, days, region) == expected


def test_working_days_between_counts_after_start_up_to_end() -> None:
    friday, wednesday = date(2026, 11, 20), date(2026, 11, 25)
    assert working_days_between(friday, wednesday) == 3
    assert working_days_between(wednesday, friday) == -3
    assert working_days_between(friday, friday) == 0
    assert working_days_between(date(2026, 11, 21), date(2026, 11, 22)) == 0
    assert working_days_between(date(2025, 12, 31), date(2027, 1, 1)) == 253


def test_closures_are_days_off() -> None:
    closures = frozenset({date(2026, 11, 23), date(2026, 11, 24)})
    assert not is_working_day(date(2026, 11, 23), EW, closures)
    assert add_working_days(date(2026, 11, 20), 1, EW, closures) == date(2026, 11, 25)
    # Any iterable works, not only a frozenset.
    assert add_working_days(date(2026, 11, 20), 1, EW, list(closures)) == date(2026, 11, 25)
    assert working_days_between(date(2026, 11, 20), date(2026, 11, 25), EW, closures) == 1


def test_closure_rule_over_the_new_year() -> None:
    rule = ClosureRule.parse("24/12-01/01")
    assert rule == ClosureRule(MonthDay(24, 12), MonthDay(1, 1))
    closed = expand_closure_rules([rule], 2026, 2027)
    assert date(2026, 1, 1) in closed  # from the run that started in 2025
    assert {date(2026, 12, 24) + timedelta(days=n) for n in range(9)} <= closed
    assert date(2026, 12, 23) not in closed
    assert date(2027, 1, 2) not in closed
    assert date(2028, 1, 1) not in closed  # outside the years asked for
    # Closure days push deadlines: 23/12/2026 + 1 working day is 04/01/2027.
    assert add_working_days(date(2026, 12, 23), 1, EW, closed) == date(2027, 1, 4)


def test_closure_rule_within_a_year_and_single_day() -> None:
    assert ClosureRule.parse("01/08-03/08").dates_in_years(2026, 2026) == frozenset(
        {date(2026, 8, 1), date(2026, 8, 2), date(2026, 8, 3)}
    )
    assert ClosureRule.parse("29/02").dates_in_years(2025, 2025) == frozenset({date(2025, 2, 28)})


@pytest.mark.parametrize("text", ["31/02-01/03", "24/13", "christmas", "1-2-3", "24/12-"])
def test_bad_closure_rule_is_refused(text: str) -> None:
    with pytest.raises(DomainError):
        ClosureRule.parse(text)


# --- properties ----------------------------------------------------------------------------------

days_in_range = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))
regions = st.sampled_from(ALL_REGIONS)
closure_sets = st.frozensets(
    st.dates(min_value=date(2025, 12, 1), max_value=date(2027, 1, 31)), max_size=20
)


@settings(max_examples=300)
@given(start=days_in_range, days=st.integers(min_value=-400, max_value=400), region=regions)
def test_result_is_always_a_working_day(start: date, days: int, region: Region) -> None:
    assert is_working_day(add_working_days(start, days, region), region)


@settings(max_examples=300)
@given(start=days_in_range, days=st.integers(min_value=1, max_value=600), region=regions)
def test_between_inverts_add_for_positive_days(start: date, days: int, region: Region) -> None:
    end = add_working_days(start, days, region)
    assert working_days_between(start, end, region) == days
    # And no working day is skipped: the day before the result is fewer working days away.
    assert working_days_between(start, end - timedelta(days=1), region) == days - 1


@settings(max_examples=300)
@given(start=days_in_range, days=st.integers(min_value=1, max_value=600), region=regions)
def test_backwards_is_symmetric_from_a_working_day(start: date, days: int, region: Region) -> None:
    working_start = add_working_days(start, 0, region)
    earlier = add_working_days(working_start, -days, region)
    assert working_days_between(earlier, working_start, region) == days
    assert add_working_days(earlier, days, region) == working_start


@given(start=days_in_range, region=regions)
def test_zero_days(start: date, region: Region) -> None:
    result = add_working_days(start, 0, region)
    if is_working_day(start, region):
        assert result == start
        assert working_days_between(start, result, region) == 0
    else:
        assert result > start
        assert result == add_working_days(start, 1, region)
        assert working_days_between(start, result, region) == 1


@given(start=days_in_range, days=st.integers(min_value=0, max_value=300), region=regions)
def test_monotonic_in_days(start: date, days: int, region: Region) -> None:
    assert add_working_days(start, days, region) <= add_working_days(start, days + 1, region)
    if days >= 1:
        assert add_working_days(start, days, region) < add_working_days(start, days + 1, region)
    assert add_working_days(start, -days - 1, region) < add_working_days(start, -days, region)


@given(a=days_in_range, b=days_in_range, region=regions)
def test_between_is_antisymmetric(a: date, b: date, region: Region) -> None:
    assert working_days_between(a, b, region) == -working_days_between(b, a, region)


@settings(max_examples=200)
@given(
    start=st.dates(min_value=date(2025, 11, 1), max_value=date(2027, 1, 31)),
    days=st.integers(min_value=0, max_value=40),
    closures=closure_sets,
)
def test_fast_path_matches_a_day_by_day_walk(
    start: date, days: int, closures: frozenset[date]
) -> None:
    walked = start
    counted = 0
    if not is_working_day(walked, EW, closures) or days > 0:
        while True:
            if days == 0 and is_working_day(walked, EW, closures):
                break
            walked += timedelta(days=1)
            if is_working_day(walked, EW, closures):
                counted += 1
                if counted == days:
                    break
    assert add_working_days(start, days, EW, closures) == walked
