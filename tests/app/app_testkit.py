"""Helpers for the app tests (not a test module): build apps, wait for things, read the screen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from textual.app import App
from textual.css.query import NoMatches
from textual.pilot import Pilot
from textual.screen import Screen

from asb_tui.app import AsbApp
from asb_tui.config import Config
from asb_tui.domain.risk import load_questionnaire
from asb_tui.screens.case_detail import CaseDetailScreen
from asb_tui.store.commands import cases
from asb_tui.store.core.store import Store
from asb_tui.store.queries.deadline_facts import deadline_rules

TODAY = date(2026, 11, 20)  # a Friday: high risk -> home visit Wednesday 25/11/2026
OFFICER = "Test Officer"


def make_config(data_dir: Path, **overrides: object) -> Config:
    values: dict[str, object] = {"officer": OFFICER, "auto_lock_minutes": 0.0}
    values.update(overrides)
    return Config(data_dir=data_dir, **values)  # type: ignore[arg-type]


def accepted_case(store: Store, data_dir: Path, victim: str) -> str:
    """A personal case of the officer's, referred and accepted today (the first answer to each
    risk question), through the store's commands; its id."""
    case = cases.refer_case(
        store, category="personal", summary="Shouting at night", referred_on=TODAY,
        officer=OFFICER, victim_name=victim,
    )  # fmt: skip
    questionnaire = load_questionnaire()
    cases.accept_case(
        store, case.id, on=TODAY, questionnaire=questionnaire,
        answers={q.id: q.answers[0].id for q in questionnaire.questions},
        rules=deadline_rules(make_config(data_dir), TODAY),
    )  # fmt: skip
    return case.id


def make_app(
    data_dir: Path, store: Store | None = None, *, today: date = TODAY, **config: object
) -> AsbApp:
    return AsbApp(make_config(data_dir, **config), data_dir, today=today, store=store)


class AppOnScreen(AsbApp):
    """The real app over an open store, showing `screen` on top of the dashboard from its first
    frame: a test drives one screen with everything the app does around it (key routing,
    locking, the date, the officer)."""

    def __init__(
        self, screen: Screen[object], config: Config, data_dir: Path, *, today: date, store: Store
    ) -> None:
        super().__init__(config, data_dir, today=today, store=store)
        self._first: Screen[object] | None = screen

    def show_dashboard(self) -> None:
        first, self._first = self._first, None
        if first is None:
            super().show_dashboard()
            return
        from asb_tui.screens.dashboard import DashboardScreen

        self.push_screen(DashboardScreen(None))
        self.push_screen(first)

    def on_unmount(self) -> None:
        # The store is the test's (it reads it afterwards): AsbApp's own on_unmount, which
        # runs after this one, closes only the store the app still holds.
        self.store = None


def app_on_screen(
    screen: Screen[object],
    data_dir: Path,
    store: Store,
    *,
    today: date = TODAY,
    **config: object,
) -> AsbApp:
    return AppOnScreen(screen, make_config(data_dir, **config), data_dir, today=today, store=store)


S = TypeVar("S", bound=Screen[Any])


def screen_as(app: App[Any], kind: type[S]) -> S:
    """The current screen, which the test knows to be a `kind` (a plain failure when it is not)."""
    screen = app.screen
    assert isinstance(screen, kind), f"the app shows {type(screen).__name__}, not {kind.__name__}"
    return screen


def screen_text(app: AsbApp) -> str:
    """What a person sees: the rendered lines of the current screen."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def _holds(condition: Callable[[], object]) -> bool:
    try:
        return bool(condition())
    except NoMatches:
        return False


async def wait_for(
    pilot: Pilot[Any], condition: Callable[[], object], timeout: float = 15.0
) -> None:
    """Let the app run until `condition()` is true (workers finish in their own time). A widget
    the condition asks for that is not mounted yet (a screen is pushed before its children are
    composed) counts as not yet true."""
    waited = 0.0
    while not _holds(condition):
        if waited >= timeout:
            raise AssertionError("timed out waiting for the app")
        await pilot.pause(0.05)
        waited += 0.05


async def case_detail_shown(pilot: Pilot[Any], case_id: str) -> CaseDetailScreen:
    """A case's screen pushed once the dashboard shows, given back once its read has filled it."""
    await wait_for_screen(pilot, "DashboardScreen")
    screen = CaseDetailScreen(case_id)
    pilot.app.push_screen(screen)
    await wait_for(pilot, lambda: screen.detail is not None)
    return screen


async def wait_for_screen(pilot: Pilot[Any], name: str, timeout: float = 15.0) -> None:
    try:
        await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == name, timeout)
    except AssertionError:
        shown = type(pilot.app.screen).__name__
        raise AssertionError(f"waited for {name}, the app shows {shown}") from None
