"""The kept board's entries are written and read a slice at a time (board_cache.ENTRIES_SLICE:
one JSON call over 50,000 entries held the interpreter, and the event loop, ~80 ms); a slice
missing, left from a bigger board or from another write never makes a board."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from asb_tui.config import Config
from asb_tui.domain.case_deadlines import DeadlineRules
from asb_tui.store.cache import board_cache
from asb_tui.store.cache.local_cache import DASHBOARD
from asb_tui.store.core.models import LocalCacheEntry
from asb_tui.store.core.store import Store
from asb_tui.store.demo.demo import fill_demo
from asb_tui.store.queries.case_queries import BoardState, board_state
from asb_tui.store.queries.deadline_facts import deadline_rules

TODAY = date(2026, 11, 23)


@pytest.fixture
def rules(data_dir: Path) -> DeadlineRules:
    return deadline_rules(Config(data_dir=data_dir), TODAY)


def _kept(store: Store, rules: DeadlineRules) -> BoardState | None:
    with store.read() as session:
        return board_cache.kept_board_state(session, officer=None, today=TODAY, rules=rules)


def _slice_keys(store: Store) -> list[str]:
    with store.read() as session:
        rows = session.exec(select(LocalCacheEntry).where(LocalCacheEntry.kind == DASHBOARD))
        return sorted(row.key for row in rows if board_cache.SLICE_MARK in row.key)


def _mark_first_slice_of_another_write(store: Store) -> None:
    """The board's first slice as another save would have left it: its generation differs."""
    first = _slice_keys(store)[0]
    with store.write() as uow:
        row = uow.reads.get(LocalCacheEntry, (DASHBOARD, first))
        assert row is not None
        row.payload = {**row.payload, "generation": "another write"}
        uow.keep_local(row)


def _sliced_board(
    store: Store, rules: DeadlineRules, monkeypatch: pytest.MonkeyPatch
) -> BoardState:
    """A demo store's board, to be kept in slices of 3 entries."""
    fill_demo(store, cases=12, seed=5, today=TODAY, incidents_per_case=2, bulk=True)
    monkeypatch.setattr(board_cache, "ENTRIES_SLICE", 3)
    with store.read() as session:
        return board_state(session, officer=None, today=TODAY, rules=rules)


def test_the_kept_board_comes_back_whole_from_its_slices(
    store: Store, rules: DeadlineRules, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = _sliced_board(store, rules, monkeypatch)
    assert len(state.entries) > 5
    board_cache.save_board_state(store, state)
    assert len(_slice_keys(store)) == -(-len(state.entries) // 3)
    kept = _kept(store, rules)
    assert kept is not None and kept.entries == state.entries
    assert list(kept.entries) == list(state.entries)  # the order too (ties keep it)

    # Kept again with fewer entries: the slices of the bigger board are gone.
    fewer = replace(state, entries=dict(list(state.entries.items())[:2]))
    board_cache.save_board_state(store, fewer)
    assert len(_slice_keys(store)) == 1
    kept = _kept(store, rules)
    assert kept is not None and kept.entries == fewer.entries


def test_a_missing_or_foreign_slice_makes_no_board(
    store: Store, rules: DeadlineRules, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = _sliced_board(store, rules, monkeypatch)
    board_cache.save_board_state(store, state)
    _mark_first_slice_of_another_write(store)
    assert _kept(store, rules) is None

    board_cache.save_board_state(store, state)
    assert _kept(store, rules) is not None
    last = _slice_keys(store)[-1]
    with store.write() as uow:
        row = uow.reads.get(LocalCacheEntry, (DASHBOARD, last))
        assert row is not None
        uow.drop_local([row])
    assert _kept(store, rules) is None


def test_the_collector_is_paused_only_while_the_kept_board_is_rebuilt(
    store: Store, rules: DeadlineRules, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    state = _sliced_board(store, rules, monkeypatch)
    board_cache.save_board_state(store, state)
    rebuild = board_cache._state
    collecting: list[bool] = []

    def watched(*args: object, **kwargs: object) -> BoardState:
        collecting.append(gc.isenabled())
        return rebuild(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(board_cache, "_state", watched)
    kept = _kept(store, rules)
    assert kept is not None and kept.entries == state.entries
    assert collecting == [False] and gc.isenabled()

    # A slice of another write: no board, and the collector runs again all the same.
    _mark_first_slice_of_another_write(store)
    assert _kept(store, rules) is None
    assert collecting == [False, False] and gc.isenabled()
