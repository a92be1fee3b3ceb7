"""The subject access clock (UK GDPR Art. 12(3), as the ICO's right of access guidance counts it).

- **One month** from the day the clock starts, that day counting as day one: the due date is the
  corresponding calendar date in the next month (received 03/09 -> due 03/10); when the next
  month has no such date, the last day of that month (31/01 -> 28/02, or 29/02 in a leap year;
  31/03 -> 30/04). When that date is a weekend or a bank holiday (or one of the council's
  closure days), the reply is due on the next working day.
- **When the clock starts**: on receipt of the request; or, if later, on receipt of what the
  council asked the requester for before it could act: the information to confirm their
  identity, or a fee (only in the cases where one may be charged). Until what was asked for
  arrives, the clock has not started and nothing is due.
- **Clarification stops the clock**: when the council asks what the request is about (it holds a
  lot of information about the person), the days from the day it asked to the day the answer
  came, both counted, do not count towards the month (the rule the Data Protection Act 2018
  s54(3C) writes out, and the ICO describes as the clock paused); while the answer is awaited
  nothing is due.
- **Extension**: by up to two further months when the request is complex or the person has made
  a number of requests, with the reason recorded, counted as three months (or two) from the same
  start; the requester must be told within the first month, so an extension is refused after the
  first month's due date.

Pure: the working-day test comes in as a function, so no bank-holiday table is read here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from asb_tui.domain.errors import DomainError
from asb_tui.domain.months import add_months

#: The most further months an extension may add (UK GDPR Art. 12(3)).
MAX_EXTENSION_MONTHS = 2
#: How many days before its due date a request shows as "due soon".
DUE_SOON_DAYS = 7

WorkingDay = Callable[[date], bool]


@dataclass(frozen=True)
class RequestFacts:
    """What the clock depends on, as recorded on the request."""

    received_on: date
    #: The council asked the requester to prove who they are: the clock waits for it.
    identity_asked: bool = False
    #: The day the identity was confirmed (the evidence asked for arrived, or was seen).
    identity_confirmed_on: date | None = None
    #: A fee was asked for (a manifestly unfounded or excessive request, or further copies).
    fee_asked: bool = False
    fee_received_on: date | None = None
    #: The council asked the requester to clarify what they want (the clock stops meanwhile).
    clarification_asked_on: date | None = None
    clarification_received_on: date | None = None
    extension_months: int = 0
    completed_on: date | None = None


@dataclass(frozen=True)
class Clock:
    """Where the request's clock stands."""

    #: The day the month runs from; None while the identity or the fee asked for is awaited.
    starts_on: date | None
    #: The reply's due date (with the extension and the days stopped); None while the clock
    #: has not started or is stopped for a clarification.
    due_on: date | None
    #: The due date of the first month (the last day to tell the requester of an extension).
    first_month_due_on: date | None
    #: What the clock waits for ("proof of identity", "the fee", "the clarification"), or None.
    waiting_for: str | None
    #: Days that do not count: from asking for a clarification to its answer, both counted.
    stopped_days: int


def next_working_day(day: date, is_working_day: WorkingDay) -> date:
    """`day` if it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def month_due(starts_on: date, months: int, is_working_day: WorkingDay) -> date:
    """The corresponding date `months` months on from `starts_on` (the month's last day when it
    has none), moved to the next working day."""
    return next_working_day(add_months(starts_on, months), is_working_day)


def clock_start(facts: RequestFacts) -> tuple[date | None, str | None]:
    """The day the month runs from, or None and what the clock is waiting for."""
    starts_on = facts.received_on
    if facts.identity_asked:
        if facts.identity_confirmed_on is None:
            return None, "proof of identity"
        starts_on = max(starts_on, facts.identity_confirmed_on)
    if facts.fee_asked:
        if facts.fee_received_on is None:
            return None, "the fee"
        starts_on = max(starts_on, facts.fee_received_on)
    return starts_on, None


def stopped_days(facts: RequestFacts) -> int:
    """The days a clarification stopped the clock (0 when none was asked or it is awaited)."""
    asked, answered = facts.clarification_asked_on, facts.clarification_received_on
    if asked is None or answered is None:
        return 0
    return (answered - asked).days + 1


def clock(facts: RequestFacts, is_working_day: WorkingDay) -> Clock:
    """The request's clock: when it started, what it waits for, and when the reply is due."""
    check_extension_months(facts.extension_months)
    starts_on, waiting = clock_start(facts)
    if starts_on is None:
        return Clock(None, None, None, waiting, 0)
    stopped = stopped_days(facts)
    first = next_working_day(add_months(starts_on, 1) + timedelta(days=stopped), is_working_day)
    if facts.clarification_asked_on is not None and facts.clarification_received_on is None:
        return Clock(starts_on, None, first, "the clarification", 0)
    due = next_working_day(
        add_months(starts_on, 1 + facts.extension_months) + timedelta(days=stopped),
        is_working_day,
    )
    return Clock(starts_on, due, first, None, stopped)


def check_extension_months(months: int) -> None:
    if not 0 <= months <= MAX_EXTENSION_MONTHS:
        raise DomainError(
            f"an extension adds 1 or {MAX_EXTENSION_MONTHS} further months, never {months}"
        )


def check_extension(facts: RequestFacts, months: int, on: date, is_working_day: WorkingDay) -> None:
    """Refuse an extension the law does not allow: more than two further months, or decided
    after the first month ran out (the requester must be told within it)."""
    if not 1 <= months <= MAX_EXTENSION_MONTHS:
        raise DomainError(
            f"an extension adds 1 or {MAX_EXTENSION_MONTHS} further months, never {months}"
        )
    now = clock(facts, is_working_day)
    if now.first_month_due_on is not None and on > now.first_month_due_on:
        raise DomainError(
            "too late to extend: the requester must be told of an extension within the first "
            f"month, which ended on {now.first_month_due_on:%d/%m/%Y}"
        )


def state(due_on: date | None, today: date, completed_on: date | None) -> str:
    """ "done", "waiting" (the clock has not started or is stopped), "overdue", "today",
    "due soon" (within a week) or "open"."""
    if completed_on is not None:
        return "done"
    if due_on is None:
        return "waiting"
    if due_on < today:
        return "overdue"
    if due_on == today:
        return "today"
    if (due_on - today).days <= DUE_SOON_DAYS:
        return "due soon"
    return "open"
