"""Review and end dates of legal remedies, and the retention date of a closed case.

Default terms (months; a council can override them in `DeadlineRules.remedy_terms`):

| remedy | review | ends | why |
| --- | --- | --- | --- |
| Acceptable Behaviour Contract | 3 | 6 | the council's procedure |
| Community Protection Warning | 1 | - | check compliance before deciding on a notice |
| Community Protection Notice | 3 | - | no statutory end; review that it is still needed |
| civil injunction | 6 | 12 | most are made for a set period; 12 months is the limit for under-18s |
| Criminal Behaviour Order | 12 | 24 | 2 years is the adult minimum; under-18s: yearly review |
| closure order | 2 | 3 | an order lasts up to 3 months; decide on extension before it ends |
| possession proceedings | 3 | - | track the court timetable |
| other | 3 | - | a quarterly look by default |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from asb_tui.domain.dates import format_uk
from asb_tui.domain.errors import DomainError
from asb_tui.domain.months import add_months, add_years
from asb_tui.domain.types import LegalRemedyKind

__all__ = [
    "DEFAULT_REMEDY_TERMS",
    "LegalRemedyDates",
    "RemedyTerm",
    "check_remedy_start",
    "check_stage_date",
    "checked_retention_years",
    "legal_remedy_dates",
    "retention_due",
]


@dataclass(frozen=True, slots=True)
class RemedyTerm:
    """Months from the start of a remedy to its review and to its end (None: no fixed date)."""

    review_after_months: int | None
    lasts_months: int | None


@dataclass(frozen=True, slots=True)
class LegalRemedyDates:
    review_on: date | None
    expires_on: date | None


DEFAULT_REMEDY_TERMS: Mapping[LegalRemedyKind, RemedyTerm] = MappingProxyType(
    {
        LegalRemedyKind.ABC: RemedyTerm(3, 6),
        LegalRemedyKind.CPW: RemedyTerm(1, None),
        LegalRemedyKind.CPN: RemedyTerm(3, None),
        LegalRemedyKind.CIVIL_INJUNCTION: RemedyTerm(6, 12),
        LegalRemedyKind.CBO: RemedyTerm(12, 24),
        LegalRemedyKind.CLOSURE_ORDER: RemedyTerm(2, 3),
        LegalRemedyKind.POSSESSION: RemedyTerm(3, None),
        LegalRemedyKind.OTHER: RemedyTerm(3, None),
    }
)


def legal_remedy_dates(
    kind: LegalRemedyKind,
    started_on: date,
    terms: Mapping[LegalRemedyKind, RemedyTerm] = DEFAULT_REMEDY_TERMS,
) -> LegalRemedyDates:
    """Review and end dates of a remedy started on `started_on` (ABC: review 3, ends 6 months)."""
    term = terms.get(kind, DEFAULT_REMEDY_TERMS[LegalRemedyKind.OTHER])
    return LegalRemedyDates(
        review_on=(
            None
            if term.review_after_months is None
            else add_months(started_on, term.review_after_months)
        ),
        expires_on=(
            None if term.lasts_months is None else add_months(started_on, term.lasts_months)
        ),
    )


def check_remedy_start(started_on: date | None, today: date) -> None:
    """A remedy in force started on a day that has come: one dated tomorrow would show as in
    force before anything was issued. Refused with a DomainError; no date (proposed) is fine."""
    if started_on is not None and started_on > today:
        raise DomainError(
            f"A remedy cannot start on {format_uk(started_on)}: that day has not come yet. "
            "Record it as proposed (no start date) until it is issued."
        )


def check_stage_date(stage_on: date, today: date) -> None:
    """A stage (served, granted, breached) is recorded once it has happened, never ahead."""
    if stage_on > today:
        raise DomainError(
            f"A stage cannot be dated {format_uk(stage_on)}: that day has not come yet. "
            "Record it on the day it happens."
        )


# A council keeps closed cases for years; under one year is never a policy, only a mistake.
MIN_RETENTION_YEARS = 1


def retention_due(closed_on: date, years: int = 5) -> date:
    """The day a closed case's records are to be destroyed: `years` after closure.

    A case closed on 29/02 is due on 28/02 of the target year (relativedelta's clamping) when that
    year is not a leap year. Fewer than one year is refused here as well as in the config: a
    caller that passes a bad figure must not destroy a case closed last week.
    """
    return add_years(closed_on, checked_retention_years(years))


def checked_retention_years(years: int) -> int:
    """`years`, refused (DomainError) unless a whole number of at least MIN_RETENTION_YEARS."""
    if isinstance(years, bool) or not isinstance(years, int) or years < MIN_RETENTION_YEARS:
        raise DomainError(
            f"The retention period must be a whole number of at least {MIN_RETENTION_YEARS} year, "
            f"not {years!r}."
        )
    return years
