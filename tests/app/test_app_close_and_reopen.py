"""Closing a case with work still open names the work and asks first; reopening ends the
"tell the victim it is closed" task and never calls the next home visit the first one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app_testkit import TODAY, make_app, screen_text, wait_for, wait_for_screen
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Select

from asb_tui.domain.risk import load_questionnaire
from asb_tui.domain.types import ActionKind, LegalRemedyKind
from asb_tui.screens.case_detail import CaseDetailScreen
from asb_tui.store.commands import cases
from asb_tui.store.commands.legal import add_legal_remedy, record_safeguarding_concern
from asb_tui.store.core.models import Action, Case, Visit
from asb_tui.store.core.store import Store
from asb_tui.store.queries.deadline_facts import deadline_rules


def _accepted(store: Store, data_dir: Path, *, high_risk: bool) -> str:
    new = cases.refer_case(
        store,
        category="personal",
        summary="Threats at the door",
        referred_on=TODAY,
        officer="Test Officer",
        victim_name="Ann Lee",
    )
    questionnaire = load_questionnaire()
    answers = {
        q.id: (q.answers[-1] if high_risk else q.answers[0]).id for q in questionnaire.questions
    }
    cases.accept_case(
        store,
        new.id,
        on=TODAY,
        questionnaire=questionnaire,
        answers=answers,
        rules=deadline_rules(make_app(data_dir).config, TODAY),
    )
    return new.id


def _status(store: Store, case_id: str) -> str:
    with store.read() as session:
        case = session.get(Case, case_id)
    assert case is not None, f"no case {case_id}"
    return case.status


async def _close_form(pilot: Pilot[Any], case_id: str) -> None:
    await pilot.app.push_screen(CaseDetailScreen(case_id))
    await wait_for(pilot, lambda: getattr(pilot.app.screen, "detail", None) is not None)
    await pilot.press("C")
    await wait_for_screen(pilot, "CloseCaseFormScreen")
    pilot.app.screen.query_one("#reason", Select).value = "asb-ceased"


async def test_closing_with_open_work_names_it_and_asks(store: Store, data_dir: Path) -> None:
    case_id = _accepted(store, data_dir, high_risk=True)  # refers the case to the VVC
    record_safeguarding_concern(store, case_id, about="child", referred_on=TODAY)
    add_legal_remedy(store, case_id, kind=LegalRemedyKind.CPN)  # proposed, not served
    app = make_app(data_dir, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        await _close_form(pilot, case_id)
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, "ConfirmScreen")
        text = screen_text(app)
        assert "Close the case anyway?" in text
        assert "safeguarding referral is still open" in text
        assert "Vulnerable Victims" in text
        assert "Community Protection Notice has been proposed but" in text
        await pilot.press("n")
        await wait_for_screen(pilot, "CloseCaseFormScreen")  # nothing lost, nothing closed
        assert app.screen.query_one("#reason", Select).value == "asb-ceased"
        assert _status(store, case_id) == "accepted"
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, "ConfirmScreen")
        await pilot.press("y")
        await wait_for_screen(pilot, "CaseDetailScreen")
        assert _status(store, case_id) == "closed"


async def test_closing_with_nothing_open_asks_nothing(store: Store, data_dir: Path) -> None:
    case_id = _accepted(store, data_dir, high_risk=False)
    app = make_app(data_dir, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        await _close_form(pilot, case_id)
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, "CaseDetailScreen")
        assert _status(store, case_id) == "closed"


async def test_reopening_ends_the_closure_task_and_says_a_new_visit_is_due(
    store: Store, data_dir: Path
) -> None:
    case_id = _accepted(store, data_dir, high_risk=False)
    with store.write() as uow:
        uow.add(
            Visit(case_id=case_id, kind="home", status="complete", done_on=TODAY),
            action="visit.add",
        )
    cases.close_case(store, case_id, reason="asb-ceased", on=TODAY)
    app = make_app(data_dir, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        await app.push_screen(CaseDetailScreen(case_id))
        await wait_for(pilot, lambda: getattr(app.screen, "detail", None) is not None)
        await pilot.press("O")
        await wait_for_screen(pilot, "ReopenFormScreen")
        await pilot.press(*"New incidents reported", "ctrl+s")
        await wait_for_screen(pilot, "CaseDetailScreen")
        messages = [n.message for n in app._notifications]
        with store.read() as session:
            told = session.exec(
                select(Action).where(Action.kind == ActionKind.INFORM_VICTIM_CLOSURE.value)
            ).all()
    assert any(
        "A new home visit is due" in m and "the last was on 20/11/2026" in m for m in messages
    )
    assert not any("First home visit" in m for m in messages)
    assert told and all(task.done_on == TODAY for task in told)
    assert all("reopened" in task.notes for task in told)
