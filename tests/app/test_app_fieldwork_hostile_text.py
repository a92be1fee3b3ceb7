"""Hostile text (markup-like, escape codes, emoji, Arabic, Polish) in every free-text field of
every field-work screen is stored exactly and shown literally, with no crash."""

from __future__ import annotations

from datetime import date

from case_testkit import Host
from sqlmodel import select
from textual import events
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Checkbox, DataTable, Input, TextArea
from textual_testkit import settle
from typing_kit import wait_until_saved

from asb_tui.screens.agency_contact import AgencyContactScreen
from asb_tui.screens.diary_sheet import DiarySheetScreen
from asb_tui.screens.home_visit import HomeVisitScreen
from asb_tui.screens.house_to_house import HouseToHouseScreen
from asb_tui.screens.legal_remedy import LegalRemedyScreen
from asb_tui.screens.perpetrator_visit import PerpetratorVisitScreen
from asb_tui.screens.safeguarding import SafeguardingScreen
from asb_tui.screens.victim_update import VictimUpdateScreen
from asb_tui.store.commands import diary, visits
from asb_tui.store.core.models import (
    Action,
    AgencyContact,
    HouseToHouseRun,
    Incident,
    LegalRemedy,
    LegalStage,
    VictimUpdate,
    Visit,
)
from asb_tui.store.core.store import Store
from asb_tui.widgets.literal import literal_text

HOSTILE = "[bold]Smith[/] [/] [/ [0] [[x]] \x1b[31mred 🙂 محمد Łukasz Żółć"
SHOWN = literal_text(HOSTILE).plain  # the escape character made visible, the rest as typed


async def _settle(pilot: Pilot[int]) -> None:
    await settle(pilot)


def _set(screen: Widget, values: dict[str, str]) -> None:
    for field_id, value in values.items():
        widget = screen.query_one(f"#{field_id}")
        if isinstance(widget, TextArea):
            widget.text = value
        else:
            assert isinstance(widget, Input), f"#{field_id} is a {type(widget).__name__}"
            widget.value = value


def _table_texts(screen: Widget, table_id: str) -> list[str]:
    table = screen.query_one(f"#{table_id}", DataTable)
    return [cell.plain for row in range(table.row_count) for cell in table.get_row_at(row)]


async def test_diary_row(store: Store, case_id: str, host: Host) -> None:
    sheet = diary.record_sheets_sent(store, case_id, sent_on=date(2026, 11, 1))
    screen = DiarySheetScreen(case_id, sheet.id)
    app = host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        # Pasted cell by cell (the escape character cannot be typed as a key).
        app.post_message(
            events.Paste("\t".join(["02/11/2026", "", HOSTILE, HOSTILE, HOSTILE, "y", HOSTILE]))
        )
        await pilot.press("enter")
        await wait_until_saved(pilot, screen.grid, 1)
        saved = screen.grid.rows[0].values(screen.grid.columns)
        assert [saved[key] for key in ("what", "who", "effect", "police_ref")] == [HOSTILE] * 4
        shown = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
        assert "[bold]Smith[/]" in shown and "\\x1b[31mred" in shown
    with store.read() as session:
        row = session.exec(select(Incident)).one()
    assert (row.description, row.who_involved, row.impact, row.police_ref) == (HOSTILE,) * 4


async def test_agency_contact(store: Store, case_id: str, host: Host) -> None:
    screen = AgencyContactScreen(case_id)
    async with host(screen).run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        _set(
            screen,
            {
                "ac-other": HOSTILE,
                "ac-name": HOSTILE,
                "ac-ref": HOSTILE,
                "ac-summary": HOSTILE,
                "ac-follow-up": "+5wd",
            },
        )
        await pilot.press("ctrl+s")
        await _settle(pilot)
        assert SHOWN in _table_texts(screen, "contacts")
        assert "saved" in str(screen.query_one("#status").render())
    with store.read() as session:
        row = session.exec(select(AgencyContact)).one()
    assert (row.agency, row.contact_name, row.reference, row.summary) == (HOSTILE,) * 4
    assert row.follow_up_due == date(2026, 11, 30)


async def test_victim_update(store: Store, case_id: str, host: Host) -> None:
    visits.complete_home_visit(
        store,
        case_id,
        visits.HomeVisitRecord(
            date(2026, 11, 16), "Ann", contact=visits.ContactTerms("5wd", HOSTILE, HOSTILE)
        ),
    )
    screen = VictimUpdateScreen(case_id)
    async with host(screen).run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        assert str(screen.query_one("#next-due").render()) == "Next update due 23/11/2026."
        assert HOSTILE in str(screen.query_one("#agreement").render()).replace(SHOWN, HOSTILE)
        _set(screen, {"vu-summary": HOSTILE})
        await pilot.press("ctrl+s")
        await _settle(pilot)
        assert str(screen.query_one("#status").render()) == (
            "Update of 23/11/2026 saved. Next update due 30/11/2026."
        )
        assert SHOWN in _table_texts(screen, "updates")
    with store.read() as session:
        row = session.exec(select(VictimUpdate)).one()
    assert (row.means, row.summary) == (HOSTILE, HOSTILE)


async def test_legal_remedy(store: Store, case_id: str, host: Host) -> None:
    screen = LegalRemedyScreen(case_id)
    async with host(screen).run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        _set(
            screen,
            {
                "lr-start": "01/09/2026",
                "lr-stage": HOSTILE,
                "lr-support": HOSTILE,
                "lr-notes": HOSTILE,
            },
        )
        screen.query_one("#lr-statement", Checkbox).value = True
        await pilot.press("ctrl+s")
        await _settle(pilot)
        assert str(screen.query_one("#status").render()) == (
            "Acceptable Behaviour Contract saved. Review 01/12/2026. Ends 01/03/2027."
        )
        cells = _table_texts(screen, "remedies")
        assert f"{SHOWN} 01/09/2026" in cells
    with store.read() as session:
        remedy = session.exec(select(LegalRemedy)).one()
        stage = session.exec(select(LegalStage)).one()
    assert (remedy.support_offered, remedy.notes, stage.stage) == (HOSTILE,) * 3
    assert remedy.victim_role == "statement"


async def test_safeguarding(store: Store, case_id: str, host: Host) -> None:
    screen = SafeguardingScreen(case_id)
    async with host(screen).run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        _set(screen, {"sg-team": HOSTILE, "sg-ref": HOSTILE, "sg-details": HOSTILE})
        await pilot.press("ctrl+s")
        await _settle(pilot)
        cells = _table_texts(screen, "referrals")
        assert f"Safeguarding referral (child) to {SHOWN}" in cells
        assert "open" in cells
        await pilot.press("ctrl+t")
        await _settle(pilot)
        assert "23/11/2026" in _table_texts(screen, "referrals")
    with store.read() as session:
        action = session.exec(select(Action).where(Action.kind == "safeguarding")).one()
    assert (action.agency, action.reference, action.notes) == (HOSTILE,) * 3
    assert action.done_on == date(2026, 11, 23)


async def test_house_to_house(store: Store, case_id: str, host: Host) -> None:
    screen = HouseToHouseScreen(case_id)
    async with host(screen).run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        _set(screen, {"h2h-area": HOSTILE, "h2h-addresses": f"{HOSTILE}\n[/]\n"})
        await pilot.press("ctrl+s")
        await _settle(pilot)
        assert [door.address for door in screen.doors.doors] == [HOSTILE, "[/]"]
        shown = "\n".join(strip.text for strip in pilot.app.screen._compositor.render_strips())
        assert "[bold]Smith[/]" in shown and "\\x1b[31mred" in shown
        await pilot.press("down", "5")
        await _settle(pilot)
        assert str(screen.query_one("#call-backs").render()) == "Call back: [/]"
    with store.read() as session:
        assert session.exec(select(HouseToHouseRun.area)).one() == HOSTILE


async def test_home_and_perpetrator_visits(store: Store, case_id: str, host: Host) -> None:
    screen = HomeVisitScreen(case_id)
    async with host(screen).run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        _set(
            screen,
            {
                "hv-present": HOSTILE,
                "hv-evidence": HOSTILE,
                "hv-perpetrator": HOSTILE,
                "hv-needs": HOSTILE,
                "hv-notes": HOSTILE,
                "hv-scope": HOSTILE,
            },
        )
        screen.query_one("#hv-perp-agreed", Checkbox).value = True
        await pilot.press("ctrl+o")
        await _settle(pilot)
        assert screen.completed
    visit = PerpetratorVisitScreen(case_id)
    async with host(visit).run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        _set(visit, {"pv-present": HOSTILE, "pv-outcome": HOSTILE, "pv-notes": HOSTILE})
        await pilot.press("ctrl+s")
        await _settle(pilot)
        assert visit.saved_visit_id is not None
    with store.read() as session:
        home = session.exec(select(Visit).where(Visit.kind == "home")).one()
        perp = session.exec(select(Visit).where(Visit.kind == "perpetrator")).one()
    assert (
        home.present,
        home.evidence_gathered,
        home.perpetrator_identified,
        home.further_needs,
        home.notes,
    ) == (HOSTILE,) * 5
    assert (perp.present, perp.outcome, perp.notes) == (HOSTILE,) * 3
