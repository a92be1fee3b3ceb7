"""The legal remedy screen moves a remedy by the legal moves only, driven by Pilot: ctrl+o offers
the legal next statuses of the remedy under the cursor, then asks the dates that power sets (a
warning: its time to comply), and the table shows the new status and the next deadline; a move
that is not legal is refused in one line and nothing is written."""

from __future__ import annotations

from datetime import UTC, date, datetime

from case_testkit import TODAY, Host
from legal_testkit import add_respondent
from sqlmodel import col, select
from textual.widget import Widget
from textual.widgets import DataTable, Input
from textual_testkit import settle

from asb_tui.domain.types import LegalRemedyKind
from asb_tui.screens.legal_remedy import LegalRemedyScreen
from asb_tui.store.commands import legal_powers
from asb_tui.store.core.models import AuditEvent, LegalRemedy
from asb_tui.store.core.store import Store
from asb_tui.widgets.date_field import DateField


def _status(screen: Widget) -> str:
    return str(screen.query_one("#status").render())


async def test_ctrl_o_serves_a_warning_with_its_time_to_comply(
    store: Store, case_id: str, host: Host
) -> None:
    dean = add_respondent(store, case_id)
    warning = legal_powers.propose_remedy(store, case_id, kind=LegalRemedyKind.CPW, person_id=dean)
    screen = LegalRemedyScreen(case_id)
    async with host(screen).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = screen.query_one("#remedies", DataTable)
        assert [str(c) for c in table.get_row_at(0)[:3]] == [
            "Community Protection Warning",
            "Dean Marsh",
            "Proposed",
        ]
        # an illegal move typed at the choice is refused, nothing written
        await pilot.press("ctrl+o")
        await settle(pilot)
        choice = pilot.app.screen
        assert choice is not screen
        assert "one of: served, ended" in str(choice.query_one("Label").render())
        to = choice.query_one("#to", Input)
        assert to.value == "served"  # the first legal move, offered
        to.value = "granted"
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert _status(screen) == (
            "A Community Protection Warning that is proposed cannot become granted "
            "(next: served, ended)."
        )
        # the legal move: served today, time to comply to 07/12/2026
        await pilot.press("ctrl+o")
        await settle(pilot)
        await pilot.press("enter")  # "served", as offered
        await settle(pilot)
        facts = pilot.app.screen
        assert facts.query_one("#on", DateField).value == "23/11/2026"
        facts.query_one("#comply_by", DateField).value = "07/12/2026"
        await pilot.press("enter")
        await settle(pilot, rounds=2)
        assert pilot.app.screen is screen
        assert _status(screen) == "Remedy moved to served."
        row = [str(c) for c in table.get_row_at(0)]
        assert row[2] == "Served (in force)"
        assert row[3].startswith("07/12/2026 time to comply ends")
    with store.read() as session:
        stored = session.get(LegalRemedy, warning.id)
        moves = session.exec(
            select(AuditEvent)
            .where(AuditEvent.action == "legal_remedy.move")
            .order_by(col(AuditEvent.seq))
        ).all()
    assert stored is not None
    assert (stored.status, stored.comply_by, stored.started_on) == (
        "served",
        date(2026, 12, 7),
        TODAY,
    )
    assert [(e.details["from"], e.details["to"]) for e in moves] == [("proposed", "served")]


async def test_ctrl_r_records_a_review_and_its_next_date(
    store: Store, case_id: str, host: Host
) -> None:
    dean = add_respondent(store, case_id)
    abc = legal_powers.propose_remedy(store, case_id, kind=LegalRemedyKind.ABC, person_id=dean)
    legal_powers.move_remedy(
        store,
        abc.id,
        to=legal_powers.RemedyStatus.IN_FORCE,
        on=date(2026, 8, 3),
        review_on=date(2026, 11, 3),
        ends_on=date(2027, 2, 3),
        now=datetime(2026, 11, 23, 12, tzinfo=UTC),
    )
    screen = LegalRemedyScreen(case_id)
    async with host(screen).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = screen.query_one("#remedies", DataTable)
        assert str(table.get_row_at(0)[3]) == "03/11/2026 review"  # overdue: the next deadline
        await pilot.press("ctrl+r")
        await settle(pilot)
        prompt = pilot.app.screen
        prompt.query_one("#next", DateField).value = "06/01/2027"
        await pilot.press("enter")
        await settle(pilot, rounds=2)
        assert _status(screen) == "Review recorded."
        assert str(table.get_row_at(0)[3]) == "06/01/2027 review"
    with store.read() as session:
        stored = session.get(LegalRemedy, abc.id)
    assert stored is not None and stored.review_on == date(2027, 1, 6)
