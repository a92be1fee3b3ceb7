"""The oversight screens, driven with Pilot in the real app over a real encrypted store."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pikepdf
from app_testkit import app_on_screen
from built_case_testkit import MakeCase, ReadPdf
from sqlmodel import select
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, Input, Select, Static, TextArea
from textual_testkit import settle as settle_workers

from asb_tui.app import AsbApp
from asb_tui.domain.vvc import vvc_cutoff, vvc_meetings
from asb_tui.screens.record_review import RecordReviewScreen
from asb_tui.screens.review_queue import ReviewQueueScreen
from asb_tui.screens.share_case import ShareCaseScreen
from asb_tui.screens.vvc import VvcScreen
from asb_tui.screens.vvc_decision import VvcDecisionScreen
from asb_tui.screens.vvc_pack_password import PackPasswordScreen
from asb_tui.store.core.models import AuditEvent, ManagerReview, SharingRecord, VvcDecision
from asb_tui.store.core.store import Store

TODAY = date.today()
HOSTILE = "[bold]Smith[/] [/ [0] [[x]]"
S115 = "s115-crime-and-disorder-act-1998"


def host(store: Store, data_dir: Path, screen: Screen[object]) -> AsbApp:
    """The real app over the test's store, showing the screen under test."""
    return app_on_screen(screen, data_dir, store, today=TODAY)


async def settle(pilot: Pilot[int]) -> None:
    await settle_workers(pilot, rounds=3)


def _text(widget: Static) -> str:
    return str(widget.render())


async def test_review_queue_lists_due_cases_and_records_a_review(
    store: Store, make_case: MakeCase, data_dir: Path
) -> None:
    due = make_case(
        "ASB-Q-1", risk_level="high", accepted_on=TODAY - timedelta(days=40), officer=HOSTILE
    )
    make_case("ASB-Q-2")
    app = host(store, data_dir, ReviewQueueScreen())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 2
        assert str(table.get_row_at(0)[0]) == "ASB-Q-1"
        assert str(table.get_row_at(0)[5]) == HOSTILE  # shown literally
        # The reason and the risk show as labels, not as the stored "high-risk" and "high".
        assert [str(cell) for cell in table.get_row_at(0)[1:3]] == ["High risk", "High"]
        assert "1 high-risk case(s) due" in _text(app.screen.query_one("#queue-info", Static))

        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, RecordReviewScreen)
        await pilot.press(*"Risk still high")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ReviewQueueScreen)
        assert app.screen.query_one(DataTable).row_count == 1  # reviewed: no longer due
    with store.read() as session:
        (review,) = session.exec(select(ManagerReview)).all()
    assert (review.case_id, review.notes, review.reason) == (
        due.case_id,
        "Risk still high",
        "high-risk",
    )
    assert review.next_review_on == TODAY + timedelta(days=14)


async def test_share_screen_shows_consent_first_and_refuses_consent_basis(
    store: Store, make_case: MakeCase, data_dir: Path
) -> None:
    case = make_case("ASB-S-1", people=[(HOSTILE, "victim")])
    app = host(store, data_dir, ShareCaseScreen(case.case_id))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert "Consent: NOT on record" in _text(screen.query_one("#consent-status", Static))
        screen.query_one("#agency", Select).value = "Police"
        screen.query_one("#what", Select).value = "Incident log"
        screen.query_one("#basis", Select).value = "consent"
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = _text(screen.query_one("#form-error", Static))
        assert "cannot share on the basis of consent" in error
        assert app.screen is screen  # still on the form, nothing lost
        assert screen.query_one("#agency", Select).value == "Police"

        screen.query_one("#basis", Select).value = "s115-crime-and-disorder-act-1998"
        screen.query_one("#what-detail", Input).value = "since 01/10"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is not screen
    with store.read() as session:
        (share,) = session.exec(select(SharingRecord)).all()
    assert (share.agency, share.what, share.legal_basis, share.consent_status) == (
        "Police",
        "Incident log: since 01/10",
        "s115-crime-and-disorder-act-1998",
        "none",
    )


async def test_share_screen_withdraws_a_share_with_its_reason_audited(
    store: Store, make_case: MakeCase, data_dir: Path
) -> None:
    from asb_tui.store.commands.sharing import share_case

    case = make_case("ASB-W-1", people=[(HOSTILE, "victim")])
    for agency in ("Police", "Housing"):
        share_case(store, case.case_id, agency=agency, what="Whole case", legal_basis=S115,
                   shared_on=TODAY, today=TODAY)  # fmt: skip
    app = host(store, data_dir, ShareCaseScreen(case.case_id))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert app.screen is not screen  # the prompt: which agency and why
        await pilot.press(*"Probation", "tab", *"operation ended", "enter")
        await settle(pilot)
        assert app.screen is screen
        error = _text(screen.query_one("#form-error", Static))
        assert "not shared with 'Probation'" in error and "Housing, Police" in error

        await pilot.press("ctrl+t")
        await settle(pilot)
        await pilot.press(*"police", "enter")  # no reason yet: the prompt stays
        await settle(pilot)
        assert app.screen is not screen
        await pilot.press(*"the joint operation ended", "enter")  # the reason has the focus
        await settle(pilot)
        assert app.screen is screen
        shown = _text(screen.query_one("#previous-shares", Static))
        assert "Housing" in shown and "Police" not in shown
    with store.read() as session:
        assert [s.agency for s in session.exec(select(SharingRecord))] == ["Housing"]
        (event,) = session.exec(
            select(AuditEvent).where(AuditEvent.action == "case.share.withdraw")
        ).all()
    assert event.case_id == case.case_id
    assert "the joint operation ended" in str(event.details) and "Police" in str(event.details)


async def test_vvc_screen_agenda_decision_and_pack(
    store: Store,
    make_case: MakeCase,
    data_dir: Path,
    tmp_path: Path,
    read_pdf: ReadPdf,
) -> None:
    meeting = next(m for m in vvc_meetings(TODAY, TODAY + timedelta(days=70)) if m >= TODAY)
    case = make_case(
        "ASB-VS-1",
        risk_level="high",
        people=[(HOSTILE, "victim")],
        incidents=[(TODAY - timedelta(days=3), "Window smashed")],
        vvc_referred_on=min(TODAY, vvc_cutoff(meeting)),
    )
    app = host(store, data_dir, VvcScreen())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        agenda = app.screen.query_one("#agenda", DataTable)
        assert agenda.row_count == 1 and str(agenda.get_row_at(0)[0]) == "ASB-VS-1"
        vvc = app.screen
        assert isinstance(vvc, VvcScreen) and vvc.selected_meeting() == meeting

        await pilot.press("d")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, VvcDecisionScreen)
        form.query_one("#case-officer", Input).value = "Priya Natarajan"
        form.query_one("#case-manager", Input).value = "Tom Hughes"
        form.query_one("#decision", TextArea).text = "Refer to Adult Social Care"
        form.query_one("#vvc-actions", TextArea).text = "Fit door chain | Housing | 31/02/2026"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "line 1" in _text(form.query_one("#form-error", Static))
        form.query_one("#vvc-actions", TextArea).text = "Fit door chain | Housing | +10d"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, VvcScreen)
        assert "Refer to Adult Social Care" in str(
            app.screen.query_one("#agenda", DataTable).get_row_at(0)[4]
        )

        out = tmp_path / "screen-pack.pdf"
        await pilot.press("e")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, PackPasswordScreen)
        modal.query_one("#pack-out", Input).value = str(out)
        modal.query_one("#pack-password", Input).value = "meeting secret 1"
        modal.query_one("#pack-password-again", Input).value = "meeting secret 2"
        await pilot.press("ctrl+s")
        assert "differ" in _text(modal.query_one("#pack-error", Static))
        modal.query_one("#pack-password-again", Input).value = "meeting secret 1"
        await pilot.press("ctrl+s")
        await settle(pilot)  # the export worker has finished: the file is written
        assert out.exists()
    with pikepdf.open(out, password="meeting secret 1") as pdf:
        assert pdf.is_encrypted
    assert "ASB-VS-1" in read_pdf(out, "meeting secret 1")
    with store.read() as session:
        decision = session.exec(select(VvcDecision)).one()
        exported = session.exec(
            select(AuditEvent).where(AuditEvent.action == "export.vvc-pack")
        ).one()
    assert decision.case_id == case.case_id and decision.actions[0]["agency"] == "Housing"
    assert decision.actions[0]["due_on"] == (TODAY + timedelta(days=10)).isoformat()
    assert exported.details["file"] == str(out.resolve())
