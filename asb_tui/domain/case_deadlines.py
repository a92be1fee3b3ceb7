"""The deadlines of a case, each with a due date and a RAG state, computed from plain facts.

The store fills `CaseFacts` from rows (one per case, actions and remedies as tuples) and the
dashboard calls `deadlines_for_cases`. Nothing here is stored: a deadline is recomputed whenever a
fact changes, which is how a change of risk level moves the first home visit.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from operator import itemgetter
from types import MappingProxyType
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
    checked_retention_years,
    legal_remedy_dates,
)
from asb_tui.domain.legal_powers import RemedyClock
from asb_tui.domain.months import add_months
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


# Built as tuples: `Deadline(...)` runs the named tuple's `__new__`, a Python function, for each
# of the ~16,500 deadlines of 5,000 cases.
_new_deadline = tuple.__new__
_DUE_ON = itemgetter(4)  # Deadline.due_on; C-level, cheaper than attrgetter for the sort
# deadline_state() as a lookup: the index of `due_on` among (today, tomorrow, the day after the
# due-soon window), so a deadline's state is one C call where it is listed.
_STATES = (
    DeadlineState.OVERDUE,
    DeadlineState.DUE_TODAY,
    DeadlineState.DUE_SOON,
    DeadlineState.NOT_DUE,
)
_MET = DeadlineState.MET
_ACTION = DeadlineKind.ACTION
_RETENTION = DeadlineKind.RETENTION
_CASE_REVIEW_INFO = ActionKind.CASE_REVIEW_INFO
# A case's done automatic tasks, shared while it has none (most cases): never written to.
_NOTHING_DONE: Mapping[DeadlineKind, date] = MappingProxyType({})
_ONE_DAY = timedelta(days=1)


class _Place:
    """What one call knows about a region: its due-soon bounds and the working-day results it
    has worked out. The 4,100 home visits, manager reviews and victim updates of the benchmark's
    5,000 cases are some 1,300 distinct answers (a last update or review falls in the last few
    weeks), and each was a bisect, a cache lookup and a new date."""

    __slots__ = ("bounds", "region", "updates", "working")

    def __init__(self, region: Region, today: date, soon_until: date) -> None:
        self.region = region
        tomorrow = today + _ONE_DAY
        # max(): a due-soon window ending before today (a negative setting) lists nothing as
        # due soon, as deadline_state() does, and keeps the bounds in order for bisect.
        self.bounds = (today, tomorrow, max(soon_until + _ONE_DAY, tomorrow))
        self.working: dict[tuple[date, int], date] = {}
        # (frequency as written, last contact) -> (title, due)
        self.updates: dict[tuple[str, date], tuple[str, date]] = {}


class _Context:
    """One call of deadlines_for_case(s): its rules, the regions met so far, the retention
    deadline's title and months (worked out, and checked, once the first closed case needs
    them)."""

    __slots__ = ("include_met", "places", "retention", "rules", "today")

    def __init__(self, today: date, rules: DeadlineRules, include_met: bool) -> None:
        self.today = today
        self.rules = rules
        self.include_met = include_met
        # Keyed by the case's region as given (None: the default), so a case needs one lookup.
        self.places: dict[Region | str | None, _Place] = {}
        self.retention: tuple[str, int] | None = None

    def place(self, given: Region | str | None) -> _Place:
        place = self.places.get(given)
        if place is None:
            rules = self.rules
            region = rules.default_region if given is None else normalise_region(given)
            soon_until = add_working_days(self.today, rules.due_soon_days, region, rules.closures)
            place = self.places[given] = _Place(region, self.today, soon_until)
        return place

    def retention_rule(self) -> tuple[str, int]:
        """The retention deadline's title and months, as `retention_due` checks and counts."""
        if self.retention is None:
            years = checked_retention_years(self.rules.retention_years)
            self.retention = (f"Destroy the records ({years} years after closure)", 12 * years)
        return self.retention


def _working_day(place: _Place, start: date, days: int, closures: frozenset[date]) -> date:
    """`add_working_days(start, days)` in the place's region, worked out once per call."""
    key = (start, days)
    due = place.working.get(key)
    if due is None:
        due = place.working[key] = add_working_days(start, days, place.region, closures)
    return due


def deadlines_for_case(
    facts: CaseFacts, today: date, rules: DeadlineRules = DeadlineRules()
) -> list[Deadline]:
    """Every deadline of one case, met ones included, soonest first."""
    found = _collect((facts,), _Context(today, rules, include_met=True))
    found.sort(key=_DUE_ON)
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
    found = _collect(cases, _Context(today, rules, include_met))
    found.sort(key=_DUE_ON)
    return found


def _collect(cases: Iterable[CaseFacts], context: _Context) -> list[Deadline]:
    """The deadlines of `cases` in their order, unsorted.

    One loop over all the cases rather than a call per case, and each deadline made where it
    is found (`_listed`): for 5,000 cases a call per case and per deadline was a fifth of the
    time. Each due date is computed only when the deadline will be listed: the dashboard leaves
    met ones out, and skipping their date arithmetic is most of the saving for 5,000 cases.
    """
    rules = context.rules
    closures = rules.closures
    include_met = context.include_met
    found: list[Deadline] = []
    append = found.append
    places = context.places
    for facts in cases:
        place = places.get(facts.region) or context.place(facts.region)
        bounds = place.bounds
        case_id = facts.id
        case_ref = facts.ref

        derived_done: dict[DeadlineKind, date] | None = None  # made for the first one found
        for action in facts.actions:
            action_id, title, due_on, done_on, kind = action
            if kind is _CASE_REVIEW_INFO:
                continue  # a fact (`told_of_case_review_on`), shown as its own deadline
            if kind in _FACT_DERIVED_ACTIONS:
                if done_on is not None:
                    if derived_done is None:
                        derived_done = {}
                    derived_done[_FACT_DERIVED_ACTIONS[kind]] = done_on
                continue
            if done_on is None and facts.referrals and kind in _REFERRAL_TASKS:
                done_on = met_by_referral(kind, due_on, facts.referrals)
            if due_on is not None and (include_met or done_on is None):
                state = _MET if done_on is not None else _STATES[bisect_right(bounds, due_on)]
                append(
                    _new_deadline(
                        Deadline,
                        (
                            case_id,
                            case_ref,
                            _ACTION,
                            title,
                            due_on,
                            state,
                            done_on,
                            action_id,
                            None,
                        ),
                    )
                )

        # An application for a Case Review runs its course whatever the case's state.
        for application in facts.case_reviews:
            for step in review_deadlines(
                application, rules.case_review_timescales, place.region, closures
            ):
                if include_met or step.done_on is None:
                    append(
                        _listed(
                            facts,
                            bounds,
                            DeadlineKind.CASE_REVIEW,
                            step.title,
                            step.due_on,
                            step.done_on,
                            step.source_id,
                        )
                    )

        status = facts.status
        if status is CaseStatus.CLOSED:
            if facts.closed_on is not None:
                # retention_due(), with its check and title made once per call.
                title, months = context.retention_rule()
                due_on = add_months(facts.closed_on, months)
                append(
                    _new_deadline(
                        Deadline,
                        (
                            case_id,
                            case_ref,
                            _RETENTION,
                            title,
                            due_on,
                            _STATES[bisect_right(bounds, due_on)],
                            None,
                            None,
                            None,
                        ),
                    )
                )
            continue
        accepted_on = facts.accepted_on
        if status not in OPEN_STATUSES or accepted_on is None:
            continue
        done_tasks = _NOTHING_DONE if derived_done is None else derived_done
        _collect_open(facts, accepted_on, place, done_tasks, context, append)
    return found


def _collect_open(
    facts: CaseFacts,
    accepted_on: date,
    place: _Place,
    derived_done: Mapping[DeadlineKind, date],
    context: _Context,
    append: Callable[[Deadline], None],
) -> None:
    """The deadlines of an open case that follow from its facts (not its actions)."""
    rules = context.rules
    closures = rules.closures
    include_met = context.include_met
    bounds = place.bounds
    if facts.reports and (include_met or facts.told_of_case_review_on is None):
        # The revised statutory guidance (2025): at two reports in six months the victim is told
        # about the Case Review, whether or not the threshold is met.
        task = case_review_info_task(facts.reports, rules.case_review)
        if task is not None:
            append(
                _listed(
                    facts,
                    bounds,
                    DeadlineKind.CASE_REVIEW_INFO,
                    task.title,
                    task.due_on,
                    facts.told_of_case_review_on,
                )
            )

    done = facts.diary_sheets_sent_on or derived_done.get(DeadlineKind.DIARY_SHEETS)
    if include_met or done is None:
        append(
            _listed(
                facts, bounds, DeadlineKind.DIARY_SHEETS, _DIARY_SHEETS_TITLE, accepted_on, done
            )
        )
    done = facts.risk_assessed_on or derived_done.get(DeadlineKind.RISK_ASSESSMENT)
    if include_met or done is None:
        append(
            _listed(
                facts,
                bounds,
                DeadlineKind.RISK_ASSESSMENT,
                "Assess the victim's risk",
                accepted_on,
                done,
            )
        )
    done = facts.first_home_visit_done_on or derived_done.get(DeadlineKind.FIRST_HOME_VISIT)
    if include_met or done is None:
        # home_visit_due(), through the call's working-day results.
        days = (
            rules.high_risk_home_visit_days
            if facts.risk_level is RiskLevel.HIGH
            else rules.standard_home_visit_days
        )
        due_on = _working_day(place, accepted_on, days, closures)
        append(
            _listed(facts, bounds, DeadlineKind.FIRST_HOME_VISIT, "First home visit", due_on, done)
        )
    written = facts.contact_frequency
    if written is not None:
        last = (
            facts.last_victim_update_on
            or facts.contact_agreed_on
            or facts.first_home_visit_done_on
            or accepted_on
        )
        update = place.updates.get((written, last))
        if update is None:
            frequency = parse_contact_frequency(written)
            update = place.updates[(written, last)] = (
                _victim_update_title(frequency),
                next_victim_update_due(frequency, last, place.region, closures),
            )
        append(_listed(facts, bounds, DeadlineKind.VICTIM_UPDATE, update[0], update[1], None))
    if facts.risk_level is RiskLevel.HIGH:
        # manager_review_due(), through the call's working-day results.
        last_review = facts.last_manager_review_on
        since = accepted_on if last_review is None else last_review
        due_on = _working_day(place, since + timedelta(days=rules.manager_review_days), 0, closures)
        append(
            _listed(
                facts,
                bounds,
                DeadlineKind.MANAGER_REVIEW,
                "Manager review (high risk)",
                due_on,
                None,
            )
        )
    for remedy in facts.legal_remedies:
        name = _REMEDY_NAMES.get(remedy.kind, "Legal remedy")
        if remedy.clocks is not None:
            for clock in remedy.clocks:
                kind = _CLOCK_KINDS.get(clock.kind, DeadlineKind.LEGAL_STEP)
                append(
                    _listed(
                        facts,
                        bounds,
                        kind,
                        f"{name}: {clock.what}",
                        clock.due_on,
                        None,
                        remedy.id,
                        clock.due_at,
                    )
                )
            continue
        if remedy.ended_on is not None:
            continue
        dates = legal_remedy_dates(remedy.kind, remedy.started_on, rules.remedy_terms)
        if dates.review_on is not None and (include_met or remedy.review_done_on is None):
            append(
                _listed(
                    facts,
                    bounds,
                    DeadlineKind.LEGAL_REVIEW,
                    f"{name}: review",
                    dates.review_on,
                    remedy.review_done_on,
                    remedy.id,
                )
            )
        if dates.expires_on is not None:
            append(
                _listed(
                    facts,
                    bounds,
                    DeadlineKind.LEGAL_EXPIRY,
                    f"{name}: ends; decide the next step",
                    dates.expires_on,
                    None,
                    remedy.id,
                )
            )


def _listed(
    facts: CaseFacts,
    bounds: tuple[date, date, date],
    kind: DeadlineKind,
    title: str,
    due_on: date,
    done_on: date | None,
    source_id: str | None = None,
    due_at: datetime | None = None,
) -> Deadline:
    """A deadline of the case, its state from the place's due-soon bounds (deadline_state())."""
    state = _MET if done_on is not None else _STATES[bisect_right(bounds, due_on)]
    return _new_deadline(
        Deadline, (facts.id, facts.ref, kind, title, due_on, state, done_on, source_id, due_at)
    )
