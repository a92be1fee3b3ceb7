"""The dashboard opens every case in one kept case detail screen (screens/case_detail_kept.py):
nothing of the case shown before is ever on screen once the next case is asked for, not even
while it is read; a late read of the last case is never shown; keys and forms act on the case
shown (the real app, a real store)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from app_testkit import accepted_case, make_app, screen_as, screen_text, wait_for, wait_for_screen
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import DataTable, Static, TabbedContent, TextArea

from asb_tui.app import AsbApp
from asb_tui.screens.case_detail import CaseDetailScreen
from asb_tui.screens.dashboard import DashboardScreen
from asb_tui.store.commands import cases
from asb_tui.store.core.models import Note
from asb_tui.store.core.store import Store
from asb_tui.store.queries import screen_reads
from asb_tui.widgets.discard_prompt import DiscardPrompt

# What only case A shows (its victim, its witness, its note) and only case B.
A_WORDS = ("Alice Aardvark", "Walter Witness", "pigeons on the balcony")
B_WORDS = ("Betty Bramble",)


def _two_cases(store: Store, data_dir: Path) -> tuple[str, str]:
    a = accepted_case(store, data_dir, "Alice Aardvark")
    cases.add_person(store, a, name="Walter Witness", role="witness")
    cases.add_note(store, a, body="Complains of pigeons on the balcony")
    b = accepted_case(store, data_dir, "Betty Bramble")
    return a, b


@contextmanager
def _reads_held(monkeypatch: pytest.MonkeyPatch, case_id: str) -> Iterator[threading.Event]:
    """Reads of `case_id` for the case detail wait until the event is set (a slow laptop)."""
    release = threading.Event()
    plain = screen_reads.read_case_detail

    def held(store: Store, wanted: str, **kwargs: Any) -> Any:
        if wanted == case_id:
            assert release.wait(timeout=30), "the test never released the read"
        return plain(store, wanted, **kwargs)

    monkeypatch.setattr(screen_reads, "read_case_detail", held)
    try:
        yield release
    finally:
        release.set()


def _frames_of(screen: CaseDetailScreen, app: AsbApp) -> list[str]:
    """Every frame drawn of `screen` from now on, as the text a person sees."""
    frames: list[str] = []
    plain: Callable[[], None] = screen._compositor_refresh

    def drawn() -> None:
        plain()
        if app.screen is screen:
            frames.append(screen_text(app))

    screen._compositor_refresh = drawn  # type: ignore[method-assign]
    return frames


async def _open_from_dashboard(pilot: Pilot[Any], app: AsbApp, case_id: str) -> None:
    await wait_for_screen(pilot, "DashboardScreen")
    dashboard = screen_as(app, DashboardScreen)
    # A screen is shown before its children are composed.
    await wait_for(pilot, lambda: dashboard.query_one(DataTable))
    table = dashboard.query_one(DataTable)
    await wait_for(pilot, lambda: case_id in table.rows)
    table.move_cursor(row=table.get_row_index(case_id), animate=False)
    await pilot.pause()
    await pilot.press("enter")
    await wait_for_screen(pilot, "CaseDetailScreen")


def _timeline(screen: CaseDetailScreen) -> tuple[Any, ...]:
    return screen.detail.timeline if screen.detail is not None else ()


def _holds_nothing(screen: CaseDetailScreen) -> bool:
    """No case's text anywhere in the screen's widgets, shown or hidden."""
    tables = list(screen.query(DataTable))
    summary = str(screen.query_one("#summary-body", Static).render())
    return all(table.row_count == 0 for table in tables) and summary == ""


async def test_the_next_case_never_shows_anything_of_the_last(
    store: Store, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = _two_cases(store, data_dir)
    app = make_app(data_dir, store)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_from_dashboard(pilot, app, a)
        first = screen_as(app, CaseDetailScreen)
        await wait_for(pilot, lambda: first.detail is not None and first.case_id == a)
        seen = ""
        for tab in ("2", "9"):  # the people and the timeline tables filled with A
            await pilot.press(tab)
            await pilot.pause()
            seen += screen_text(app)
        assert all(word in seen for word in A_WORDS), seen
        await pilot.press("escape")
        await wait_for_screen(pilot, "DashboardScreen")

        with _reads_held(monkeypatch, b) as release:
            frames = _frames_of(first, app)
            await _open_from_dashboard(pilot, app, b)
            screen = screen_as(app, CaseDetailScreen)
            assert screen is first  # the same screen, refilled
            await pilot.pause()
            loading = screen_text(app)
            assert "Loading…" in loading
            assert screen.query_one(TabbedContent).active == "summary"
            assert _holds_nothing(screen)
            release.set()
            await wait_for(pilot, lambda: screen.detail is not None)
            await wait_for(pilot, lambda: all(word in screen_text(app) for word in B_WORDS))
        await pilot.press("2")
        await wait_for(pilot, lambda: screen.query_one(TabbedContent).active == "people")
        await pilot.pause()
        frames.append(screen_text(app))
        assert frames, "no frame of the second case was drawn"
        for frame in frames:
            assert not any(word in frame for word in A_WORDS), frame
        assert "Betty Bramble" in frames[-1]
        assert screen.query_one("#people-table", DataTable).row_count == 1


async def test_a_late_read_of_the_last_case_is_never_shown(
    store: Store, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = _two_cases(store, data_dir)
    app = make_app(data_dir, store)
    async with app.run_test(size=(120, 40)) as pilot:
        # Once to have the screen kept, then A again with its read held, left before it ends.
        await _open_from_dashboard(pilot, app, b)
        screen = screen_as(app, CaseDetailScreen)
        await wait_for(pilot, lambda: screen.detail is not None)
        await pilot.press("escape")
        with _reads_held(monkeypatch, a) as release:
            await _open_from_dashboard(pilot, app, a)
            await pilot.press("escape")
            await _open_from_dashboard(pilot, app, b)
            assert screen_as(app, CaseDetailScreen) is screen
            await wait_for(pilot, lambda: screen.detail is not None)
            release.set()
            await app.workers.wait_for_complete()
            await pilot.pause()
        assert screen.case_id == b and screen.detail is not None
        assert screen.detail.summary.id == b
        shown = screen_text(app)
        assert "Betty Bramble" in shown and "Alice Aardvark" not in shown


async def test_keys_and_forms_act_on_the_case_shown_and_escape_keeps_typed_work(
    store: Store, data_dir: Path
) -> None:
    a, b = _two_cases(store, data_dir)
    app = make_app(data_dir, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_from_dashboard(pilot, app, a)
        screen = screen_as(app, CaseDetailScreen)
        await wait_for(pilot, lambda: screen.detail is not None)
        await pilot.press("escape")
        await _open_from_dashboard(pilot, app, b)
        assert screen_as(app, CaseDetailScreen) is screen
        await wait_for(pilot, lambda: screen.detail is not None and screen.case_id == b)

        await pilot.press("n")  # add a note: on B
        await wait_for_screen(pilot, "NoteFormScreen")
        form = app.screen
        assert getattr(form, "case_id", None) == b
        await pilot.press(*"Spoke to Betty")
        await pilot.press("escape")  # typed work: asked first, never thrown away
        await wait_for(pilot, lambda: isinstance(app.screen, DiscardPrompt))
        await pilot.press("k")  # keep editing
        await wait_for(pilot, lambda: app.screen is form)
        assert form.query_one("#body", TextArea).text == "Spoke to Betty"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_for(pilot, lambda: any("Spoke to Betty" in e.detail for e in _timeline(screen)))
        assert screen.case_id == b
        with store.read() as session:
            notes = session.exec(select(Note).where(Note.body == "Spoke to Betty")).all()
        assert [note.case_id for note in notes] == [b]

        await pilot.press("escape")
        await wait_for_screen(pilot, "DashboardScreen")
        # Back on the dashboard, the hidden screen holds nothing of B once the board is drawn.
        await pilot.pause()
        await wait_for(pilot, lambda: _holds_nothing(screen))
