"""The dashboard's read model: plain frozen values, shared by the computation
(`case_queries.dashboard`) and the copy of its last result (`cache.local_cache`).

Nothing here imports SQL or the deadline rules, so the dashboard's first frame can be drawn from
the kept copy before those (and the bank-holiday tables) are loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from asb_tui.domain.types import DeadlineState


@dataclass(frozen=True)
class SyncState:
    unsent_changes: int  # counted up to `case_queries.UNSENT_COUNTED`
    last_sync_at: datetime | None
    #: more than `unsent_changes` wait (the count stopped at its cap)
    more_unsent: bool = False


@dataclass(frozen=True)
class DashboardRow:
    case_id: str
    ref: str
    victim: str
    summary: str
    risk_level: str | None
    next_what: str
    next_due: date | None
    next_state: DeadlineState | None
    overdue: int


@dataclass(frozen=True)
class DashboardCounts:
    open_cases: int
    overdue_items: int
    high_risk: int
    awaiting_review: int
    # None until counted: the dashboard shows the cases first and counts this a moment later.
    case_review_threshold: int | None = None
    #: open cases whose victim was found a repeat victim (domain/repeats.py)
    repeat_victims: int = 0


@dataclass(frozen=True)
class SubjectAccessDue:
    """An open subject access request, as a line of the dashboard's due list."""

    request_id: str
    ref: str
    requester: str
    #: None while the clock waits (for proof of identity, a fee, a clarification)
    due_on: date | None
    waiting_for: str | None
    overdue: bool


@dataclass(frozen=True)
class Dashboard:
    scope: str
    rows: tuple[DashboardRow, ...]
    counts: DashboardCounts
    sync: SyncState
    case_ids: frozenset[str] = frozenset()
    # The last day of the "this week" RAG band (five working days on), computed with the rows so
    # that the screen colours them without the bank-holiday tables. None: not computed.
    week_until: date | None = None
    # The laptop's open subject access requests (not kept in the copy: read with each
    # computation).
    subject_access: tuple[SubjectAccessDue, ...] = ()

    @property
    def more(self) -> int:
        """Open cases in scope that are not among the rows shown."""
        return self.counts.open_cases - len(self.rows)


def rag_band(due_on: date, today: date, week_until: date) -> str:
    """ "overdue", "today", "week" or "later": the RAG band of a due date, given the last day of
    this week's band (`add_working_days(today, 5)` in the case's default region)."""
    if due_on < today:
        return "overdue"
    if due_on == today:
        return "today"
    if due_on <= week_until:
        return "week"
    return "later"
