"""The Case Review screen through the real app under Pilot: opened by T on the case detail, the
whole workflow typed key by key (application, acknowledgement, decision, meeting, a
recommendation, the outcome, the victim told), each step stored and shown."""

from __future__ import annotations

from datetime import date
from typing import Any

from app_testkit import screen_as, screen_text, wait_for, wait_for_screen
from case_testkit import TODAY, Host
from textual.pilot import Pilot

from asb_tui.screens.case_detail import CaseDetailScreen
from asb_tui.screens.case_review import CaseReviewScreen
from asb_tui.store.commands import diary
from asb_tui.store.core.store import Store
from asb_tui.store.queries.case_review_summary import read_case_review
from asb_tui.store.queries.deadline_facts import deadline_rules


def _shown(app: Any) -> str:
    """The screen's text with its line wrapping undone."""
    return " ".join(screen_text(app).split())


def _two_reports(store: Store, case_id: str) -> None:
    sheet = diary.record_sheets_sent(store, case_id, sent_on=date(2026, 11, 3))
    for happened, reported, to in (
        (date(2026, 11, 4), date(2026, 11, 4), ("police",)),
        (date(2026, 11, 10), date(2026, 11, 12), ("council",)),
    ):
        diary.add_diary_entry(
            store,
            sheet.id,
            diary.DiaryEntry(
                occurred_on=happened,
                description=f"Shouting on {happened}",
                reported_on=reported,
                reported_to=to,
            ),
            typed_on=TODAY,
        )


async def _step(pilot: Pilot[Any], screen: CaseReviewScreen, key: str, *typed: str) -> str:
    """Press the step's key, type each field (Tab between), Enter; the status line it leaves."""
    before = screen.summary
    screen.set_status("")
    status = screen.query_one("#status")
    await pilot.press(key)
    await wait_for_screen(pilot, "FormPrompt")
    for index, text in enumerate(typed):
        if index:
            await pilot.press("tab")
        if text:  # "\b" is Backspace (over a field's suggested value)
            await pilot.press(*["backspace" if ch == "\b" else ch for ch in text])
    await pilot.press("enter")
    await wait_for_screen(pilot, "CaseReviewScreen")
    await wait_for(pilot, lambda: str(status.render()))
    if not status.has_class("-error"):
        await wait_for(pilot, lambda: screen.summary is not before)  # read again after a save
    return str(status.render())


async def test_the_case_review_runs_through_its_screen(
    store: Store, case_id: str, host: Host
) -> None:
    _two_reports(store, case_id)
    app = host(CaseDetailScreen(case_id))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "CaseDetailScreen")
        await pilot.press("T")
        await wait_for_screen(pilot, "CaseReviewScreen")
        screen = screen_as(app, CaseReviewScreen)
        await wait_for(pilot, lambda: "2 count on 23/11/2026 (not met)" in _shown(app))
        assert "tell the victim about the Case" in _shown(app)

        status = await _step(pilot, screen, "a", "Ann Victim", "", "", "Police x2 by phone")
        assert status == "Application of 23/11/2026 logged."
        assert await _step(pilot, screen, "k") == "Acknowledgement recorded."
        # The threshold is not met (two of three): the decision says so, with its reasons.
        status = await _step(pilot, screen, "e", "", "Two complaints in six months")
        assert status == "Decision recorded: threshold not met."
        status = await _step(pilot, screen, "m")
        assert "follows a decision that the threshold is met" in status
        status = await _step(pilot, screen, "o", "Letter: the threshold is not met")
        assert status == "Outcome told to the applicant recorded."
        assert await _step(pilot, screen, "t") == "The victim was told about the Case Review."
        await wait_for(pilot, lambda: "told 23/11/2026" in _shown(app))
        await wait_for(pilot, lambda: "Case Review: decide the threshold" in _shown(app))

    rules = deadline_rules(app.config, TODAY)
    summary = read_case_review(store, case_id, TODAY, rules)
    (application,) = summary.applications
    assert (application.applicant, application.partner_reports) == (
        "Ann Victim",
        "Police x2 by phone",
    )
    assert application.acknowledged_on == TODAY and application.threshold_met is False
    assert application.decision_reason == "Two complaints in six months"
    assert application.outcome == "Letter: the threshold is not met"
    assert summary.status == "outcome told" and summary.told_on == TODAY
    # The application cites the incidents the screen showed.
    assert len(application.cited_incidents) == 2


async def test_a_met_threshold_goes_on_to_the_meeting_and_its_recommendations(
    store: Store, case_id: str, host: Host
) -> None:
    _two_reports(store, case_id)
    app = host(CaseReviewScreen(case_id))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = screen_as(app, CaseReviewScreen)
        await wait_for(pilot, lambda: screen.summary is not None)
        await _step(pilot, screen, "a", "Cllr Patel", "Ann Victim")
        status = await _step(pilot, screen, "e", "\b" + "y", "Met with the police report")
        assert status == "Decision recorded: threshold met."
        assert await _step(pilot, screen, "m") == "Review meeting recorded."
        status = await _step(pilot, screen, "r", "Serve a CPW", "Police", "07/12/2026")
        assert status == "Recommendation added."
        assert await _step(pilot, screen, "x") == "Recommendation done."
    summary = read_case_review(store, case_id, TODAY, deadline_rules(app.config, TODAY))
    (application,) = summary.applications
    assert application.on_behalf_of == "Ann Victim" and application.meeting_on == TODAY
    assert application.agencies_present[:2] == ("The council", "The police")
    (rec,) = application.recommendations
    assert (rec.text, rec.owner, rec.due_on, rec.done_on) == (
        "Serve a CPW",
        "Police",
        date(2026, 12, 7),
        TODAY,
    )
