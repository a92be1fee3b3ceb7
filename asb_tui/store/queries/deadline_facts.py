"""Fill the domain's `CaseFacts` for many cases with a handful of queries.

The dashboard and `asb-tui deadlines` need the facts of every open case at once; one query per
table (never one per case) keeps 5,000 cases well under the dashboard's budget. Only plain
columns are selected (no ORM objects), which is most of the saving.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from asb_tui.config import Config, closure_dates
from asb_tui.domain.case_deadlines import ActionFact, CaseFacts, DeadlineRules, LegalRemedyFact
from asb_tui.domain.case_review import (
    CaseReviewApplication,
    CaseReviewRule,
    CaseReviewTimescales,
    Recommendation,
    Report,
)
from asb_tui.domain.contact import parse_contact_frequency
from asb_tui.domain.errors import DomainError
from asb_tui.domain.legal_powers import RemedyState, RemedyStatus, remedy_clocks
from asb_tui.domain.repeats import RepeatPerpetratorRule
from asb_tui.domain.risk import RepeatVictimRule
from asb_tui.domain.tasks import ReferralFact
from asb_tui.domain.types import (
    ActionKind,
    CaseStatus,
    LegalRemedyKind,
    Region,
    RiskLevel,
)
from asb_tui.domain.vvc import VvcRule

_UK = ZoneInfo("Europe/London")
_WEEKDAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}
# Statuses of a legal remedy that is no longer in force (no review or expiry to chase).
ENDED_REMEDY_STATUSES = frozenset(
    {"ended", "expired", "discharged", "withdrawn", "refused", "completed", "dismissed"}
)
# Automatic tasks whose deadline is derived from facts: only this cycle's tasks count (a done
# home-visit task from before a reopening must not mark the new cycle's visit as met).
_CYCLE_TASKS = frozenset(
    {ActionKind.DIARY_SHEETS, ActionKind.RISK_ASSESSMENT, ActionKind.HOME_VISIT}
)


@dataclass(frozen=True)
class FactsFilter:
    """Which cases to load: open ones only (the dashboard) or all; one officer's or everyone's."""

    open_only: bool = True
    officer: str | None = None
    case_id: str | None = None
    #: these cases only (the dashboard's update after a write to a few)
    case_ids: frozenset[str] | None = None
    # Facts enough for the deadlines still to meet (`deadlines_for_cases` without `include_met`,
    # as the dashboard asks): actions already done are left out, except the automatic tasks
    # whose being done marks a fact-derived deadline as met.
    unmet_only: bool = False


def deadline_rules(config: Config, today: date) -> DeadlineRules:
    """The council's deadline rules from config (closure days for the years around today)."""
    closures = closure_dates(config, range(today.year - 1, today.year + 3))
    try:
        region = Region(config.region)
    except ValueError:
        region = Region.ENGLAND_AND_WALES
    vvc = VvcRule(
        weekday=_WEEKDAYS.get(config.vvc_weekday.upper()[:2], 1),
        nth=config.vvc_week_of_month,
        cutoff_days=config.vvc_cutoff_days,
    )
    return DeadlineRules(
        default_region=region,
        closures=closures,
        manager_review_days=config.manager_review_days,
        retention_years=config.retention_years,
        vvc=vvc,
        repeat_victim=RepeatVictimRule(config.repeat_incidents, config.repeat_window_months),
        repeat_perpetrator=RepeatPerpetratorRule(
            config.repeat_perpetrator_cases, config.repeat_perpetrator_months
        ),
        case_review=CaseReviewRule(
            threshold=config.case_review_threshold, months=config.case_review_window_months
        ),
        case_review_timescales=CaseReviewTimescales(
            acknowledge_days=config.case_review_acknowledge_days,
            decide_days=config.case_review_decide_days,
            meet_days=config.case_review_meet_days,
        ),
    )


def _enum(kind: type[Any], value: str | None, default: Any = None) -> Any:
    if value is None:
        return default
    try:
        return kind(value)
    except ValueError:
        return default


def _day(value: Any) -> date | None:
    """A date column read as the driver returns it (ISO text in SQLite)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


class _Reader:
    """Plain-SQL reads on the session's own connection (so in its transaction): rows come back
    as the driver's tuples, converted here only where needed. Skipping SQLAlchemy's statement
    and result machinery is most of the time saved on 5,000 cases."""

    def __init__(self, session: Session, facts_filter: FactsFilter) -> None:
        connection = session.connection().connection.driver_connection
        if connection is None:  # pragma: no cover - an open session always has one
            raise RuntimeError("the session has no database connection")
        self.cursor = connection.cursor()
        self.filter = facts_filter
        conditions: list[str] = []
        params: dict[str, Any] = {}
        if facts_filter.open_only:
            conditions.append("c.status IN ('accepted', 'reopened')")
        if facts_filter.officer is not None:
            conditions.append("c.officer = :officer")
            params["officer"] = facts_filter.officer
        if facts_filter.case_id is not None:
            conditions.append("c.id = :case_id")
            params["case_id"] = facts_filter.case_id
        if facts_filter.case_ids is not None:
            names = [f"case_{index}" for index in range(len(facts_filter.case_ids))]
            conditions.append(f"c.id IN ({', '.join(':' + name for name in names) or 'NULL'})")
            params.update(zip(names, sorted(facts_filter.case_ids), strict=True))
        self.where = " AND ".join(conditions) or "1 = 1"
        self.params = params

    def query(self, sql: str) -> list[Any]:
        return list(self.cursor.execute(sql, self.params).fetchall())

    def rows(self, select_list: str, table: str, extra: str = "", tail: str = "") -> list[Any]:
        """`SELECT select_list FROM table t JOIN asb_case c` limited to the selected cases."""
        return self.query(
            f"SELECT {select_list} FROM {table} AS t JOIN asb_case AS c ON c.id = t.case_id "
            f"WHERE {self.where} {('AND ' + extra) if extra else ''} {tail}"
        )


def load_case_facts(session: Session, facts_filter: FactsFilter = FactsFilter()) -> list[CaseFacts]:
    """The deadline facts of the selected cases, in case-reference order."""
    reader = _Reader(session, facts_filter)
    # One pass over the selected cases; each latest or first date is a seek in a covering index
    # (migration 0004), never a scan of the table or a grouping of all its rows.
    cases = reader.query(
        "SELECT c.id, c.ref, c.status, c.accepted_on, c.closed_on, c.region, c.risk_level, "
        "c.repeat_victim, "
        "(SELECT max(t.sent_on) FROM diary_sheet AS t WHERE t.case_id = c.id), "
        "(SELECT max(t.assessed_on) FROM risk_assessment AS t WHERE t.case_id = c.id), "
        "(SELECT max(t.updated_on) FROM victim_update AS t WHERE t.case_id = c.id), "
        "(SELECT max(t.reviewed_on) FROM manager_review AS t WHERE t.case_id = c.id), "
        # The first home visit of this cycle (a reopened case's cycle starts at reopening).
        "(SELECT min(t.done_on) FROM visit AS t WHERE t.case_id = c.id AND t.kind = 'home' "
        "AND t.status = 'complete' AND t.done_on IS NOT NULL "
        "AND (c.accepted_on IS NULL OR t.done_on >= c.accepted_on)), "
        # The victim told about the ASB Case Review (a done task of its own kind).
        "(SELECT min(t.done_on) FROM action AS t WHERE t.case_id = c.id "
        "AND t.kind = 'case-review-info' AND t.done_on IS NOT NULL) "
        f"FROM asb_case AS c WHERE {reader.where} ORDER BY c.ref"
    )
    if not cases:
        return []
    agreements: dict[str, tuple[str, date | None]] = {}
    for case_id, frequency, agreed_on in reader.rows(
        "t.case_id, t.frequency, t.agreed_on", "contact_agreement", tail="ORDER BY t.agreed_on"
    ):
        agreements[case_id] = (frequency, _day(agreed_on))  # the latest agreement wins
    actions: dict[str, list[Any]] = defaultdict(list)
    for row in reader.rows(
        "t.case_id, t.id, t.title, t.due_on, t.done_on, t.kind",
        "action",
        extra=_UNMET_ACTIONS if facts_filter.unmet_only else "",
        tail="ORDER BY t.due_on",
    ):
        actions[row[0]].append(row)
    remedies = _remedy_facts(reader)
    # One pass over the referrals (not a lookup per case): they meet the referral tasks.
    referrals: dict[str, list[ReferralFact]] = defaultdict(list)
    for case_id, kind, referred_on, meeting_on, status in reader.rows(
        "t.case_id, t.kind, t.referred_on, t.meeting_on, t.status", "referral"
    ):
        referred = _day(referred_on)
        if referred is not None:
            referrals[case_id].append(ReferralFact(kind, referred, _day(meeting_on), status))

    applications = _case_review_facts(reader)
    reports: dict[str, list[Report]] = defaultdict(list)
    for case_id, incident_id, occurred, reported, description, reported_to in reader.rows(
        "t.case_id, t.id, t.occurred_on, t.reported_on, t.description, t.reported_to",
        "incident",
        extra="t.reported_on IS NOT NULL",
    ):
        reports[case_id].append(
            Report(
                incident_id,
                _day(occurred) or date.min,
                _day(reported),
                description,
                tuple(code for code in reported_to.split(",") if code),
            )
        )

    facts: list[CaseFacts] = []
    for (
        case_id,
        ref,
        status,
        accepted_text,
        closed_text,
        region,
        risk,
        repeat,
        diary_sent,
        assessed,
        updated,
        reviewed,
        first_visit,
        told_of_review,
    ) in cases:
        accepted_on = _day(accepted_text)
        cycle_start = accepted_on or date.min

        def this_cycle(day: date | None, start: date = cycle_start) -> date | None:
            return day if day is not None and day >= start else None

        agreement = agreements.get(case_id)
        agreed_frequency: str | None = None
        if agreement is not None:
            try:
                parse_contact_frequency(agreement[0])
                agreed_frequency = agreement[0]
            except DomainError:
                agreed_frequency = None  # an unreadable agreement must not hide the other deadlines
        facts.append(
            CaseFacts(
                id=case_id,
                ref=ref,
                status=_enum(CaseStatus, status, CaseStatus.REFERRED),
                accepted_on=accepted_on,
                closed_on=_day(closed_text),
                region=_enum(Region, region),
                risk_level=_enum(RiskLevel, risk),
                repeat_victim=bool(repeat),
                diary_sheets_sent_on=this_cycle(_day(diary_sent)),
                risk_assessed_on=this_cycle(_day(assessed)),
                first_home_visit_done_on=_day(first_visit),
                contact_frequency=agreed_frequency,
                contact_agreed_on=agreement[1] if agreement else None,
                last_victim_update_on=_day(updated),
                actions=tuple(_action_facts(actions.get(case_id, ()), cycle_start)),
                last_manager_review_on=_day(reviewed),
                legal_remedies=remedies.get(case_id, ()),
                referrals=tuple(referrals.get(case_id, ())),
                case_reviews=applications.get(case_id, ()),
                reports=tuple(reports.get(case_id, ())),
                told_of_case_review_on=_day(told_of_review),
            )
        )
    return facts


def _action_facts(rows: Iterable[Any], cycle_start: date) -> Iterable[ActionFact]:
    for _case_id, action_id, title, due_text, done_text, kind in rows:
        action_kind = _ACTION_KINDS.get(kind, ActionKind.GENERAL)
        due_on = _day(due_text)
        if action_kind in _CYCLE_TASKS and (due_on is None or due_on < cycle_start):
            continue
        yield ActionFact(action_id, title, due_on, _day(done_text), action_kind)


_ACTION_KINDS = {kind.value: kind for kind in ActionKind}
_CYCLE_TASK_VALUES = ", ".join(f"'{kind.value}'" for kind in sorted(_CYCLE_TASKS))
# What `deadlines_for_cases` reads of the actions when met deadlines are left out: the open ones
# with a due date, and the done automatic tasks (they mark the fact-derived deadlines met).
_UNMET_ACTIONS = (
    f"((t.done_on IS NULL AND t.due_on IS NOT NULL AND t.kind NOT IN ({_CYCLE_TASK_VALUES})) "
    f"OR (t.done_on IS NOT NULL AND t.kind IN ({_CYCLE_TASK_VALUES})))"
)


def _remedy_facts(reader: _Reader) -> dict[str, tuple[LegalRemedyFact, ...]]:
    reviewed = {
        remedy_id: _day(day)
        for _case_id, remedy_id, day in reader.rows(
            "t.case_id, t.remedy_id, max(t.stage_on)",
            "legal_stage",
            extra="lower(t.stage) LIKE '%review%'",
            tail="GROUP BY t.remedy_id",
        )
    }
    found: dict[str, list[LegalRemedyFact]] = defaultdict(list)
    for row in reader.rows(
        "t.case_id, t.id, t.kind, t.status, t.started_on, t.served_at, t.ends_on, t.ends_at, "
        "t.review_on, t.comply_by",
        "legal_remedy",
        extra="t.statutory",
    ):
        found[row[0]].append(_statutory_fact(row))
    for case_id, remedy_id, kind, status, started_text, expires_text in reader.rows(
        "t.case_id, t.id, t.kind, t.status, t.started_on, t.expires_on",
        "legal_remedy",
        extra="t.started_on IS NOT NULL AND NOT t.statutory",
    ):
        started_on = _day(started_text) or date.min
        expires_on = _day(expires_text)
        ended = (expires_on or started_on) if status in ENDED_REMEDY_STATUSES else None
        found[case_id].append(
            LegalRemedyFact(
                remedy_id,
                _enum(LegalRemedyKind, kind, LegalRemedyKind.OTHER),
                started_on,
                ended,
                reviewed.get(remedy_id),
            )
        )
    return {case_id: tuple(items) for case_id, items in found.items()}


def _moment(value: Any) -> datetime | None:
    """A datetime column as SQLite returns it (ISO text, stored in UTC), in UK time."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(_UK)


def _statutory_fact(row: Any) -> LegalRemedyFact:
    """A remedy made under the Act's powers: the facts of its clock (legal_powers)."""
    _case_id, remedy_id, kind, status, started, served, ends_on, ends_at, review, comply = row
    remedy_kind = _enum(LegalRemedyKind, kind, LegalRemedyKind.OTHER)
    state = RemedyState(
        kind=remedy_kind,
        status=_enum(RemedyStatus, status, RemedyStatus.ENDED),
        served_at=_moment(served),
        started_on=_day(started),
        ends_on=_day(ends_on),
        ends_at=_moment(ends_at),
        review_on=_day(review),
        comply_by=_day(comply),
    )
    return LegalRemedyFact(
        remedy_id,
        remedy_kind,
        state.started_on or date.min,
        clocks=tuple(remedy_clocks(state)),
    )


def _case_review_facts(reader: _Reader) -> dict[str, tuple[CaseReviewApplication, ...]]:
    """Each case's Case Review applications with their recommendations (deadlines of their own)."""
    recommendations: dict[str, list[Recommendation]] = defaultdict(list)
    for _case_id, rec_id, review_id, text, owner, due_on, done_on in reader.rows(
        "t.case_id, t.id, t.review_id, t.text, t.owner, t.due_on, t.done_on",
        "case_review_recommendation",
        tail="ORDER BY t.created_at, t.id",
    ):
        recommendations[review_id].append(
            Recommendation(rec_id, text, owner, _day(due_on), _day(done_on))
        )
    found: dict[str, list[CaseReviewApplication]] = defaultdict(list)
    for row in reader.rows(
        "t.case_id, t.id, t.applied_on, t.acknowledged_on, t.decided_on, t.threshold_met, "
        "t.meeting_on, t.outcome_told_on, t.escalated_on",
        "case_review",
        tail="ORDER BY t.applied_on, t.id",
    ):
        case_id, review_id, applied, acked, decided, met, meeting, told, escalated = row
        found[case_id].append(
            CaseReviewApplication(
                id=review_id,
                applied_on=_day(applied) or date.min,
                acknowledged_on=_day(acked),
                decided_on=_day(decided),
                threshold_met=None if met is None else bool(met),
                meeting_on=_day(meeting),
                outcome_told_on=_day(told),
                escalated_on=_day(escalated),
                recommendations=tuple(recommendations.get(review_id, ())),
            )
        )
    return {case_id: tuple(items) for case_id, items in found.items()}
