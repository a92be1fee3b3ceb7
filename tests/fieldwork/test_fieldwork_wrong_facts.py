"""Checks that keep wrong facts out: a notice cannot be served on a day still to come, a review
on a bank holiday is warned about, and a saved remedy's form is cleared so it is not saved twice."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select
from textual_testkit import settle

from asb_tui.screens.legal_remedy import LegalRemedyScreen
from asb_tui.store.models import LegalRemedy
from asb_tui.store.store import Store
from asb_tui.widgets.date_field import DateField, closed_day_warning

TODAY = date(2026, 11, 23)  # the host app's today (tests/fieldwork/conftest.py)


def _remedies(store: Store) -> list[LegalRemedy]:
    with store.read() as session:
        return list(session.exec(select(LegalRemedy)).all())


def _status(screen) -> str:
    return str(screen.query_one("#status").render())


async def test_a_notice_served_tomorrow_is_refused(store: Store, case_id: str, host) -> None:
    screen = LegalRemedyScreen(case_id)
    async with host(screen).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen.query_one("#lr-kind").value = "community-protection-notice"
        screen.query_one("#lr-start").focus()
        await pilot.press(*"24/11/2026", "ctrl+s")
        await settle(pilot)
        assert _status(screen) == "24/11/2026 has not come yet: record it on or after the day."
        assert screen.query_one("#lr-start", DateField).value == "24/11/2026"  # kept to put right
        assert _remedies(store) == []
        screen.query_one("#lr-start", DateField).value = "23/11/2026"  # today is fine
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert [(r.kind, r.status) for r in _remedies(store)] == [
            ("community-protection-notice", "in-force")
        ]


async def test_the_form_clears_after_saving_and_a_second_save_adds_nothing(
    store: Store, case_id: str, host
) -> None:
    screen = LegalRemedyScreen(case_id)
    async with host(screen).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen.query_one("#lr-stage").focus()
        await pilot.press(*"signed", "ctrl+s")
        await settle(pilot)
        assert len(_remedies(store)) == 1
        assert screen.query_one("#lr-stage").value == ""
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


async def test_a_review_date_on_a_bank_holiday_is_warned_about(host, store: Store) -> None:
    from textual.screen import Screen

    class Review(Screen[None]):
        def compose(self):
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
