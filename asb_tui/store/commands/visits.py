"""Home visits (a guided form that can be saved part-way and resumed), consent, the contact
agreement, and visits to the alleged perpetrator (only while the victim's agreement stands).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from asb_tui.domain.contact import next_victim_update_due, parse_contact_frequency
from asb_tui.domain.dates import format_uk
from asb_tui.domain.errors import DomainError
from asb_tui.domain.evidence import check_cited
from asb_tui.domain.lifecycle import VictimAgreement, check_perpetrator_visit_allowed
from asb_tui.domain.types import ActionKind, PartyRole, VisitKind
from asb_tui.store.commands.cases import add_person_row
from asb_tui.store.commands.fieldwork import (
    FieldworkError,
    PerpetratorVisitRefused,
    get_case,
    require_text,
)
from asb_tui.store.core.models import (
    Action,
    CaseParty,
    Consent,
    ContactAgreement,
    Note,
    Person,
    Visit,
)
from asb_tui.store.core.store import Store
from asb_tui.store.core.unit_of_work import UnitOfWork
from asb_tui.store.core.user_text import is_blank
from asb_tui.store.queries.evidence import exhibit_refs

__all__ = [
    "ActionItem",
    "CompletedVisit",
    "ConsentRecord",
    "ContactTerms",
    "HomeVisitRecord",
    "Witness",
    "add_witness",
    "add_witness_row",
    "check_perpetrator_visit",
    "complete_home_visit",
    "home_visit_draft",
    "record_perpetrator_visit",
    "record_perpetrator_visit_agreement",
    "save_home_visit_draft",
    "victim_agreements",
    "withdraw_perpetrator_visit_agreement",
]


@dataclass(frozen=True)
class Witness:
    name: str
    address: str = ""
    phone: str = ""
    notes: str = ""


@dataclass(frozen=True)
class ActionItem:
    title: str
    due_on: date | None = None
    owner: str = ""


@dataclass(frozen=True)
class ConsentRecord:
    """Consent to record and share (signed, date, scope) and the perpetrator-visit agreement."""

    record_and_share: bool
    signed: bool = False
    given_on: date | None = None
    scope: str = ""
    perpetrator_visit_agreed: bool = False


@dataclass(frozen=True)
class ContactTerms:
    """How often and by what means the victim is kept updated (drives the update deadline)."""

    frequency: str
    means: str = ""
    safe_times: str = ""
    may_leave_messages: bool = False


@dataclass(frozen=True)
class HomeVisitRecord:
    """The home visit form, in the order of the council's procedure."""

    visited_on: date
    present: str
    evidence_gathered: str = ""
    perpetrator_identified: str = ""
    witnesses: tuple[Witness, ...] = ()
    further_needs: str = ""
    signposting: tuple[str, ...] = ()
    actions: tuple[ActionItem, ...] = ()
    consent: ConsentRecord | None = None
    contact: ContactTerms | None = None
    notes: str = ""
    #: exhibit references of the case the evidence gathered cites (e.g. GD/1, GD/3)
    cited_exhibits: tuple[str, ...] = ()


@dataclass(frozen=True)
class CompletedVisit:
    visit_id: str
    next_update_due: date | None
    witness_ids: tuple[str, ...] = ()


# --- home visit: drafts ---------------------------------------------------------------------


def save_home_visit_draft(
    store: Store, case_id: str, form_state: dict[str, Any], visit_id: str | None = None
) -> Visit:
    """Keep the half-filled form (Visit.status "draft", Visit.form_state) to resume later."""
    with store.write() as uow:
        get_case(uow.reads, case_id)
        if visit_id is None:
            return uow.add(
                Visit(
                    case_id=case_id,
                    kind=VisitKind.HOME.value,
                    status="draft",
                    form_state=form_state,
                ),
                action="visit.draft",
            )
        visit = _visit_of_case(uow.reads, case_id, visit_id)
        if visit.status == "complete":
            raise FieldworkError("This visit is already complete; it cannot become a draft again.")
        return uow.update(visit, {"form_state": form_state}, action="visit.draft")


@dataclass(frozen=True)
class VisitDraft:
    """A home visit saved part-way: what its form held."""

    id: str
    form_state: dict[str, Any]


def home_visit_draft(store: Store, case_id: str) -> VisitDraft | None:
    """The case's most recent unfinished home visit form, if any."""
    with store.read() as session:
        visit = session.exec(
            select(Visit)
            .where(
                Visit.case_id == case_id,
                Visit.kind == VisitKind.HOME.value,
                Visit.status == "draft",
            )
            .order_by(col(Visit.id))
        ).first()
        return None if visit is None else VisitDraft(visit.id, dict(visit.form_state or {}))


def _cited(session: Session, case_id: str, cited: Iterable[str]) -> list[str]:
    """The exhibit references cited, each one of the case's (FieldworkError otherwise)."""
    wanted = [c.strip().upper() for c in cited if c.strip()]
    if not wanted:
        return []
    try:
        return check_cited(wanted, exhibit_refs(session, case_id))
    except DomainError as exc:
        raise FieldworkError(str(exc)) from None


def _visit_of_case(session: Session, case_id: str, visit_id: str) -> Visit:
    visit = session.get(Visit, visit_id)
    if visit is None or visit.case_id != case_id:
        raise FieldworkError("That visit is not in this case.")
    return visit


# --- home visit: completion -------------------------------------------------------------------


def complete_home_visit(
    store: Store,
    case_id: str,
    record: HomeVisitRecord,
    *,
    visit_id: str | None = None,
    closures: Iterable[date] = (),
) -> CompletedVisit:
    """Save the finished form: the visit, witnesses, action plan, consent and contact agreement
    in one transaction. Returns when the first victim update is due under the agreement."""
    require_text(record.present, "Who was present")
    frequency = None
    if record.contact is not None:
        try:
            frequency = parse_contact_frequency(record.contact.frequency)
        except DomainError as exc:
            raise FieldworkError(str(exc)) from None
    for witness in record.witnesses:
        require_text(witness.name, "A witness's name")
    for item in record.actions:
        require_text(item.title, "An action's description")
    with store.write() as uow:
        case = get_case(uow.reads, case_id)
        fields: dict[str, Any] = {
            "done_on": record.visited_on,
            "status": "complete",
            "present": record.present,
            "evidence_gathered": record.evidence_gathered,
            "cited_exhibits": _cited(uow.reads, case_id, record.cited_exhibits),
            "perpetrator_identified": record.perpetrator_identified,
            "further_needs": record.further_needs,
            "signposting": list(record.signposting),
            "notes": record.notes,
            "form_state": {},
        }
        if visit_id is None:
            visit = uow.add(
                Visit(case_id=case_id, kind=VisitKind.HOME.value, **fields), action="visit.record"
            )
        else:
            visit = _visit_of_case(uow.reads, case_id, visit_id)
            if visit.status == "complete":
                raise FieldworkError("This visit has already been completed.")
            uow.update(visit, fields, action="visit.record")
        witness_ids = tuple(add_witness_row(uow, case_id, w) for w in record.witnesses)
        for item in record.actions:
            uow.add(
                Action(
                    case_id=case_id,
                    kind=ActionKind.GENERAL.value,
                    title=item.title,
                    owner=item.owner,
                    due_on=item.due_on,
                    notes=f"Action plan, home visit {format_uk(record.visited_on)}",
                ),
                action="action.add",
            )
        victim_id = _victim_person_id(uow.reads, case_id)
        if record.consent is not None:
            _add_consent(uow, case_id, victim_id, record.consent, record.visited_on)
        if record.contact is not None:
            uow.add(
                ContactAgreement(
                    case_id=case_id,
                    person_id=victim_id,
                    frequency=record.contact.frequency.strip().lower(),
                    means=record.contact.means,
                    safe_times=record.contact.safe_times,
                    may_leave_messages=record.contact.may_leave_messages,
                    agreed_on=record.visited_on,
                ),
                action="contact_agreement.add",
            )
        _complete_open_tasks(uow, case_id, ActionKind.HOME_VISIT, record.visited_on)
        next_due = None
        if frequency is not None:
            next_due = next_victim_update_due(frequency, record.visited_on, case.region, closures)
        return CompletedVisit(visit.id, next_due, witness_ids)


def _add_consent(
    uow: UnitOfWork, case_id: str, person_id: str | None, consent: ConsentRecord, on: date
) -> Consent:
    return uow.add(
        Consent(
            case_id=case_id,
            person_id=person_id,
            record_and_share=consent.record_and_share,
            signed=consent.signed,
            given_on=consent.given_on or on,
            scope=consent.scope,
            perpetrator_visit_agreed=consent.perpetrator_visit_agreed,
        ),
        action="consent.add",
    )


def _complete_open_tasks(uow: UnitOfWork, case_id: str, kind: ActionKind, on: date) -> None:
    tasks = uow.reads.exec(
        select(Action).where(
            Action.case_id == case_id, Action.kind == kind.value, col(Action.done_on).is_(None)
        )
    ).all()
    for task in tasks:
        uow.update(task, {"done_on": on}, action="action.done")


def _victim_person_id(session: Session, case_id: str) -> str | None:
    return session.exec(
        select(CaseParty.person_id)
        .where(CaseParty.case_id == case_id, CaseParty.role == PartyRole.VICTIM.value)
        .order_by(col(CaseParty.id))
    ).first()


def _same_name(first: str, second: str) -> bool:
    return " ".join(first.casefold().split()) == " ".join(second.casefold().split())


def _known_witness(session: Session, case_id: str, name: str) -> Person | None:
    rows = session.exec(
        select(Person)
        .join(CaseParty, col(CaseParty.person_id) == col(Person.id))
        .where(CaseParty.case_id == case_id, CaseParty.role == PartyRole.WITNESS.value)
    ).all()
    return next((person for person in rows if _same_name(person.name, name)), None)


def add_witness_row(uow: UnitOfWork, case_id: str, witness: Witness) -> str:
    """Inside an open unit of work: a Person and their CaseParty with the role witness.

    A witness already on the case under the same name (case and spacing aside) is the same
    person: nothing is added twice; an address or phone they lacked is filled in."""
    known = _known_witness(uow.reads, case_id, witness.name)
    if known is not None:
        missing = {
            field: value
            for field, value in (("address", witness.address), ("phone", witness.phone))
            if not is_blank(value) and not getattr(known, field)
        }
        if missing:
            uow.update(known, missing, action="person.update")
        return known.id
    return add_person_row(
        uow,
        case_id,
        name=witness.name,
        role=PartyRole.WITNESS.value,
        address=witness.address,
        phone=witness.phone,
        notes=witness.notes,
    )


def add_witness(store: Store, case_id: str, witness: Witness) -> str:
    """Add a person with the role witness; returns the person's id."""
    require_text(witness.name, "The witness's name")
    with store.write() as uow:
        get_case(uow.reads, case_id)
        return add_witness_row(uow, case_id, witness)


# --- the victim's agreement to a perpetrator visit -------------------------------------------


def victim_agreements(session: Session, case_id: str) -> list[VictimAgreement]:
    """Every recorded agreement to a perpetrator visit, with when it was withdrawn (if it was).

    Withdrawing consent as a whole also withdraws the agreement."""
    rows = session.exec(
        select(Consent).where(
            Consent.case_id == case_id,
            col(Consent.perpetrator_visit_agreed).is_(True),
            col(Consent.given_on).is_not(None),
        )
    ).all()
    agreements = []
    for row in rows:
        assert row.given_on is not None
        ends = [d for d in (row.withdrawn_on, row.perpetrator_visit_withdrawn_on) if d]
        agreements.append(VictimAgreement(row.given_on, min(ends) if ends else None))
    return agreements


def _check(session: Session, case_id: str, on: date) -> None:
    try:
        check_perpetrator_visit_allowed(victim_agreements(session, case_id), on)
    except DomainError as exc:
        raise PerpetratorVisitRefused(str(exc)) from None


def check_perpetrator_visit(store: Store, case_id: str, on: date) -> None:
    """Raise PerpetratorVisitRefused (saying why) unless the victim's agreement stands on `on`."""
    with store.read() as session:
        get_case(session, case_id)
        _check(session, case_id, on)


def record_perpetrator_visit_agreement(
    store: Store, case_id: str, given_on: date, *, scope: str = ""
) -> Consent:
    """Record the victim's agreement to a visit to the alleged perpetrator (given after the
    home visit, e.g. by phone)."""
    with store.write() as uow:
        get_case(uow.reads, case_id)
        victim_id = _victim_person_id(uow.reads, case_id)
        record = ConsentRecord(
            record_and_share=False,
            given_on=given_on,
            scope=scope or "Agreement to a visit to the alleged perpetrator",
            perpetrator_visit_agreed=True,
        )
        return _add_consent(uow, case_id, victim_id, record, given_on)


def withdraw_perpetrator_visit_agreement(store: Store, case_id: str, on: date) -> int:
    """Mark every standing agreement as withdrawn on `on`; returns how many were withdrawn."""
    with store.write() as uow:
        get_case(uow.reads, case_id)
        standing = uow.reads.exec(
            select(Consent).where(
                Consent.case_id == case_id,
                col(Consent.perpetrator_visit_agreed).is_(True),
                col(Consent.withdrawn_on).is_(None),
                col(Consent.perpetrator_visit_withdrawn_on).is_(None),
            )
        ).all()
        if not standing:
            raise FieldworkError("No standing agreement to a perpetrator visit to withdraw.")
        for consent in standing:
            uow.update(
                consent,
                {"perpetrator_visit_withdrawn_on": on},
                action="consent.withdraw_perpetrator_visit",
            )
        return len(standing)


# --- the perpetrator visit -------------------------------------------------------------------


def record_perpetrator_visit(
    store: Store,
    case_id: str,
    *,
    visited_on: date,
    outcome: str,
    present: str = "",
    denial: bool = False,
    counter_allegation: str = "",
    notes: str = "",
    cited_exhibits: Iterable[str] = (),
) -> Visit:
    """Record a visit to the alleged perpetrator: refused (PerpetratorVisitRefused, nothing
    written) unless the victim's agreement stands on `visited_on`.

    A counter-allegation flags the case and adds a "counter-allegation" note naming the visit.
    `cited_exhibits`: the case's exhibits that corroborate or contradict the denial or the
    counter-allegation (refused if the case has no such exhibit).
    """
    require_text(outcome, "The outcome of the visit")
    with store.write() as uow:
        case = get_case(uow.reads, case_id)
        # Checked inside the write transaction: an agreement withdrawn a moment ago is seen.
        _check(uow.reads, case_id, visited_on)
        visit = uow.add(
            Visit(
                case_id=case_id,
                kind=VisitKind.PERPETRATOR.value,
                done_on=visited_on,
                status="complete",
                present=present,
                outcome=outcome,
                denial=denial,
                counter_allegation=counter_allegation,
                cited_exhibits=_cited(uow.reads, case_id, cited_exhibits),
                notes=notes,
            ),
            action="visit.perpetrator",
        )
        if counter_allegation.strip():
            uow.update(case, {"counter_allegation": True}, action="case.counter_allegation")
            uow.add(
                Note(
                    case_id=case_id,
                    kind="counter-allegation",
                    body=(
                        f"Counter-allegation made at the perpetrator visit of "
                        f"{format_uk(visited_on)} (visit {visit.id}):\n{counter_allegation}"
                    ),
                    author=uow.actor,
                ),
                action="note.add",
                details={"visit_id": visit.id},
            )
        return visit
