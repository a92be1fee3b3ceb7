"""Agency contacts and victim updates, and when the next victim update is due."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from asb_tui.domain import contact
from asb_tui.domain.errors import DomainError
from asb_tui.store.commands.fieldwork import FieldworkError, get_case, require_text
from asb_tui.store.core.models import AgencyContact, Case, ContactAgreement, VictimUpdate
from asb_tui.store.core.store import Store

__all__ = [
    "AgencyContactRow",
    "AgreementTerms",
    "LoggedUpdate",
    "UpdateRow",
    "UpdateSchedule",
    "add_agency_contact",
    "agency_contacts",
    "log_victim_update",
    "next_victim_update_due",
    "update_schedule",
]


def add_agency_contact(
    store: Store,
    case_id: str,
    *,
    agency: str,
    contacted_on: date,
    method: str = "",
    summary: str = "",
    contact_name: str = "",
    reference: str = "",
    reference_kind: str = "",
    follow_up_due: date | None = None,
) -> AgencyContact:
    """Record a contact with the police, the landlord, Children's Services and so on."""
    require_text(agency, "The agency")
    if follow_up_due is not None and follow_up_due < contacted_on:
        raise FieldworkError("The follow-up cannot be due before the contact.")
    with store.write() as uow:
        get_case(uow.reads, case_id)
        return uow.add(
            AgencyContact(
                case_id=case_id,
                agency=agency,
                contact_name=contact_name,
                reference=reference,
                reference_kind=reference_kind if reference.strip() else "",
                method=method,
                summary=summary,
                contacted_on=contacted_on,
                follow_up_due=follow_up_due,
            ),
            action="agency_contact.add",
        )


@dataclass(frozen=True)
class AgencyContactRow:
    """One agency contact, as the contacts screen lists it."""

    id: str
    agency: str
    reference_kind: str
    reference: str
    contacted_on: date
    follow_up_due: date | None


def agency_contacts(store: Store, case_id: str) -> list[AgencyContactRow]:
    """The case's agency contacts, newest first."""
    with store.read() as session:
        rows = session.exec(
            select(AgencyContact)
            .where(AgencyContact.case_id == case_id)
            .order_by(col(AgencyContact.contacted_on).desc(), col(AgencyContact.created_at).desc())
        ).all()
        return [
            AgencyContactRow(
                id=row.id,
                agency=row.agency,
                reference_kind=row.reference_kind,
                reference=row.reference,
                contacted_on=row.contacted_on,
                follow_up_due=row.follow_up_due,
            )
            for row in rows
        ]


def next_victim_update_due(
    session: Session, case_id: str, closures: Iterable[date] = ()
) -> date | None:
    """When the next victim update is due under the latest contact agreement (None when no
    agreement was made). Counted from the last update, or from the agreement when none yet."""
    agreement = session.exec(
        select(ContactAgreement)
        .where(ContactAgreement.case_id == case_id)
        .order_by(col(ContactAgreement.agreed_on).desc())
    ).first()
    if agreement is None:
        return None
    try:
        frequency = contact.parse_contact_frequency(agreement.frequency)
    except DomainError:
        return None  # an agreement typed before validation existed: no deadline rather than a crash
    last_update = session.exec(
        select(func.max(VictimUpdate.updated_on)).where(VictimUpdate.case_id == case_id)
    ).first()
    since = max(d for d in (agreement.agreed_on, last_update) if d is not None)
    case = session.get(Case, case_id)
    region = case.region if case is not None else "england-and-wales"
    return contact.next_victim_update_due(frequency, since, region, closures)


@dataclass(frozen=True)
class LoggedUpdate:
    update: VictimUpdate
    next_due: date | None


def log_victim_update(
    store: Store,
    case_id: str,
    *,
    updated_on: date,
    means: str,
    summary: str,
    feels_safer: str = "",
    closures: Iterable[date] = (),
) -> LoggedUpdate:
    """Log an update given to the victim; returns it with when the next one is due."""
    require_text(summary, "A summary of the update")
    closures = frozenset(closures)
    with store.write() as uow:
        get_case(uow.reads, case_id)
        update = uow.add(
            VictimUpdate(
                case_id=case_id,
                updated_on=updated_on,
                means=means,
                summary=summary,
                feels_safer=feels_safer,
                officer=uow.actor,
            ),
            action="victim_update.add",
        )
        uow.reads.flush()
        return LoggedUpdate(update, next_victim_update_due(uow.reads, case_id, closures))


@dataclass(frozen=True)
class AgreementTerms:
    """The latest contact agreement: how and how often the victim is kept informed."""

    frequency: str
    means: str
    safe_times: str
    may_leave_messages: bool
    agreed_on: date


@dataclass(frozen=True)
class UpdateRow:
    id: str
    updated_on: date
    means: str
    feels_safer: str
    summary: str


@dataclass(frozen=True)
class UpdateSchedule:
    """What the victim agreed about updates, and where things stand."""

    agreement: AgreementTerms | None
    updates: list[UpdateRow]
    next_due: date | None


def update_schedule(store: Store, case_id: str, closures: Iterable[date] = ()) -> UpdateSchedule:
    """The latest contact agreement, the updates so far (newest first) and the next due date."""
    with store.read() as session:
        agreement = session.exec(
            select(ContactAgreement)
            .where(ContactAgreement.case_id == case_id)
            .order_by(col(ContactAgreement.agreed_on).desc())
        ).first()
        updates = session.exec(
            select(VictimUpdate)
            .where(VictimUpdate.case_id == case_id)
            .order_by(col(VictimUpdate.updated_on).desc(), col(VictimUpdate.created_at).desc())
        ).all()
        terms = None
        if agreement is not None:
            terms = AgreementTerms(
                agreement.frequency,
                agreement.means,
                agreement.safe_times,
                agreement.may_leave_messages,
                agreement.agreed_on,
            )
        rows = [UpdateRow(u.id, u.updated_on, u.means, u.feels_safer, u.summary) for u in updates]
        return UpdateSchedule(terms, rows, next_victim_update_due(session, case_id, closures))
