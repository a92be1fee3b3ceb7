"""Test kit (not a test module) of the screens worked on a case, imported by the conftest of
each folder that uses it: a case in a real encrypted store, and a tiny host app that stands in
for AsbApp (a `store`, a `config` and a fixed `today`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from textual.app import App
from textual.screen import Screen

from asb_tui.config import Config
from asb_tui.store.core.models import Case, CaseParty, Person
from asb_tui.store.core.store import Store

TODAY = date(2026, 11, 23)  # a Monday


def make_case(
    store: Store, *, region: str = "england-and-wales", victim: str = "Ann Victim"
) -> str:
    """An accepted case with a victim, written through the unit of work."""
    with store.write() as uow:
        case = uow.add(
            Case(
                ref=f"ASB/T/{uuid.uuid4().hex[:10]}",
                category="personal",
                status="accepted",
                region=region,
                referred_on=date(2026, 11, 2),
                accepted_on=date(2026, 11, 3),
            ),
            action="case.refer",
        )
        person = uow.add(Person(case_id=case.id, name=victim), action="person.add")
        uow.add(
            CaseParty(case_id=case.id, person_id=person.id, role="victim"), action="case_party.add"
        )
        return case.id


@pytest.fixture
def case_id(store: Store) -> str:
    return make_case(store)


class HostApp(App[None]):
    """The smallest app a field-work screen needs: the store, the config and a fixed date."""

    def __init__(self, store: Store, config: Config, screen: Screen[object]) -> None:
        super().__init__()
        self.store = store
        self.config = config
        self.today = TODAY
        self._first = screen

    def on_mount(self) -> None:
        self.push_screen(self._first)


@pytest.fixture
def host(store: Store, tmp_path: Path) -> Callable[[Screen[object]], HostApp]:
    config = Config(data_dir=tmp_path / "data", officer="Test Officer")
    return lambda screen: HostApp(store, config, screen)
