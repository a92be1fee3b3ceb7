"""The officer's main flow through the real app on a real encrypted store: referral, acceptance
with the risk assessment (high risk: visit in 3 working days), search, closing rules."""

from __future__ import annotations

from pathlib import Path

from app_testkit import TODAY, make_app, screen_as, screen_text, wait_for, wait_for_screen
from sqlmodel import select
from textual.message import Message
from textual.widgets import DataTable, Input, Select

from asb_tui.domain.risk import load_questionnaire
from asb_tui.screens.accept_form import AcceptFormScreen
from asb_tui.screens.case_detail import CaseDetailScreen
from asb_tui.store.commands import cases
from asb_tui.store.core.models import Action, Case, Incident
from asb_tui.store.core.store import Store
from asb_tui.store.queries.deadline_facts import deadline_rules


def _refer(
    store: Store, summary: str = "Noise from the flat above", victim: str = "Ann Lee"
) -> cases.NewCase:
    return cases.refer_case(
        store,
        category="personal",
        summary=summary,
        referred_on=TODAY,
        officer="Test Officer",
        victim_name=victim,
    )


async def test_referral_then_high_risk_acceptance_puts_visit_three_working_days_on(
    store: Store, data_dir: Path
) -> None:
    app = make_app(data_dir, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        await pilot.press("n")
        await wait_for_screen(pilot, "ReferralFormScreen")
        await pilot.press(*"Shouting and banging every night")
        await pilot.press("tab")  # to the category
        await pilot.press("enter", "down", "enter")  # open the list, first category, choose
        assert app.screen.query_one("#category", Select).value == "personal"
        app.screen.query_one("#victim-name", Input).value = "Ann Lee"
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, "CaseDetailScreen")
        await wait_for(pilot, lambda: "· Referred ·" in screen_text(app))

        await pilot.press("a")
        await wait_for_screen(pilot, "AcceptFormScreen")
        await wait_for(pilot, lambda: screen_as(app, AcceptFormScreen).questionnaire is not None)
        questionnaire = load_questionnaire()
        # Focus starts on question 1; the highest-scoring answer of each is its last one.
        for question in questionnaire.questions:
            await pilot.press(str(len(question.answers)))
        status = screen_text(app)
        assert "high risk" in status
        assert "First home visit due 25/11/2026" in status  # shown at once, before saving
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, "CaseDetailScreen")
        await wait_for(pilot, lambda: "· Accepted ·" in screen_text(app))
        await pilot.press("5")  # the Actions tab
        await pilot.pause()
        text = screen_text(app)
        assert "25/11/2026" in text and "First home visit" in text

        with store.read() as session:
            case = session.exec(select(Case)).one()
            assert case.status == "accepted" and case.risk_level == "high"
            kinds = {a.kind: a for a in session.exec(select(Action)).all()}
    home_visit = kinds["home-visit"].due_on
    assert home_visit is not None and home_visit.isoformat() == "2026-11-25"
    assert "vso-referral" in kinds and "vvc-referral" in kinds


async def test_search_finds_a_word_from_an_incident_as_you_type(
    store: Store, data_dir: Path
) -> None:
    found = _refer(store, summary="Dog barking")
    other = _refer(store, summary="Graffiti on the garages")
    with store.write() as uow:
        uow.add(
            Incident(
                case_id=found.id,
                occurred_on=TODAY,
                description="A trombone played at full volume until 3am",
            ),
            action="incident.add",
        )
    seen: list[Message] = []
    app = make_app(data_dir, store)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        await pilot.press("slash")
        await wait_for_screen(pilot, "CaseListScreen")
        app.screen.query_one("#filter-status", Select).clear()  # every status
        await pilot.press(*"tromb")  # half a word: prefix search
        await wait_for(
            pilot,
            lambda: any(
                type(m).__name__ == "ResultsShown" and getattr(m, "typed", "") == "tromb"
                for m in seen
            ),
        )
        table = app.screen.query_one(DataTable)
        keys = [row.value for row in table.rows]
        assert keys == [found.id]
        assert other.id not in keys
        assert "trombone" in screen_text(app)

        # FTS syntax typed by the officer is searched for, never interpreted.
        search = app.screen.query_one("#search", Input)
        search.value = 'OR "NEAR( * -tromb'
        await wait_for(
            pilot,
            lambda: any(getattr(m, "typed", "") == 'OR "NEAR( * -tromb' for m in seen),
        )
        assert app.screen.query_one(DataTable).row_count == 0


async def test_closing_without_a_reason_is_refused(store: Store, data_dir: Path) -> None:
    new = _refer(store)
    questionnaire = load_questionnaire()
    answers = {q.id: q.answers[0].id for q in questionnaire.questions}
    cases.accept_case(
        store,
        new.id,
        on=TODAY,
        questionnaire=questionnaire,
        answers=answers,
        rules=deadline_rules(make_app(data_dir).config, TODAY),
    )
    app = make_app(data_dir, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        await wait_for(pilot, lambda: app.screen.query_one(DataTable).row_count == 1)
        await pilot.press("enter")
        await wait_for_screen(pilot, "CaseDetailScreen")
        await wait_for(pilot, lambda: screen_as(app, CaseDetailScreen).detail is not None)
        await pilot.press("C")
        await wait_for_screen(pilot, "CloseCaseFormScreen")
        app.screen.query_one("#note", Input).value = "nothing more to do"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Choose a reason for closing the case." in screen_text(app))
        assert type(app.screen).__name__ == "CloseCaseFormScreen"  # nothing lost
        assert app.screen.query_one("#note", Input).value == "nothing more to do"
        with store.read() as session:
            case = session.get(Case, new.id)
            assert case is not None and case.status == "accepted"


async def test_a_case_gone_from_the_laptop_says_so_in_the_store_s_one_wording(
    store: Store, data_dir: Path
) -> None:
    """Opening a case that is not on this laptop (destroyed, or removed at a sync) goes back
    with the sentence every other screen and command uses for it."""
    from asb_tui.store.core.errors import CASE_NOT_FOUND

    app = make_app(data_dir, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        app.push_screen(CaseDetailScreen("no-such-case"))
        await wait_for(pilot, lambda: bool(app._notifications))
        await wait_for_screen(pilot, "DashboardScreen")
        shown = [n.message for n in app._notifications]
    assert shown == [CASE_NOT_FOUND]
