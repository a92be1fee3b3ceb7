"""Read models for the screens: the dashboard, the case list and the case detail.

Screens get frozen dataclasses, never SQLModel rows (rows are bound to a session that lives in a
worker thread; plain values can cross to the UI thread safely).
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from operator import attrgetter
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, text
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from asb_tui.domain.case_deadlines import (
    CaseFacts,
    Deadline,
    DeadlineRules,
    deadlines_for_case,
    deadlines_for_cases,
)
from asb_tui.domain.case_review import AGENCIES
from asb_tui.domain.dates import format_uk
from asb_tui.domain.labels import label
from asb_tui.domain.months import add_months
from asb_tui.domain.reviews import (
    CaseReviewRule,
    CaseReviewStatus,
    Complaint,
    case_review_status,
)
from asb_tui.domain.types import (
    OPEN_STATUSES,
    DeadlineKind,
    DeadlineState,
    PartyRole,
    RiskLevel,
    VisitKind,
)
from asb_tui.domain.working_days import add_working_days
from asb_tui.store.core import settings
from asb_tui.store.core.models import (
    Action,
    Address,
    AgencyContact,
    Case,
    CaseLink,
    CaseReview,
    CaseReviewRecommendation,
    Communication,
    Consent,
    ContactAgreement,
    DiarySheet,
    DoorEnquiry,
    EvidenceItem,
    HouseToHouseRun,
    Incident,
    LegalRemedy,
    LegalStage,
    ManagerReview,
    Note,
    Person,
    Referral,
    RiskAssessment,
    SharingRecord,
    VictimUpdate,
    Visit,
    VvcDecision,
)
from asb_tui.store.queries.case_records import CaseRecords, load_case_records
from asb_tui.store.queries.dashboard_rows import (
    Dashboard,
    DashboardCounts,
    DashboardRow,
    SyncState,
    rag_band,
)
from asb_tui.store.queries.deadline_facts import FactsFilter, load_case_facts
from asb_tui.store.queries.known_elsewhere import people_known_elsewhere
from asb_tui.store.queries.people import (
    CaseRepeatFlags,
    LinkedCase,
    case_repeat_flags,
    linked_case_counts,
    linked_cases,
)
from asb_tui.store.queries.search import SearchHit, search
from sync.batches import chunks

_UK = ZoneInfo("Europe/London")


def columns(*wanted: Any) -> Any:
    """A select of plain columns: SQLModel's `select` is typed for at most four, and plain
    tuples are much cheaper than ORM objects for thousands of cases."""
    return sa_select(*wanted)


LAST_SYNC_AT = "last_sync_at"
# The dashboard's "N changes waiting" counts no further (then says "N+").
UNSENT_COUNTED = 10_000


# --- dashboard --------------------------------------------------------------------------------


def sync_state(session: Session) -> SyncState:
    """Changes waiting to be sent, and when the last sync finished (None: never)."""
    # Counted up to a cap: a laptop that has not synced for long holds millions (2.25 million in
    # the 50,000-case bench store), and counting them all took 0.15-0.3 s of every dashboard read.
    unsent = (
        session.connection()
        .exec_driver_sql(
            "SELECT count(*) FROM (SELECT 1 FROM change_record WHERE sent_at IS NULL LIMIT ?)",
            (UNSENT_COUNTED + 1,),
        )
        .scalar()
    )
    raw = settings.get(session, LAST_SYNC_AT)
    last: datetime | None = None
    if raw:
        try:
            last = datetime.fromisoformat(raw)
            if last.tzinfo is None:
                last = last.replace(tzinfo=UTC)
        except ValueError:
            last = None
    unsent = int(unsent or 0)
    return SyncState(min(unsent, UNSENT_COUNTED), last, more_unsent=unsent > UNSENT_COUNTED)


def _victims(session: Session, case_ids: Sequence[str]) -> dict[str, str]:
    """The first victim (by when the person was recorded) of each of `case_ids`."""
    victims: dict[str, str] = {}
    connection = session.connection()
    for chunk in chunks(case_ids):
        for case_id, name in connection.execute(
            text(
                "SELECT cp.case_id, p.name FROM case_party AS cp "
                "JOIN person AS p ON p.id = cp.person_id "
                "WHERE cp.role = 'victim' AND cp.case_id IN :ids ORDER BY p.created_at"
            ).bindparams(bindparam("ids", expanding=True)),
            {"ids": chunk},
        ).all():
            victims.setdefault(case_id, name)
    return victims


def _summaries(session: Session, case_ids: Sequence[str]) -> dict[str, str]:
    summaries: dict[str, str] = {}
    connection = session.connection()
    for chunk in chunks(case_ids):
        summaries.update(
            connection.execute(
                text("SELECT id, summary FROM asb_case WHERE id IN :ids").bindparams(
                    bindparam("ids", expanding=True)
                ),
                {"ids": chunk},
            ).all()
        )
    return summaries


def case_review_count(
    session: Session,
    case_ids: frozenset[str] | set[str],
    today: date,
    rule: CaseReviewRule = CaseReviewRule(),
) -> int:
    """How many of `case_ids` have met the ASB Case Review threshold.

    SQL first narrows to cases with enough reports in the window (a count can only shrink when
    duplicates are removed); the domain's exact rule then runs on those few cases only.
    """
    window_opens = add_months(today, -rule.months)
    in_window = (col(Incident.reported_on) > window_opens) & (col(Incident.reported_on) <= today)
    candidates = [
        case_id
        for case_id, _count in session.exec(
            columns(Incident.case_id, func.count())
            .where(in_window)
            .group_by(col(Incident.case_id))
            .having(func.count() >= rule.threshold)
        ).all()
        if case_id in case_ids
    ]
    met = 0
    for chunk in chunks(candidates):  # a chunk's complaints at a time, never all in memory
        complaints: dict[str, list[Complaint]] = defaultdict(list)
        for row in session.exec(
            columns(
                Incident.case_id,
                Incident.id,
                Incident.reported_on,
                Incident.occurred_on,
                Incident.description,
            ).where(in_window, col(Incident.case_id).in_(chunk))
        ).all():
            complaints[row[0]].append(Complaint(row[1], row[2], row[3], row[4]))
        met += sum(
            1
            for items in complaints.values()
            if case_review_status(items, today, rule).threshold_met
        )
    return met


class _NextDeadline:
    """Per case: the soonest unmet deadline and how many are overdue (one pass, no grouping)."""

    __slots__ = ("awaiting", "first", "overdue")

    def __init__(self, first: Deadline) -> None:
        self.first = first
        self.overdue = 0
        self.awaiting = False


class CaseEntry(NamedTuple):
    """What the dashboard derived for one open case: all it needs to rank and count it."""

    case_id: str
    ref: str
    risk_level: str | None  # a RiskLevel value
    repeat_victim: bool
    first: Deadline | None  # the soonest unmet deadline
    overdue: int
    awaiting_review: bool


@dataclass(frozen=True)
class BoardState:
    """The dashboard's computation, per case, so that a write to a few cases recomputes only
    those (`updated_board_state`); `board_from_state` makes the screen's `Dashboard` of it."""

    officer: str | None  # the officer asked for (None: every open case)
    scope_officer: str | None  # whose cases it holds (None: every open case)
    scope: str
    today: date
    rules: DeadlineRules
    entries: dict[str, CaseEntry]
    #: how many cases' facts were read to make this state (all, or the ones a write touched)
    recomputed: int
    #: the audit chain's seq the state was read at (0: empty chain)
    audit_seq: int = 0
    #: the store's write-journal position it was read at
    journal_position: int = 0
    #: made from the state kept in the store at the last computation (store/cache/board_cache.py)
    kept: bool = False


# Above this many cases touched, recomputing whole is as quick as picking them out.
MAX_INCREMENTAL = 2_000


def dashboard(
    session: Session,
    *,
    officer: str | None,
    today: date,
    rules: DeadlineRules,
    limit: int | None = None,
) -> Dashboard:
    """The officer's open cases, soonest deadline first, with the counts and the sync state.

    With `officer` None, or when the officer has no open case (a demo store, a manager's
    laptop), every open case is shown and `scope` says so. `limit` keeps only the soonest rows
    (the counts still cover every case). The Case Review count is left for `case_review_count`.
    """
    return board_from_state(
        session, board_state(session, officer=officer, today=today, rules=rules), limit=limit
    )


def board_state(
    session: Session, *, officer: str | None, today: date, rules: DeadlineRules
) -> BoardState:
    """Every open case in scope computed (the dashboard's whole computation)."""
    seq = audit_seq_of(session)
    ids: list[str] = []
    scope = "all open cases"
    scope_officer: str | None = None
    if officer is not None:
        ids = _open_case_ids(session, officer)
        scope, scope_officer = f"open cases of {officer}", officer
        if not ids:
            scope, scope_officer = f"all open cases (none assigned to {officer})", None
    if not ids:
        ids = _open_case_ids(session, None)
    # A few hundred cases' facts at a time: each case's entry is all that is kept, so the
    # facts of 50,000 cases (their reports above all) are never in memory at once.
    entries: dict[str, CaseEntry] = {}
    for chunk in chunks(ids, FACTS_CHUNK):
        facts = load_case_facts(
            session,
            FactsFilter(
                open_only=True, officer=scope_officer, case_ids=frozenset(chunk), unmet_only=True
            ),
        )
        entries.update(_entries(facts, today, rules))
    return BoardState(
        officer=officer,
        scope_officer=scope_officer,
        scope=scope,
        today=today,
        rules=rules,
        entries=entries,
        recomputed=len(entries),
        audit_seq=seq,
    )


FACTS_CHUNK = 500  # 2,000: 210 MB peak RSS at 50,000 cases (bench_scale); 500: 160 MB


def _open_case_ids(session: Session, officer: str | None) -> list[str]:
    """The open cases (of `officer`, or all), in reference order."""
    mine = "" if officer is None else " AND officer = :officer"
    return list(
        session.connection()
        .execute(
            text(
                f"SELECT id FROM asb_case WHERE status IN ('accepted', 'reopened'){mine} "
                "ORDER BY ref"
            ),
            {} if officer is None else {"officer": officer},
        )
        .scalars()
    )


def updated_board_state(
    session: Session, state: BoardState, case_ids: frozenset[str], *, audit_seq: int
) -> BoardState | None:
    """`state` with only `case_ids` recomputed (those written since it was made, up to
    `audit_seq`): a case no longer open or no longer in scope leaves it, a new one joins it.
    None when the scope itself would change (the officer's first case in an "all open cases"
    board, or their last case gone): the caller computes whole."""
    if len(case_ids) > MAX_INCREMENTAL:
        return None
    facts = (
        load_case_facts(
            session,
            FactsFilter(
                open_only=True, officer=state.scope_officer, case_ids=case_ids, unmet_only=True
            ),
        )
        if case_ids
        else []
    )
    if state.officer is not None and state.scope_officer is None and case_ids:
        mine = load_case_facts(
            session, FactsFilter(open_only=True, officer=state.officer, case_ids=case_ids)
        )
        if mine:
            return None  # the officer has an open case again: their own cases are the scope
    entries = {k: v for k, v in state.entries.items() if k not in case_ids}
    entries.update(_entries(facts, state.today, state.rules))
    if state.scope_officer is not None and not entries:
        return None  # the officer's last open case went: the scope becomes every open case
    return replace(state, entries=entries, recomputed=len(case_ids), audit_seq=audit_seq)


def audit_seq_of(session: Session) -> int:
    """The audit chain's last seq (0: none), as the session's transaction sees it."""
    seq = session.connection().exec_driver_sql("SELECT max(seq) FROM audit_event").scalar()
    return int(seq or 0)


def _entries(facts: list[CaseFacts], today: date, rules: DeadlineRules) -> dict[str, CaseEntry]:
    """Each case's soonest unmet deadline and counts, in the order of `facts`."""
    # Soonest first, ties in the order of `facts`: the domain's sort is stable, so each case's
    # first deadline seen is its soonest.
    by_case: dict[str, _NextDeadline] = {}
    for deadline in deadlines_for_cases(facts, today, rules):
        entry = by_case.get(deadline.case_id)
        if entry is None:
            entry = by_case[deadline.case_id] = _NextDeadline(deadline)
        state = deadline.state
        if state is DeadlineState.OVERDUE:
            entry.overdue += 1
        if deadline.kind is DeadlineKind.MANAGER_REVIEW and state in _AWAITING_REVIEW:
            entry.awaiting = True
    entries: dict[str, CaseEntry] = {}
    for f in facts:
        next_deadline = by_case.get(f.id)
        entries[f.id] = CaseEntry(
            f.id,
            f.ref,
            f.risk_level.value if f.risk_level else None,
            f.repeat_victim,
            next_deadline.first if next_deadline is not None else None,
            next_deadline.overdue if next_deadline is not None else 0,
            next_deadline.awaiting if next_deadline is not None else False,
        )
    return entries


def _soonest_key(entry: CaseEntry) -> tuple[date, str]:
    assert entry.first is not None
    return entry.first.due_on, entry.ref


def board_from_state(session: Session, state: BoardState, *, limit: int | None = None) -> Dashboard:
    """The dashboard of a computed state: cases by soonest deadline (ties by reference), then
    those with none; `limit` keeps the soonest rows (the counts cover every case)."""
    entries = list(state.entries.values())
    with_deadline = [e for e in entries if e.first is not None]
    if limit is not None and limit < len(with_deadline):
        ranked = heapq.nsmallest(limit, with_deadline, key=_soonest_key)
    else:
        ranked = sorted(with_deadline, key=_soonest_key)
        without = sorted((e for e in entries if e.first is None), key=attrgetter("ref"))
        ranked += without if limit is None else without[: limit - len(ranked)]
    shown_ids = [e.case_id for e in ranked]
    # Only the rows shown need their summary and victim.
    summaries = _summaries(session, shown_ids)
    victims = _victims(session, shown_ids)
    rows = [
        DashboardRow(
            case_id=e.case_id,
            ref=e.ref,
            victim=victims.get(e.case_id, ""),
            summary=summaries.get(e.case_id, ""),
            risk_level=e.risk_level,
            next_what=_title_with_time(e.first) if e.first else "",
            next_due=e.first.due_on if e.first else None,
            next_state=e.first.state if e.first else None,
            overdue=e.overdue,
        )
        for e in ranked
    ]
    counts = DashboardCounts(
        open_cases=len(entries),
        overdue_items=sum(e.overdue for e in entries),
        high_risk=sum(1 for e in entries if e.risk_level == _HIGH),
        awaiting_review=sum(1 for e in entries if e.awaiting_review),
        repeat_victims=sum(1 for e in entries if e.repeat_victim),
    )
    return Dashboard(
        state.scope,
        tuple(rows),
        counts,
        sync_state(session),
        frozenset(state.entries),
        week_until=week_band_ends(state.today, state.rules),
    )


_AWAITING_REVIEW = (DeadlineState.OVERDUE, DeadlineState.DUE_TODAY)
_HIGH = RiskLevel.HIGH.value


def week_band_ends(today: date, rules: DeadlineRules) -> date:
    """The last day of the "this week" RAG band: five working days on."""
    return add_working_days(today, 5, rules.default_region, rules.closures)


def _title_with_time(deadline: Deadline) -> str:
    """A deadline's title, with its hour where the law counts hours (a closure hearing)."""
    if deadline.due_at is None:
        return deadline.title
    return f"{deadline.title} at {deadline.due_at.astimezone(_UK):%H:%M}"


def rag_state(due_on: date, today: date, rules: DeadlineRules) -> str:
    """ "overdue", "today", "week" or "later": the RAG band of a due date."""
    return rag_band(due_on, today, week_band_ends(today, rules))


# --- case list --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFilter:
    status: str | None = None  # a CaseStatus value, or "open"
    risk_level: str | None = None
    category: str | None = None
    officer: str | None = None


@dataclass(frozen=True)
class CaseListRow:
    case_id: str
    ref: str
    status: str
    risk_level: str | None
    category: str
    officer: str
    referred_on: date
    summary: str
    snippet: str = ""
    #: how many other cases share a person with it, or are linked to it
    linked: int = 0


@dataclass(frozen=True)
class FilterOptions:
    officers: tuple[str, ...]
    categories: tuple[str, ...]


def filter_options(session: Session) -> FilterOptions:
    officers = session.exec(select(Case.officer).distinct().order_by(col(Case.officer))).all()
    categories = session.exec(select(Case.category).distinct().order_by(col(Case.category))).all()
    return FilterOptions(tuple(o for o in officers if o), tuple(c for c in categories if c))


def list_cases(
    session: Session, case_filter: CaseFilter = CaseFilter(), *, typed: str = "", limit: int = 300
) -> list[CaseListRow]:
    """Cases matching the filter and (when `typed` has words) the full-text search."""
    query = columns(
        Case.id,
        Case.ref,
        Case.status,
        Case.risk_level,
        Case.category,
        Case.officer,
        Case.referred_on,
        Case.summary,
    )
    if case_filter.status == "open":
        query = query.where(col(Case.status).in_(sorted(OPEN_STATUSES)))
    elif case_filter.status:
        query = query.where(Case.status == case_filter.status)
    if case_filter.risk_level:
        query = query.where(Case.risk_level == case_filter.risk_level)
    if case_filter.category:
        query = query.where(Case.category == case_filter.category)
    if case_filter.officer:
        query = query.where(Case.officer == case_filter.officer)
    hits: dict[str, SearchHit] | None = None
    if typed.strip():
        found = search(session, typed, limit=limit * 4)
        hits = {hit.case_id: hit for hit in found}
        if not hits:
            return []
        query = query.where(col(Case.id).in_(list(hits)))
    else:
        query = query.order_by(col(Case.referred_on).desc(), col(Case.ref).desc()).limit(limit)
    rows = [
        CaseListRow(
            case_id=row[0],
            ref=row[1],
            status=row[2],
            risk_level=row[3],
            category=row[4],
            officer=row[5],
            referred_on=row[6],
            summary=row[7],
            snippet=hits[row[0]].snippet if hits else "",
        )
        for row in session.exec(query).all()
    ]
    if hits is not None:
        rank = {case_id: index for index, case_id in enumerate(hits)}
        rows.sort(key=lambda r: rank[r.case_id])
        rows = rows[:limit]
    linked = linked_case_counts(session, [r.case_id for r in rows])
    return [replace(r, linked=linked[r.case_id]) if r.case_id in linked else r for r in rows]


# --- case detail ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseSummary:
    id: str
    ref: str
    status: str
    category: str
    region: str
    summary: str
    location: str
    referral_source: str
    referred_on: date
    accepted_on: date | None
    closed_on: date | None
    closure_reason: str | None
    reopen_count: int
    risk_level: str | None
    repeat_victim: bool
    officer: str
    case_manager: str
    team: str


@dataclass(frozen=True)
class PersonRow:
    person_id: str
    name: str
    role: str
    address: str
    phone: str
    date_of_birth: date | None
    vulnerabilities: str
    further_needs: str = ""
    notes: str = ""
    #: who this is across cases (the same in each case's record of the same person)
    identity_id: str = ""
    #: the structured addresses of the person, each as one line
    addresses: tuple[str, ...] = ()
    #: an alleged perpetrator's own risk level and notes
    risk_level: str | None = None
    risk_notes: str = ""


@dataclass(frozen=True)
class ActionRow:
    id: str
    title: str
    kind: str
    due_on: date | None
    done_on: date | None
    owner: str
    agency: str


@dataclass(frozen=True)
class Entry:
    """One dated line on a tab or the timeline: when, what kind of thing, and what it says.

    `table` and `source_id` name the row it comes from, so the screen can open it in full."""

    day: date | None
    what: str
    detail: str
    source_id: str = ""
    table: str = ""


@dataclass(frozen=True)
class CaseDetail:
    summary: CaseSummary
    people: tuple[PersonRow, ...]
    incidents: tuple[Entry, ...]
    visits_and_contacts: tuple[Entry, ...]
    actions: tuple[ActionRow, ...]
    risk: tuple[Entry, ...]
    legal: tuple[Entry, ...]
    notes: tuple[Entry, ...]
    timeline: tuple[Entry, ...]
    deadlines: tuple[Deadline, ...] = field(default=())
    #: the exhibits, by reference (docs/evidence.md); Enter opens the item's screen
    evidence: tuple[Entry, ...] = field(default=())
    #: the places of the case (not a person's home), each as one line
    places: tuple[str, ...] = field(default=())
    #: the other cases of its people and places, and the explicit links (store/queries/people)
    linked: tuple[LinkedCase, ...] = field(default=())
    #: what other teams hold of its people, as the service's blind index told ("Ann Lee: known
    #: in 2 cases held by team north ..."); nothing else of theirs is ever here
    known_elsewhere: tuple[str, ...] = field(default=())
    #: repeat-victim and repeat-perpetrator flags of its people, derived from the records
    repeat: CaseRepeatFlags = field(default_factory=CaseRepeatFlags)
    # Every row of the case, for opening a record in full (not itself shown).
    records: CaseRecords | None = None


def _summary_of(case: Any) -> CaseSummary:
    return CaseSummary(
        id=case.id,
        ref=case.ref,
        status=case.status,
        category=case.category,
        region=case.region,
        summary=case.summary,
        location=case.location,
        referral_source=case.referral_source,
        referred_on=case.referred_on,
        accepted_on=case.accepted_on,
        closed_on=case.closed_on,
        closure_reason=case.closure_reason,
        reopen_count=case.reopen_count,
        risk_level=case.risk_level,
        repeat_victim=case.repeat_victim,
        officer=case.officer,
        case_manager=case.case_manager,
        team=case.team,
    )


def case_summary(session: Session, case_id: str) -> CaseSummary | None:
    case = session.get(Case, case_id)
    return None if case is None else _summary_of(case)


def _newest_first(entries: Sequence[Entry]) -> tuple[Entry, ...]:
    return tuple(sorted(entries, key=lambda e: e.day or date.min, reverse=True))


def _day(moment: datetime | None) -> date | None:
    return None if moment is None else moment.date()


def _joined(*parts: str, sep: str = "; ") -> str:
    return sep.join(part.strip() for part in parts if part and part.strip())


def _labelled(label_text: str, value: Any) -> str:
    if value in (None, "", [], {}):
        return ""
    if isinstance(value, list | tuple):
        value = ", ".join(str(v) for v in value)
    return f"{label_text}: {value}"


def visit_lines(visit: Any, witnesses: Sequence[str] = ()) -> str:
    """Everything recorded at a visit, one labelled part after another (the Detail column)."""
    return _joined(
        _labelled("Present", visit.present),
        _labelled("Evidence", visit.evidence_gathered),
        _labelled("Perpetrator identified", visit.perpetrator_identified),
        _labelled("Witnesses", list(witnesses)),
        _labelled("Further needs and vulnerabilities", visit.further_needs),
        _labelled("Signposted to", list(visit.signposting)),
        _labelled("Outcome", visit.outcome),
        "Denial recorded" if visit.denial else "",
        _labelled("Counter-allegation", visit.counter_allegation),
        _labelled("Notes", visit.notes),
    )


def _visit_entries(records: CaseRecords) -> list[Entry]:
    witnesses = [person.name for _party, person in records.parties(PartyRole.WITNESS.value)]
    entries = []
    for v in records.rows(Visit):
        kind = label(v.kind)
        kind = kind if kind.lower().endswith("visit") else f"{kind} visit"
        label_text = f"{kind} ({label(v.status).lower()})"
        shown = witnesses if v.kind == VisitKind.HOME.value and v.status == "complete" else ()
        entries.append(
            Entry(v.done_on or v.due_on, label_text, visit_lines(v, shown), v.id, "visit")
        )
    return entries


def _contact_entries(records: CaseRecords) -> list[Entry]:
    entries = []
    for c in records.rows(AgencyContact):
        reference = _joined(c.reference_kind, c.reference, sep=" ")
        detail = _joined(
            c.summary,
            _labelled("Contact", c.contact_name),
            _labelled("By", c.method),
            _labelled("Reference", reference),
            _labelled("Follow up by", c.follow_up_due and format_uk(c.follow_up_due)),
        )
        entries.append(
            Entry(c.contacted_on, f"Contact: {c.agency}", detail, c.id, "agency_contact")
        )
    for letter in records.rows(Communication):
        detail = _joined(
            _labelled("To", letter.recipient),
            _labelled("By", letter.method),
            _labelled("Template", f"{letter.template} (version {letter.template_version})"),
            _labelled("SHA-256", letter.pdf_sha256),
        )
        entries.append(
            Entry(
                letter.sent_on,
                f"Letter: {letter.title or letter.template}",
                detail,
                letter.id,
                "communication",
            )
        )
    for u in records.rows(VictimUpdate):
        detail = _joined(
            u.summary, _labelled("By", u.means), _labelled("Feels safer", u.feels_safer)
        )
        entries.append(Entry(u.updated_on, "Victim updated", detail, u.id, "victim_update"))
    doors: dict[str, list[Any]] = defaultdict(list)
    for door in records.rows(DoorEnquiry):
        doors[door.run_id].append(door)
    for r in records.rows(HouseToHouseRun):
        asked = sorted(doors.get(r.id, []), key=lambda d: d.position)
        done = [d for d in asked if d.outcome]
        detail = _joined(r.area, f"{len(done)} of {len(asked)} doors", r.notes)
        entries.append(Entry(r.run_on, "House-to-house", detail, r.id, "h2h_run"))
        for d in done:
            entries.append(
                Entry(
                    _day(d.done_at) or r.run_on,
                    f"Door: {d.address}",
                    _joined(label(d.outcome), d.note),
                    d.id,
                    "door_enquiry",
                )
            )
    for d in records.rows(DiarySheet):
        if d.sent_on:
            entries.append(Entry(d.sent_on, "Diary sheets sent", d.notes, d.id, "diary_sheet"))
        if d.returned_on:
            entries.append(
                Entry(d.returned_on, "Diary sheet returned", d.notes, d.id, "diary_sheet")
            )
    for c in records.rows(Consent):
        what = "Consent" if c.record_and_share or c.signed else "Victim's agreement"
        detail = _joined(
            "to record and share" if c.record_and_share else "",
            "signed" if c.signed else "",
            _labelled("Scope", c.scope),
            "agrees to a visit to the alleged perpetrator" if c.perpetrator_visit_agreed else "",
            _labelled("withdrawn", c.withdrawn_on and format_uk(c.withdrawn_on)),
            _labelled(
                "perpetrator visit agreement withdrawn",
                c.perpetrator_visit_withdrawn_on and format_uk(c.perpetrator_visit_withdrawn_on),
            ),
        )
        entries.append(Entry(c.given_on, what, detail, c.id, "consent"))
    for a in records.rows(ContactAgreement):
        detail = _joined(
            _labelled("How often", a.frequency),
            _labelled("By", a.means),
            _labelled("Safe times", a.safe_times),
            "messages may be left" if a.may_leave_messages else "no messages",
        )
        entries.append(Entry(a.agreed_on, "Contact agreed", detail, a.id, "contact_agreement"))
    return entries


def _legal_entries(records: CaseRecords) -> list[Entry]:
    people = {p.id: p.name for p in records.rows(Person)}
    entries = []
    for rem in records.rows(LegalRemedy):
        detail = _joined(
            _labelled("Against", people.get(rem.person_id, "")),
            _labelled("Review", rem.review_on and format_uk(rem.review_on)),
            _labelled("Expires", rem.expires_on and format_uk(rem.expires_on)),
            _labelled("Ends (as set)", rem.ends_on and format_uk(rem.ends_on)),
            _labelled("Victim's role", rem.victim_role),
            _labelled("Support", rem.support_offered),
            rem.notes,
        )
        what = f"{label(rem.kind)} ({label(rem.status)})"
        entries.append(Entry(rem.started_on, what, detail, rem.id, "legal_remedy"))
    for st in records.rows(LegalStage):
        entries.append(
            Entry(st.stage_on, f"Legal stage: {label(st.stage)}", st.notes, st.id, "legal_stage")
        )
    return entries


def case_detail_from(records: CaseRecords, deadlines: Sequence[Deadline] = ()) -> CaseDetail:
    """The case detail read model from the whole-case records, each list newest first."""
    summary = _summary_of(records.case)
    homes: dict[str, list[str]] = {}
    places: list[str] = []
    for a in sorted(records.rows(Address), key=lambda a: a.from_on or date.min):
        line = _address_line(a)
        if a.person_id:
            homes.setdefault(a.person_id, []).append(line)
        else:
            places.append(line)
    people = tuple(
        PersonRow(
            p.id,
            p.name,
            party.role,
            p.address,
            p.phone,
            p.date_of_birth,
            party.vulnerabilities,
            party.further_needs,
            _joined(party.notes, p.notes),
            p.identity_id or p.id,
            tuple(homes.get(p.id, ())),
            party.risk_level,
            party.risk_notes,
        )
        for party, p in records.parties()
    )
    incidents = [
        Entry(
            i.occurred_on,
            "Incident" + (f" {i.occurred_time}" if i.occurred_time else ""),
            _joined(
                " ".join(
                    part for part in (i.description, i.location and f"at {i.location}") if part
                ),
                _labelled("Who", i.who_involved),
                _labelled("Effect", i.impact),
                _labelled("Police ref", i.police_ref),
                _reported(i),
            ),
            i.id,
            "incident",
        )
        for i in records.rows(Incident)
    ]
    contacts = _visit_entries(records) + _contact_entries(records)
    # An action is done when it was marked done, or when the deadline rules say a fact met it
    # (a referral task met by its referral): the Actions tab and the deadlines agree.
    met = {d.source_id: d.done_on for d in deadlines if d.source_id and d.done_on}
    rows = [
        ActionRow(a.id, a.title, a.kind, a.due_on, a.done_on or met.get(a.id), a.owner, a.agency)
        for a in sorted(records.rows(Action), key=lambda a: a.created_at)
    ]
    actions = tuple(sorted(rows, key=lambda a: (a.done_on is not None, a.due_on or date.max)))
    risk: list[Entry] = []
    for a in records.rows(RiskAssessment):
        text_ = f"score {a.score}, computed {a.computed_level}"
        if a.override_reason:
            text_ += f"; raised: {a.override_reason}"
        risk.append(Entry(a.assessed_on, f"Risk {a.level}", text_, a.id, "risk_assessment"))
    for ref in records.rows(Referral):
        risk.append(
            Entry(
                ref.referred_on,
                f"Referral: {label(ref.kind)} ({label(ref.status)})",
                _joined(
                    ref.reason, _labelled("Meeting", ref.meeting_on and format_uk(ref.meeting_on))
                ),
                ref.id,
                "referral",
            )
        )
    legal = _legal_entries(records)
    notes = [
        Entry(_day(n.created_at), f"Note ({n.kind})", n.body, n.id, "note")
        for n in records.rows(Note)
    ]
    timeline: list[Entry] = [*incidents, *contacts, *risk, *legal, *notes]
    timeline.append(Entry(summary.referred_on, "Referred", summary.referral_source))
    if summary.accepted_on:
        timeline.append(Entry(summary.accepted_on, "Accepted for investigation", ""))
    if summary.closed_on:
        timeline.append(Entry(summary.closed_on, "Closed", label(summary.closure_reason)))
    for act in actions:
        if act.done_on:
            timeline.append(Entry(act.done_on, "Action done", act.title, act.id, "action"))
    for e in records.rows(EvidenceItem):
        timeline.append(
            Entry(
                e.obtained_on or _day(e.created_at),
                f"Evidence: {e.kind}" if e.kind else "Evidence",
                _joined(e.description, e.original_name),
                e.id,
                "evidence_item",
            )
        )
    for rev in records.rows(ManagerReview):
        timeline.append(
            Entry(
                rev.reviewed_on,
                "Manager review" + (f" ({label(rev.reason)})" if rev.reason else ""),
                _joined(rev.notes, _labelled("Actions", rev.actions)),
                rev.id,
                "manager_review",
            )
        )
    for dec in records.rows(VvcDecision):
        detail = _joined(
            dec.decision,
            _labelled("Case officer", dec.case_officer),
            _labelled("Case manager", dec.case_manager),
        )
        timeline.append(Entry(dec.meeting_on, "VVC decision", detail, dec.id, "vvc_decision"))
    for link in records.rows(CaseLink):
        timeline.append(
            Entry(link.linked_on, f"Linked to {link.linked_ref}", link.reason, link.id, "case_link")
        )
    timeline.extend(_case_review_entries(records))
    for share in records.rows(SharingRecord):
        timeline.append(
            Entry(
                share.shared_on,
                f"Shared with {share.agency}",
                _joined(share.what, label(share.legal_basis)),
                share.id,
                "sharing_record",
            )
        )
    return CaseDetail(
        summary=summary,
        people=people,
        incidents=_newest_first(incidents),
        visits_and_contacts=_newest_first(contacts),
        actions=actions,
        risk=_newest_first(risk),
        legal=_newest_first(legal),
        notes=_newest_first(notes),
        timeline=_newest_first(timeline),
        deadlines=tuple(deadlines),
        places=tuple(places),
        records=records,
        evidence=tuple(
            Entry(
                e.obtained_on or _day(e.created_at),
                f"{e.exhibit_ref} {e.kind}".strip(),
                _joined(e.description, e.original_name),
                e.id,
                "evidence_item",
            )
            for e in sorted(records.rows(EvidenceItem), key=lambda e: _exhibit_key(e.exhibit_ref))
        ),
    )


def _exhibit_key(ref: str) -> tuple[str, int]:
    initials, _, number = ref.partition("/")
    return (initials, int(number) if number.isdigit() else 0)


def _reported(incident: Any) -> str:
    """ "Reported 03/11/2026 to the council, the police", or "" when not reported."""
    agencies = [AGENCIES.get(code, code) for code in incident.reported_to.split(",") if code]
    if incident.reported_on is None and not agencies:
        return ""
    when = f" {format_uk(incident.reported_on)}" if incident.reported_on else " (date not known)"
    return f"Reported{when}" + (f" to {', '.join(agencies)}" if agencies else "")


def _case_review_entries(records: CaseRecords) -> list[Entry]:
    """The Case Review's steps on the case timeline: each application and what came of it."""
    found: list[Entry] = []
    for r in records.rows(CaseReview):
        table = "case_review"
        who = r.applicant + (f" for {r.on_behalf_of}" if r.on_behalf_of else "")
        found.append(
            Entry(
                r.applied_on,
                "Case Review applied for",
                _joined(who, _labelled("Partner reports", r.partner_reports), r.notes),
                r.id,
                table,
            )
        )
        if r.acknowledged_on:
            found.append(Entry(r.acknowledged_on, "Case Review acknowledged", "", r.id, table))
        if r.decided_on:
            verdict = "threshold met" if r.threshold_met else "threshold not met"
            found.append(
                Entry(
                    r.decided_on,
                    f"Case Review decision: {verdict}",
                    _joined(
                        r.decision_reason,
                        _labelled(
                            "Letter sent", r.decision_letter_on and format_uk(r.decision_letter_on)
                        ),
                    ),
                    r.id,
                    table,
                )
            )
        if r.meeting_on:
            found.append(
                Entry(
                    r.meeting_on,
                    "Case Review meeting",
                    _labelled("Present", list(r.agencies_present)),
                    r.id,
                    table,
                )
            )
        if r.outcome_told_on:
            found.append(
                Entry(r.outcome_told_on, "Case Review outcome told", r.outcome, r.id, table)
            )
        if r.escalated_on:
            found.append(
                Entry(r.escalated_on, "Case Review escalated", r.escalation_route, r.id, table)
            )
    for rec in records.rows(CaseReviewRecommendation):
        found.append(
            Entry(
                _day(rec.created_at),
                "Case Review recommendation",
                _joined(
                    rec.text,
                    _labelled("Owner", rec.owner),
                    _labelled("Due", rec.due_on and format_uk(rec.due_on)),
                    _labelled("Done", rec.done_on and format_uk(rec.done_on)),
                ),
                rec.id,
                "case_review_recommendation",
            )
        )
    return found


def case_review_of(
    records: CaseRecords, today: date, rule: CaseReviewRule = CaseReviewRule()
) -> CaseReviewStatus:
    """The ASB Case Review status of the case on `today`, from its reported incidents (the day
    each was first reported to any relevant body: `Incident.reported_on`)."""
    complaints = [
        Complaint(i.id, i.reported_on, i.occurred_on, i.description)
        for i in records.rows(Incident)
        if i.reported_on is not None
    ]
    return case_review_status(complaints, today, rule)


def find_case(session: Session, ref: str) -> str | None:
    """The id of the case with this reference (any case), or None."""
    wanted = ref.strip().upper()
    return session.exec(select(Case.id).where(func.upper(Case.ref) == wanted)).first()


def case_detail(
    session: Session, case_id: str, *, today: date, rules: DeadlineRules
) -> CaseDetail | None:
    """Everything shown on the case detail screen, each list newest first."""
    records = load_case_records(session, case_id)
    if records is None:
        return None
    own = load_case_facts(session, FactsFilter(open_only=False, case_id=case_id))
    deadlines = tuple(deadlines_for_case(own[0], today, rules)) if own else ()
    detail = case_detail_from(records, deadlines)
    return replace(
        detail,
        linked=tuple(linked_cases(session, case_id)),
        repeat=case_repeat_flags(session, case_id, today=today, rules=rules),
        known_elsewhere=tuple(
            f"{known.person_name}: {known.sentence}"
            for known in people_known_elsewhere(session, case_id)
        ),
    )


def _address_line(a: Any) -> str:
    text = ", ".join(part for part in (a.line1, a.line2, a.town, a.postcode) if part)
    extra = [
        f"{label(a.kind)}" if a.kind != "home" else "",
        f"UPRN {a.uprn}" if a.uprn else "",
        a.area,
        f"from {format_uk(a.from_on)}" if a.from_on else "",
        f"to {format_uk(a.to_on)}" if a.to_on else "",
    ]
    shown = ", ".join(part for part in extra if part)
    return f"{text} ({shown})" if shown else text


# --- one record in full -----------------------------------------------------------------------

# Columns never shown in a record's full view: keys, sync bookkeeping, the draft form's state.
_HIDDEN_COLUMNS = frozenset({"id", "case_id", "version", "form_state", "created_at"})
_TITLES = {
    "visit": "Visit",
    "agency_contact": "Agency contact",
    "legal_remedy": "Legal remedy",
    "legal_stage": "Legal stage",
    "h2h_run": "House-to-house run",
    "door_enquiry": "Door enquiry",
    "case_review": "ASB Case Review",
    "case_review_recommendation": "Case Review recommendation",
    "communication": "Letter",
}


@dataclass(frozen=True)
class RecordView:
    """Every field of one record with its label, plus what hangs off it (a visit's witnesses,
    a remedy's stages, a run's doors), and the correctable fields' current values as typed."""

    table: str
    row_id: str
    title: str
    lines: tuple[tuple[str, str], ...]
    typed: tuple[tuple[str, str], ...] = ()


def _shown(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        value = value.astimezone(_UK) if value.tzinfo is not None else value
        return f"{format_uk(value.date())} {value:%H:%M}"
    if isinstance(value, date):
        return format_uk(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


_VOCABULARY_COLUMNS = frozenset(
    {"kind", "status", "role", "outcome", "legal_basis", "stage", "reason", "closure_reason"}
)


def record_view(records: CaseRecords, table: str, row_id: str) -> RecordView | None:
    """One record of the case in full, or None when the case has no such record."""
    from asb_tui.store.commands.corrections import correctable, shown_value
    from asb_tui.store.queries.case_records import record_fields

    row = records.get(table, row_id)
    if row is None:
        return None
    people = {p.id: p.name for p in records.rows(Person)}
    lines: list[tuple[str, str]] = []
    for name in record_fields(row):
        if name in _HIDDEN_COLUMNS:
            continue
        value = getattr(row, name)
        if name.endswith("_id"):
            if name != "person_id" or value is None:
                continue
            name, value = "person", people.get(value, "")
        if name in _VOCABULARY_COLUMNS and isinstance(value, str) and value:
            value = label(value)
        lines.append((name.replace("_", " ").capitalize(), _shown(value)))
    if table == "visit" and row.kind == VisitKind.HOME.value:
        for _party, person in records.parties(PartyRole.WITNESS.value):
            detail = _joined(person.address, person.phone)
            lines.append(("Witness", person.name + (f" ({detail})" if detail else "")))
    if table == "legal_remedy":
        for stage in sorted(
            (s for s in records.rows(LegalStage) if s.remedy_id == row.id),
            key=lambda s: (s.stage_on, s.created_at),
        ):
            text_ = f"{format_uk(stage.stage_on)} {label(stage.stage)}"
            lines.append(("Stage", text_ + (f": {stage.notes}" if stage.notes else "")))
    if table == "h2h_run":
        for door in sorted(
            (d for d in records.rows(DoorEnquiry) if d.run_id == row.id), key=lambda d: d.position
        ):
            outcome = label(door.outcome, "not yet")
            lines.append(("Door", _joined(door.address, outcome, door.note, sep=" · ")))
    title = _TITLES.get(table, table.replace("_", " ").capitalize())
    if table == "visit":
        kind = label(row.kind)
        title = kind if kind.lower().endswith("visit") else f"{kind} visit"
    elif table == "legal_remedy":
        title = label(row.kind)
    typed = tuple((f.column, shown_value(f, getattr(row, f.column))) for f in correctable(table))
    if table == "visit" and row.status != "complete":
        typed = ()
    return RecordView(table, row_id, title, tuple(lines), typed)
