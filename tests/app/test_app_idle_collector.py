"""The app makes Python's full garbage collections while the officer is idle, not inside a
key's frame (asb_tui/idle_collector.py): Python makes none of its own while the app runs and has
its thresholds back after; long-lived garbage is freed once the officer pauses; a long burst of
keys still has it freed at a ceiling (the real app, a real store)."""

from __future__ import annotations

import gc
import time
import weakref
from pathlib import Path
from typing import Any

import pytest
from app_testkit import make_app, wait_for, wait_for_screen

from asb_tui import idle_collector
from asb_tui.store.core.store import Store


class _Cycle:
    """A piece of cyclic garbage: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


def _old_garbage() -> weakref.ref[_Cycle]:
    """A cycle that lived long enough to reach the oldest generation, then became garbage:
    young collections do not free it."""
    alive = _Cycle()
    gc.collect(1)  # survivors of the middle generation move to the oldest
    ref = weakref.ref(alive)
    del alive
    gc.collect(1)
    assert ref() is not None
    return ref


def _full_collection_due(collections: int) -> None:
    for _ in range(collections):
        gc.collect(1)  # each counts towards the next full collection


async def _settled(pilot: Any) -> None:
    """The dashboard shown, its work done and its first board frozen (once per process, by
    case_detail_kept.py: garbage made before that freeze would never be collected)."""
    from asb_tui.screens import case_detail_kept
    from asb_tui.store.core.collector_pause import builds_running

    await wait_for_screen(pilot, "DashboardScreen")
    await wait_for(pilot, lambda: case_detail_kept._BOARD_FROZEN)
    await pilot.app.workers.wait_for_complete()
    # No full collection is made while the board is computed or kept (collector_pause.py).
    await wait_for(pilot, lambda: not builds_running())


async def test_python_makes_no_full_collection_while_the_app_runs_and_has_it_back_after(
    store: Store, data_dir: Path
) -> None:
    thresholds = gc.get_threshold()
    app = make_app(data_dir, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        assert app.collector.running
        young, middle, full = gc.get_threshold()
        assert (young, middle) == thresholds[:2] and full > 10**6
    assert not app.collector.running
    assert gc.get_threshold() == thresholds


async def test_old_garbage_is_freed_once_the_officer_pauses(store: Store, data_dir: Path) -> None:
    app = make_app(data_dir, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settled(pilot)
        await pilot.press("down")
        app._last_activity = time.monotonic() + 60  # the officer is busy for the next minute
        garbage = _old_garbage()
        _full_collection_due(idle_collector.FULL_DUE)
        assert app.collector.tick() is False  # busy and under the ceiling: left for later
        assert garbage() is not None
        made = app.collector.collections
        app._last_activity = time.monotonic() - idle_collector.QUIET_S - 1  # a pause
        await wait_for(pilot, lambda: garbage() is None, timeout=10)
        assert app.collector.collections > made


async def test_a_long_burst_still_has_its_old_garbage_freed_at_the_ceiling(
    store: Store, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(idle_collector, "FULL_CEILING", 40)
    app = make_app(data_dir, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settled(pilot)
        app._last_activity = time.monotonic() + 60  # keys keep coming
        garbage = _old_garbage()
        _full_collection_due(idle_collector.FULL_CEILING - 1 - gc.get_count()[2])
        assert app.collector.tick() is False
        assert garbage() is not None
        _full_collection_due(1)
        assert app.collector.tick() is True
        assert garbage() is None


async def test_no_full_collection_while_a_board_is_built_then_one_once_it_is_done(
    store: Store, data_dir: Path
) -> None:
    from asb_tui.store.core.collector_pause import building

    app = make_app(data_dir, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settled(pilot)
        app._last_activity = time.monotonic() - idle_collector.QUIET_S - 1  # idle
        garbage = _old_garbage()
        with building():  # a worker builds the board: the collections fall due meanwhile
            _full_collection_due(idle_collector.FULL_CEILING + 1 - gc.get_count()[2])
            assert app.collector.tick() is False
            assert garbage() is not None
        made = app.collector.collections
        await wait_for(pilot, lambda: garbage() is None, timeout=10)
        assert app.collector.collections > made


async def test_idle_collections_take_at_most_their_share_of_the_time(
    store: Store, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(data_dir, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settled(pilot)
        app._last_activity = time.monotonic() - idle_collector.QUIET_S - 1  # idle
        slow = 0.05  # a full collection as long as one on a large store
        collect = gc.collect

        def slow_collect(*args: int) -> int:
            if not args:  # the full one (the young ones the test makes stay quick)
                time.sleep(slow)
            return collect(*args)

        monkeypatch.setattr(gc, "collect", slow_collect)
        monkeypatch.setattr(app.collector, "_idle_from", 0.0)
        _full_collection_due(idle_collector.FULL_DUE)
        assert app.collector.tick() is True
        at = time.monotonic()
        _full_collection_due(idle_collector.FULL_DUE)
        assert app.collector.tick() is False  # its share of the time is spent: later
        garbage = _old_garbage()
        await wait_for(pilot, lambda: garbage() is None, timeout=10)
        assert time.monotonic() - at >= slow * (1 / idle_collector.IDLE_SHARE - 1) * 0.9
