"""Repeat victims and repeat perpetrators, derived from the records (never a flag an officer
must remember to set).

A repeat victim (the council's rule, `repeat_incidents` and `repeat_window_months` in config;
default 3 incidents within 3 months): `incidents` or more incidents reported within any span of
`months` months, counted across all the person's cases as a victim, by the date each was
reported (the date of the behaviour when no report date is recorded). The span slides: three
incidents of August and September typed from a diary sheet in November still make a repeat
victim. The status is current while the latest such span ended less than `months` months ago;
after that quiet spell the person is no longer flagged (their history is still there).

A repeat perpetrator (`repeat_perpetrator_cases` and `repeat_perpetrator_months`; default 2
cases within 12 months): named as the alleged perpetrator in that many cases referred within
any span of that many months, the same sliding rule over the cases' referral dates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from asb_tui.domain.months import add_months

__all__ = [
    "RepeatPerpetratorRule",
    "RepeatSpan",
    "latest_repeat_span",
]


@dataclass(frozen=True)
class RepeatPerpetratorRule:
    """Named as the alleged perpetrator in `cases` or more cases within `months` months."""

    cases: int = 2
    months: int = 12


@dataclass(frozen=True)
class RepeatSpan:
    """The latest span of dates that meets a repeat rule: its first and last date, how many
    dates fall in it, and whether it is current (ended less than the window ago)."""

    first: date
    last: date
    count: int
    current: bool


def latest_repeat_span(
    dates: Iterable[date], today: date, *, at_least: int, months: int
) -> RepeatSpan | None:
    """The span of `months` months holding `at_least` of `dates` that ends latest (dates after
    today are ignored), or None when no span does. It is reported whole: from the earliest date
    that starts a span ending there, every date within `months` months of that one."""
    days = sorted(d for d in dates if d <= today)
    if at_least < 1 or len(days) < at_least:
        return None
    found: RepeatSpan | None = None
    end = 0
    for start, first in enumerate(days):
        closes = add_months(first, months)  # the span is [first, closes)
        end = max(end, start)
        while end + 1 < len(days) and days[end + 1] < closes:
            end += 1
        count = end - start + 1
        last = days[end]
        # The span that ends latest, from its earliest start (the episode reported whole).
        if count >= at_least and (found is None or last > found.last):
            found = RepeatSpan(first, last, count, add_months(today, -months) < last)
    return found
