"""A perpetrator visit is refused without the victim's standing agreement (nothing written) and
accepted with it."""

from __future__ import annotations

from datetime import date

from app_testkit import screen_as
from case_testkit import Host
from sqlalchemy import func
from sqlmodel import select
from textual import events
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import TextArea
from textual_testkit import settle

from asb_tui.screens.perpetrator_visit import PerpetratorVisitScreen
from asb_tui.store.commands import visits
from asb_tui.store.core.models import AuditEvent, Case, Note, Visit
from asb_tui.store.core.store import Store


async def _type(pilot: Pilot[int], text: str) -> None:
    for character in text:
        key = character if character.isalnum() else _character_to_key(character)
        pilot.app.post_message(events.Key(key, character))
    await pilot.pause()


async def _settle(pilot: Pilot[int]) -> None:
    await settle(pilot)


def _audit_count(store: Store) -> int:
    with store.read() as session:
        return int(session.exec(select(func.count()).select_from(AuditEvent)).one())


async def _fill_and_save(pilot: Pilot[int], outcome: str, counter: str = "") -> None:
    screen = screen_as(pilot.app, PerpetratorVisitScreen)
    screen.query_one("#pv-outcome").focus()
    await _type(pilot, outcome)
    if counter:
        screen.query_one("#pv-counter").focus()
        await _type(pilot, counter)
    await pilot.press("ctrl+s")
    await _settle(pilot)


def _status(screen: Widget) -> str:
    return str(screen.query_one("#status").render())


async def test_refused_without_agreement_then_accepted_with_it(
    store: Store, case_id: str, host: Host
) -> None:
    screen = PerpetratorVisitScreen(case_id)
    app = host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        assert "has not agreed" in str(screen.query_one("#agreement").render())
        before = _audit_count(store)
        await _fill_and_save(pilot, "Spoke at the door")
        assert _status(screen).startswith("Not saved: The victim has not agreed")
        assert _audit_count(store) == before
        assert screen.query_one("#pv-outcome", TextArea).text == "Spoke at the door"  # nothing lost

        visits.record_perpetrator_visit_agreement(store, case_id, date(2026, 11, 20))
        await pilot.press("ctrl+s")
        await _settle(pilot)
        assert _status(screen).startswith("Visit of 23/11/2026 saved.")
        assert screen.saved_visit_id is not None
    with store.read() as session:
        visit = session.get(Visit, screen.saved_visit_id)
        assert visit is not None and visit.kind == "perpetrator"
        assert visit.outcome == "Spoke at the door"


async def test_withdrawn_agreement_is_refused(store: Store, case_id: str, host: Host) -> None:
    visits.record_perpetrator_visit_agreement(store, case_id, date(2026, 11, 1))
    visits.withdraw_perpetrator_visit_agreement(store, case_id, date(2026, 11, 10))
    screen = PerpetratorVisitScreen(case_id)
    app = host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        assert "withdrew agreement" in str(screen.query_one("#agreement").render())
        before = _audit_count(store)
        await _fill_and_save(pilot, "Went anyway", counter="Says victim is the noisy one")
        assert "withdrew agreement" in _status(screen)
        assert "10/11/2026" in _status(screen)
        assert _audit_count(store) == before
    with store.read() as session:
        case = session.get(Case, case_id)
        assert case is not None and not case.counter_allegation
        assert session.exec(select(Visit)).all() == []


async def test_counter_allegation_flags_the_case(store: Store, case_id: str, host: Host) -> None:
    visits.record_perpetrator_visit_agreement(store, case_id, date(2026, 11, 1))
    screen = PerpetratorVisitScreen(case_id)
    app = host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        await _fill_and_save(pilot, "Denied everything", counter="[bold]She[/] plays music")
        assert "flagged" in _status(screen)
    with store.read() as session:
        case = session.get(Case, case_id)
        assert case is not None and case.counter_allegation
        note = session.exec(select(Note).where(Note.kind == "counter-allegation")).one()
        assert screen.saved_visit_id is not None and screen.saved_visit_id in note.body
        assert note.body.endswith("[bold]She[/] plays music")
