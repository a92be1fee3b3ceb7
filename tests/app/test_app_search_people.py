"""Search finds a case by the people in it (victim, alleged perpetrator, witness), with or
without the accents in their names, and Enter in the search box opens the best match."""

from __future__ import annotations

from pathlib import Path

from app_testkit import TODAY, make_app, screen_as, wait_for_screen
from sqlmodel import select
from textual.widgets import Input, Select

from asb_tui.screens.case_detail import CaseDetailScreen
from asb_tui.store.commands import cases
from asb_tui.store.core.models import Person
from asb_tui.store.core.store import Store
from asb_tui.store.queries.search import search


def _case_with_people(store: Store) -> str:
    case = cases.refer_case(
        store,
        category="personal",
        summary="Noise at night",
        referred_on=TODAY,
        officer="Test Officer",
        victim_name="Siobhán Ó Súilleabháin",
    )
    cases.add_person(store, case.id, name="Gary Pratchett", role="alleged-perpetrator")
    cases.add_person(store, case.id, name="Zoë Brontë", role="witness")
    return case.id


def test_every_party_is_found_by_name_with_or_without_accents(store: Store) -> None:
    case_id = _case_with_people(store)
    cases.refer_case(
        store,
        category="nuisance",
        summary="Bins",
        referred_on=TODAY,
        officer="Test Officer",
        victim_name="Ann Lee",
    )
    with store.read() as session:
        for typed in ("Súilleabháin", "Suilleabhain", "suill", "Pratchett", "Zoe Bronte", "zoë"):
            hits = search(session, typed)
            assert [h.case_id for h in hits] == [case_id], typed
            assert hits[0].entity == "person"


def test_a_renamed_or_removed_person_is_found_by_their_name_now(store: Store) -> None:
    case_id = _case_with_people(store)
    with store.write() as uow:
        person = uow.reads.exec(select(Person).where(Person.name == "Gary Pratchett")).one()
        uow.update(person, {"name": "Gareth Pratt"}, action="person.update")
    with store.read() as session:
        assert search(session, "Pratchett") == []
        assert [h.case_id for h in search(session, "Gareth")] == [case_id]


async def test_enter_in_the_search_box_opens_the_case_found(store: Store, data_dir: Path) -> None:
    case_id = _case_with_people(store)
    app = make_app(data_dir, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        await pilot.press("slash")
        await wait_for_screen(pilot, "CaseListScreen")
        app.screen.query_one("#filter-status", Select).clear()  # a referral is not yet open
        assert isinstance(app.focused, Input)
        await pilot.press(*"Suilleabhain", "enter")
        await wait_for_screen(pilot, "CaseDetailScreen")
        assert screen_as(app, CaseDetailScreen).case_id == case_id
