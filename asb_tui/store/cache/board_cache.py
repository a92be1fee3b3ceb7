"""The dashboard's last computation, per case, kept in the store (`local_cache`, kind
"dashboard", key "board:<officer>") so that a start does not compute 50,000 cases' deadlines
again when nothing changed (a minute under load at 50,000 cases; the first board must be there
in under a second).

It is a cache of what the deadline rules derived, never a record, and it cannot go stale
silently. It is reused only when all it depends on is the same:

- the day and the deadline rules, bank holidays of every region included (`rules_key`), and the
  format of this module (a new version of the app computes again);
- the cases written since: the audit chain is read past the seq the state was kept at, and only
  the cases its events name are computed again (the write journal's rule, store/core/
  write_journal.py, applied to the chain on disk, so another process's writes count too). An
  event of the sync that names no case and applied rows (a pulled page) makes the cases touched
  unknown, and the board is computed whole; so does a chain shorter than the kept seq (a store
  restored from a copy) or more cases touched than an incremental computation is worth.

Retention forgets it with every dashboard copy (`local_cache.forget_snapshots`), and a case's
destruction or purge forgets it too (`local_cache.forget_case`): the rows hold deadline titles,
which can be typed text.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterator
from dataclasses import fields
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from asb_tui.store.cache.local_cache import BOARD_PREFIX, DASHBOARD, _keep
from asb_tui.store.core.collector_pause import collector_paused
from asb_tui.store.core.models import LocalCacheEntry
from asb_tui.store.core.store import Store

if TYPE_CHECKING:
    from sqlmodel import Session

    from asb_tui.domain.case_deadlines import DeadlineRules
    from asb_tui.store.queries.case_queries import BoardState

# 2: the entries are kept a slice at a time, each slice its own row (ENTRIES_SLICE).
FORMAT = 2
# One json.dumps/loads of 50,000 entries is one C call that holds the interpreter ~80 ms, and
# the event loop waits for it (a keypress echo of 112 ms while the board was kept). A slice of
# 1,000 is encoded or decoded in ~2 ms, and the interpreter can switch to the event loop
# between slices. Each slice is a row of its own under the board's key + SLICE_MARK + number,
# written in the same transaction as the board's row, which names how many there are and the
# `generation` they carry (a slice of another write is never read as this board's).
ENTRIES_SLICE = 1_000
SLICE_MARK = "#slice:"


def _slice_key(key: str, number: int) -> str:
    return f"{key}{SLICE_MARK}{number:06d}"


def board_key(officer: str | None) -> str:
    return BOARD_PREFIX + ("*" if officer is None else officer)


def rules_key(today: date, rules: DeadlineRules) -> str:
    """A digest of everything in the rules the board's deadlines depend on, with the bank
    holidays of every region for the years around `today` (they come from a library, which
    an upgrade can change)."""
    from asb_tui.domain.types import Region
    from asb_tui.domain.working_days import bank_holidays

    parts: list[object] = [FORMAT, today.isoformat()]
    for item in fields(rules):
        value = getattr(rules, item.name)
        if isinstance(value, frozenset):
            value = sorted(value)  # a set's order changes from one process to the next
        elif isinstance(value, dict) or hasattr(value, "items"):
            value = sorted((str(k), repr(v)) for k, v in value.items())
        parts.append((item.name, repr(value)))
    for region in Region:
        for year in range(today.year - 1, today.year + 3):
            parts.append((region.value, year, sorted(bank_holidays(region, year))))
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def save_board_state(store: Store, state: BoardState) -> None:
    """Keep `state` (computed at its `audit_seq`) for the next start."""
    # Some 50,000 lists, none in a cycle: not walked by collections as they are made.
    with collector_paused():
        _save_board_state(store, state)


def _save_board_state(store: Store, state: BoardState) -> None:
    entries = []
    for e in state.entries.values():
        first = e.first
        entries.append(
            [
                e.case_id,
                e.ref,
                e.risk_level,
                e.repeat_victim,
                e.overdue,
                e.awaiting_review,
                None
                if first is None
                else [
                    first.kind.value,
                    first.title,
                    first.due_on.isoformat(),
                    first.state.value,
                    _iso(first.done_on),
                    first.source_id,
                    _iso(first.due_at),
                ],
            ]
        )
    generation = secrets.token_hex(8)
    slices = [entries[at : at + ENTRIES_SLICE] for at in range(0, len(entries), ENTRIES_SLICE)]
    payload: dict[str, Any] = {
        "format": FORMAT,
        "generation": generation,
        "slices": len(slices),
        "rules": rules_key(state.today, state.rules),
        "officer": state.officer,
        "scope_officer": state.scope_officer,
        "scope": state.scope,
        "audit_seq": state.audit_seq,
    }
    key = board_key(state.officer)
    with store.write() as uow:
        for number, entries_slice in enumerate(slices):
            _keep(
                uow,
                DASHBOARD,
                _slice_key(key, number),
                {"generation": generation, "entries": entries_slice},
            )
        # The slices of a bigger board kept before: gone with it.
        stale = uow.reads.exec(
            select(LocalCacheEntry).where(
                col(LocalCacheEntry.kind) == DASHBOARD,
                col(LocalCacheEntry.key) >= _slice_key(key, len(slices)),
                col(LocalCacheEntry.key) < key + SLICE_MARK + "a",
            )
        ).all()
        if stale:
            uow.drop_local(stale)
        _keep(uow, DASHBOARD, key, payload)


def kept_board_state(
    session: Session, *, officer: str | None, today: date, rules: DeadlineRules
) -> BoardState | None:
    """The kept state brought up to the session's audit seq (only the cases written since
    computed again), or None when it cannot be (nothing kept, other day or rules, the cases
    touched not known): the caller computes whole."""
    from dataclasses import replace

    from asb_tui.store.queries.case_queries import (
        MAX_INCREMENTAL,
        audit_seq_of,
        updated_board_state,
    )

    connection = session.connection().connection.driver_connection
    if connection is None:  # pragma: no cover - an open session always has one
        return None
    cursor = connection.cursor()
    found = cursor.execute(
        "SELECT payload FROM local_cache WHERE kind = ? AND key = ?",
        (DASHBOARD, board_key(officer)),
    ).fetchone()
    if found is None:
        return None
    seq = audit_seq_of(session)
    try:
        payload = json.loads(found[0])
        if payload.get("format") != FORMAT or payload["officer"] != officer:
            return None
        kept_seq = int(payload["audit_seq"])
        if kept_seq > seq or payload["rules"] != rules_key(today, rules):
            return None
        touched = _cases_written_since(cursor, kept_seq, MAX_INCREMENTAL)
        if touched is None:
            return None
        with collector_paused():
            state = _state(
                payload,
                _entries_kept(cursor, board_key(officer), payload),
                officer=officer,
                today=today,
                rules=rules,
            )
    except (KeyError, TypeError, ValueError, IndexError):
        return None  # written by another version: computed whole, and kept again
    updated = updated_board_state(session, state, touched, audit_seq=seq)
    return None if updated is None else replace(updated, kept=True)


def _cases_written_since(cursor: Any, seq: int, limit: int) -> frozenset[str] | None:
    """The cases the audit events after `seq` name; None when that is not known (a pulled
    page's rows are named by no event) or more than `limit`."""
    touched: set[str] = set()
    for case_id, action, details in cursor.execute(
        "SELECT case_id, action, details FROM audit_event WHERE seq > ?", (seq,)
    ):
        if case_id:
            touched.add(case_id)
            if len(touched) > limit:
                return None
        elif action.startswith("sync.") and not _applied_nothing(action, details):
            return None
    return frozenset(touched)


def _applied_nothing(action: str, details: str | None) -> bool:
    """A sync that pulled no change (its page's event says how many it applied)."""
    if action != "sync.apply" or not details:
        return False
    try:
        applied = json.loads(details)
    except ValueError:
        return False
    return (
        isinstance(applied, dict)
        and applied.get("changes") == 0
        and not applied.get("set_aside")
        and not applied.get("kept_referenced")
    )


def _entries_kept(cursor: Any, key: str, payload: dict[str, Any]) -> Iterator[list[Any]]:
    """The board's entries, a slice at a time (see ENTRIES_SLICE); ValueError when a slice is
    missing or of another write."""
    count = int(payload["slices"])
    generation = payload["generation"]
    rows = cursor.execute(
        "SELECT key, payload FROM local_cache WHERE kind = ? AND key >= ? AND key < ? ORDER BY key",
        (DASHBOARD, _slice_key(key, 0), _slice_key(key, count)),
    )
    seen = 0
    for slice_key, encoded in rows:
        if slice_key != _slice_key(key, seen):
            raise ValueError(f"slice {seen} of the kept board is missing")
        kept = json.loads(encoded)
        if kept["generation"] != generation:
            raise ValueError("a slice of another kept board")
        seen += 1
        yield from kept["entries"]
    if seen != count:
        raise ValueError(f"{count - seen} slices of the kept board are missing")


def _state(
    payload: dict[str, Any],
    kept_entries: Iterator[list[Any]],
    *,
    officer: str | None,
    today: date,
    rules: DeadlineRules,
) -> BoardState:
    from asb_tui.domain.case_deadlines import Deadline
    from asb_tui.domain.types import DeadlineKind, DeadlineState
    from asb_tui.store.queries.case_queries import BoardState, CaseEntry

    kinds = {kind.value: kind for kind in DeadlineKind}
    states = {state.value: state for state in DeadlineState}
    from_iso = date.fromisoformat
    entries: dict[str, CaseEntry] = {}
    for case_id, ref, risk, repeat, overdue, awaiting, first in kept_entries:
        deadline = None
        if first is not None:
            kind, title, due_on, state, done_on, source_id, due_at = first
            deadline = Deadline(
                case_id,
                ref,
                kinds[kind],
                title,
                from_iso(due_on),
                states[state],
                from_iso(done_on) if done_on else None,
                source_id,
                datetime.fromisoformat(due_at) if due_at else None,
            )
        entries[case_id] = CaseEntry(
            case_id, ref, risk, bool(repeat), deadline, int(overdue), bool(awaiting)
        )
    return BoardState(
        officer=officer,
        scope_officer=payload["scope_officer"],
        scope=str(payload["scope"]),
        today=today,
        rules=rules,
        entries=entries,
        recomputed=0,
        audit_seq=int(payload["audit_seq"]),
    )
