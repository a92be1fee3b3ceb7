"""Adding a person in the app offers the likely matches already on the laptop: the officer
confirms one (the cases are linked), rejects them all (a new person, the rejection audited), or
goes back to the form with nothing lost."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from app_testkit import app_on_screen, wait_for, wait_for_screen
from people_testkit import BORN, diary_incidents, new_case, victim_of
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


async def test_a_referral_asks_whether_the_victim_is_known_and_links_them(
    store: Store, data_dir: Path
) -> None:
    """At intake: the victim typed is offered as the person already known; confirmed, the new
    case is theirs too, and their reports in the other case make it a repeat-victim case."""
    from app_testkit import TODAY as APP_TODAY

    from asb_tui.screens.referral_form import ReferralFormScreen
    from asb_tui.store.core.models import Case

    known_case = new_case(store, "Abuse", victim="Síobhán Ó Súilleabháin",
                          referred_on=date(2026, 9, 1))  # fmt: skip
    known = victim_of(store, known_case)
    day = APP_TODAY - timedelta(days=20)
    diary_incidents(
        store, known_case, known, [day, day + timedelta(days=3), day + timedelta(days=9)]
    )
    form = ReferralFormScreen()
    app = app_on_screen(form, data_dir, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "ReferralFormScreen")
        form.query_one("#summary", Input).value = "Stones thrown at the window"
        form.query_one("#category", Select).value = "personal"
        form.query_one("#victim-name", Input).value = "Siobhan O Suilleabhain"
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, "PersonMatchScreen")
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "DashboardScreen")
    with store.read() as session:
        new = session.exec(select(Case).where(Case.id != known_case)).one()
        victim = session.exec(select(Person).where(Person.case_id == new.id)).one()
    assert victim.identity_id == known
    assert new.repeat_victim, "the victim's reports in the other case count"
