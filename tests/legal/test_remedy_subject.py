"""A legal remedy names whom it is against: the form offers the case's alleged perpetrators (the
only one chosen for the officer), the store keeps the choice, and refuses a person of another
case; the perpetrator's subject access export then holds the remedy."""

from __future__ import annotations

import pytest
from case_testkit import Host, make_case
from sqlmodel import select
from textual.widgets import Select
from textual_testkit import settle

from asb_tui.domain.types import LegalRemedyKind
from asb_tui.screens.legal_remedy import LegalRemedyScreen
from asb_tui.store.commands import legal
from asb_tui.store.commands.fieldwork import FieldworkError
from asb_tui.store.core.models import CaseParty, LegalRemedy, Person
from asb_tui.store.core.store import Store


def _add_perpetrator(store: Store, case_id: str, name: str) -> str:
    with store.write() as uow:
        person = uow.add(Person(case_id=case_id, name=name), action="person.add")
        uow.add(
            CaseParty(case_id=case_id, person_id=person.id, role="alleged-perpetrator"),
            action="case_party.add",
        )
        return person.id


async def test_the_form_names_the_alleged_perpetrator_and_the_remedy_keeps_him(
    store: Store, case_id: str, host: Host
) -> None:
    perpetrator = _add_perpetrator(store, case_id, "Dean Marsh")
    screen = LegalRemedyScreen(case_id)
    async with host(screen).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert screen.query_one("#lr-person", Select).value == perpetrator  # the only one, chosen
        screen.query_one("#lr-stage").focus()
        await pilot.press(*"signed", "ctrl+s")
        await settle(pilot)
    with store.read() as session:
        remedies = session.exec(select(LegalRemedy)).all()
    assert [(r.case_id, r.person_id) for r in remedies] == [(case_id, perpetrator)]


def test_the_store_refuses_a_remedy_against_a_person_of_another_case(
    store: Store, case_id: str
) -> None:
    other_case = make_case(store, victim="Someone Else")
    stranger = _add_perpetrator(store, other_case, "Not Of This Case")
    assert legal.remedy_subjects(store, case_id) == []
    with pytest.raises(FieldworkError, match="one of the case's"):
        legal.add_legal_remedy(store, case_id, kind=LegalRemedyKind.ABC, person_id=stranger)
    with store.read() as session:
        assert session.exec(select(LegalRemedy)).all() == []
