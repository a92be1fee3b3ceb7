"""The agreed frequency of victim updates, and when the next update is due."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

from asb_tui.domain.errors import DomainError
from asb_tui.domain.months import add_months
from asb_tui.domain.types import Region
from asb_tui.domain.working_days import RegionLike, add_working_days

__all__ = ["ContactFrequency", "FrequencyUnit", "next_victim_update_due", "parse_contact_frequency"]


class FrequencyUnit(StrEnum):
    WORKING_DAYS = "wd"
    WEEKS = "w"
    MONTHS = "m"


@dataclass(frozen=True, slots=True)
class ContactFrequency:
    """Every `count` units: working days, weeks or calendar months."""

    count: int
    unit: FrequencyUnit

    def describe(self) -> str:
        """Plain English: "every 5 working days", "weekly", "monthly"."""
        named = {
            (1, FrequencyUnit.WEEKS): "weekly",
            (2, FrequencyUnit.WEEKS): "fortnightly",
            (1, FrequencyUnit.MONTHS): "monthly",
        }
        if (self.count, self.unit) in named:
            return named[(self.count, self.unit)]
        noun = {
            FrequencyUnit.WORKING_DAYS: "working days",
            FrequencyUnit.WEEKS: "weeks",
            FrequencyUnit.MONTHS: "months",
        }[self.unit]
        return f"every {self.count} {noun}"


_NAMED = {
    "weekly": ContactFrequency(1, FrequencyUnit.WEEKS),
    "fortnightly": ContactFrequency(2, FrequencyUnit.WEEKS),
    "monthly": ContactFrequency(1, FrequencyUnit.MONTHS),
}
_COUNTED = re.compile(r"^(\d+)\s*(wd|w|m)$")


@lru_cache(maxsize=256)
def parse_contact_frequency(text: str) -> ContactFrequency:
    """Read "5wd", "10wd", "weekly", "fortnightly", "monthly" (also "3w", "2m").

    Raises DomainError (a ValueError) with a plain message for anything else.
    """
    cleaned = text.strip().lower()
    if cleaned in _NAMED:
        return _NAMED[cleaned]
    match = _COUNTED.match(cleaned)
    if match is None:
        raise DomainError(
            f"'{text}' is not a contact frequency. Use weekly, fortnightly, monthly, "
            "or a number of working days such as 5wd."
        )
    count = int(match.group(1))
    if count < 1:
        raise DomainError(f"'{text}' is not a contact frequency: the number must be 1 or more.")
    return ContactFrequency(count, FrequencyUnit(match.group(2)))


def next_victim_update_due(
    frequency: ContactFrequency,
    last_contact_on: date,
    region: RegionLike = Region.ENGLAND_AND_WALES,
    closures: Iterable[date] = (),
) -> date:
    """When the next update is due after the last one (or after the date it was agreed).

    Weekly and monthly steps that land on a weekend, bank holiday or closure day move to the next
    working day, so an officer is never overdue for a day the office was shut.
    """
    if frequency.unit is FrequencyUnit.WORKING_DAYS:
        return add_working_days(last_contact_on, frequency.count, region, closures)
    if frequency.unit is FrequencyUnit.WEEKS:
        stepped = last_contact_on + timedelta(weeks=frequency.count)
    else:
        stepped = add_months(last_contact_on, frequency.count)
    return add_working_days(stepped, 0, region, closures)
