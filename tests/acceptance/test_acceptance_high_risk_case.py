"""The council's procedure for one high-risk case, from referral to closure and reopening, as two
officers of one team do it: Asha Begum takes the case on her laptop, Ben Okafor covers for her on
his, and both sync with the service on PostgreSQL.

Everything is done at the keyboard of the real app (Pilot) or with the real commands (the CLI in
a subprocess). At the end both audit chains verify, nothing waits in either outbox, both laptops
export the case alike, and the VVC pack and the subject access export hold what was typed.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from acceptance_kit import Desk, Laptop
from sqlmodel import select
from typing_kit import diary_sheet, sheet_keys, wait_until_saved

from asb_tui.store.models import Case, Incident
from asb_tui.widgets.diary_grid import RowState

pytestmark = pytest.mark.postgres

VICTIM = "Siobhán Ó Súilleabháin"
PERPETRATOR = "Gary Pratt"
SUMMARY = "Shouting and banging at her door most nights; eggs thrown at the window"
MONDAY = date(2026, 11, 16)  # referral and acceptance
WEDNESDAY = date(2026, 11, 18)  # the home visit, inside its 3 working days


def case_of(laptop: Laptop) -> Case:
    with laptop.store() as store, store.read() as session:
        return session.exec(select(Case)).one()


async def test_high_risk_case_from_referral_to_reopening(
    asha: Laptop, ben: Laptop, tmp_path: Path
) -> None:
    # --- Monday: the referral, accepted with the risk questionnaire ---------------------------
    async with asha.app(MONDAY).run_test(size=(120, 40)) as pilot:
        desk = Desk(pilot)
        await desk.unlock()
        await desk.press("n")
        await desk.on_screen("ReferralFormScreen")
        await desk.type(SUMMARY)
        await desk.choose("#category", "personal")
        await desk.field("#victim-name", VICTIM)
        await desk.field("#location", "12 Mill Lane, Calderbrook")
        await desk.field("#source", "self")
        await desk.press("ctrl+s")
        await desk.on_screen("CaseDetailScreen")
        await desk.sees("referred")
        await desk.until(lambda: desk.screen.detail is not None, "the case")
        first_sight = desk.seen()

        await desk.press("a")
        await desk.on_screen("AcceptFormScreen")
        await desk.until(lambda: desk.screen.questionnaire is not None, "the questionnaire")
        # The victim's answers: the highest-scoring answer to each question (its last number).
        await desk.keys(*[str(len(q.answers)) for q in desk.screen.questionnaire.questions])
        assert "high risk" in desk.status("#assessment-status")
        assert "First home visit due 19/11/2026" in desk.status("#assessment-status")
        await desk.press("ctrl+s")
        await desk.on_screen("CaseDetailScreen")
        await desk.sees("accepted")

        # The alleged perpetrator, named by the victim.
        await desk.press("w")
        await desk.on_screen("PersonFormScreen")
        await desk.type(PERPETRATOR)
        await desk.choose("#role", "alleged-perpetrator")
        await desk.field("#address", "14 Mill Lane, Calderbrook")
        await desk.press("ctrl+s")
        await desk.on_screen("CaseDetailScreen")

        # The diary sheets go out with the letter (ctrl+n), come back, and are typed in ahead
        # of their saves, as fast as the keys come.
        await desk.press("d")
        await desk.on_screen("DiarySheetScreen")
        await desk.press("ctrl+n")
        await desk.on_screen("FormPrompt")
        await desk.press("enter")
        await desk.on_screen("DiarySheetScreen")
        await desk.status_is("Sheets sent recorded.")
        sheet = diary_sheet(16)
        await desk.keys(*sheet_keys(sheet))
        await wait_until_saved(pilot, desk.screen.grid, len(sheet))
        assert desk.screen.grid.count(RowState.REFUSED) == 0
        await desk.press("escape")
        await desk.on_screen("CaseDetailScreen")

    case = case_of(asha)
    ref = case.ref
    assert ref in first_sight
    assert (case.status, case.risk_level) == ("accepted", "high")
    with asha.store() as store, store.read() as session:
        incidents = session.exec(select(Incident).where(Incident.diary_sheet_id != None)).all()  # noqa: E711
    typed = {row.stored for row in sheet}
    stored = {
        (
            i.occurred_on,
            i.occurred_time,
            i.description,
            i.who_involved,
            i.impact,
            i.reported_to_police,
            i.police_ref,
        )
        for i in incidents
    }
    assert stored == typed and len(incidents) == len(sheet)
