"""What the screens read, each as one call on the store: the session stays in here.

Screens run these in a worker (screens/base.py `run_work`) and get frozen read models back,
never ORM rows or sessions. The queries themselves take a session (so that the CLI and the
export compose them in one read); each function below opens that read. Imports are lazy: the
dashboard's kept copy is on the way to the app's first frame, and must not wait for the deadline
rules or the bank-holiday tables.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from asb_tui.store.core.store import Store

if TYPE_CHECKING:
    from sqlmodel import Session

    from asb_tui.domain.case_deadlines import DeadlineRules
    from asb_tui.domain.reviews import CaseReviewRule
    from asb_tui.store.cache.local_cache import DashboardSnapshot
    from asb_tui.store.queries.case_queries import (
        BoardState,
        CaseDetail,
        CaseFilter,
        CaseListRow,
        CaseSummary,
        FilterOptions,
        RecordView,
    )
    from asb_tui.store.queries.dashboard_rows import Dashboard, SubjectAccessDue
    from asb_tui.store.queries.people import MatchCandidate


def kept_dashboard(
    store: Store, officer: str, *, today: date, rules_key: str
) -> DashboardSnapshot | None:
    """The copy of the officer's last dashboard the store keeps, or None."""
    from asb_tui.store.cache.local_cache import load_snapshot

    with store.read() as session:
        return load_snapshot(session, officer, today=today, rules_key=rules_key)


def read_dashboard(
    store: Store,
    *,
    officer: str | None,
    today: date,
    rules: DeadlineRules,
    limit: int,
    previous: BoardState | None = None,
    use_kept: bool = False,
) -> tuple[Dashboard, BoardState]:
    """The dashboard, and the state it was made of (to pass back as `previous` next time).

    With `previous`, only the cases written since it was made are recomputed: those the
    store's write journal names (store/core/write_journal.py). It is computed whole instead
    when that is not known: another day, other rules or another officer; a write the journal
    could not name the cases of; or a write it did not see (another process: the audit chain
    moved past the journal's last write).

    `use_kept`: where `previous` cannot be brought up to date (there is none after a start,
    or another process wrote), start from the state the store kept at its last whole
    computation, with the cases written since computed again (store/cache/board_cache.py),
    when it is still for this day and these rules."""
    from dataclasses import replace

    from asb_tui.store.core.collector_pause import building
    from asb_tui.store.queries.case_queries import (
        audit_seq_of,
        board_from_state,
        board_state,
        updated_board_state,
    )

    # The journal first, then the read's first statement (its snapshot): a write committed in
    # between moves the audit seq past the journal's, and the board is computed whole.
    position = store.journal.position
    changes = store.journal.since(previous.journal_position) if previous is not None else None
    # No full collection while the board is built (it would walk the half-built board).
    with building(), store.read() as session:
        seq = audit_seq_of(session)
        state = None
        if (
            previous is not None
            and changes is not None
            and changes.case_ids is not None
            and (previous.officer, previous.today, previous.rules) == (officer, today, rules)
            and seq == (previous.audit_seq if changes.audit_seq is None else changes.audit_seq)
        ):
            state = updated_board_state(session, previous, changes.case_ids, audit_seq=seq)
            position = changes.position
        if state is None and use_kept:
            from asb_tui.store.cache.board_cache import kept_board_state

            state = kept_board_state(session, officer=officer, today=today, rules=rules)
        if state is None:
            state = board_state(session, officer=officer, today=today, rules=rules)
        state = replace(state, journal_position=position)
        board = board_from_state(session, state, limit=limit)
        return replace(board, subject_access=subject_access_due(session, today, rules)), state


def subject_access_due(
    session: Session, today: date, rules: DeadlineRules
) -> tuple[SubjectAccessDue, ...]:
    """The laptop's open subject access requests, soonest due first (those whose clock waits
    last): they are the laptop's, so shown in both scopes of the dashboard."""
    from asb_tui.store.commands.subject_access import requests_in
    from asb_tui.store.queries.dashboard_rows import SubjectAccessDue

    return tuple(
        SubjectAccessDue(
            request_id=view.id,
            ref=view.ref,
            requester=view.requester,
            due_on=view.due_on,
            waiting_for=view.waiting_for,
            overdue=view.state == "overdue",
        )
        for view in requests_in(session, today=today, rules=rules, open_only=True)
    )


def read_case_review_count(
    store: Store, case_ids: frozenset[str], today: date, rule: CaseReviewRule
) -> int:
    from asb_tui.store.queries.case_queries import case_review_count

    with store.read() as session:
        return case_review_count(session, case_ids, today, rule)


def read_case_detail(
    store: Store, case_id: str, *, today: date, rules: DeadlineRules
) -> CaseDetail | None:
    from asb_tui.store.queries.case_queries import case_detail

    with store.read() as session:
        return case_detail(session, case_id, today=today, rules=rules)


def read_case_summary(store: Store, case_id: str) -> CaseSummary | None:
    from asb_tui.store.queries.case_queries import case_summary

    with store.read() as session:
        return case_summary(session, case_id)


def read_filter_options(store: Store) -> FilterOptions:
    from asb_tui.store.queries.case_queries import filter_options

    with store.read() as session:
        return filter_options(session)


def read_case_list(store: Store, case_filter: CaseFilter, *, typed: str) -> list[CaseListRow]:
    from asb_tui.store.queries.case_queries import list_cases

    with store.read() as session:
        return list_cases(session, case_filter, typed=typed)


def read_closure_warnings(store: Store, case_id: str) -> tuple[str, ...]:
    """What is still open on the case, as the warnings shown before closing it."""
    from asb_tui.domain.lifecycle import closure_warnings
    from asb_tui.store.queries.closing_checks import open_work

    with store.read() as session:
        return closure_warnings(open_work(session, case_id))


def read_last_home_visit_on(store: Store, case_id: str) -> date | None:
    from asb_tui.store.queries.closing_checks import last_home_visit_on

    with store.read() as session:
        return last_home_visit_on(session, case_id)


def read_record_view(store: Store, case_id: str, table: str, row_id: str) -> RecordView | None:
    """One record of the case in full, or None when it is no longer there."""
    from asb_tui.store.queries.case_queries import record_view
    from asb_tui.store.queries.case_records import load_case_records

    with store.read() as session:
        records = load_case_records(session, case_id)
    return None if records is None else record_view(records, table, row_id)


def read_person_matches(
    store: Store,
    *,
    name: str,
    date_of_birth: date | None,
    line1: str,
    postcode: str,
    uprn: str = "",
) -> list[MatchCandidate]:
    """The people already on this laptop who may be the person being added."""
    from asb_tui.store.queries.people import person_matches

    with store.read() as session:
        return person_matches(
            session,
            name=name,
            date_of_birth=date_of_birth,
            line1=line1,
            postcode=postcode,
            uprn=uprn,
        )
