"""Who is who across cases: a record's identity, the records of an identity, and the incidents
a person reported as a victim (what the repeat-victim rule counts). Shared by the people
commands and queries."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from asb_tui.domain.types import PartyRole
from asb_tui.store.core.models import CaseParty, DiarySheet, Incident, Person

__all__ = [
    "identity_of",
    "incident_reported_on",
    "is_victim",
    "records_of",
    "victim_records",
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


def victim_records(session: Session, identity_id: str) -> dict[str, str]:
    """The identity's records that are a victim in their case: person id -> case id (one
    query)."""
    rows = session.exec(
        select(Person.id, Person.identity_id, Person.case_id)
        .join(CaseParty, col(CaseParty.person_id) == col(Person.id))
        .where(
            (col(Person.identity_id) == identity_id) | (col(Person.id) == identity_id),
            col(CaseParty.role) == PartyRole.VICTIM.value,
        )
    ).all()
    return {pid: case_id for pid, identity, case_id in rows if (identity or pid) == identity_id}


def victim_report_dates(
    session: Session, identity_id: str, victims: dict[str, str] | None = None
) -> list[tuple[str, date]]:
    """(case id, date) of each incident reported by the person as a victim, across all their
    cases on this laptop: incidents of their cases, except those from another person's diary
    sheet. The date is when it was reported, else when it happened. `victims`: the identity's
    `victim_records`, when the caller has read them already."""
    victim_rows = victim_records(session, identity_id) if victims is None else victims
    if not victim_rows:
        return []
    case_ids = sorted(set(victim_rows.values()))
    rows = session.execute(
        sa_select(
            col(Incident.case_id),
            col(Incident.reported_on),
            col(Incident.occurred_on),
            col(DiarySheet.person_id),
        )
        .join(DiarySheet, col(DiarySheet.id) == col(Incident.diary_sheet_id), isouter=True)
        .where(col(Incident.case_id).in_(case_ids))
    ).all()
    return [
        (case_id, reported or occurred)
        for case_id, reported, occurred, sheet_person in rows
        # another victim's diary is theirs
        if sheet_person is None or sheet_person in victim_rows
    ]


def incident_reported_on(incident: Incident) -> date:
    """The date an incident counts from in the repeat rule: when the victim first reported it
    to any agency, else (never reported, only in their diary) when it happened."""
    return incident.reported_on or incident.occurred_on
