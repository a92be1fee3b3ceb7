"""Vulnerable Victims Conference (VVC) meeting dates and referral cut-offs.

Meetings follow a monthly rule (default: the second Tuesday of each month), built with
`dateutil.rrule`. A referral must reach the coordinator `cutoff_days` calendar days before a
meeting to be heard there; a later referral goes to the next meeting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from dateutil import rrule

from asb_tui.domain.errors import DomainError

__all__ = ["DEFAULT_VVC_RULE", "VvcRule", "next_vvc_meeting", "vvc_cutoff", "vvc_meetings"]

_WEEKDAYS = (rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU)
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# A rule that yields nothing for this long is a configuration mistake, not a quiet spell.
_SEARCH_YEARS = 3


@dataclass(frozen=True)
class VvcRule:
    """When the VVC meets.

    `weekday` is 0 for Monday .. 6 for Sunday and `nth` is 1..4 for the first..fourth such day
    of the month, or -1 for the last. `rrule_text` (an RFC 5545 RRULE such as
    "FREQ=MONTHLY;BYDAY=+2TU"), when given, replaces weekday and nth.
    """

    weekday: int = 1
    nth: int = 2
    cutoff_days: int = 10
    rrule_text: str | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise DomainError("The VVC weekday must be 0 (Monday) to 6 (Sunday).")
        if self.nth not in (-1, 1, 2, 3, 4):
            raise DomainError("The VVC week must be 1 to 4 (first to fourth), or -1 for the last.")
        if self.cutoff_days < 0:
            raise DomainError("The VVC referral cut-off cannot be after the meeting.")
        if self.rrule_text is not None:
            try:
                rrule.rrulestr(self.rrule_text, dtstart=datetime(2000, 1, 1))
            except (ValueError, TypeError) as error:
                raise DomainError(
                    f"'{self.rrule_text}' is not a valid VVC meeting rule: {error}"
                ) from None

    def describe(self) -> str:
        """Plain English, for settings screens: "second Tuesday of each month"."""
        if self.rrule_text is not None:
            return self.rrule_text
        ordinal = {-1: "last", 1: "first", 2: "second", 3: "third", 4: "fourth"}[self.nth]
        return f"{ordinal} {_WEEKDAY_NAMES[self.weekday]} of each month"


DEFAULT_VVC_RULE = VvcRule()


@lru_cache(maxsize=256)
def _meetings_in_year(rule: VvcRule, year: int) -> tuple[date, ...]:
    start = datetime(year, 1, 1)
    end = datetime(year, 12, 31)
    recurrence: rrule.rrule | rrule.rruleset
    if rule.rrule_text is not None:
        parsed = rrule.rrulestr(rule.rrule_text, dtstart=start)
        recurrence = parsed
    else:
        recurrence = rrule.rrule(
            rrule.MONTHLY, dtstart=start, byweekday=_WEEKDAYS[rule.weekday](rule.nth)
        )
    return tuple(moment.date() for moment in recurrence.between(start, end, inc=True))


def vvc_meetings(between_start: date, between_end: date, rule: VvcRule = VvcRule()) -> list[date]:
    """Meeting dates from `between_start` to `between_end`, both included, in order."""
    meetings: list[date] = []
    for year in range(between_start.year, between_end.year + 1):
        meetings.extend(
            day for day in _meetings_in_year(rule, year) if between_start <= day <= between_end
        )
    return meetings


def vvc_cutoff(meeting: date, rule: VvcRule = VvcRule()) -> date:
    """The last day a referral can be made for `meeting` (calendar days before it)."""
    return meeting - timedelta(days=rule.cutoff_days)


def next_vvc_meeting(referred_on: date, rule: VvcRule = VvcRule()) -> date:
    """The first meeting whose referral cut-off is on or after `referred_on`."""
    for year in range(referred_on.year, referred_on.year + _SEARCH_YEARS + 1):
        for meeting in _meetings_in_year(rule, year):
            if vvc_cutoff(meeting, rule) >= referred_on:
                return meeting
    raise DomainError(
        f"The VVC meeting rule ({rule.describe()}) gives no meeting within "
        f"{_SEARCH_YEARS} years; check the setting."
    )
