"""Test kit (not a test module) of the screens worked on a case, imported by the conftest of
each folder that uses it: a case in a real encrypted store, and the real app showing the screen
under test over it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from app_testkit import app_on_screen
from textual.screen import Screen

from asb_tui.app import AsbApp
from asb_tui.store.core.models import Case, CaseParty, Person
from asb_tui.store.core.store import Store

TODAY = date(2026, 11, 23)  # a Monday

Host = Callable[[Screen[object]], AsbApp]
"""The `host` fixture: the real app over the test's store, showing the screen it is given."""


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


@pytest.fixture
def host(store: Store, tmp_path: Path) -> Host:
    """The real app over the test's store, showing the screen under test (fixed date)."""
    return lambda screen: app_on_screen(screen, tmp_path / "data", store, today=TODAY)
