"""The ASB Case Review (formerly the "community trigger") as the law counts it.

Sources (read before this was written):

- Anti-social Behaviour, Crime and Policing Act 2014, ss104-105 and Schedule 4: the relevant bodies
  (the council, the police, the Integrated Care Board for health, and registered providers of social
  housing that take part) must carry out a review when an application is made and the threshold is
  met. s104(5): the number of complaints the local threshold asks for may not be more than three;
  a complaint counts only when it was made within one month of the alleged behaviour, and the
  application within six months of the complaint (s104(6)-(7)).
- Home Office, "Anti-social Behaviour, Crime and Policing Act 2014: Anti-social behaviour powers,
  statutory guidance for frontline professionals" (revised, published 17 September 2025): the
  threshold is about separate incidents (one incident reported to three agencies is one), reports to
  any relevant body count, agencies must tell a victim about the Case Review once they have made two
  reports in six months, the applicant is told the decision and, after the review, the outcome and
  the recommendations; the local procedure names an escalation route (commonly the Police and Crime
  Commissioner) for an applicant unhappy with how it was run. The timescales are the council's own:
  the defaults here (acknowledge within 10 working days, decide within 15, meet within 20 of the
  application) are the ones most published local procedures use.

Everything here is pure: reports and applications come in as plain values, dates as `date`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from asb_tui.domain.errors import DomainError
from asb_tui.domain.months import add_months
from asb_tui.domain.types import Region
from asb_tui.domain.working_days import RegionLike, add_working_days

__all__ = [
    "AGENCIES",
    "AGENCY_LETTERS",
    "CaseReviewApplication",
    "CaseReviewFigures",
    "CaseReviewRule",
    "CaseReviewTimescales",
    "Recommendation",
    "Report",
    "ReviewDeadline",
    "ThresholdResult",
    "check_rule",
    "is_timely",
    "parse_agencies",
    "published_figures",
    "review_deadlines",
    "tell_victim_due",
    "threshold_test",
]

#: The bodies a complaint may be made to (s104 "relevant bodies"), by the code stored.
AGENCIES: dict[str, str] = {
    "council": "the council",
    "police": "the police",
    "housing": "a registered housing provider (landlord)",
    "health": "health (the Integrated Care Board)",
}
#: One letter each, for typing fast in the diary grid.
AGENCY_LETTERS: dict[str, str] = {"c": "council", "p": "police", "l": "housing", "h": "health"}

#: The most the 2014 Act allows: three complaints in six months (s104(5)).
LAW_MAX_THRESHOLD = 3
LAW_MIN_WINDOW_MONTHS = 6
#: A complaint counts when made within this many months of the behaviour (s104(6)).
COMPLAINT_WITHIN_MONTHS = 1


def parse_agencies(text: str) -> tuple[str, ...]:
    """ "cp", "c,p", "council police", "l" -> the agency codes in the order of AGENCIES.

    Letters (c council, p police, l landlord/housing, h health) or whole codes, any separators.
    Raises DomainError naming what is not an agency.
    """
    found: set[str] = set()
    for word in text.replace(",", " ").replace("/", " ").lower().split():
        if word in AGENCIES:
            found.add(word)
            continue
        if word in {"landlord", "rp", "rsl"}:
            found.add("housing")
            continue
        for letter in word:
            code = AGENCY_LETTERS.get(letter)
            if code is None:
                raise DomainError(
                    f"'{letter}' is not an agency: type c (council), p (police), "
                    "l (landlord) or h (health)."
                )
            found.add(code)
    return tuple(code for code in AGENCIES if code in found)


class Report(NamedTuple):
    """An incident the victim reported: when it happened, when first reported and to whom.

    `reported_on` None: not reported (or the date is not known), so it cannot count.
    `duplicate_of` links a record to an earlier record of the same incident.
    """

    id: str
    occurred_on: date | datetime
    reported_on: date | None
    description: str = ""
    reported_to: tuple[str, ...] = ()
    duplicate_of: str | None = None


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def is_timely(report: Report) -> bool:
    """Made within one month of the behaviour (s104(6)); a report dated before the incident is a
    typing error and does not count either."""
    if report.reported_on is None:
        return False
    occurred = _day(report.occurred_on)
    return occurred <= report.reported_on <= add_months(occurred, COMPLAINT_WITHIN_MONTHS)


@dataclass(frozen=True)
class CaseReviewRule:
    """The council's threshold: `threshold` qualifying complaints within `months` months.

    The law caps it at three in six months (a lower count or a longer window is more generous);
    `check_rule` refuses anything stricter. `tell_victim_at` is the 2025 guidance's two reports.
    """

    threshold: int = LAW_MAX_THRESHOLD
    months: int = LAW_MIN_WINDOW_MONTHS
    tell_victim_at: int = 2


def check_rule(rule: CaseReviewRule) -> None:
    """Refuse a threshold the 2014 Act does not allow (more than three in six months)."""
    if rule.threshold < 1:
        raise DomainError("The Case Review threshold must be at least one complaint.")
    if rule.threshold > LAW_MAX_THRESHOLD or rule.months < LAW_MIN_WINDOW_MONTHS:
        raise DomainError(
            f"A Case Review threshold of {rule.threshold} in {rule.months} months is refused: "
            "the 2014 Act allows at most three complaints in six months."
        )


@dataclass(frozen=True, slots=True)
class ThresholdResult:
    """The threshold test on one day: the complaints that count (earliest first) and why the
    others do not (id -> reason)."""

    on: date
    rule: CaseReviewRule
    qualifying: tuple[Report, ...]
    left_out: tuple[tuple[str, str], ...]

    @property
    def count(self) -> int:
        return len(self.qualifying)

    @property
    def met(self) -> bool:
        return self.count >= self.rule.threshold


_PUNCTUATION = re.compile(r"[^\w\s]")


def _normalised(description: str) -> str:
    """The description as two records of one incident compare: case, spacing and punctuation
    ignored."""
    return " ".join(_PUNCTUATION.sub(" ", description.casefold()).split())


def threshold_test(
    reports: Iterable[Report], on: date, rule: CaseReviewRule = CaseReviewRule()
) -> ThresholdResult:
    """The complaints that count towards a Case Review applied for (or looked at) on `on`.

    A complaint counts when (a) it was reported, (b) within one month of the behaviour, (c) in
    the `rule.months` months up to and including `on` (the application must come within six
    months of the complaint), and (d) it is a separate incident: a record marked `duplicate_of`
    another, or with the same occurrence and description (case, spacing and punctuation ignored)
    as one already counted, is the same incident told twice (to two agencies, say) and counts once.
    """
    opens = add_months(on, -rule.months)
    counted: list[Report] = []
    left_out: list[tuple[str, str]] = []
    seen: set[tuple[date | datetime, str]] = set()
    ordered = sorted(reports, key=lambda r: (r.reported_on or date.max, r.id))
    for report in ordered:
        if report.reported_on is None:
            left_out.append((report.id, "not reported to any agency"))
        elif not opens < report.reported_on <= on:
            left_out.append((report.id, f"reported outside the {rule.months} months"))
        elif not is_timely(report):
            left_out.append((report.id, "reported more than a month after it happened"))
        elif report.duplicate_of is not None:
            left_out.append((report.id, "the same incident as another report"))
        else:
            key = (report.occurred_on, _normalised(report.description))
            if key in seen:
                left_out.append((report.id, "the same incident as another report"))
                continue
            seen.add(key)
            counted.append(report)
    return ThresholdResult(on, rule, tuple(counted), tuple(left_out))


def tell_victim_due(
    reports: Iterable[Report], rule: CaseReviewRule = CaseReviewRule()
) -> date | None:
    """The day the victim had made `rule.tell_victim_at` qualifying reports (timely, separate
    incidents) within `rule.months` months: the 2025 guidance asks agencies to tell them about
    the Case Review then. None: not yet.

    One pass over the reports in date order with a sliding window (the dashboard asks this of
    every open case).
    """
    wanted = rule.tell_victim_at
    reported = [r for r in reports if r.reported_on is not None and r.duplicate_of is None]
    if len(reported) < wanted:
        return None
    reported.sort(key=_report_order)
    window: list[tuple[date, tuple[date | datetime, str]]] = []  # timely reports counted so far
    in_window: dict[tuple[date | datetime, str], int] = {}
    left = 0
    for report in reported:
        day = report.reported_on
        assert day is not None
        occurred = _day(report.occurred_on)
        if not occurred <= day <= add_months(occurred, COMPLAINT_WITHIN_MONTHS):
            continue
        opens = add_months(day, -rule.months)
        while left < len(window) and window[left][0] <= opens:
            key = window[left][1]
            in_window[key] -= 1
            if not in_window[key]:
                del in_window[key]
            left += 1
        key = (report.occurred_on, _normalised(report.description))
        window.append((day, key))
        in_window[key] = in_window.get(key, 0) + 1
        if len(in_window) >= wanted:
            return day
    return None


def _report_order(report: Report) -> tuple[date, str]:
    return (report.reported_on or date.max, report.id)


# --- the workflow --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseReviewTimescales:
    """Working days from the application to each step (the council's procedure)."""

    acknowledge_days: int = 10
    decide_days: int = 15
    meet_days: int = 20


class Recommendation(NamedTuple):
    id: str
    text: str
    owner: str
    due_on: date | None
    done_on: date | None = None


@dataclass(frozen=True, slots=True)
class CaseReviewApplication:
    """One application as the rules need it. `threshold_met` None: not decided yet."""

    id: str
    applied_on: date
    acknowledged_on: date | None = None
    decided_on: date | None = None
    threshold_met: bool | None = None
    meeting_on: date | None = None
    outcome_told_on: date | None = None
    escalated_on: date | None = None
    recommendations: tuple[Recommendation, ...] = field(default=())

    @property
    def status(self) -> str:
        """Where the application stands, in words a case officer uses."""
        if self.escalated_on is not None:
            return "escalated"
        if self.outcome_told_on is not None:
            return "outcome told"
        if self.meeting_on is not None:
            return "review held"
        if self.decided_on is not None:
            return "threshold met" if self.threshold_met else "threshold not met"
        if self.acknowledged_on is not None:
            return "acknowledged"
        return "applied"


class ReviewDeadline(NamedTuple):
    key: str  # acknowledge / decide / meet / tell-outcome / recommendation
    title: str
    due_on: date
    done_on: date | None
    source_id: str


def review_deadlines(
    application: CaseReviewApplication,
    timescales: CaseReviewTimescales = CaseReviewTimescales(),
    region: RegionLike = Region.ENGLAND_AND_WALES,
    closures: Iterable[date] = (),
) -> list[ReviewDeadline]:
    """The application's deadlines in working days of the case's region from the application.

    The meeting is due only once the threshold is met (or while undecided, so it is planned); a
    decision "not met" ends the workflow, and the applicant is told it with the decision. Each
    recommendation is due on the date the meeting set for it.
    """
    start = application.applied_on

    def due(days: int) -> date:
        return add_working_days(start, days, region, closures)

    found = [
        ReviewDeadline(
            "acknowledge",
            "Case Review: acknowledge the application",
            due(timescales.acknowledge_days),
            application.acknowledged_on,
            application.id,
        ),
        ReviewDeadline(
            "decide",
            "Case Review: decide the threshold and write to the applicant",
            due(timescales.decide_days),
            application.decided_on,
            application.id,
        ),
    ]
    if application.threshold_met is not False:
        found.append(
            ReviewDeadline(
                "meet",
                "Case Review: hold the review meeting",
                due(timescales.meet_days),
                application.meeting_on,
                application.id,
            )
        )
    if application.meeting_on is not None:
        found.append(
            ReviewDeadline(
                "tell-outcome",
                "Case Review: tell the applicant the outcome",
                add_working_days(application.meeting_on, 5, region, closures),
                application.outcome_told_on,
                application.id,
            )
        )
    for item in application.recommendations:
        if item.due_on is not None:
            found.append(
                ReviewDeadline(
                    "recommendation",
                    f"Case Review recommendation ({item.owner}): {item.text[:60]}",
                    item.due_on,
                    item.done_on,
                    item.id,
                )
            )
    return found


@dataclass(frozen=True, slots=True)
class CaseReviewFigures:
    """The figures a council must publish for a year (s104(10) and the guidance): applications
    received, how many met the threshold, reviews held, recommendations made."""

    year: int
    applications: int
    thresholds_met: int
    reviews_held: int
    recommendations: int


def published_figures(
    applications: Sequence[CaseReviewApplication], year: int
) -> CaseReviewFigures:
    """Each figure counts what happened in `year` (1 January to 31 December): an application by
    the day it was made, a threshold met by the day it was decided met, a review by the day its
    meeting was held, a recommendation by the meeting that made it."""

    def in_year(day: date | None) -> bool:
        return day is not None and day.year == year

    return CaseReviewFigures(
        year=year,
        applications=sum(1 for a in applications if in_year(a.applied_on)),
        thresholds_met=sum(1 for a in applications if a.threshold_met and in_year(a.decided_on)),
        reviews_held=sum(1 for a in applications if in_year(a.meeting_on)),
        recommendations=sum(len(a.recommendations) for a in applications if in_year(a.meeting_on)),
    )
