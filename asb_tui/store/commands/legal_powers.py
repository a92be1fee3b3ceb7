"""The 2014 Act's powers on a case: propose a remedy against a person of the case, move it by the
legal moves only (each move audited, with its stage), and read each remedy with its clock.

The rules are the domain's (asb_tui/domain/legal_powers.py); this module reads the facts they need
(the respondent's date of birth, the case's warnings against the same person) and writes through
the unit of work. Times are kept in UTC and given to the rules in UK time (Christmas Day is a UK
day).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import Session, select

from asb_tui.domain.legal_powers import (
    Move,
    RemedyStatus,
    WarningFact,
    check_proposal,
    next_statuses,
    plan_move,
    plan_review,
)
from asb_tui.domain.types import LegalRemedyKind
from asb_tui.store.commands.fieldwork import FieldworkError, get_case
from asb_tui.store.core.models import CaseParty, LegalRemedy, LegalStage, Person
from asb_tui.store.core.store import Store
from asb_tui.store.queries.case_records import load_case_records
from asb_tui.store.queries.legal_remedies import (
    UK,
    RemedyView,
    StageView,
    kind_of,
    remedy_state,
    remedy_views_from,
    status_of,
    uk_time,
)

__all__ = [
    "RemedyNotFound",
    "RemedyStatus",
    "RemedyView",
    "StageView",
    "legal_moves",
    "move_remedy",
    "propose_remedy",
    "record_review",
    "remedy_views",
]


class RemedyNotFound(FieldworkError):
    """That legal remedy is not in this store."""


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UK)


def propose_remedy(
    store: Store,
    case_id: str,
    *,
    kind: LegalRemedyKind,
    person_id: str | None,
    notes: str = "",
    victim_role: str = "",
    support_offered: str = "",
    stage: str = "",
    today: date | None = None,
) -> LegalRemedy:
    """Record a remedy as proposed, against a person of the case (a PSPO: an area, nobody).
    A first stage typed with it (e.g. "papers to legal") is kept as a stage dated `today`."""
    check_proposal(kind, has_respondent=person_id is not None)
    with store.write() as uow:
        get_case(uow.reads, case_id)
        if person_id is not None and _party(uow.reads, case_id, person_id) is None:
            raise FieldworkError("The person a remedy is against must be one of the case's.")
        remedy = uow.add(
            LegalRemedy(
                case_id=case_id,
                kind=kind.value,
                person_id=person_id,
                status=RemedyStatus.PROPOSED.value,
                statutory=True,
                victim_role=victim_role,
                support_offered=support_offered,
                notes=notes,
            ),
            action="legal_remedy.propose",
        )
        if stage.strip():
            uow.add(
                LegalStage(
                    case_id=case_id,
                    remedy_id=remedy.id,
                    stage=stage,
                    stage_on=today or _now(None).date(),
                ),
                action="legal_stage.add",
            )
        return remedy


def _party(session: Session, case_id: str, person_id: str) -> str | None:
    return session.exec(
        select(CaseParty.id).where(CaseParty.case_id == case_id, CaseParty.person_id == person_id)
    ).first()


def _born_on(session: Session, person_id: str | None) -> date | None:
    if person_id is None:
        return None
    person = session.get(Person, person_id)
    return person.date_of_birth if person is not None else None


def _warnings(session: Session, remedy: LegalRemedy) -> list[WarningFact]:
    """The case's written warnings against the same person (a CPN follows one, s43(5))."""
    if remedy.person_id is None:
        return []
    rows = session.exec(
        select(LegalRemedy).where(
            LegalRemedy.case_id == remedy.case_id,
            LegalRemedy.person_id == remedy.person_id,
            LegalRemedy.kind == LegalRemedyKind.CPW.value,
        )
    ).all()
    return [
        WarningFact(_served_on(w), w.comply_by, w.id)
        for w in rows
        if w.status not in (RemedyStatus.PROPOSED.value, "")
    ]


def _served_on(remedy: LegalRemedy) -> date | None:
    served = uk_time(remedy.served_at)
    return served.date() if served is not None else remedy.started_on


def legal_moves(store: Store, remedy_id: str) -> tuple[RemedyStatus, ...]:
    """The statuses the remedy may legally move to now."""
    with store.read() as session:
        remedy = session.get(LegalRemedy, remedy_id)
        if remedy is None:
            raise RemedyNotFound("That legal remedy is not in this store.")
        return next_statuses(kind_of(remedy.kind), status_of(remedy.status))


def move_remedy(
    store: Store,
    remedy_id: str,
    *,
    to: RemedyStatus,
    on: date,
    at: datetime | None = None,
    ends_on: date | None = None,
    ends_at: datetime | None = None,
    review_on: date | None = None,
    comply_by: date | None = None,
    consulted_on: date | None = None,
    convicted_on: date | None = None,
    grounds: str | None = None,
    grounds_met_on: date | None = None,
    power_of_arrest: bool | None = None,
    notes: str = "",
    now: datetime | None = None,
) -> LegalRemedy:
    """Move a remedy to `to` if the Act allows it now (DomainError otherwise, nothing written).

    The move is audited ("legal_remedy.move", from and to) and recorded as a stage with its date
    (and time, for the closure clock)."""
    moment = _now(now)
    with store.write() as uow:
        remedy = uow.reads.get(LegalRemedy, remedy_id)
        if remedy is None:
            raise RemedyNotFound("That legal remedy is not in this store.")
        state = remedy_state(remedy, _born_on(uow.reads, remedy.person_id))
        move = Move(
            to=to,
            on=on,
            at=uk_time(at),
            ends_on=ends_on,
            ends_at=uk_time(ends_at),
            review_on=review_on,
            comply_by=comply_by,
            consulted_on=consulted_on,
            convicted_on=convicted_on,
            grounds=grounds,
            grounds_met_on=grounds_met_on,
            power_of_arrest=power_of_arrest,
            warnings=_warnings(uow.reads, remedy) if remedy.kind == LegalRemedyKind.CPN else (),
        )
        changes = plan_move(state, move, now=moment)
        for name in ("served_at", "ends_at"):
            value = changes.get(name)
            if isinstance(value, datetime):
                changes[name] = value.astimezone(UTC)
        if not remedy.statutory and "ends_on" in changes:
            changes["expires_on"] = changes["ends_on"]
        from_status = remedy.status
        uow.update(
            remedy,
            changes,
            action="legal_remedy.move",
            details={"from": from_status, "to": to.value},
        )
        stage_at = at if at is not None else (ends_at if to is RemedyStatus.VARIED else None)
        uow.add(
            LegalStage(
                case_id=remedy.case_id,
                remedy_id=remedy.id,
                stage=to.value,
                stage_on=on,
                notes=notes,
                to_status=to.value,
                stage_at=stage_at.astimezone(UTC) if stage_at is not None else None,
            ),
            action="legal_stage.add",
            details={"move": f"{from_status} -> {to.value}"},
        )
        return remedy


def record_review(
    store: Store,
    remedy_id: str,
    *,
    held_on: date,
    next_review_on: date | None = None,
    notes: str = "",
    now: datetime | None = None,
) -> LegalRemedy:
    """A review of a remedy in force was held: kept as a stage "review" (audited), and the next
    review date set, so the review deadline moves on (DomainError when the Act refuses it)."""
    moment = _now(now)
    with store.write() as uow:
        remedy = uow.reads.get(LegalRemedy, remedy_id)
        if remedy is None:
            raise RemedyNotFound("That legal remedy is not in this store.")
        state = remedy_state(remedy, _born_on(uow.reads, remedy.person_id))
        changes = plan_review(state, held_on=held_on, next_review_on=next_review_on, now=moment)
        uow.update(
            remedy, changes, action="legal_remedy.review", details={"held_on": held_on.isoformat()}
        )
        uow.add(
            LegalStage(
                case_id=remedy.case_id,
                remedy_id=remedy.id,
                stage="review",
                stage_on=held_on,
                notes=notes,
            ),
            action="legal_stage.add",
        )
        return remedy


def remedy_views(store: Store, case_id: str, *, today: date | None = None) -> list[RemedyView]:
    """The case's remedies with their stages, status, in-force flag and next deadline."""
    today = today or _now(None).date()
    with store.read() as session:
        records = load_case_records(session, case_id)
    return [] if records is None else remedy_views_from(records, today)
