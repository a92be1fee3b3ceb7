"""Test kit (not a test module) of the legal powers tests: a respondent of a case with a date of
birth, written through the unit of work, and the fixed moment the tests run at."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from asb_tui.store.core.models import CaseParty, Person
from asb_tui.store.core.store import Store

UK = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 30, 18, 0, tzinfo=UK)  # Monday 30/11/2026, 18:00
TODAY = NOW.date()


def add_respondent(
    store: Store, case_id: str, name: str = "Dean Marsh", born_on: date | None = date(1990, 5, 1)
) -> str:
    """An alleged perpetrator of the case; their date of birth gives the age the rules use."""
    with store.write() as uow:
        person = uow.add(
            Person(case_id=case_id, name=name, date_of_birth=born_on), action="person.add"
        )
        uow.add(
            CaseParty(case_id=case_id, person_id=person.id, role="alleged-perpetrator"),
            action="case_party.add",
        )
        return person.id


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UK)
