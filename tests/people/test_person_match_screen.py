"""Adding a person in the app offers the likely matches already on the laptop: the officer
confirms one (the cases are linked), rejects them all (a new person, the rejection audited), or
goes back to the form with nothing lost."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from app_testkit import app_on_screen, wait_for, wait_for_screen
from people_testkit import BORN, new_case
from sqlmodel import select
from textual.widgets import Input, Select

from asb_tui.domain.types import PartyRole
from asb_tui.screens.person_form import PersonFormScreen
from asb_tui.store.commands import people
from asb_tui.store.core.models import AuditEvent, Person
from asb_tui.store.core.store import Store


def _known_perpetrator(store: Store) -> tuple[str, str]:
    first = new_case(store, "Abuse", victim="Ann Lee", referred_on=date(2026, 9, 1))
    known = people.add_person_to_case(
        store, first, name="Dariusz Wiśniewski", role=PartyRole.ALLEGED_PERPETRATOR.value,
        date_of_birth=BORN,
    )  # fmt: skip
    second = new_case(store, "Music", victim="Eileen Marsh", referred_on=date(2026, 11, 2))
    return known, second


async def _fill_person(pilot: object, screen: PersonFormScreen) -> None:
    screen.query_one("#name", Input).value = "Dariusz Wisniewski"
    screen.query_one("#role", Select).value = PartyRole.ALLEGED_PERPETRATOR.value
    screen.query_one("#postcode", Input).value = "ls8 2qt"
    born = screen.query_one("#date-of-birth", Input)
    born.value = BORN.strftime("%d/%m/%Y")


@pytest.mark.parametrize("answer", ["enter", "n", "escape"])
async def test_the_officer_confirms_rejects_or_goes_back(
    store: Store, data_dir: Path, answer: str
) -> None:
    known, second = _known_perpetrator(store)
    form = PersonFormScreen(second)
    app = app_on_screen(form, data_dir, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "PersonFormScreen")
        await _fill_person(pilot, form)
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, "PersonMatchScreen")
        shown = app.screen.query_one("#match-options").render_line(0).text
        assert "Dariusz Wiśniewski" in shown
        await pilot.press(answer)
        if answer == "escape":
            await wait_for_screen(pilot, "PersonFormScreen")
            assert form.query_one("#name", Input).value == "Dariusz Wisniewski"
        else:
            await wait_for(pilot, lambda: app.screen is not form and
                           type(app.screen).__name__ != "PersonMatchScreen")  # fmt: skip
    with store.read() as session:
        added = session.exec(select(Person).where(Person.case_id == second)).all()
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "person.add")).all()
    perpetrators = [p for p in added if p.name == "Dariusz Wisniewski"]
    if answer == "escape":
        assert perpetrators == []
        return
    [record] = perpetrators
    if answer == "enter":
        assert record.identity_id == known
        assert events[-1].details["confirmed_same_as"] == known
    else:
        assert record.identity_id == record.id
        assert events[-1].details["rejected"] == [known]
