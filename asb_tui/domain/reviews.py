"""Manager reviews (all due high-risk cases plus a reproducible random sample) and the ASB Case
Review threshold (the statutory "community trigger")."""

from __future__ import annotations

import math
import random
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple, TypeVar

from asb_tui.domain.case_deadlines import CaseFacts, DeadlineRules, manager_review_due
from asb_tui.domain.case_review import CaseReviewRule, Report, is_timely
from asb_tui.domain.errors import DomainError
from asb_tui.domain.months import add_months
from asb_tui.domain.types import RiskLevel
from asb_tui.domain.working_days import normalise_region

__all__ = [
    "CaseReviewRule",
    "CaseReviewStatus",
    "Complaint",
    "ReviewSelection",
    "case_review_status",
    "draw_review_sample",
    "new_sample_seed",
    "qualifying_complaints",
    "select_for_review",
]

CaseIdT = TypeVar("CaseIdT", str, int)


# --- manager review sample -----------------------------------------------------------------------


def new_sample_seed() -> int:
    """A fresh unpredictable seed, to be stored with the date the sample was drawn.

    63 bits so that it fits a signed 64-bit database integer.
    """
    return secrets.randbits(63)


def draw_review_sample(
    case_ids: Iterable[CaseIdT],
    seed: int | str,
    fraction: float = 0.10,
    minimum: int = 1,
) -> list[CaseIdT]:
    """A random sample of `case_ids` that anyone can re-derive from the stored seed.

    The ids are sorted (and de-duplicated) first, so the order the store reads them in does not
    matter. Size: `fraction` of the cases rounded up, at least `minimum` when there are any, at
    most all of them. The sample comes back sorted.
    """
    if not 0 <= fraction <= 1:
        raise DomainError("The review sample fraction must be between 0 and 1.")
    if minimum < 0:
        raise DomainError("The minimum review sample size cannot be negative.")
    population = sorted(set(case_ids))
    if not population:
        return []
    size = min(len(population), max(minimum, math.ceil(len(population) * fraction)))
    return sorted(random.Random(seed).sample(population, size))


@dataclass(frozen=True, slots=True)
class ReviewSelection:
    """The manager's review queue: due high-risk cases plus the sampled others."""

    drawn_on: date
    seed: int | str
    high_risk_due: tuple[str, ...]
    sampled: tuple[str, ...]


def select_for_review(
    cases: Iterable[CaseFacts],
    today: date,
    seed: int | str,
    rules: DeadlineRules = DeadlineRules(),
    *,
    fraction: float = 0.10,
    minimum: int = 1,
) -> ReviewSelection:
    """Open high-risk cases whose review is due by today, and a sample of the other open cases."""
    due: list[str] = []
    others: list[str] = []
    for facts in cases:
        if not facts.is_open:
            continue
        if facts.risk_level is RiskLevel.HIGH:
            if facts.accepted_on is None:
                due.append(facts.id)
                continue
            region = rules.default_region if facts.region is None else facts.region
            review_due = manager_review_due(
                facts.accepted_on,
                facts.last_manager_review_on,
                normalise_region(region),
                rules.closures,
                every_days=rules.manager_review_days,
            )
            if review_due <= today:
                due.append(facts.id)
        else:
            others.append(facts.id)
    sample = draw_review_sample(others, seed, fraction, minimum)
    return ReviewSelection(today, seed, tuple(sorted(due)), tuple(sample))


# --- ASB Case Review -----------------------------------------------------------------------------


class Complaint(NamedTuple):
    """A report the victim made to any relevant body about an incident (`reported_on`: the first).

    `occurred_at` is the incident's date or date and time; `duplicate_of` links a report to an
    earlier report of the same incident.
    """

    id: str
    reported_on: date
    occurred_at: date | datetime
    description: str
    duplicate_of: str | None = None


@dataclass(frozen=True, slots=True)
class CaseReviewStatus:
    qualifying: tuple[str, ...]
    threshold_met: bool
    tell_victim: bool

    @property
    def count(self) -> int:
        return len(self.qualifying)


_PUNCTUATION = re.compile(r"[^\w\s]")


def _normalised(description: str) -> str:
    return " ".join(_PUNCTUATION.sub(" ", description.casefold()).split())


def qualifying_complaints(
    complaints: Iterable[Complaint], today: date, months: int = 6
) -> tuple[str, ...]:
    """Ids of the complaints that count towards the Case Review, earliest report first.

    A complaint counts when it was reported in the `months` months up to and including today,
    within one month of the behaviour (s104(6) of the 2014 Act: `case_review.is_timely`), and
    is a separate incident: a report marked `duplicate_of` another does not count, nor does a
    report with the same occurrence (date and time) and the same description once case, spacing
    and punctuation are ignored as an earlier-reported one. One incident reported twice counts
    once.
    """
    window_opens = add_months(today, -months)
    in_window = sorted(
        (
            c
            for c in complaints
            if window_opens < c.reported_on <= today
            and is_timely(Report(c.id, c.occurred_at, c.reported_on))
        ),
        key=lambda c: (c.reported_on, c.id),
    )
    seen: set[tuple[date | datetime, str]] = set()
    counted: list[str] = []
    for complaint in in_window:
        if complaint.duplicate_of is not None:
            continue
        key = (complaint.occurred_at, _normalised(complaint.description))
        if key in seen:
            continue
        seen.add(key)
        counted.append(complaint.id)
    return tuple(counted)


def case_review_status(
    complaints: Iterable[Complaint], today: date, rule: CaseReviewRule = CaseReviewRule()
) -> CaseReviewStatus:
    """Whether the Case Review threshold is met, and whether to tell the victim about it.

    `tell_victim` stays true once the threshold is met too: the victim must know either way.
    """
    qualifying = qualifying_complaints(complaints, today, rule.months)
    return CaseReviewStatus(
        qualifying=qualifying,
        threshold_met=len(qualifying) >= rule.threshold,
        tell_victim=len(qualifying) >= rule.tell_victim_at,
    )
