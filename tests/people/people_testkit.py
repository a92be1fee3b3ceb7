"""Cases with people, made through the store's commands, for the tests of people across cases."""

from __future__ import annotations

from datetime import date

from asb_tui.domain.case_deadlines import DeadlineRules
from asb_tui.domain.types import Category, PartyRole
from asb_tui.store.commands import cases, diary
from asb_tui.store.commands.diary import DiaryEntry
from asb_tui.store.core.models import Case
from asb_tui.store.core.store import Store

TODAY = date(2026, 12, 1)
BORN = date(1990, 6, 14)
RULES = DeadlineRules()


def new_case(
    store: Store, summary: str, *, victim: str, referred_on: date, accepted: bool = True
) -> str:
    """A case of the team with its victim; accepted (standard risk) the next day unless not."""
    made = cases.refer_case(
        store,
        category=Category.PERSONAL.value,
        summary=summary,
        referred_on=referred_on,
        officer="Test Officer",
        team="east",
        victim_name=victim,
    )
    if accepted:
        with store.write() as uow:
            case = uow.reads.get(Case, made.id)
            assert case is not None
            changes = {"status": "accepted", "accepted_on": referred_on, "risk_level": "standard"}
            uow.update(case, changes, action="case.accept")
    return made.id


def victim_of(store: Store, case_id: str) -> str:
    from sqlmodel import col, select

    from asb_tui.store.core.models import CaseParty

    with store.read() as session:
        found = session.exec(
            select(CaseParty.person_id).where(
                col(CaseParty.case_id) == case_id, col(CaseParty.role) == PartyRole.VICTIM.value
            )
        ).first()
    assert found is not None
    return found


def diary_incidents(store: Store, case_id: str, person_id: str, days: list[date]) -> None:
    """Entries of a diary sheet of the case's victim, one per day."""
    sheet = diary.record_sheets_sent(
        store, case_id, sent_on=min(days), letter_sent_on=min(days), person_id=person_id
    )
    for day in days:
        diary.add_diary_entry(
            store,
            sheet.id,
            DiaryEntry(occurred_on=day, occurred_time="", description=f"Shouting on {day}"),
            typed_on=TODAY,
            rules=RULES,
        )
