"""The dashboard kept up to date by recomputing only the cases a write touched
(screen_reads.read_dashboard with the previous state; the store's write journal), and always
equal to a whole recomputation."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from laptop_testkit import PASSPHRASE
from sqlalchemy import text

from asb_tui.config import Config
from asb_tui.domain.case_deadlines import DeadlineRules
from asb_tui.store.commands import cases
from asb_tui.store.core.models import Case
from asb_tui.store.core.store import Store, open_store
from asb_tui.store.demo.demo import fill_demo
from asb_tui.store.queries.case_queries import BoardState
from asb_tui.store.queries.dashboard_rows import Dashboard
from asb_tui.store.queries.deadline_facts import deadline_rules
from asb_tui.store.queries.screen_reads import read_dashboard

TODAY = date(2026, 11, 23)
LIMIT = 300


@pytest.fixture
def rules(data_dir: Path) -> DeadlineRules:
    return deadline_rules(Config(data_dir=data_dir), TODAY)


@pytest.fixture
def filled(store: Store) -> Store:
    fill_demo(store, cases=40, seed=3, today=TODAY, incidents_per_case=3, bulk=True)
    return store


def _read(
    store: Store, rules: DeadlineRules, previous: BoardState | None = None, today: date = TODAY
) -> tuple[Dashboard, BoardState]:
    return read_dashboard(
        store, officer=None, today=today, rules=rules, limit=LIMIT, previous=previous
    )


def _open_case_ids(store: Store) -> list[str]:
    with store.read() as session:
        return list(
            session.execute(
                text(
                    "SELECT id FROM asb_case WHERE status IN ('accepted', 'reopened') ORDER BY ref"
                )
            ).scalars()
        )


def _same(board: Dashboard, whole: Dashboard) -> None:
    assert board.rows == whole.rows
    assert board.counts == whole.counts
    assert board.case_ids == whole.case_ids
    assert board.scope == whole.scope


def test_a_write_to_one_case_recomputes_that_case_only(filled: Store, rules: DeadlineRules) -> None:
    open_ids = _open_case_ids(filled)
    assert len(open_ids) > 10
    board, state = _read(filled, rules)
    assert state.recomputed == len(open_ids)  # the first computation is whole

    again, unchanged = _read(filled, rules, state)
    assert unchanged.recomputed == 0  # nothing written: nothing recomputed
    _same(again, board)

    # An action due yesterday on the last case: now overdue, it moves to the top.
    target = open_ids[-1]
    cases.add_action(filled, target, title="Call the landlord", due_on=TODAY - timedelta(days=900))
    board, state = _read(filled, rules, unchanged)
    assert state.recomputed == 1
    whole, _ = _read(filled, rules)
    _same(board, whole)
    assert board.rows[0].case_id == target
    assert board.rows[0].next_what == "Call the landlord"

    # Closed: it leaves the board; the counts follow.
    cases.close_case(filled, target, reason="asb-ceased", on=TODAY)
    board, state = _read(filled, rules, state)
    assert state.recomputed == 1
    assert target not in board.case_ids
    _same(board, _read(filled, rules)[0])

    # Two cases in one write each: two recomputed.
    first, second = open_ids[0], open_ids[1]
    cases.add_action(filled, first, title="Letter", due_on=TODAY + timedelta(days=2))
    cases.add_action(filled, second, title="Visit", due_on=TODAY + timedelta(days=3))
    board, state = _read(filled, rules, state)
    assert state.recomputed == 2
    _same(board, _read(filled, rules)[0])


def test_what_the_journal_cannot_vouch_for_is_computed_whole(
    filled: Store, rules: DeadlineRules, data_dir: Path
) -> None:
    open_ids = _open_case_ids(filled)
    _board, state = _read(filled, rules)

    # Another process (here another opening of the store, with a journal of its own) writes:
    # the audit chain moved past this journal's last write, so everything is recomputed.
    other = open_store(data_dir, PASSPHRASE, actor="Someone else")
    try:
        long_ago = TODAY - timedelta(days=900)
        cases.add_action(other, open_ids[3], title="Not in this journal", due_on=long_ago)
    finally:
        other.close()
    board, state = _read(filled, rules, state)
    assert state.recomputed == len(open_ids)
    assert any(row.next_what == "Not in this journal" for row in board.rows)

    # Another day: the states of every deadline move, so everything is recomputed.
    board, state = _read(filled, rules, state, today=TODAY + timedelta(days=1))
    assert state.recomputed == len(open_ids)

    # A journal that dropped entries (a reader far behind) cannot say what changed.
    behind = state
    for index in range(3):
        cases.add_action(filled, open_ids[index], title=f"Task {index}", due_on=TODAY)
    filled.journal._entries.clear()  # as if the bounded journal had dropped them
    _board, state = _read(filled, rules, behind, today=TODAY + timedelta(days=1))
    assert state.recomputed == len(open_ids)


def test_the_officers_scope_changes_are_computed_whole(filled: Store, rules: DeadlineRules) -> None:
    with filled.read() as session:
        officers = set(session.execute(text("SELECT DISTINCT officer FROM asb_case")).scalars())
    newcomer = "Officer Without Cases"
    assert newcomer not in officers
    board, state = read_dashboard(filled, officer=newcomer, today=TODAY, rules=rules, limit=LIMIT)
    assert board.scope.startswith("all open cases (none assigned to")
    # The newcomer is given a case: their own cases become the board.
    target = _open_case_ids(filled)[0]
    with filled.write() as uow:
        case = uow.reads.get(Case, target)
        assert case is not None
        uow.update(case, {"officer": newcomer}, action="case.assign")
    board, state = read_dashboard(
        filled, officer=newcomer, today=TODAY, rules=rules, limit=LIMIT, previous=state
    )
    assert board.scope == f"open cases of {newcomer}"
    assert board.case_ids == {target}


def test_a_pulled_page_names_its_cases_in_the_journal(filled: Store, rules: DeadlineRules) -> None:
    import uuid

    from asb_tui.store.replica.replica import StoreReplica
    from sync.protocol import CASE_TABLE, PullPage, ServerChange

    _board, state = _read(filled, rules)
    target = _open_case_ids(filled)[5]
    with filled.read() as session:
        case = session.get(Case, target)
        assert case is not None
    page = PullPage(
        after=0,
        changes=[
            ServerChange(
                seq=1, table=CASE_TABLE, row_id=target, case_id=target, op="update",
                fields={"summary": "Changed on another laptop"}, version=case.version + 1,
                origin_device_id=str(uuid.uuid4()), origin_counter=1,
            )
        ],
        next_cursor=1,
        more=False,
    )  # fmt: skip
    assert StoreReplica(filled).apply_pulled(page).applied == 1
    assert filled.journal.since(state.journal_position).case_ids == frozenset({target})
    board, state = _read(filled, rules, state)
    assert state.recomputed == 1
    _same(board, _read(filled, rules)[0])
