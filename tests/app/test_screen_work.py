"""Store work on a screen (screens/base.py): it runs off the event loop and ends in a typed
message; a refusal the officer can cause shows its own line, anything else one fixed line with
the traceback in the log (never the exception's text); a newer load makes an older one stale."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest
from app_testkit import app_on_screen, wait_for
from textual import on
from textual.app import ComposeResult
from textual.widgets import Static

from asb_tui.domain.errors import DomainError
from asb_tui.screens.base import AsbScreen, WorkDone, WorkFailed
from asb_tui.store.core.store import Store
from asb_tui.widgets.error_policy import UNEXPECTED


class Counted(WorkDone[tuple[int, str]]):
    """How many cases, and which thread counted them."""


class Probe(AsbScreen):
    """A screen whose jobs the tests choose."""

    def __init__(self) -> None:
        super().__init__()
        self.results: list[tuple[int, str]] = []
        self.failures: list[WorkFailed] = []

    def compose(self) -> ComposeResult:
        yield Static("probe")

    @on(Counted)
    def _counted(self, message: Counted) -> None:
        self.results.append(message.result)

    def show_failure(self, failure: WorkFailed) -> None:
        self.failures.append(failure)
        super().show_failure(failure)


def _count(store: Store) -> tuple[int, str]:
    from asb_tui.store.queries.case_queries import CaseFilter
    from asb_tui.store.queries.screen_reads import read_case_list

    cases = read_case_list(store, CaseFilter(status=None), typed="")
    return len(cases), threading.current_thread().name


def _notified(app: object) -> list[str]:
    return [n.message for n in app._notifications]  # type: ignore[attr-defined]


async def test_work_runs_in_a_worker_and_ends_in_its_message(store: Store, data_dir: Path) -> None:
    screen = Probe()
    app = app_on_screen(screen, data_dir, store)
    async with app.run_test(size=(80, 24)) as pilot:
        screen.run_work(_count, Counted)
        await wait_for(pilot, lambda: screen.results)
    [(count, thread)] = screen.results
    assert count == 0 and thread != threading.main_thread().name


async def test_a_refusal_shows_its_own_line(store: Store, data_dir: Path) -> None:
    def refused(_store: Store) -> tuple[int, str]:
        raise DomainError("That case is closed: reopen it first.")

    screen = Probe()
    app = app_on_screen(screen, data_dir, store)
    async with app.run_test(size=(80, 24)) as pilot:
        screen.run_work(refused, Counted, group="save")
        await wait_for(pilot, lambda: screen.failures)
        assert _notified(app)[-1] == "That case is closed: reopen it first."
    assert screen.failures[0].group == "save" and not screen.results


async def test_a_bug_shows_one_fixed_line_and_logs_the_traceback(
    store: Store, data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_store: Store) -> tuple[int, str]:
        raise KeyError("/home/officer/secret-path")

    screen = Probe()
    app = app_on_screen(screen, data_dir, store)
    with caplog.at_level(logging.ERROR, logger="asb_tui.screens"):
        async with app.run_test(size=(80, 24)) as pilot:
            screen.run_work(broken, Counted)
            await wait_for(pilot, lambda: screen.failures)
            shown = _notified(app)[-1]
    assert shown == UNEXPECTED and "secret" not in shown
    logged = [r for r in caplog.records if r.exc_info and r.exc_info[0] is KeyError]
    assert [r.getMessage() for r in logged] == ["Probe work failed"]


async def test_a_newer_load_makes_the_older_one_stale(store: Store, data_dir: Path) -> None:
    started, release, returned = threading.Event(), threading.Event(), threading.Event()

    def slow(store: Store) -> tuple[int, str]:
        started.set()
        release.wait(timeout=10)
        returned.set()
        return -1, "stale"

    screen = Probe()
    app = app_on_screen(screen, data_dir, store)
    async with app.run_test(size=(80, 24)) as pilot:
        screen.run_work(slow, Counted, group="load", latest_only=True)
        await wait_for(pilot, started.is_set)  # under way: a thread cannot be stopped
        screen.run_work(_count, Counted, group="load", latest_only=True)
        await wait_for(pilot, lambda: screen.results)
        release.set()
        await wait_for(pilot, returned.is_set)
        # What is checked is that a message does NOT come: give the thread, which posts right
        # after returning, time to do so.
        await pilot.pause(0.3)
    assert [count for count, _thread in screen.results] == [0]


async def test_work_while_locked_fails_at_once_as_locked(store: Store, data_dir: Path) -> None:
    screen = Probe()
    app = app_on_screen(screen, data_dir, store)
    async with app.run_test(size=(80, 24)) as pilot:
        app.store = None  # as the lock leaves it
        screen.run_work(_count, Counted)
        await wait_for(pilot, lambda: screen.failures)
        app.store = store
    assert screen.failures[0].locked and not screen.results
