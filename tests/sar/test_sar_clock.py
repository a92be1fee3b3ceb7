"""The subject access clock as the ICO counts it: the corresponding date in the next month (the
month's last day when it has none), moved off weekends and bank holidays; the start moved by
proof of identity or a fee asked for; a clarification stopping the clock; extensions."""

from __future__ import annotations

from datetime import date

import pytest

from asb_tui.domain.errors import DomainError
from asb_tui.domain.subject_access import (
    RequestFacts,
    WorkingDay,
    check_extension,
    clock,
    state,
)
from asb_tui.domain.types import Region
from asb_tui.domain.working_days import is_working_day


def weekdays(day: date) -> bool:
    return day.weekday() < 5


def england(day: date) -> bool:
    return is_working_day(day, Region.ENGLAND_AND_WALES)


def scotland(day: date) -> bool:
    return is_working_day(day, Region.SCOTLAND)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2025, 9, 3), date(2025, 10, 3)),  # the ICO's example: 3 September -> 3 October
        (date(2026, 3, 31), date(2026, 4, 30)),  # April has no 31st: its last day
        (date(2025, 1, 30), date(2025, 2, 28)),  # no 30 February: the 28th (a Friday)
        (date(2024, 1, 31), date(2024, 2, 29)),  # a leap year: the 29th
        (date(2026, 1, 31), date(2026, 3, 2)),  # 28/02/2026 is a Saturday: Monday 02/03
        (date(2027, 1, 31), date(2027, 3, 1)),  # 28/02/2027 is a Sunday: Monday 01/03
        (date(2026, 12, 31), date(2027, 2, 1)),  # across the year: 31/01/2027 is a Sunday
    ],
)
def test_a_month_runs_to_the_corresponding_date_or_the_months_last_day(
    received: date, due: date
) -> None:
    assert clock(RequestFacts(received_on=received), weekdays).due_on == due


@pytest.mark.parametrize(
    ("received", "working_day", "due"),
    [
        # 25/05/2026 is the spring bank holiday
        (date(2026, 4, 25), england, date(2026, 5, 26)),
        # 25/12/2026 is a Friday, Boxing Day's substitute is Monday 28/12
        (date(2026, 11, 25), england, date(2026, 12, 29)),
        # 02/08/2026 is a Sunday; Monday 03/08 is a bank holiday in Scotland only
        (date(2026, 7, 2), england, date(2026, 8, 3)),
        (date(2026, 7, 2), scotland, date(2026, 8, 4)),
        # 03/04/2026 is Good Friday and 06/04 Easter Monday
        (date(2026, 3, 3), england, date(2026, 4, 7)),
    ],
)
def test_a_due_date_on_a_bank_holiday_moves_to_the_next_working_day(
    received: date, working_day: WorkingDay, due: date
) -> None:
    assert clock(RequestFacts(received_on=received), working_day).due_on == due


def test_proof_of_identity_asked_for_starts_the_clock_when_it_arrives() -> None:
    waiting = clock(RequestFacts(date(2026, 3, 31), identity_asked=True), england)
    assert (waiting.starts_on, waiting.due_on, waiting.waiting_for) == (
        None,
        None,
        "proof of identity",
    )
    confirmed = clock(
        RequestFacts(
            date(2026, 3, 31), identity_asked=True, identity_confirmed_on=date(2026, 4, 2)
        ),
        england,
    )
    # 02/05/2026 is a Saturday and Monday 04/05 the early May bank holiday
    assert (confirmed.starts_on, confirmed.due_on) == (date(2026, 4, 2), date(2026, 5, 5))


def test_an_identity_checked_late_without_asking_does_not_move_the_clock() -> None:
    facts = RequestFacts(date(2026, 2, 3), identity_confirmed_on=date(2026, 2, 20))
    assert clock(facts, england).due_on == date(2026, 3, 3)


def test_a_fee_asked_for_starts_the_clock_on_receipt() -> None:
    assert clock(RequestFacts(date(2026, 3, 3), fee_asked=True), england).waiting_for == "the fee"
    paid = RequestFacts(date(2026, 3, 3), fee_asked=True, fee_received_on=date(2026, 3, 10))
    assert clock(paid, england).due_on == date(2026, 4, 10)


def test_a_clarification_stops_the_clock_from_asking_to_the_answer() -> None:
    asked = RequestFacts(date(2026, 3, 2), clarification_asked_on=date(2026, 3, 5))
    paused = clock(asked, england)
    assert (paused.due_on, paused.waiting_for) == (None, "the clarification")
    answered = RequestFacts(
        date(2026, 3, 2),
        clarification_asked_on=date(2026, 3, 5),
        clarification_received_on=date(2026, 3, 9),
    )
    running = clock(answered, england)
    # 02/04 + the 5 days 05/03..09/03 = 07/04/2026 (a Tuesday, after Easter Monday)
    assert (running.stopped_days, running.due_on) == (5, date(2026, 4, 7))


def test_an_extension_counts_three_months_from_the_same_start() -> None:
    received = date(2026, 1, 31)
    assert clock(RequestFacts(received, extension_months=2), weekdays).due_on == date(2026, 4, 30)
    assert clock(RequestFacts(received, extension_months=1), weekdays).due_on == date(2026, 3, 31)
    extended = clock(RequestFacts(received, extension_months=2), weekdays)
    assert extended.first_month_due_on == date(2026, 3, 2)


def test_an_extension_is_refused_beyond_two_months_or_after_the_first_month() -> None:
    facts = RequestFacts(date(2026, 1, 31))
    check_extension(facts, 2, date(2026, 3, 2), weekdays)  # the first month's last day: allowed
    with pytest.raises(DomainError, match="never 3"):
        check_extension(facts, 3, date(2026, 2, 5), weekdays)
    with pytest.raises(DomainError, match="never 0"):
        check_extension(facts, 0, date(2026, 2, 5), weekdays)
    with pytest.raises(DomainError, match=r"within the first month, which ended on 02/03/2026"):
        check_extension(facts, 2, date(2026, 3, 3), weekdays)


@pytest.mark.parametrize(
    ("due", "completed", "expected"),
    [
        (date(2026, 11, 19), None, "overdue"),
        (date(2026, 11, 20), None, "today"),
        (date(2026, 11, 27), None, "due soon"),
        (date(2026, 11, 28), None, "open"),
        (None, None, "waiting"),
        (date(2026, 11, 19), date(2026, 11, 18), "done"),
    ],
)
def test_the_state_of_a_request(due: date | None, completed: date | None, expected: str) -> None:
    assert state(due, date(2026, 11, 20), completed) == expected
