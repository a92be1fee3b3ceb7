"""Completed records in case detail: a finished home visit is shown in full and `v` opens it
(not a blank form); a record opens in full with Enter; a visit and a remedy can be corrected
(audited); a witness named again is not added twice."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from app_testkit import make_app, make_config, screen_as, screen_text, wait_for, wait_for_screen
from sqlmodel import col, select
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, TabbedContent

from asb_tui.app import AsbApp
from asb_tui.domain.dates import format_uk
from asb_tui.screens.case_detail import CaseDetailScreen
from asb_tui.screens.record_view import RecordScreen
from asb_tui.store.commands import visits
from asb_tui.store.commands.cases import add_person, refer_case
from asb_tui.store.core.models import AuditEvent, CaseParty, LegalRemedy, Person, Visit
from asb_tui.store.core.store import Store
from asb_tui.store.demo.demo_walkthrough import walk_case

TODAY = date(2026, 12, 1)


async def _open_case(pilot: Pilot[Any], app: AsbApp) -> None:
    await wait_for_screen(pilot, "DashboardScreen")
    await wait_for(pilot, lambda: any(t.row_count for t in app.screen.query(DataTable)))
    await pilot.press("enter")
    await wait_for_screen(pilot, "CaseDetailScreen")
    await wait_for(pilot, lambda: screen_as(app, CaseDetailScreen).detail is not None)


async def test_v_on_a_completed_visit_shows_it_in_full_and_corrects_it(
    store: Store, data_dir: Path
) -> None:
    case = walk_case(store, make_config(data_dir), TODAY, close_and_reopen=False)
    app = make_app(data_dir, store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_case(pilot, app)
        await pilot.press("v")
        await wait_for_screen(pilot, "RecordScreen")
        await wait_for(pilot, lambda: screen_as(app, RecordScreen).view is not None)
        shown = screen_text(app)
        for expected in (
            "Home visit",
            "Phone video of the shouting",  # evidence
            case.witness_name,  # witnesses
            "hearing loss in one ear",  # needs and vulnerabilities
            "Victim Support",  # signposting
        ):
            assert expected in shown, expected
        notes = app.screen.query_one("#fix-notes", Input)
        assert notes.value == "Keeps a diary; daughter helps with letters"
        notes.focus()
        await pilot.press(*" and her son")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Corrected 1 field." in screen_text(app))
        with store.read() as session:
            visit = session.exec(select(Visit).where(Visit.kind == "home")).one()
            assert visit.notes == "Keeps a diary; daughter helps with letters and her son"
            audited = session.exec(select(AuditEvent).where(AuditEvent.action == "visit.correct"))
            assert [event.entity_id for event in audited] == [visit.id]
        await pilot.press("escape")
        await wait_for_screen(pilot, "CaseDetailScreen")
        await wait_for(
            pilot,
            lambda: (
                "and her son"
                in str(getattr(screen_as(app, CaseDetailScreen).detail, "visits_and_contacts", ""))
            ),
        )


async def test_enter_opens_a_remedy_in_full_and_a_bad_correction_is_refused(
    store: Store, data_dir: Path
) -> None:
    walk_case(store, make_config(data_dir), TODAY, close_and_reopen=False)
    app = make_app(data_dir, store, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_case(pilot, app)
        await pilot.press("7")  # the Legal tab
        await wait_for(pilot, lambda: app.screen.query_one(TabbedContent).active == "legal")
        table = app.screen.query_one("#legal-table", DataTable)
        entries = screen_as(app, CaseDetailScreen)._entries["legal"]
        row = next(i for i, e in enumerate(entries) if e.table == "legal_remedy")
        table.move_cursor(row=row)
        await pilot.press("enter")
        await wait_for_screen(pilot, "RecordScreen")
        await wait_for(pilot, lambda: screen_as(app, RecordScreen).view is not None)
        shown = screen_text(app)
        assert "Community Protection Warning" in shown
        assert "Served by hand at flat 3" in shown  # its stages
        # the status moves only by the Act's legal moves (the legal screen), never corrected
        assert not app.screen.query("#fix-status")
        started = app.screen.query_one("#fix-started_on", Input)
        started.value = "01/01/2099"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "is in the future" in screen_text(app))
        app.screen.query_one("#fix-victim_role", Input).value = "Gave a statement"
        started.value = format_uk(TODAY)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Corrected 2 fields." in screen_text(app))
        with store.read() as session:
            remedy = session.exec(select(LegalRemedy)).one()
            assert (remedy.victim_role, remedy.started_on) == ("Gave a statement", TODAY)
            assert remedy.status == "in-force"


def test_a_witness_named_again_is_not_added_twice(store: Store) -> None:
    made = refer_case(
        store, category="personal", summary="Noise", referred_on=TODAY, victim_name="Aoife Byrne"
    )
    add_person(store, made.id, name="Marcia Gayle", role="witness")
    visits.complete_home_visit(
        store,
        made.id,
        visits.HomeVisitRecord(
            visited_on=TODAY,
            present="Aoife Byrne",
            witnesses=(visits.Witness("  marcia  GAYLE ", "12 Acacia Road"),),
        ),
    )
    with store.read() as session:
        witnesses = session.exec(
            select(Person)
            .join(CaseParty, col(CaseParty.person_id) == Person.id)
            .where(CaseParty.case_id == made.id, CaseParty.role == "witness")
        ).all()
    assert [(w.name, w.address) for w in witnesses] == [("Marcia Gayle", "12 Acacia Road")]
