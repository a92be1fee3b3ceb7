"""The deadlines of a case, each with a due date and a RAG state, computed from plain facts.

The store fills `CaseFacts` from rows (one per case, actions and remedies as tuples) and the
dashboard calls `deadlines_for_cases`. Nothing here is stored: a deadline is recomputed whenever a
fact changes, which is how a change of risk level moves the first home visit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from operator import attrgetter
from typing import NamedTuple

from asb_tui.domain.case_review import (
    CaseReviewApplication,
    CaseReviewRule,
    CaseReviewTimescales,
    Report,
    review_deadlines,
)
from asb_tui.domain.contact import (
    ContactFrequency,
    next_victim_update_due,
    parse_contact_frequency,
)
from asb_tui.domain.legal import (
    DEFAULT_REMEDY_TERMS,
    RemedyTerm,
    legal_remedy_dates,
    retention_due,
)
from asb_tui.domain.legal_powers import RemedyClock
from asb_tui.domain.repeats import RepeatPerpetratorRule
from asb_tui.domain.risk import RepeatVictimRule
from asb_tui.domain.tasks import (
    ReferralFact,
    case_review_info_task,
    met_by_referral,
)
from asb_tui.domain.types import (
    OPEN_STATUSES,
    ActionKind,
    CaseStatus,
    DeadlineKind,
    DeadlineState,
    LegalRemedyKind,
    Region,
    RiskLevel,
)
from asb_tui.domain.vvc import DEFAULT_VVC_RULE, VvcRule
from asb_tui.domain.working_days import RegionLike, add_working_days, normalise_region

__all__ = [
    "ActionFact",
    "CaseFacts",
    "Deadline",
    "DeadlineRules",
    "LegalRemedyFact",
    "deadline_state",
    "deadlines_for_case",
    "deadlines_for_cases",
    "home_visit_due",
    "manager_review_due",
]

HIGH_RISK_HOME_VISIT_DAYS = 3
STANDARD_HOME_VISIT_DAYS = 10


class ActionFact(NamedTuple):
    """An action of the action plan, as the store reads it: `ActionFact(*row)`."""

    id: str
    title: str
    due_on: date | None
    done_on: date | None = None
    kind: ActionKind = ActionKind.GENERAL


class LegalRemedyFact(NamedTuple):
    """A legal remedy in force or ended; `review_done_on` marks its review as held."""

    id: str
    kind: LegalRemedyKind
    started_on: date
    ended_on: date | None = None
    review_done_on: date | None = None
    # A remedy made under the Act's powers: its clock (legal_powers.remedy_clocks), which then
    # replaces the default terms; empty once it has ended.
    clocks: tuple[RemedyClock, ...] | None = None


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the deadline rules need to know about one case.

    `accepted_on` is the start of the current cycle: the reopening date for a reopened case.
    `contact_agreed_on` is when the update frequency was agreed (usually the first home visit).
    `region` None means the rules' default region.
    """

    id: str
    ref: str
    status: CaseStatus
    accepted_on: date | None = None
    closed_on: date | None = None
    region: Region | None = None
    risk_level: RiskLevel | None = None
    repeat_victim: bool = False
    diary_sheets_sent_on: date | None = None
    risk_assessed_on: date | None = None
    first_home_visit_done_on: date | None = None
    contact_frequency: str | None = None
    contact_agreed_on: date | None = None
    last_victim_update_on: date | None = None
    actions: tuple[ActionFact, ...] = ()
    last_manager_review_on: date | None = None
    legal_remedies: tuple[LegalRemedyFact, ...] = ()
    # The case's VSO and VVC referrals: a referral task is done once its referral is made
    # (`tasks.met_by_referral`).
    referrals: tuple[ReferralFact, ...] = ()
    # The ASB Case Review: the case's applications, its reported incidents (for the "tell the
    # victim" task at two reports) and the day the victim was told about the Case Review.
    case_reviews: tuple[CaseReviewApplication, ...] = ()
    reports: tuple[Report, ...] = ()
    told_of_case_review_on: date | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Deadline(NamedTuple):
    """One thing due on a case. `source_id` is the action's or remedy's id where there is one.

    A named tuple rather than a frozen dataclass: the dashboard makes some 16,000 of these for
    5,000 cases, and a frozen dataclass's field-by-field `object.__setattr__` cost 25 ms of the
    50 ms budget where a tuple costs 6 (benchmarks/bench_deadlines.py).
    """

    case_id: str
    case_ref: str
    kind: DeadlineKind
    title: str
    due_on: date
    state: DeadlineState
    done_on: date | None = None
    source_id: str | None = None
    due_at: datetime | None = None  # the hour, where the law counts hours (a closure notice)


@dataclass(frozen=True)
class DeadlineRules:
    """Configuration of the deadline rules (the council's settings, with the procedure's defaults).

    Pass `closures` as the frozenset that `expand_closure_rules` returns.
    """

    default_region: Region = Region.ENGLAND_AND_WALES
    closures: frozenset[date] = frozenset()
    due_soon_days: int = 2
    high_risk_home_visit_days: int = HIGH_RISK_HOME_VISIT_DAYS
    standard_home_visit_days: int = STANDARD_HOME_VISIT_DAYS
    manager_review_days: int = 14
    retention_years: int = 5
    vvc: VvcRule = DEFAULT_VVC_RULE
    repeat_victim: RepeatVictimRule = field(default_factory=RepeatVictimRule)
    repeat_perpetrator: RepeatPerpetratorRule = field(default_factory=RepeatPerpetratorRule)
    remedy_terms: Mapping[LegalRemedyKind, RemedyTerm] = field(
        default_factory=lambda: DEFAULT_REMEDY_TERMS, hash=False
    )
    case_review: CaseReviewRule = field(default_factory=CaseReviewRule)
    case_review_timescales: CaseReviewTimescales = field(default_factory=CaseReviewTimescales)


def home_visit_due(
    accepted_on: date,
    level: RiskLevel | None,
    region: RegionLike = Region.ENGLAND_AND_WALES,
    closures: Iterable[date] = (),
    *,
    high_risk_days: int = HIGH_RISK_HOME_VISIT_DAYS,
    standard_days: int = STANDARD_HOME_VISIT_DAYS,
) -> date:
    """First home visit: 3 working days after acceptance for a high-risk victim, else 10.

    An unknown level (not yet assessed) counts as standard; the store recomputes on assessment.
    """
    days = high_risk_days if level is RiskLevel.HIGH else standard_days
    return add_working_days(accepted_on, days, region, closures)


def manager_review_due(
    accepted_on: date,
    last_review_on: date | None,
    region: RegionLike = Region.ENGLAND_AND_WALES,
    closures: Iterable[date] = (),
    *,
    every_days: int = 14,
) -> date:
    """Next manager review of a high-risk case: `every_days` calendar days after the last review
    (or acceptance), moved to the next working day when that is a day off."""
    since = last_review_on if last_review_on is not None else accepted_on
    return add_working_days(since + timedelta(days=every_days), 0, region, closures)


def deadline_state(
    due_on: date, done_on: date | None, today: date, due_soon_until: date
) -> DeadlineState:
    """RAG state of a deadline. `due_soon_until` is `add_working_days(today, due_soon_days)`."""
    if done_on is not None:
        return DeadlineState.MET
    if due_on < today:
        return DeadlineState.OVERDUE
    if due_on == today:
        return DeadlineState.DUE_TODAY
    if due_on <= due_soon_until:
        return DeadlineState.DUE_SOON
    return DeadlineState.NOT_DUE


# Automatic tasks that are also derived from case facts: the fact-derived deadline is the one
# shown (it follows risk changes), and a done task of that kind marks it met.
_FACT_DERIVED_ACTIONS = {
    ActionKind.DIARY_SHEETS: DeadlineKind.DIARY_SHEETS,
    ActionKind.RISK_ASSESSMENT: DeadlineKind.RISK_ASSESSMENT,
    ActionKind.HOME_VISIT: DeadlineKind.FIRST_HOME_VISIT,
}

_REFERRAL_TASKS = frozenset({ActionKind.VSO_REFERRAL, ActionKind.VVC_REFERRAL})

_REMEDY_NAMES = {
    LegalRemedyKind.ABC: "Acceptable Behaviour Contract",
    LegalRemedyKind.CPW: "Community Protection Warning",
    LegalRemedyKind.CPN: "Community Protection Notice",
    LegalRemedyKind.CIVIL_INJUNCTION: "Civil injunction",
    LegalRemedyKind.CBO: "Criminal Behaviour Order",
    LegalRemedyKind.CLOSURE_ORDER: "Closure order",
    LegalRemedyKind.POSSESSION: "Possession proceedings",
    LegalRemedyKind.OTHER: "Legal remedy",
    LegalRemedyKind.CLOSURE_NOTICE: "Closure notice",
    LegalRemedyKind.PSPO: "Public Spaces Protection Order",
    LegalRemedyKind.COMMUNITY_REMEDY: "Community Remedy",
}


_CLOCK_KINDS = {"review": DeadlineKind.LEGAL_REVIEW, "ends": DeadlineKind.LEGAL_EXPIRY}

_DIARY_SHEETS_TITLE = "Send diary sheets and the explanatory letter"


@lru_cache(maxsize=64)
def _victim_update_title(frequency: ContactFrequency) -> str:
    return f"Update the victim ({frequency.describe()})"


class _Context(NamedTuple):
    today: date
    rules: DeadlineRules
    due_soon_until: dict[Region, date]
    include_met: bool


def deadlines_for_case(
    facts: CaseFacts, today: date, rules: DeadlineRules = DeadlineRules()
) -> list[Deadline]:
    """Every deadline of one case, met ones included, soonest first."""
    context = _Context(today, rules, {}, include_met=True)
    found: list[Deadline] = []
    _collect(facts, context, found)
    found.sort(key=attrgetter("due_on"))
    return found


def deadlines_for_cases(
    cases: Iterable[CaseFacts],
    today: date,
    rules: DeadlineRules = DeadlineRules(),
    *,
    include_met: bool = False,
) -> list[Deadline]:
    """The deadlines of many cases, soonest first (the dashboard's list).

    Met deadlines are left out unless `include_met`; ties keep the order of `cases`.
    """
    context = _Context(today, rules, {}, include_met)
    found: list[Deadline] = []
    for facts in cases:
        _collect(facts, context, found)
    found.sort(key=attrgetter("due_on"))
    return found


def _collect(facts: CaseFacts, context: _Context, found: list[Deadline]) -> None:
    rules = context.rules
    region = rules.default_region if facts.region is None else normalise_region(facts.region)
    soon_until = context.due_soon_until.get(region)
    if soon_until is None:
        soon_until = add_working_days(context.today, rules.due_soon_days, region, rules.closures)
        context.due_soon_until[region] = soon_until
    today = context.today
    include_met = context.include_met

    def add(
        kind: DeadlineKind,
        title: str,
        due_on: date,
        done_on: date | None,
        source_id: str | None = None,
        due_at: datetime | None = None,
    ) -> None:
        # deadline_state(), inlined: it runs once per deadline listed.
        if done_on is not None:
            state = DeadlineState.MET
        elif due_on < today:
            state = DeadlineState.OVERDUE
        elif due_on == today:
            state = DeadlineState.DUE_TODAY
        elif due_on <= soon_until:
            state = DeadlineState.DUE_SOON
        else:
            state = DeadlineState.NOT_DUE
        found.append(
            Deadline(facts.id, facts.ref, kind, title, due_on, state, done_on, source_id, due_at)
        )

    # Each due date is computed only when the deadline will be listed: the dashboard leaves met
    # ones out, and skipping their date arithmetic is most of the saving for 5,000 cases.
    derived_done: dict[DeadlineKind, date] = {}
    for action in facts.actions:
        if action.kind is ActionKind.CASE_REVIEW_INFO:
            continue  # a fact (`told_of_case_review_on`), shown as its own deadline
        derived = _FACT_DERIVED_ACTIONS.get(action.kind)
        if derived is not None:
            if action.done_on is not None:
                derived_done[derived] = action.done_on
            continue
        done_on = action.done_on
        if done_on is None and action.kind in _REFERRAL_TASKS:
            done_on = met_by_referral(action.kind, action.due_on, facts.referrals)
        if action.due_on is not None and (include_met or done_on is None):
            add(DeadlineKind.ACTION, action.title, action.due_on, done_on, action.id)

    # An application for a Case Review runs its course whatever the case's state.
    for application in facts.case_reviews:
        for step in review_deadlines(
            application, rules.case_review_timescales, region, rules.closures
        ):
            if include_met or step.done_on is None:
                add(DeadlineKind.CASE_REVIEW, step.title, step.due_on, step.done_on, step.source_id)

    if facts.status is CaseStatus.CLOSED:
        if facts.closed_on is not None:
            years = rules.retention_years
            add(
                DeadlineKind.RETENTION,
                f"Destroy the records ({years} years after closure)",
                retention_due(facts.closed_on, years),
                None,
            )
        return
    if not facts.is_open or facts.accepted_on is None:
        return
    if facts.reports and (include_met or facts.told_of_case_review_on is None):
        # The revised statutory guidance (2025): at two reports in six months the victim is told
        # about the Case Review, whether or not the threshold is met.
        task = case_review_info_task(facts.reports, rules.case_review)
        if task is not None:
            add(
                DeadlineKind.CASE_REVIEW_INFO, task.title, task.due_on, facts.told_of_case_review_on
            )

    accepted_on = facts.accepted_on
    done = facts.diary_sheets_sent_on or derived_done.get(DeadlineKind.DIARY_SHEETS)
    if include_met or done is None:
        add(DeadlineKind.DIARY_SHEETS, _DIARY_SHEETS_TITLE, accepted_on, done)
    done = facts.risk_assessed_on or derived_done.get(DeadlineKind.RISK_ASSESSMENT)
    if include_met or done is None:
        add(DeadlineKind.RISK_ASSESSMENT, "Assess the victim's risk", accepted_on, done)
    done = facts.first_home_visit_done_on or derived_done.get(DeadlineKind.FIRST_HOME_VISIT)
    if include_met or done is None:
        due_on = home_visit_due(
            accepted_on,
            facts.risk_level,
            region,
            rules.closures,
            high_risk_days=rules.high_risk_home_visit_days,
            standard_days=rules.standard_home_visit_days,
        )
        add(DeadlineKind.FIRST_HOME_VISIT, "First home visit", due_on, done)
    if facts.contact_frequency is not None:
        frequency = parse_contact_frequency(facts.contact_frequency)
        last = (
            facts.last_victim_update_on
            or facts.contact_agreed_on
            or facts.first_home_visit_done_on
            or accepted_on
        )
        add(
            DeadlineKind.VICTIM_UPDATE,
            _victim_update_title(frequency),
            next_victim_update_due(frequency, last, region, rules.closures),
            None,
        )
    if facts.risk_level is RiskLevel.HIGH:
        add(
            DeadlineKind.MANAGER_REVIEW,
            "Manager review (high risk)",
            manager_review_due(
                accepted_on,
                facts.last_manager_review_on,
                region,
                rules.closures,
                every_days=rules.manager_review_days,
            ),
            None,
        )
    for remedy in facts.legal_remedies:
        if remedy.clocks is not None:
            name = _REMEDY_NAMES.get(remedy.kind, "Legal remedy")
            for clock in remedy.clocks:
                kind = _CLOCK_KINDS.get(clock.kind, DeadlineKind.LEGAL_STEP)
                add(kind, f"{name}: {clock.what}", clock.due_on, None, remedy.id, clock.due_at)
            continue
        if remedy.ended_on is not None:
            continue
        dates = legal_remedy_dates(remedy.kind, remedy.started_on, rules.remedy_terms)
        name = _REMEDY_NAMES.get(remedy.kind, "Legal remedy")
        if dates.review_on is not None and (include_met or remedy.review_done_on is None):
            add(
                DeadlineKind.LEGAL_REVIEW,
                f"{name}: review",
                dates.review_on,
                remedy.review_done_on,
                remedy.id,
            )
        if dates.expires_on is not None:
            add(
                DeadlineKind.LEGAL_EXPIRY,
                f"{name}: ends; decide the next step",
                dates.expires_on,
                None,
                remedy.id,
            )
