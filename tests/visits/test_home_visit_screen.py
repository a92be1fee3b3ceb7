"""The home visit form saved half-way (ctrl+s) resumes with its contents, then completes; Escape
asks before discarding typed work and never saves half a visit."""

from __future__ import annotations

from datetime import date

from case_testkit import Host
from sqlmodel import select
from textual import events
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, SelectionList, TextArea
from textual_testkit import settle

from asb_tui.screens.home_visit import HomeVisitScreen
from asb_tui.store.commands import contacts, visits
from asb_tui.store.core.models import Action, CaseParty, Consent, ContactAgreement, Person, Visit
from asb_tui.store.core.store import Store
from asb_tui.widgets.discard_prompt import DiscardPrompt


async def _type(pilot: Pilot[int], text: str) -> None:
    for character in text:
        key = character if character.isalnum() else _character_to_key(character)
        pilot.app.post_message(events.Key(key, character))
    await pilot.pause()


async def _settle(pilot: Pilot[int]) -> None:
    await settle(pilot)


async def _fill(pilot: Pilot[int], field_id: str, text: str) -> None:
    pilot.app.screen.query_one(f"#{field_id}").focus()
    await _type(pilot, text)


async def test_half_way_form_resumes_and_completes(store: Store, case_id: str, host: Host) -> None:
    first = HomeVisitScreen(case_id)
    app = host(first)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        await _type(pilot, "Ann and her son")  # focus starts on "who was present"
        await _fill(pilot, "hv-evidence", "Photos of [red] graffiti")
        await _fill(pilot, "hv-witnesses", "Bob Neighbour; 2 High St; 07700 900000")
        await pilot.press("enter")
        await _type(pilot, "Zofia Wójcik; 4 High St")
        first.query_one("#hv-signposting").focus()
        await pilot.press("space", "down", "down", "space")  # Victim Support, Mediation
        await _fill(pilot, "hv-frequency", "weekly")
        await pilot.press("ctrl+s")  # saved part-way, asked for
        await _settle(pilot)
        assert "Saved part-way" in str(first.query_one("#status").render())
        await pilot.press("escape")  # nothing typed since: leaves without asking
        await _settle(pilot)
        assert app.screen is not first

    with store.read() as session:
        draft = session.exec(select(Visit).where(Visit.status == "draft")).one()
    assert draft.form_state["hv-present"] == "Ann and her son"

    second = HomeVisitScreen(case_id)
    app = host(second)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        assert second.visit_id == draft.id
        assert second.query_one("#hv-present", Input).value == "Ann and her son"
        assert second.query_one("#hv-evidence", TextArea).text == "Photos of [red] graffiti"
        assert second.query_one("#hv-witnesses", TextArea).text == (
            "Bob Neighbour; 2 High St; 07700 900000\nZofia Wójcik; 4 High St"
        )
        assert second.query_one("#hv-frequency", Input).value == "weekly"
        assert second.query_one("#hv-signposting", SelectionList).selected == [
            "Victim Support",
            "Mediation service",
        ]
        assert "Resumed" in str(second.query_one("#status").render())

        await _fill(pilot, "hv-actions", "Ask police for CAD logs; 27/11/2026")
        second.query_one("#hv-share", Checkbox).value = True
        second.query_one("#hv-perp-agreed", Checkbox).value = True
        await pilot.press("ctrl+o")
        await _settle(pilot)
        assert str(second.query_one("#status").render()) == (
            "Home visit of 23/11/2026 saved. Next victim update due 30/11/2026."
        )

    with store.read() as session:
        visit = session.get(Visit, draft.id)
        assert visit is not None and visit.status == "complete"
        assert visit.evidence_gathered == "Photos of [red] graffiti"
        assert visit.signposting == ["Victim Support", "Mediation service"]
        names = set(session.exec(select(Person.name)).all())
        assert {"Bob Neighbour", "Zofia Wójcik"} <= names
        assert len(session.exec(select(CaseParty).where(CaseParty.role == "witness")).all()) == 2
        action = session.exec(select(Action).where(Action.title == "Ask police for CAD logs")).one()
        assert action.due_on == date(2026, 11, 27)
        consent = session.exec(select(Consent)).one()
        assert consent.perpetrator_visit_agreed and consent.record_and_share
        assert session.exec(select(ContactAgreement.frequency)).one() == "weekly"
        assert contacts.next_victim_update_due(session, case_id) == date(2026, 11, 30)
    assert visits.home_visit_draft(store, case_id) is None


async def test_bad_frequency_is_marked_and_nothing_lost(
    store: Store, case_id: str, host: Host
) -> None:
    screen = HomeVisitScreen(case_id)
    app = host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        await _type(pilot, "Ann")
        await _fill(pilot, "hv-frequency", "now and then")
        await pilot.press("ctrl+o")
        await _settle(pilot)
        assert "not a contact frequency" in str(screen.query_one("#status").render())
        assert screen.query_one("#hv-frequency", Input).value == "now and then"
        assert not screen.completed


async def test_escape_asks_and_never_saves_half_a_visit(
    store: Store, case_id: str, host: Host
) -> None:
    screen = HomeVisitScreen(case_id)
    app = host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        await _type(pilot, "Ann")
        await _fill(pilot, "hv-evidence", "Photos of the door")
        await pilot.press("escape")
        await _settle(pilot)
        assert isinstance(app.screen_stack[-1], DiscardPrompt)
        await pilot.press("k")  # keep editing: everything typed is still there
        await _settle(pilot)
        assert app.screen is screen
        assert screen.query_one("#hv-present", Input).value == "Ann"
        assert screen.query_one("#hv-evidence", TextArea).text == "Photos of the door"
        with store.read() as session:
            assert session.exec(select(Visit)).all() == []

        await pilot.press("ctrl+s")
        await _settle(pilot)
        await _fill(pilot, "hv-needs", "Typed after the save")
        await pilot.press("escape")
        await _settle(pilot)
        assert isinstance(app.screen_stack[-1], DiscardPrompt)
        await pilot.press("d")  # discard: the screen closes and saves nothing more
        await _settle(pilot)
        assert app.screen is not screen and not isinstance(app.screen, DiscardPrompt)

    with store.read() as session:
        (draft,) = session.exec(select(Visit)).all()
    assert draft.status == "draft"
    assert draft.form_state["hv-present"] == "Ann"
    assert draft.form_state["hv-needs"] == ""


async def test_escape_on_an_untouched_visit_leaves_and_saves_nothing(
    store: Store, case_id: str, host: Host
) -> None:
    screen = HomeVisitScreen(case_id)
    app = host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        await pilot.press("escape")
        await _settle(pilot)
        assert app.screen is not screen and not isinstance(app.screen, DiscardPrompt)
    with store.read() as session:
        assert session.exec(select(Visit)).all() == []
