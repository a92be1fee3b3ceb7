"""Checks that keep wrong facts out: a notice cannot be served (nor a remedy started or a stage
dated) on a day still to come, by the form, the stage prompt or the store itself; a review
on a bank holiday is warned about, and a saved remedy's form is cleared so it is not saved twice."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from case_testkit import Host
from legal_testkit import add_respondent
from sqlmodel import col, select
from textual.widget import Widget
from textual.widgets import Input, Select
from textual_testkit import settle

from asb_tui.domain.errors import DomainError
from asb_tui.domain.legal import check_remedy_start, check_stage_date
from asb_tui.domain.types import LegalRemedyKind
from asb_tui.screens.legal_remedy import LegalRemedyScreen
from asb_tui.store.commands import legal
from asb_tui.store.core.models import LegalRemedy, LegalStage
from asb_tui.store.core.store import Store
from asb_tui.widgets.date_field import DateField, closed_day_warning

TODAY = date(2026, 11, 23)  # the host app's today (tests/case_testkit.py)


def _remedies(store: Store) -> list[LegalRemedy]:
    with store.read() as session:
        return list(session.exec(select(LegalRemedy)).all())


def _stages(store: Store) -> list[LegalStage]:
    with store.read() as session:
        return list(session.exec(select(LegalStage).order_by(col(LegalStage.created_at))).all())


def _status(screen: Widget) -> str:
    return str(screen.query_one("#status").render())


async def test_a_remedy_started_tomorrow_is_refused(store: Store, case_id: str, host: Host) -> None:
    screen = LegalRemedyScreen(case_id)
    async with host(screen).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen.query_one("#lr-kind", Select).value = "civil-injunction"
        screen.query_one("#lr-start").focus()
        await pilot.press(*"24/11/2026", "ctrl+s")
        await settle(pilot)
        assert _status(screen) == "24/11/2026 has not come yet: record it on or after the day."
        assert screen.query_one("#lr-start", DateField).value == "24/11/2026"  # kept to put right
        assert _remedies(store) == []
        screen.query_one("#lr-start", DateField).value = "23/11/2026"  # today is fine
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert [(r.kind, r.status) for r in _remedies(store)] == [("civil-injunction", "in-force")]


async def test_the_form_clears_after_saving_and_a_second_save_adds_nothing(
    store: Store, case_id: str, host: Host
) -> None:
    add_respondent(store, case_id)  # a proposed remedy is against a person of the case
    screen = LegalRemedyScreen(case_id)
    async with host(screen).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen.query_one("#lr-stage").focus()
        await pilot.press(*"signed", "ctrl+s")
        await settle(pilot)
        assert len(_remedies(store)) == 1
        assert screen.query_one("#lr-stage", Input).value == ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert len(_remedies(store)) == 1
        assert "is saved" in _status(screen)
        screen.query_one("#lr-stage").focus()
        await pilot.press(*"proposed", "ctrl+s")  # the next remedy saves as usual
        await settle(pilot)
        assert len(_remedies(store)) == 2


def test_bank_holidays_and_weekends_are_named() -> None:
    assert closed_day_warning(date(2027, 1, 1)) == (
        "01/01/2027 is a bank holiday (New Year's Day): choose a working day if it should be one."
    )
    assert "a Saturday" in (closed_day_warning(date(2026, 11, 28)) or "")
    assert closed_day_warning(date(2026, 11, 30)) is None
    assert "office is closed" in (
        closed_day_warning(date(2026, 11, 30), closures=[date(2026, 11, 30)]) or ""
    )


async def test_a_review_date_on_a_bank_holiday_is_warned_about(host: Host, store: Store) -> None:
    from textual.app import ComposeResult
    from textual.screen import Screen

    class Review(Screen[object]):
        def compose(self) -> ComposeResult:
            yield DateField(TODAY + timedelta(days=1), today=TODAY, warn_closed_days=True)

    screen = Review()
    app = host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        field = screen.query_one(DateField)
        field.focus()
        field.value = ""
        await pilot.press(*"01/01/2027")
        assert field.parse() == date(2027, 1, 1)
        field.parse()  # read again, as a save would: warned once
        await pilot.pause()
        warnings = [n for n in app._notifications if "bank holiday" in n.message]
        assert len(warnings) == 1 and "New Year's Day" in warnings[0].message


def test_the_store_refuses_a_remedy_or_a_stage_dated_ahead(store: Store, case_id: str) -> None:
    """Every path (form, prompt, demo, scripts) goes through these checks in store/legal.py."""
    tomorrow = TODAY + timedelta(days=1)
    with pytest.raises(DomainError, match="has not come yet"):
        legal.add_legal_remedy(
            store, case_id, kind=LegalRemedyKind.CIVIL_INJUNCTION, started_on=tomorrow, today=TODAY
        )
    assert _remedies(store) == []
    remedy = legal.add_legal_remedy(
        store,
        case_id,
        kind=LegalRemedyKind.CIVIL_INJUNCTION,
        started_on=TODAY,
        stage="issued",
        today=TODAY,
    )
    with pytest.raises(DomainError, match="has not come yet"):
        legal.add_legal_stage(store, remedy.id, stage="served", stage_on=tomorrow, today=TODAY)
    legal.add_legal_stage(store, remedy.id, stage="served", stage_on=TODAY, today=TODAY)
    assert [s.stage for s in _stages(store)] == ["issued", "served"]
    # A remedy only proposed has no start date, so nothing to check yet.
    proposed = legal.add_legal_remedy(store, case_id, kind=LegalRemedyKind.ABC, today=TODAY)
    assert proposed.status == "proposed"


def test_the_domain_rules_allow_today_and_the_past() -> None:
    check_remedy_start(None, TODAY)
    check_remedy_start(TODAY, TODAY)
    check_stage_date(TODAY - timedelta(days=400), TODAY)
    with pytest.raises(DomainError):
        check_stage_date(TODAY + timedelta(days=1), TODAY)
    with pytest.raises(DomainError):
        check_remedy_start(TODAY + timedelta(days=1), TODAY)


async def test_a_stage_served_tomorrow_is_refused_from_the_prompt(
    store: Store, case_id: str, host: Host
) -> None:
    remedy = legal.add_legal_remedy(
        store, case_id, kind=LegalRemedyKind.CIVIL_INJUNCTION, started_on=TODAY, today=TODAY
    )
    screen = LegalRemedyScreen(case_id)
    async with host(screen).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        prompt = pilot.app.screen
        assert prompt is not screen
        prompt.query_one("#stage").focus()
        await pilot.press(*"served")
        prompt.query_one("#on", DateField).value = "24/11/2026"
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert "24/11/2026: that day has not come yet" in _status(screen)
        assert _stages(store) == []
    with store.read() as session:
        assert session.get(LegalRemedy, remedy.id) is not None
