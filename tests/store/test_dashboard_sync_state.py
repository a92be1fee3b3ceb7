"""The dashboard's "changes waiting" line: counted exactly up to a cap, then "N+" (a laptop that
has not synced for long holds millions, and counting them all was most of a dashboard read)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from asb_tui.store.core.store import Store
from asb_tui.store.demo.demo import fill_demo
from asb_tui.store.queries import case_queries

TODAY = date(2026, 11, 23)


def _unsent(store: Store) -> int:
    with store.read() as session:
        count = session.execute(
            text("SELECT count(*) FROM change_record WHERE sent_at IS NULL")
        ).scalar()
    return int(count or 0)


def test_unsent_changes_are_counted_exactly_up_to_the_cap(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill_demo(store, cases=3, seed=3, today=TODAY, incidents_per_case=2, bulk=True)
    waiting = _unsent(store)
    assert waiting > 2
    monkeypatch.setattr(case_queries, "UNSENT_COUNTED", waiting)
    with store.read() as session:
        exact = case_queries.sync_state(session)
    assert (exact.unsent_changes, exact.more_unsent) == (waiting, False)
    monkeypatch.setattr(case_queries, "UNSENT_COUNTED", waiting - 1)
    with store.read() as session:
        capped = case_queries.sync_state(session)
    assert (capped.unsent_changes, capped.more_unsent) == (waiting - 1, True)
