"""The app collects cyclic garbage while the officer is idle, not inside a key's frame
(asb_tui/idle_collector.py): automatic collection is off while the app runs and back on after;
garbage is collected once the officer pauses; a long burst of keys still has its young garbage
collected (memory stays bounded) but never a full collection (the real app, a real store)."""

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


def _garbage_cycle() -> weakref.ref[_Cycle]:
    return weakref.ref(_Cycle())


def _allocate(objects: int) -> None:
    """Leave `objects` tracked objects pending in the young generation (kept alive)."""
    _KEEP.append([[] for _ in range(objects)])


_KEEP: list[object] = []


@pytest.fixture(autouse=True)
def _release_kept() -> Any:
    yield
    _KEEP.clear()


async def test_automatic_collection_is_off_while_the_app_runs_and_back_after(
    store: Store, data_dir: Path
) -> None:
    assert gc.isenabled()
    app = make_app(data_dir, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        assert app.collector.running
        assert not gc.isenabled()
    assert not app.collector.running
    assert gc.isenabled()


async def test_garbage_is_collected_once_the_officer_pauses(store: Store, data_dir: Path) -> None:
    app = make_app(data_dir, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        await pilot.press("down")  # activity: the officer is busy
        app._last_activity = time.monotonic() + 60  # and stays busy for the next minute
        cycle = _garbage_cycle()
        _allocate(idle_collector.YOUNG_AT + 100)
        # Busy and under the ceiling: the timer leaves the garbage for later.
        assert app.collector.tick() is None
        assert cycle() is not None
        # The officer pauses: the timer collects it.
        app._last_activity = time.monotonic() - idle_collector.QUIET_S - 1
        await wait_for(pilot, lambda: cycle() is None, timeout=10)
        assert app.collector.collections


async def test_a_long_burst_has_its_young_garbage_collected_but_never_a_full_collection(
    store: Store, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Smaller limits, the same rules: a hundred bursts take a moment rather than seconds.
    monkeypatch.setattr(idle_collector, "CEILING", 3_000)
    monkeypatch.setattr(idle_collector, "YOUNG_AT", 300)
    app = make_app(data_dir, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        app._last_activity = time.monotonic() + 60  # keys keep coming
        full_before = gc.get_stats()[2]["collections"]
        for _burst in range(2 * idle_collector.NEXT_GENERATION_EVERY**2):
            cycle = _garbage_cycle()
            _allocate(idle_collector.CEILING + 200)  # (some of what is counted is freed)
            generation = app.collector.tick()
            assert generation in (0, 1), "a young collection at the ceiling, however busy"
            assert cycle() is None
            _KEEP.clear()
        assert gc.get_stats()[2]["collections"] == full_before, "no full collection while busy"
        # The pause that follows takes the full collection the counts call for.
        app._last_activity = time.monotonic() - idle_collector.QUIET_S - 1
        _allocate(idle_collector.YOUNG_AT + 200)
        assert app.collector.tick() == 2
