"""Who is who across cases: a record's identity, the records of an identity, and the incidents
a person reported as a victim (what the repeat-victim rule counts). Shared by the people
commands and queries."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from asb_tui.domain.types import PartyRole
from asb_tui.store.core.models import CaseParty, DiarySheet, Incident, Person

__all__ = [
    "identity_of",
    "incident_reported_on",
    "is_victim",
    "records_of",
    "victim_report_dates",
]


def identity_of(person: Person) -> str:
    """The identity of a record (a record from before identities is its own)."""
    return person.identity_id or person.id


def records_of(session: Session, identity_id: str) -> list[Person]:
    rows = session.exec(
        select(Person).where(
            (col(Person.identity_id) == identity_id) | (col(Person.id) == identity_id)
        )
    ).all()
    return [row for row in rows if identity_of(row) == identity_id]


def is_victim(session: Session, person: Person) -> bool:
    return (
        session.exec(
            select(CaseParty.id).where(
                CaseParty.person_id == person.id, CaseParty.role == PartyRole.VICTIM.value
            )
        ).first()
        is not None
    )


def victim_report_dates(session: Session, identity_id: str) -> list[tuple[str, date]]:
    """(case id, date) of each incident reported by the person as a victim, across all their
    cases on this laptop: incidents of their cases, except those from another person's diary
    sheet. The date is when it was reported, else when it happened."""
    records = records_of(session, identity_id)
    victim_rows = {p.id: p.case_id for p in records if is_victim(session, p)}
    if not victim_rows:
        return []
    case_ids = sorted(set(victim_rows.values()))
    rows = session.exec(
        select(Incident, DiarySheet.person_id)
        .join(DiarySheet, col(DiarySheet.id) == col(Incident.diary_sheet_id), isouter=True)
        .where(col(Incident.case_id).in_(case_ids))
    ).all()
    dates: list[tuple[str, date]] = []
    for incident, sheet_person in rows:
        if sheet_person is not None and sheet_person not in victim_rows:
            continue  # another victim's diary
        dates.append((incident.case_id, incident_reported_on(incident)))
    return dates


def incident_reported_on(incident: Incident) -> date:
    """The date an incident counts from in the repeat rule: when the victim first reported it
    to any agency, else (never reported, only in their diary) when it happened."""
    return incident.reported_on or incident.occurred_on
