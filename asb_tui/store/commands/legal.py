"""Legal remedies with their stages, and safeguarding referrals (tracked as actions until done)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from asb_tui.domain.legal import check_remedy_start, check_stage_date, legal_remedy_dates
from asb_tui.domain.types import ActionKind, LegalRemedyKind, PartyRole
from asb_tui.store.commands.fieldwork import FieldworkError, get_case, require_text
from asb_tui.store.core.models import (
    Action,
    AgencyContact,
    CaseParty,
    LegalRemedy,
    LegalStage,
    Person,
)
from asb_tui.store.core.store import Store

__all__ = [
    "SAFEGUARDING_TEAMS",
    "ReferralRow",
    "RemedyRow",
    "RemedyWithStages",
    "StageRow",
    "add_legal_remedy",
    "add_legal_stage",
    "complete_safeguarding_referral",
    "legal_remedies",
    "record_safeguarding_concern",
    "safeguarding_referrals",
]

# Who a concern goes to, by whom it is about.
SAFEGUARDING_TEAMS = {"child": "Children's Services", "adult": "Adult Social Care"}


@dataclass(frozen=True)
class RemedyRow:
    """A legal remedy as the legal screen lists it."""

    id: str
    kind: str
    started_on: date | None
    review_on: date | None
    expires_on: date | None


@dataclass(frozen=True)
class StageRow:
    stage: str
    stage_on: date


@dataclass(frozen=True)
class RemedyWithStages:
    remedy: RemedyRow
    stages: list[StageRow]


@dataclass(frozen=True)
class ReferralRow:
    """A safeguarding referral (an action of kind "safeguarding")."""

    id: str
    title: str
    reference: str
    due_on: date | None
    done_on: date | None


def remedy_subjects(store: Store, case_id: str) -> list[tuple[str, str]]:
    """(person id, name) of the case's alleged perpetrators, whom a remedy can be against."""
    with store.read() as session:
        rows = session.exec(
            select(Person.id, Person.name)
            .join(CaseParty, col(CaseParty.person_id) == col(Person.id))
            .where(
                CaseParty.case_id == case_id,
                CaseParty.role == PartyRole.ALLEGED_PERPETRATOR.value,
            )
            .order_by(col(Person.name))
        ).all()
    return list(dict.fromkeys((str(pid), str(name)) for pid, name in rows))


def add_legal_remedy(
    store: Store,
    case_id: str,
    *,
    kind: LegalRemedyKind,
    started_on: date | None = None,
    stage: str = "",
    person_id: str | None = None,
    victim_role: str = "",
    support_offered: str = "",
    notes: str = "",
    today: date | None = None,
) -> LegalRemedy:
    """Record a remedy. With a start date its review and end dates come from the domain's terms
    (an ABC: review at 3 months, ends at 6). `stage` also records the first stage on that date.
    A start (and so a first stage) on a day after `today` is refused (DomainError)."""
    today = today or date.today()
    check_remedy_start(started_on, today)
    dates = legal_remedy_dates(kind, started_on) if started_on is not None else None
    with store.write() as uow:
        get_case(uow.reads, case_id)
        if person_id is not None:
            party = uow.reads.exec(
                select(CaseParty.id).where(
                    CaseParty.case_id == case_id, CaseParty.person_id == person_id
                )
            ).first()
            if party is None:
                raise FieldworkError("The person a remedy is against must be one of the case's.")
        prior_warning = (
            _prior_warning(uow.reads, case_id, person_id, started_on)
            if kind is LegalRemedyKind.CPN and started_on is not None
            else None
        )
        remedy = uow.add(
            LegalRemedy(
                case_id=case_id,
                kind=kind.value,
                person_id=person_id,
                status="in-force" if started_on is not None else "proposed",
                started_on=started_on,
                review_on=dates.review_on if dates else None,
                expires_on=dates.expires_on if dates else None,
                victim_role=victim_role,
                support_offered=support_offered,
                notes=notes,
                prior_warning_id=prior_warning,
            ),
            action="legal_remedy.add",
        )
        if stage.strip():
            uow.add(
                LegalStage(
                    case_id=case_id,
                    remedy_id=remedy.id,
                    stage=stage,
                    stage_on=started_on or today,
                ),
                action="legal_stage.add",
            )
        return remedy


def _prior_warning(session: Session, case_id: str, person_id: str | None, on: date) -> str:
    """A Community Protection Notice recorded as served on `on` follows a written warning to the
    same person in this case, served by then, whose time to comply (when recorded) has passed
    (s43(5) of the 2014 Act): the warning's id, or FieldworkError. The same rule as a notice
    served through the legal moves (domain/legal_powers.py)."""
    if person_id is None:
        raise FieldworkError("A Community Protection Notice is served on a person: choose who.")
    warnings = session.exec(
        select(LegalRemedy).where(
            LegalRemedy.case_id == case_id,
            LegalRemedy.person_id == person_id,
            LegalRemedy.kind == LegalRemedyKind.CPW.value,
            LegalRemedy.status != "proposed",
        )
    ).all()

    def served_on(warning: LegalRemedy) -> date | None:
        return warning.started_on or (warning.served_at.date() if warning.served_at else None)

    served = [w for w in warnings if (day := served_on(w)) is not None and day <= on]
    if not served:
        raise FieldworkError(
            "A Community Protection Notice needs a written warning first: record the Community "
            "Protection Warning served on this person (s43(5))."
        )
    passed = [w for w in served if w.comply_by is None or w.comply_by < on]
    if not passed:
        raise FieldworkError(
            "The warning's time to comply has not passed: a Community Protection Notice can "
            "follow only after it (s43(5))."
        )
    return passed[-1].id


def add_legal_stage(
    store: Store,
    remedy_id: str,
    *,
    stage: str,
    stage_on: date,
    notes: str = "",
    today: date | None = None,
) -> LegalStage:
    """Add a dated stage (served, hearing, granted, breached, ...) to a remedy. A stage dated
    after `today` is refused (DomainError): it is recorded once it has happened."""
    require_text(stage, "The stage")
    check_stage_date(stage_on, today or date.today())
    with store.write() as uow:
        remedy = uow.reads.get(LegalRemedy, remedy_id)
        if remedy is None:
            raise FieldworkError("That legal remedy is not in this store.")
        return uow.add(
            LegalStage(
                case_id=remedy.case_id,
                remedy_id=remedy.id,
                stage=stage,
                stage_on=stage_on,
                notes=notes,
            ),
            action="legal_stage.add",
        )


def legal_remedies(store: Store, case_id: str) -> list[RemedyWithStages]:
    """The case's remedies with their stages in date order."""
    with store.read() as session:
        remedies = session.exec(
            select(LegalRemedy).where(LegalRemedy.case_id == case_id).order_by(col(LegalRemedy.id))
        ).all()
        stages = session.exec(
            select(LegalStage)
            .where(LegalStage.case_id == case_id)
            .order_by(col(LegalStage.stage_on), col(LegalStage.created_at))
        ).all()
    by_remedy: dict[str, list[LegalStage]] = {remedy.id: [] for remedy in remedies}
    for stage in stages:
        by_remedy.setdefault(stage.remedy_id, []).append(stage)
    ordered = sorted(remedies, key=lambda r: (r.started_on or date.max, r.kind))
    return [
        RemedyWithStages(
            RemedyRow(r.id, r.kind, r.started_on, r.review_on, r.expires_on),
            [StageRow(stage.stage, stage.stage_on) for stage in by_remedy[r.id]],
        )
        for r in ordered
    ]


def record_safeguarding_concern(
    store: Store,
    case_id: str,
    *,
    about: str,
    referred_on: date,
    reference: str = "",
    team: str = "",
    details: str = "",
    follow_up_on: date | None = None,
) -> Action:
    """Record a safeguarding referral about a child or an adult to the relevant team.

    Kept as an action (kind "safeguarding") that stays open until marked done, plus a dated agency
    contact so the referral shows in the case's contacts."""
    if about not in SAFEGUARDING_TEAMS:
        raise FieldworkError("Say whether the concern is about a child or an adult.")
    team = team if team.strip() else SAFEGUARDING_TEAMS[about]
    with store.write() as uow:
        get_case(uow.reads, case_id)
        action = uow.add(
            Action(
                case_id=case_id,
                kind=ActionKind.SAFEGUARDING.value,
                title=f"Safeguarding referral ({about}) to {team}",
                agency=team,
                due_on=follow_up_on or referred_on,
                reference=reference,
                notes=details,
            ),
            action="action.add",
            details={"kind": ActionKind.SAFEGUARDING.value},
        )
        uow.add(
            AgencyContact(
                case_id=case_id,
                agency=team,
                reference=reference,
                reference_kind="safeguarding referral" if reference.strip() else "",
                method="safeguarding referral",
                summary=details,
                contacted_on=referred_on,
                follow_up_due=follow_up_on,
            ),
            action="agency_contact.add",
        )
        return action


def safeguarding_referrals(
    store: Store, case_id: str, *, open_only: bool = False
) -> list[ReferralRow]:
    """The case's safeguarding referrals, open ones first."""
    with store.read() as session:
        query = select(Action).where(
            Action.case_id == case_id, Action.kind == ActionKind.SAFEGUARDING.value
        )
        if open_only:
            query = query.where(col(Action.done_on).is_(None))
        rows = session.exec(query.order_by(col(Action.created_at))).all()
    return [
        ReferralRow(a.id, a.title, a.reference, a.due_on, a.done_on)
        for a in sorted(rows, key=lambda a: a.done_on is not None)
    ]


def complete_safeguarding_referral(store: Store, action_id: str, done_on: date) -> Action:
    """Mark a safeguarding referral as dealt with (it then stops showing as open)."""
    with store.write() as uow:
        action = uow.reads.get(Action, action_id)
        if action is None or action.kind != ActionKind.SAFEGUARDING.value:
            raise FieldworkError("That safeguarding referral is not in this store.")
        if action.done_on is not None:
            raise FieldworkError("That referral is already marked done.")
        return uow.update(action, {"done_on": done_on}, action="action.done")
