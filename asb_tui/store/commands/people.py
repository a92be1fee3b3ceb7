"""People across cases: addresses, the same person confirmed, merged and split, links between
cases, risk that follows the person, and the repeat-victim protocol started from the records.

A case keeps its own record of each person (`Person`, travelling with the case); the records of
one human share an `identity_id` (docs/people.md says why). Confirming a likely match, merging
and splitting only move records between identities, each move audited and synced as an update
of the records it touches, so every laptop holding those cases agrees.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from asb_tui.domain.case_deadlines import DeadlineRules
from asb_tui.domain.dates import format_uk
from asb_tui.domain.errors import DomainError
from asb_tui.domain.places import check_area, check_uprn, normalise_postcode
from asb_tui.domain.repeats import latest_repeat_span
from asb_tui.domain.types import OPEN_STATUSES, CaseStatus, PartyRole, RiskLevel
from asb_tui.store.commands.cases import add_person_row, start_protocol
from asb_tui.store.core.errors import CaseNotFound, RecordNotFound, StoreError
from asb_tui.store.core.models import (
    Address,
    Case,
    CaseLink,
    CaseParty,
    Note,
    Person,
    RiskAssessment,
)
from asb_tui.store.core.store import Store
from asb_tui.store.core.unit_of_work import UnitOfWork
from asb_tui.store.core.user_text import required_text
from asb_tui.store.queries.identities import (
    identity_of,
    is_victim,
    records_of,
    victim_records,
    victim_report_dates,
)

__all__ = [
    "ADDRESS_KINDS",
    "AddressInput",
    "PeopleError",
    "add_address",
    "add_person_to_case",
    "link_cases",
    "link_cases_by_ref",
    "merge_people",
    "reassess_risk",
    "record_perpetrator_risk",
    "refresh_repeat_victims",
    "split_person",
    "unlink_cases",
]

ADDRESS_KINDS = ("home", "location", "other")


class PeopleError(StoreError):
    """A person, address or link the council's process does not allow (one line, as shown)."""


@dataclass(frozen=True)
class AddressInput:
    """An address as typed: checked and normalised by `checked_address`."""

    line1: str
    line2: str = ""
    town: str = ""
    postcode: str = ""
    uprn: str = ""
    area: str = ""
    kind: str = "home"
    from_on: date | None = None
    to_on: date | None = None


def _person(session: Session, person_id: str) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise RecordNotFound(f"No person with the id {person_id} is in this store.")
    return person


def _case(session: Session, case_id: str) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise CaseNotFound()
    return case


def checked_address(address: AddressInput, areas: Sequence[str]) -> dict[str, object]:
    """The address's fields as stored, or DomainError naming what is wrong."""
    if address.kind not in ADDRESS_KINDS:
        raise DomainError(
            f"'{address.kind}' is not a kind of address ({', '.join(ADDRESS_KINDS)})."
        )
    if address.from_on and address.to_on and address.to_on < address.from_on:
        raise DomainError("An address cannot end before it starts.")
    return {
        "line1": required_text(address.line1, "An address needs its first line."),
        "line2": address.line2,
        "town": address.town,
        "postcode": normalise_postcode(address.postcode),
        "uprn": check_uprn(address.uprn),
        "area": check_area(address.area, areas),
        "kind": address.kind,
        "from_on": address.from_on,
        "to_on": address.to_on,
    }


def add_address_row(
    uow: UnitOfWork,
    case_id: str,
    address: AddressInput,
    *,
    person_id: str | None,
    areas: Sequence[str] = (),
) -> Address:
    fields = checked_address(address, areas)
    row = uow.add(
        Address(case_id=case_id, person_id=person_id, **fields),  # type: ignore[arg-type]
        action="address.add",
        details={"kind": address.kind, "of_person": person_id is not None},
    )
    return row


def add_address(
    store: Store,
    case_id: str,
    address: AddressInput,
    *,
    person_id: str | None = None,
    areas: Sequence[str] = (),
) -> str:
    """A structured address in a case: a person's (with `person_id`) or a place of the case."""
    with store.write() as uow:
        _case(uow.reads, case_id)
        if person_id is not None and _person(uow.reads, person_id).case_id != case_id:
            raise PeopleError("That person is not in this case.")
        return add_address_row(uow, case_id, address, person_id=person_id, areas=areas).id


def add_person_to_case(
    store: Store,
    case_id: str,
    *,
    name: str,
    role: str,
    same_as: str | None = None,
    rejected: Sequence[str] = (),
    address: AddressInput | None = None,
    address_text: str = "",
    date_of_birth: date | None = None,
    phone: str = "",
    email: str = "",
    language: str = "",
    vulnerabilities: str = "",
    notes: str = "",
    own_risk: RiskLevel | None = None,
    own_risk_notes: str = "",
    areas: Sequence[str] = (),
    today: date | None = None,
    rules: DeadlineRules | None = None,
) -> str:
    """Add a person to a case; returns the new record's id.

    `same_as`: the identity the officer confirmed this person is (a likely match offered by
    store/queries/people.person_matches); the new record joins it. `rejected`: the identities
    offered and turned down (kept in the audit event, so a later merge can see it was asked).
    `own_risk`, `own_risk_notes`: an alleged perpetrator's own risk (to others, to
    themselves), refused for anyone else. `address`: a structured address of theirs;
    `address_text`: one typed as free text (as older records hold it). A victim joining an
    identity with incidents in other cases may now be a repeat victim: the rule is checked at
    once (`refresh_repeat_victims`).
    """
    if (own_risk is not None or own_risk_notes.strip()) and (
        role != PartyRole.ALLEGED_PERPETRATOR.value
    ):
        raise PeopleError("Only an alleged perpetrator's own risk is recorded here.")
    with store.write() as uow:
        _case(uow.reads, case_id)
        if same_as is not None and not records_of(uow.reads, same_as):
            raise PeopleError("The person chosen as the same is no longer in this store.")
        person_id = add_person_row(
            uow,
            case_id,
            name=name,
            role=role,
            address=address_text,
            phone=phone,
            email=email,
            language=language,
            date_of_birth=date_of_birth,
            vulnerabilities=vulnerabilities,
            notes=notes,
            identity_id=same_as,
            risk_level=own_risk.value if own_risk else None,
            risk_notes=own_risk_notes,
            match_details={
                "confirmed_same_as": same_as,
                "rejected": sorted(set(rejected)),
            },
        )
        if address is not None and address.line1.strip():
            add_address_row(uow, case_id, address, person_id=person_id, areas=areas)
        if same_as is not None and role == PartyRole.VICTIM.value:
            refresh_repeat_victims(uow, [same_as], today or date.today(), rules or DeadlineRules())
    return person_id


def merge_people(
    store: Store,
    keep: str,
    other: str,
    *,
    reason: str,
    today: date | None = None,
    rules: DeadlineRules | None = None,
) -> int:
    """Join two identities: every record of `other` becomes a record of `keep` (remembering
    it was `other`, so `split_person` can undo it exactly). Returns the records moved."""
    reason = required_text(reason, "Say why these are the same person.")
    with store.write() as uow:
        kept = records_of(uow.reads, keep)
        moving = records_of(uow.reads, other)
        if not kept or not moving:
            raise PeopleError("Both people must be in this store to merge them.")
        if keep == other:
            raise PeopleError("That is already the same person.")
        for record in moving:
            uow.update(
                record,
                {"identity_id": keep, "merged_from_id": other},
                action="person.merge",
                details={"into": keep, "from": other},
            )
        _note_cases(uow, moving, f"{moving[0].name} recorded as the same person as "
                    f"{kept[0].name} in other cases: {reason}")  # fmt: skip
        victim = any(is_victim(uow.reads, p) for p in kept + moving)
        if victim:
            refresh_repeat_victims(uow, [keep], today or date.today(), rules or DeadlineRules())
        return len(moving)


def split_person(store: Store, person_id: str, *, reason: str) -> str:
    """Take a case's record of a person out of its identity: back to the identity it had
    before a merge (with every record that came with it), or, never merged, to an identity of
    its own. Returns the identity the record now has."""
    reason = required_text(reason, "Say why these are not the same person.")
    with store.write() as uow:
        record = _person(uow.reads, person_id)
        current = identity_of(record)
        if record.merged_from_id:
            back_to = record.merged_from_id
            moving = [p for p in records_of(uow.reads, current) if p.merged_from_id == back_to]
        else:
            back_to = record.id
            moving = [record]
            if current == record.id:
                others = [p for p in records_of(uow.reads, current) if p.id != record.id]
                if not others:
                    raise PeopleError("That person is not joined to anyone: nothing to split.")
                # The identity is named after this record: the others keep it under a new name.
                back_to = others[0].id
                moving = others
        for row in moving:
            uow.update(
                row,
                {"identity_id": back_to, "merged_from_id": None},
                action="person.split",
                details={"from": current, "to": back_to},
            )
        _note_cases(uow, moving, f"{record.name} is not the same person as before: {reason}")
        return identity_of(record)


def _note_cases(uow: UnitOfWork, records: Sequence[Person], body: str) -> None:
    """The officer's reason, as a note on each case whose record moved (the audit event names
    the move; the reason, which may name people, lives in the case like any note)."""
    for case_id in sorted({r.case_id for r in records}):
        uow.add(
            Note(case_id=case_id, kind="general", body=body, author=uow.actor), action="note.add"
        )


def link_cases(store: Store, case_id: str, other_case_id: str, *, reason: str, on: date) -> str:
    """An explicit link from one case to another, with the reason."""
    reason = required_text(reason, "Say why the cases are linked.")
    with store.write() as uow:
        case = _case(uow.reads, case_id)
        other = _case(uow.reads, other_case_id)
        if case.id == other.id:
            raise PeopleError("A case cannot be linked to itself.")
        existing = uow.reads.exec(
            select(CaseLink).where(CaseLink.case_id == case.id, CaseLink.linked_case_id == other.id)
        ).first()
        if existing is not None:
            raise PeopleError(f"{case.ref} is already linked to {other.ref}.")
        link = uow.add(
            CaseLink(
                case_id=case.id,
                linked_case_id=other.id,
                linked_ref=other.ref,
                reason=reason,
                linked_by=uow.actor,
                linked_on=on,
            ),
            action="case.link",
            details={"linked_case_id": other.id},
        )
        return link.id


def link_cases_by_ref(store: Store, case_id: str, other_ref: str, *, reason: str, on: date) -> str:
    """`link_cases` to the case with the reference `other_ref`; returns that reference."""
    from asb_tui.store.queries.case_queries import find_case

    with store.read() as session:
        other_id = find_case(session, other_ref)
    if other_id is None:
        raise CaseNotFound(other_ref.strip())
    link_cases(store, case_id, other_id, reason=reason, on=on)
    with store.read() as session:
        other = session.get(Case, other_id)
    return other.ref if other else other_ref.strip()


def unlink_cases(store: Store, link_id: str) -> None:
    with store.write() as uow:
        link = uow.reads.get(CaseLink, link_id)
        if link is None:
            raise RecordNotFound("That link between cases is not in this store.")
        uow.delete(link, action="case.unlink", details={"linked_case_id": link.linked_case_id})


# --- risk that follows the person ----------------------------------------------------------------


@dataclass(frozen=True)
class Reassessment:
    previous: RiskLevel | None
    level: RiskLevel
    lowered: bool


def reassess_risk(
    store: Store,
    case_id: str,
    *,
    person_id: str,
    level: RiskLevel,
    reason: str,
    on: date,
    rules: DeadlineRules,
) -> Reassessment:
    """A reassessment of a named victim: the level may go up or down, always with a reason. A
    lowered level is for the manager to confirm (the review queue lists it until a manager
    review is recorded after it); a level raised to high starts the high-risk protocol."""
    from asb_tui.store.commands.cases import reschedule_home_visit

    reason = required_text(reason, "Give the reason the risk level changed.")
    with store.write() as uow:
        case = _case(uow.reads, case_id)
        if case.status not in OPEN_STATUSES:
            raise PeopleError("Only the risk of an open case can be reassessed.")
        person = _person(uow.reads, person_id)
        if person.case_id != case_id or not is_victim(uow.reads, person):
            raise PeopleError("A risk assessment is of a victim of this case.")
        previous = RiskLevel(case.risk_level) if case.risk_level else None
        if previous is level:
            raise PeopleError(f"The risk level is already {level.value}.")
        if on > date.today():
            raise PeopleError(f"A reassessment cannot be dated {format_uk(on)}, a day to come.")
        latest = uow.reads.exec(
            select(RiskAssessment)
            .where(RiskAssessment.case_id == case_id)
            .order_by(col(RiskAssessment.created_at).desc())
        ).first()
        uow.add(
            RiskAssessment(
                case_id=case_id,
                person_id=person.id,
                questionnaire_version=latest.questionnaire_version if latest else "",
                answers=dict(latest.answers) if latest else {},
                score=latest.score if latest else 0,
                computed_level=latest.computed_level if latest else level.value,
                level=level.value,
                override_reason="",
                previous_level=previous.value if previous else None,
                change_reason=reason,
                assessed_by=uow.actor,
                assessed_on=on,
            ),
            action="risk.reassess",
            details={"from": previous.value if previous else None, "to": level.value},
        )
        uow.update(case, {"risk_level": level.value}, action="case.risk-level")
        reschedule_home_visit(uow, case, level, rules)
        start_protocol(uow, case, level, on, rules)
    lowered = previous is not None and level.rank < previous.rank
    return Reassessment(previous, level, lowered)


def record_perpetrator_risk(
    store: Store, party_id: str, *, level: RiskLevel | None, notes: str
) -> None:
    """An alleged perpetrator's own risk (to others, to themselves) and vulnerability notes."""
    with store.write() as uow:
        party = uow.reads.get(CaseParty, party_id)
        if party is None:
            raise RecordNotFound("That person's part in the case is not in this store.")
        if party.role != PartyRole.ALLEGED_PERPETRATOR.value:
            raise PeopleError("Only an alleged perpetrator's own risk is recorded here.")
        uow.update(
            party,
            {"risk_level": level.value if level else None, "risk_notes": notes},
            action="party.perpetrator-risk",
        )


# --- repeat victims ------------------------------------------------------------------------------


def refresh_repeat_victims(
    uow: UnitOfWork, identity_ids: Iterable[str], today: date, rules: DeadlineRules
) -> list[str]:
    """Inside an open unit of work: for each identity that now meets the repeat-victim rule,
    mark each of its cases not closed as a repeat-victim case (once) and, where the case is
    open, start the high-risk protocol's referrals with "repeat victim" as the reason (a
    referral not yet accepted starts them on acceptance). Returns the case ids newly marked."""
    rule = rules.repeat_victim
    marked: list[str] = []
    for identity_id in sorted(set(identity_ids)):
        victims = victim_records(uow.reads, identity_id)
        if not victims:
            continue
        waiting = [
            case
            for case in uow.reads.exec(
                select(Case).where(col(Case.id).in_(sorted(set(victims.values()))))
            ).all()
            if not case.repeat_victim and case.status != CaseStatus.CLOSED.value
        ]
        if not waiting:
            continue  # every case of theirs is marked already (or closed): nothing to start
        dates = victim_report_dates(uow.reads, identity_id, victims)
        span = latest_repeat_span(
            (d for _case_id, d in dates), today, at_least=rule.incidents, months=rule.months
        )
        if span is None or not span.current:
            continue
        for case in sorted(waiting, key=lambda c: c.ref):
            uow.update(
                case,
                {"repeat_victim": True},
                action="case.repeat-victim",
                details={
                    "incidents": span.count,
                    "from": span.first.isoformat(),
                    "to": span.last.isoformat(),
                },
            )
            # A referral not yet accepted starts the protocol when it is accepted (acceptance
            # reads the flag); an open case starts it now.
            if case.status in OPEN_STATUSES:
                level = RiskLevel(case.risk_level) if case.risk_level else None
                start_protocol(uow, case, level, today, rules)
            marked.append(case.id)
    return marked


def refresh_repeat_victims_of_case(
    uow: UnitOfWork, case_id: str, today: date, rules: DeadlineRules
) -> list[str]:
    """`refresh_repeat_victims` for the victims of one case (after an incident is recorded)."""
    victims = uow.reads.exec(
        select(Person.id, Person.identity_id)
        .join(CaseParty, col(CaseParty.person_id) == col(Person.id))
        .where(CaseParty.case_id == case_id, CaseParty.role == PartyRole.VICTIM.value)
    ).all()
    return refresh_repeat_victims(uow, [identity or pid for pid, identity in victims], today, rules)
