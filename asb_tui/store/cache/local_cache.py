"""What the laptop keeps only for itself, to save the officer work or time, in one table
(`local_cache`): half-typed forms ("draft") and a copy of the dashboard's last computation
("dashboard"). Neither is a record: no audit event (the chain would grow at every auto-lock), no
change record (a draft must not travel to the service), never exported. Entries are written
through the unit of work's local methods like every other write, so they stay inside the
encrypted file and the write transaction keeps them consistent. What wipes a case's records
(retention, a purge) wipes its entries with `forget_case`, and retention forgets every dashboard
copy.

The dashboard copy lets the next start show the officer's cases at once while the real
computation runs; the screen marks it "refreshing…" until the fresh computation replaces it. It
cannot go stale silently:

- It keeps only what the computation derived (the ranking, each case's next deadline, the
  counts). Reference, victim and risk level are read from the case tables when it is shown, and a
  case that is no longer open (closed, or destroyed by retention) is left out.
- The "this week" RAG band depends on the day and the office's rules: it is reused only on the
  day and under the rules it was computed for, else recomputed before the rows are shown.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session, col, select

from asb_tui.domain.types import OPEN_STATUSES, DeadlineState
from asb_tui.store.core.models import LocalCacheEntry, utcnow
from asb_tui.store.core.store import Store
from asb_tui.store.core.unit_of_work import UnitOfWork
from asb_tui.store.queries.dashboard_rows import Dashboard, DashboardCounts, DashboardRow

DRAFT = "draft"
DASHBOARD = "dashboard"


def _keep(uow: UnitOfWork, kind: str, key: str, payload: dict[str, Any]) -> None:
    row = uow.reads.get(LocalCacheEntry, (kind, key))
    if row is None:
        row = LocalCacheEntry(kind=kind, key=key, payload=payload)
    else:
        row.payload = payload
        row.saved_at = utcnow()
    uow.keep_local(row)


# The dashboard's kept computation (board_cache.py) is kept under keys with this prefix.
BOARD_PREFIX = "board:"


def forget_case(uow: UnitOfWork, case_id: str) -> int:
    """Drop every entry whose key names the case (its drafts), and every dashboard entry (the
    copy shown first and the kept computation both hold the case's ref and deadline titles; the
    next computation makes them again), within a write that removes the case's records; returns
    how many."""
    rows = uow.reads.exec(
        select(LocalCacheEntry).where(
            col(LocalCacheEntry.key).contains(case_id) | (col(LocalCacheEntry.kind) == DASHBOARD)
        )
    ).all()
    uow.drop_local(rows)
    return len(rows)


# --- drafts ---------------------------------------------------------------------------------------


def save_draft(store: Store, key: str, payload: dict[str, Any]) -> None:
    """Keep (or replace) the draft stored under `key`."""
    with store.write() as uow:
        _keep(uow, DRAFT, key, payload)


def load_draft(store: Store, key: str) -> dict[str, Any] | None:
    """The draft stored under `key`, or None."""
    with store.read() as session:
        row = session.get(LocalCacheEntry, (DRAFT, key))
        return None if row is None else dict(row.payload)


def delete_draft(store: Store, key: str) -> None:
    """Forget the draft under `key` (no error when there is none)."""
    with store.write() as uow:
        row = uow.reads.get(LocalCacheEntry, (DRAFT, key))
        if row is not None:
            uow.drop_local([row])


def draft_keys(store: Store, prefix: str = "") -> list[str]:
    """Keys of the stored drafts that start with `prefix`."""
    with store.read() as session:
        keys = session.exec(
            select(LocalCacheEntry.key)
            .where(LocalCacheEntry.kind == DRAFT)
            .order_by(col(LocalCacheEntry.key))
        ).all()
    return [key for key in keys if key.startswith(prefix)]


# --- the dashboard's copy -------------------------------------------------------------------------

FORMAT = 1
# The dashboard shows 300; the cap keeps the copy's lookups within SQLite's bound-parameter limit.
MAX_ROWS = 1_000


@dataclass(frozen=True)
class DashboardSnapshot:
    """The kept copy, ready to show: rows with current reference, victim and risk level."""

    scope: str
    rows: tuple[DashboardRow, ...]
    counts: DashboardCounts
    saved_at: datetime
    # The last day of the "this week" band for the day it was shown; None when it must be
    # recomputed (another day, or the office's rules changed).
    week_until: date | None

    @property
    def more(self) -> int:
        return self.counts.open_cases - len(self.rows)


def _payload(board: Dashboard, made_on: date, rules_key: str) -> dict[str, Any]:
    counts = board.counts
    return {
        "format": FORMAT,
        "computed_at": utcnow().isoformat(),
        "made_on": made_on.isoformat(),
        "rules": rules_key,
        "week_until": board.week_until.isoformat() if board.week_until else None,
        "scope": board.scope,
        "counts": [
            counts.open_cases,
            counts.overdue_items,
            counts.high_risk,
            counts.awaiting_review,
            counts.case_review_threshold,
            counts.repeat_victims,
        ],
        "rows": [
            [
                row.case_id,
                row.next_what,
                row.next_due.isoformat() if row.next_due else None,
                row.next_state.value if row.next_state else None,
                row.overdue,
            ]
            for row in board.rows[:MAX_ROWS]
        ],
    }


def save_snapshot(
    store: Store,
    officer: str,
    board: Dashboard,
    *,
    made_on: date,
    rules_key: str,
    case_review_threshold: int | None = None,
) -> None:
    """Keep `board` (the officer's own dashboard, computed for `made_on` under the rules named
    by `rules_key`) as the copy shown first on the next start."""
    payload = _payload(board, made_on, rules_key)
    if case_review_threshold is not None:
        payload["counts"][4] = case_review_threshold
    with store.write() as uow:
        _keep(uow, DASHBOARD, officer, payload)


def forget_snapshots(store: Store) -> int:
    """Remove every kept dashboard copy (a first start, or personal data to be forgotten)."""
    with store.write() as uow:
        rows = uow.reads.exec(
            select(LocalCacheEntry).where(LocalCacheEntry.kind == DASHBOARD)
        ).all()
        uow.drop_local(rows)
    return len(rows)


def load_snapshot(
    session: Session, officer: str, *, today: date, rules_key: str
) -> DashboardSnapshot | None:
    """The kept copy of the officer's dashboard, or None (none kept, or unreadable)."""
    # Plain SQL on the session's connection: this is on the way to the app's first frame.
    connection = session.connection().connection.driver_connection
    if connection is None:  # pragma: no cover - an open session always has one
        return None
    cursor = connection.cursor()
    found = cursor.execute(
        "SELECT payload FROM local_cache WHERE kind = ? AND key = ?", (DASHBOARD, officer)
    ).fetchone()
    if found is None:
        return None
    try:
        payload = json.loads(found[0])
        return _read(cursor, payload, today, rules_key)
    except (KeyError, TypeError, ValueError, IndexError):
        return None  # written by another version: the fresh computation replaces it


def _read(
    cursor: Any, payload: dict[str, Any], today: date, rules_key: str
) -> DashboardSnapshot | None:
    if payload.get("format") != FORMAT:
        return None
    kept = payload["rows"]
    current = _current_cases(cursor, [row[0] for row in kept])
    rows: list[DashboardRow] = []
    for case_id, next_what, due, state, overdue in kept:
        case = current.get(case_id)
        if case is None:
            continue  # closed or gone since: never shown from the copy
        ref, risk_level, victim = case
        rows.append(
            DashboardRow(
                case_id=case_id,
                ref=ref,
                victim=victim,
                summary="",
                risk_level=risk_level,
                next_what=str(next_what),
                next_due=date.fromisoformat(due) if due else None,
                next_state=DeadlineState(state) if state else None,
                overdue=int(overdue),
            )
        )
    # A copy kept before repeat victims were counted has five counts.
    open_cases, overdue_items, high_risk, awaiting, reviews, *repeat = payload["counts"]
    same_rules = payload["made_on"] == today.isoformat() and payload["rules"] == rules_key
    week_until = payload["week_until"] if same_rules else None
    computed_at = datetime.fromisoformat(payload["computed_at"])
    if computed_at.tzinfo is None:
        computed_at = computed_at.replace(tzinfo=UTC)
    return DashboardSnapshot(
        scope=str(payload["scope"]),
        rows=tuple(rows),
        counts=DashboardCounts(
            int(open_cases),
            int(overdue_items),
            int(high_risk),
            int(awaiting),
            None if reviews is None else int(reviews),
            int(repeat[0]) if repeat else 0,
        ),
        saved_at=computed_at,
        week_until=date.fromisoformat(week_until) if week_until else None,
    )


def _current_cases(cursor: Any, case_ids: Sequence[str]) -> dict[str, tuple[str, Any, str]]:
    """case id -> (reference, risk level, first victim's name) of those still open."""
    if not case_ids:
        return {}
    ids = list(case_ids)
    marks = ", ".join("?" * len(ids))
    # By primary key, and the status checked here: a status condition in SQL makes SQLite walk
    # every open case through the status index instead.
    cases = [
        (case_id, ref, risk)
        for case_id, ref, risk, status in cursor.execute(
            f"SELECT id, ref, risk_level, status FROM asb_case WHERE id IN ({marks})", ids
        ).fetchall()
        if status in OPEN_STATUSES
    ]
    firsts: dict[str, tuple[str, str]] = {}
    for case_id, name, created_at in cursor.execute(
        "SELECT cp.case_id, p.name, p.created_at FROM case_party AS cp "
        "JOIN person AS p ON p.id = cp.person_id "
        f"WHERE cp.role = 'victim' AND cp.case_id IN ({marks})",
        ids,
    ).fetchall():
        # The first victim recorded (as the dashboard's computation picks).
        if case_id not in firsts or created_at < firsts[case_id][1]:
            firsts[case_id] = (name, created_at)
    return {
        case_id: (ref, risk, firsts[case_id][0] if case_id in firsts else "")
        for case_id, ref, risk in cases
    }
