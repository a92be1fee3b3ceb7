"""Field-work store functions on a real encrypted store: every write is audited and logged for
sync, refusals write nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func
from sqlmodel import select

from asb_tui.domain.types import DoorOutcome, LegalRemedyKind
from asb_tui.store.commands import contacts, diary, house_to_house, legal, visits
from asb_tui.store.commands.fieldwork import FieldworkError, PerpetratorVisitRefused
from asb_tui.store.core.audit import verify_chain
from asb_tui.store.core.models import (
    Action,
    AuditEvent,
    Case,
    CaseParty,
    ChangeRecord,
    Incident,
    Note,
    Person,
    Visit,
)
from asb_tui.store.core.store import Store


def _count(store: Store, model: type) -> int:
    with store.read() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def test_diary_entry_is_an_incident_with_audit_and_change_record(
    store: Store, case_id: str
) -> None:
    sheet = diary.record_sheets_sent(
        store, case_id, sent_on=date(2026, 11, 3), letter_sent_on=date(2026, 11, 3)
    )
    diary.record_sheet_returned(store, sheet.id, date(2026, 11, 20))
    audits, changes = _count(store, AuditEvent), _count(store, ChangeRecord)
    incident = diary.add_diary_entry(
        store,
        sheet.id,
        diary.DiaryEntry(date(2026, 11, 10), "Music until 3am", "2330", "Flat 4", "No sleep"),
    )
    assert _count(store, AuditEvent) == audits + 1
    assert _count(store, ChangeRecord) == changes + 1
    with store.read() as session:
        stored = session.get(Incident, incident.id)
        assert stored is not None
        assert stored.diary_sheet_id == sheet.id
        assert stored.source == "diary"
        assert stored.occurred_time == "23:30"
        # Reported means reported: the sheet's return is not the day the victim reported it.
        assert stored.reported_to_council_on is None and stored.reported_on is None
        assert verify_chain(session).ok


def test_diary_entry_refuses_bad_time_and_blank_description(store: Store, case_id: str) -> None:
    sheet = diary.record_sheets_sent(store, case_id, sent_on=date(2026, 11, 3))
    audits = _count(store, AuditEvent)
    with pytest.raises(FieldworkError, match="not a time"):
        diary.add_diary_entry(store, sheet.id, diary.DiaryEntry(date(2026, 11, 4), "x", "25:00"))
    with pytest.raises(FieldworkError, match="What happened"):
        diary.add_diary_entry(store, sheet.id, diary.DiaryEntry(date(2026, 11, 4), "  "))
    assert _count(store, AuditEvent) == audits


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("21:30", "21:30"),
        ("2130", "21:30"),
        ("9.05", "09:05"),
        ("9pm", "21:00"),
        ("12am", "00:00"),
        ("", ""),
    ],
)
def test_entry_times(typed: str, expected: str) -> None:
    assert diary.parse_entry_time(typed) == expected


def test_perpetrator_visit_needs_standing_agreement(store: Store, case_id: str) -> None:
    on = date(2026, 11, 23)
    before = _count(store, AuditEvent)
    with pytest.raises(PerpetratorVisitRefused, match="has not agreed"):
        visits.record_perpetrator_visit(store, case_id, visited_on=on, outcome="Spoke at door")
    assert _count(store, AuditEvent) == before
    assert _count(store, Visit) == 0

    visits.record_perpetrator_visit_agreement(store, case_id, date(2026, 11, 20))
    visit = visits.record_perpetrator_visit(
        store,
        case_id,
        visited_on=on,
        outcome="Denied it all",
        denial=True,
        counter_allegation="Says the victim shouts at them",
    )
    with store.read() as session:
        case = session.get(Case, case_id)
        assert case is not None and case.counter_allegation
        note = session.exec(select(Note).where(Note.kind == "counter-allegation")).one()
        assert visit.id in note.body
        assert "Says the victim shouts at them" in note.body

    visits.withdraw_perpetrator_visit_agreement(store, case_id, date(2026, 11, 24))
    with pytest.raises(PerpetratorVisitRefused, match="withdrew"):
        visits.record_perpetrator_visit(
            store, case_id, visited_on=date(2026, 11, 25), outcome="Second visit"
        )


def test_home_visit_draft_then_completion(store: Store, case_id: str) -> None:
    draft = visits.save_home_visit_draft(store, case_id, {"present": "Ann and her son"})
    again = visits.save_home_visit_draft(store, case_id, {"present": "Ann"}, draft.id)
    assert again.id == draft.id
    resumed = visits.home_visit_draft(store, case_id)
    assert resumed is not None and resumed.form_state == {"present": "Ann"}

    done = visits.complete_home_visit(
        store,
        case_id,
        visits.HomeVisitRecord(
            visited_on=date(2026, 11, 23),
            present="Ann",
            witnesses=(visits.Witness("Bob Neighbour", "2 High St"),),
            signposting=("Victim Support",),
            actions=(visits.ActionItem("Ask police for CAD logs", date(2026, 11, 27)),),
            consent=visits.ConsentRecord(True, True, None, "police, landlord", True),
            contact=visits.ContactTerms("5wd", "phone", "after 6pm", False),
        ),
        visit_id=draft.id,
    )
    assert done.next_update_due == date(2026, 11, 30)
    assert visits.home_visit_draft(store, case_id) is None
    with store.read() as session:
        visit = session.get(Visit, draft.id)
        assert visit is not None and visit.status == "complete"
        assert visit.signposting == ["Victim Support"]
        roles = session.exec(select(CaseParty.role)).all()
        assert roles.count("witness") == 1
        assert session.exec(select(Action).where(Action.title == "Ask police for CAD logs")).one()
        assert contacts.next_victim_update_due(session, case_id) == date(2026, 11, 30)
    # The agreement given in the consent now allows a perpetrator visit.
    visits.check_perpetrator_visit(store, case_id, date(2026, 11, 24))


def test_bad_contact_frequency_is_refused_and_nothing_written(store: Store, case_id: str) -> None:
    before = _count(store, AuditEvent)
    with pytest.raises(FieldworkError, match="not a contact frequency"):
        visits.complete_home_visit(
            store,
            case_id,
            visits.HomeVisitRecord(date(2026, 11, 23), "Ann", contact=visits.ContactTerms("often")),
        )
    assert _count(store, AuditEvent) == before


def test_victim_update_moves_the_next_due_date(store: Store, case_id: str) -> None:
    visits.complete_home_visit(
        store,
        case_id,
        visits.HomeVisitRecord(date(2026, 11, 2), "Ann", contact=visits.ContactTerms("weekly")),
    )
    logged = contacts.log_victim_update(
        store,
        case_id,
        updated_on=date(2026, 11, 12),
        means="phone",
        summary="Told of plan",
        feels_safer="yes",
    )
    assert logged.next_due == date(2026, 11, 19)


def test_house_to_house_addresses_and_outcomes(store: Store, case_id: str) -> None:
    run = house_to_house.create_run(
        store,
        case_id,
        area="High St",
        run_on=date(2026, 11, 23),
        addresses="1 High St\n\n2 High St\n 1  high st \n3 High St\n",
    )
    sheet = house_to_house.run_sheet(store, run.id)
    assert [d.address for d in sheet.doors] == ["1 High St", "2 High St", "3 High St"]
    first, second, third = sheet.doors
    house_to_house.record_door_outcome(
        store,
        first.id,
        DoorOutcome.INFORMATION_GIVEN,
        witness=visits.Witness("Carol", "1 High St"),
        intelligence="Saw a red van",
    )
    house_to_house.record_door_outcome(store, second.id, DoorOutcome.CALL_BACK, note="after 5")
    sheet = house_to_house.run_sheet(store, run.id)
    assert (sheet.done, sheet.total) == (2, 3)
    assert [d.id for d in sheet.call_backs] == [second.id]
    with store.read() as session:
        assert session.exec(select(Person).where(Person.name == "Carol")).one()
        assert (
            "Saw a red van"
            in session.exec(select(Note.body).where(Note.kind == "intelligence")).one()
        )
    with pytest.raises(FieldworkError):
        house_to_house.record_door_outcome(
            store, third.id, DoorOutcome.REFUSED, intelligence="not allowed"
        )


def test_legal_remedy_dates_and_safeguarding(store: Store, case_id: str) -> None:
    remedy = legal.add_legal_remedy(
        store,
        case_id,
        kind=LegalRemedyKind.ABC,
        started_on=date(2026, 1, 31),
        stage="signed",
        victim_role="statement",
        support_offered="Victim Support",
    )
    assert remedy.review_on == date(2026, 4, 30)
    assert remedy.expires_on == date(2026, 7, 31)
    legal.add_legal_stage(store, remedy.id, stage="breached", stage_on=date(2026, 3, 1))
    [found] = legal.legal_remedies(store, case_id)
    assert [s.stage for s in found.stages] == ["signed", "breached"]

    action = legal.record_safeguarding_concern(
        store, case_id, about="child", referred_on=date(2026, 11, 23), reference="MASH/123"
    )
    assert action.agency == "Children's Services"
    assert [a.id for a in legal.safeguarding_referrals(store, case_id, open_only=True)] == [
        action.id
    ]
    legal.complete_safeguarding_referral(store, action.id, date(2026, 11, 25))
    assert legal.safeguarding_referrals(store, case_id, open_only=True) == []
    assert contacts.agency_contacts(store, case_id)[0].reference == "MASH/123"


def test_a_diary_entry_sent_twice_with_its_id_is_stored_once(store: Store, case_id: str) -> None:
    import uuid

    sheet = diary.record_sheets_sent(store, case_id, sent_on=date(2026, 11, 3))
    other = diary.record_sheets_sent(store, case_id, sent_on=date(2026, 11, 4))
    entry = diary.DiaryEntry(date(2026, 11, 10), "Music until 3am", "2330")
    entry_id = str(uuid.uuid4())
    first = diary.add_diary_entry(store, sheet.id, entry, entry_id=entry_id)
    audits, changes = _count(store, AuditEvent), _count(store, ChangeRecord)
    again = diary.add_diary_entry(store, sheet.id, entry, entry_id=entry_id.upper())
    assert again.id == first.id == entry_id
    assert (_count(store, AuditEvent), _count(store, ChangeRecord)) == (audits, changes)
    with pytest.raises(FieldworkError, match="another diary sheet"):
        diary.add_diary_entry(store, other.id, entry, entry_id=entry_id)
    with pytest.raises(FieldworkError, match="not a valid id"):
        diary.add_diary_entry(store, sheet.id, entry, entry_id="'; DROP TABLE incident")
    with pytest.raises(FieldworkError, match="at most 10,000 fit"):
        diary.add_diary_entry(store, sheet.id, diary.DiaryEntry(date(2026, 11, 10), "x" * 10_001))
    assert _count(store, Incident) == 1
