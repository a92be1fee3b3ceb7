"""Large builds are marked for the app's idle collector (store/core/collector_pause.py): the
dashboard's computation (whole, from the kept board, or brought up to date) and the kept board's
save run marked, builds in several threads overlap, and the mark ends with the build however
it ends."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest

from asb_tui.config import Config
from asb_tui.store.cache import board_cache
from asb_tui.store.core import collector_pause
from asb_tui.store.core.collector_pause import building, builds_running, collector_paused
from asb_tui.store.core.store import Store
from asb_tui.store.demo.demo import fill_demo
from asb_tui.store.queries import case_queries
from asb_tui.store.queries.deadline_facts import deadline_rules
from asb_tui.store.queries.screen_reads import read_dashboard

TODAY = date(2026, 11, 23)


def test_overlapping_builds_in_threads_are_running_until_the_last_ends() -> None:
    assert not builds_running()
    started, release = threading.Event(), threading.Event()

    def other() -> None:
        with building():
            started.set()
            release.wait(10)

    thread = threading.Thread(target=other)
    thread.start()
    assert started.wait(10)
    with collector_paused():
        assert builds_running()
    assert builds_running()  # the other thread's build still runs
    release.set()
    thread.join(10)
    assert not builds_running()


def test_a_build_that_fails_is_no_longer_running() -> None:
    with pytest.raises(RuntimeError), building():
        raise RuntimeError("the build failed")
    assert not builds_running()
    assert collector_pause._builds == 0


def test_the_dashboards_computation_and_its_save_run_marked(
    store: Store, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill_demo(store, cases=6, seed=3, today=TODAY, incidents_per_case=1, bulk=True)
    rules = deadline_rules(Config(data_dir=data_dir), TODAY)
    seen: dict[str, bool] = {}

    def spy(module: object, name: str) -> None:
        plain = getattr(module, name)

        def marked(*args: object, **kwargs: object) -> object:
            seen[name] = builds_running()
            return plain(*args, **kwargs)

        monkeypatch.setattr(module, name, marked)

    spy(case_queries, "board_state")
    spy(case_queries, "board_from_state")
    spy(board_cache, "_save_board_state")
    spy(board_cache, "kept_board_state")
    _board, state = read_dashboard(store, officer=None, today=TODAY, rules=rules, limit=50)
    board_cache.save_board_state(store, state)
    read_dashboard(store, officer=None, today=TODAY, rules=rules, limit=50, use_kept=True)
    assert seen == {
        "board_state": True,
        "board_from_state": True,
        "_save_board_state": True,
        "kept_board_state": True,
    }
    assert not builds_running()
