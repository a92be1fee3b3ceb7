"""The data of a VVC pack, read from the store in the shape `vvc_pack.render_vvc_pack` takes.

Every value is plain JSON and every date a display string (dd/mm/yyyy); text is passed as typed
(the template never reads it as markup). Per case: summary, the latest risk assessment with its
score and answers (question and answer text from the questionnaire it was scored with, when this
installation has it), victims and their vulnerabilities, alleged perpetrators, the incident timeline
from the diary in date order, actions taken and due, agencies involved, consent and the sharing
record with its legal basis, proposed decisions (from the referral and the VVC's remit) and any
decisions already recorded at this meeting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from asb_tui.config import Config
from asb_tui.domain.dates import format_uk
from asb_tui.domain.errors import DomainError
from asb_tui.domain.risk import Questionnaire, load_questionnaire
from asb_tui.domain.types import PartyRole, ReferralKind
from asb_tui.export.vvc_pack import render_vvc_pack
from asb_tui.store.models import (
    Action,
    AgencyContact,
    Case,
    CaseParty,
    Consent,
    Incident,
    Person,
    Referral,
    RiskAssessment,
    SharingRecord,
    Visit,
    VvcDecision,
    new_id,
)
from asb_tui.store.oversight_errors import OversightRefused
from asb_tui.store.sharing import LEGAL_BASIS_LABELS
from asb_tui.store.store import Store

PACK_TITLE = "Vulnerable Victims Conference"


def _d(day: date | None) -> str:
    return format_uk(day) if day else ""


def _questionnaire(config: Config) -> Questionnaire | None:
    try:
        return load_questionnaire(config.questionnaire)
    except (DomainError, OSError):
        return None  # the answers are still printed, by their ids


def build_vvc_pack(
    store: Store,
    config: Config,
    case_ids: Sequence[str],
    *,
    meeting_on: date | None,
    generated_by: str,
    now: datetime | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """The pack dict for `render_vvc_pack`: one section per case, in the order given."""
    now = now or datetime.now().astimezone()
    today = today or now.date()
    questionnaire = _questionnaire(config)
    with store.read() as session:
        cases = [
            _case_section(session, case, questionnaire, meeting_on, today)
            for case_id in case_ids
            if (case := session.get(Case, case_id)) is not None
        ]
    return {
        "title": PACK_TITLE,
        "meeting_date": _d(meeting_on) or None,
        "generated_at": f"{format_uk(now.date())} {now:%H:%M}",
        "generated_by": generated_by,
        "council": config.council,
        "cases": cases,
    }


def _case_section(
    session: Session,
    case: Case,
    questionnaire: Questionnaire | None,
    meeting_on: date | None,
    today: date,
) -> dict[str, Any]:
    return {
        "ref": case.ref,
        "category": case.category,
        "status": case.status,
        "region": case.region,
        "summary": case.summary,
        "referred_on": _d(case.referred_on),
        "accepted_on": _d(case.accepted_on),
        "officer": case.officer,
        "case_manager": case.case_manager,
        "risk": _risk(session, case.id, questionnaire),
        "victims": [
            {
                "name": person.name,
                "address": person.address,
                "date_of_birth": _d(person.date_of_birth),
                "vulnerabilities": party.vulnerabilities,
                "needs": party.further_needs,
            }
            for party, person in _parties(session, case.id, PartyRole.VICTIM)
        ],
        "perpetrators": [
            {"name": person.name, "address": person.address, "notes": party.notes}
            for party, person in _parties(session, case.id, PartyRole.ALLEGED_PERPETRATOR)
        ],
        "incidents": _incidents(session, case.id),
        "actions_taken": _actions_taken(session, case.id),
        "actions_due": _actions_due(session, case.id, today),
        "agencies": [
            {
                "agency": contact.agency,
                "contact": contact.contact_name,
                "reference": contact.reference,
                "summary": contact.summary,
            }
            for contact in session.exec(
                select(AgencyContact)
                .where(AgencyContact.case_id == case.id)
                .order_by(col(AgencyContact.contacted_on))
            )
        ],
        "consent": _consent(session, case.id),
        "sharing": [
            {
                "date": _d(share.shared_on),
                "agency": share.agency,
                "what": share.what,
                "legal_basis": LEGAL_BASIS_LABELS.get(share.legal_basis, share.legal_basis),
            }
            for share in session.exec(
                select(SharingRecord)
                .where(SharingRecord.case_id == case.id)
                .order_by(col(SharingRecord.shared_on))
            )
        ],
        "proposed_decisions": _proposed(session, case, meeting_on),
        "vvc_decisions": _recorded_decisions(session, case.id, meeting_on),
    }


def _parties(session: Session, case_id: str, role: PartyRole) -> list[tuple[CaseParty, Person]]:
    rows = session.exec(
        select(CaseParty, Person)
        .join(Person, col(Person.id) == col(CaseParty.person_id))
        .where(CaseParty.case_id == case_id, CaseParty.role == role.value)
        .order_by(col(Person.created_at))
    )
    return [(party, person) for party, person in rows]


def _risk(
    session: Session, case_id: str, questionnaire: Questionnaire | None
) -> dict[str, Any] | None:
    latest = session.exec(
        select(RiskAssessment)
        .where(RiskAssessment.case_id == case_id)
        .order_by(col(RiskAssessment.assessed_on).desc(), col(RiskAssessment.created_at).desc())
        .limit(1)
    ).first()
    if latest is None:
        return None
    same_version = questionnaire is not None and (
        not latest.questionnaire_version or latest.questionnaire_version == questionnaire.version
    )
    answers = []
    for question_id, answer_id in latest.answers.items():
        question = questionnaire.question(question_id) if same_version and questionnaire else None
        answer = question.answer(str(answer_id)) if question else None
        answers.append(
            {
                "question": question.text if question else str(question_id),
                "answer": answer.label if answer else str(answer_id),
                "score": answer.score if answer else "",
            }
        )
    override = None
    if latest.level != latest.computed_level:
        override = {"level": latest.level, "reason": latest.override_reason}
    return {
        "score": latest.score,
        "level": latest.level,
        "assessed_on": _d(latest.assessed_on),
        "override": override,
        "answers": answers,
    }


def _incidents(session: Session, case_id: str) -> list[dict[str, Any]]:
    rows = session.exec(
        select(Incident)
        .where(Incident.case_id == case_id)
        .order_by(col(Incident.occurred_on), col(Incident.occurred_time), col(Incident.created_at))
    )
    return [
        {
            "date": _d(incident.occurred_on),
            "time": incident.occurred_time,
            "location": incident.location,
            "description": incident.description,
            "who": incident.who_involved,
            "impact": incident.impact,
            "police_ref": incident.police_ref,
        }
        for incident in rows
    ]


def _actions_taken(session: Session, case_id: str) -> list[dict[str, Any]]:
    taken: list[tuple[date, dict[str, Any]]] = []
    for action in session.exec(
        select(Action).where(Action.case_id == case_id, col(Action.done_on).is_not(None))
    ):
        assert action.done_on is not None
        taken.append(
            (action.done_on, {"date": _d(action.done_on), "what": action.title, "by": action.owner})
        )
    for visit in session.exec(
        select(Visit).where(Visit.case_id == case_id, col(Visit.done_on).is_not(None))
    ):
        assert visit.done_on is not None
        what = f"{visit.kind.replace('-', ' ').capitalize()} visit"
        if visit.outcome:
            what = f"{what}: {visit.outcome}"
        taken.append((visit.done_on, {"date": _d(visit.done_on), "what": what, "by": ""}))
    taken.sort(key=lambda pair: pair[0])
    return [entry for _day, entry in taken]


def _actions_due(session: Session, case_id: str, today: date) -> list[dict[str, Any]]:
    rows = session.exec(
        select(Action)
        .where(Action.case_id == case_id, col(Action.done_on).is_(None))
        .order_by(col(Action.due_on), col(Action.created_at))
    )
    due = []
    for action in rows:
        if action.due_on is None:
            state = "open"
        elif action.due_on < today:
            state = "overdue"
        elif action.due_on == today:
            state = "due today"
        else:
            state = "open"
        owner = " / ".join(part for part in (action.owner, action.agency) if part)
        due.append({"due": _d(action.due_on), "what": action.title, "owner": owner, "state": state})
    return due


def _consent(session: Session, case_id: str) -> dict[str, Any] | None:
    consent = session.exec(
        select(Consent)
        .where(Consent.case_id == case_id)
        .order_by(col(Consent.given_on).desc())
        .limit(1)
    ).first()
    if consent is None:
        return None
    return {
        "record_and_share": consent.record_and_share and consent.signed,
        "signed_on": _d(consent.given_on) if consent.signed else "",
        "scope": consent.scope,
        "perpetrator_visit_agreed": consent.perpetrator_visit_agreed,
        "withdrawn_on": _d(consent.withdrawn_on) or None,
    }


def _proposed(session: Session, case: Case, meeting_on: date | None) -> list[str]:
    proposals = []
    referrals = session.exec(
        select(Referral)
        .where(Referral.case_id == case.id, Referral.kind == ReferralKind.VVC.value)
        .order_by(col(Referral.referred_on))
    )
    for referral in referrals:
        if meeting_on is None or referral.referred_on <= meeting_on:
            reason = f" ({referral.reason})" if referral.reason else ""
            proposals.append(f"Referred to the VVC on {_d(referral.referred_on)}{reason}.")
    proposals.append(
        "Appoint a Case Officer and a Case Manager"
        + (f" (currently {case.officer} / {case.case_manager})." if case.officer else ".")
    )
    proposals.append("Agree actions, the agency that owns each one, and their due dates.")
    proposals.append("Set the date of the next review.")
    return proposals


def _recorded_decisions(
    session: Session, case_id: str, meeting_on: date | None
) -> list[dict[str, Any]]:
    query = select(VvcDecision).where(VvcDecision.case_id == case_id)
    if meeting_on is not None:
        query = query.where(VvcDecision.meeting_on == meeting_on)
    decisions: list[dict[str, Any]] = []
    for row in session.exec(query.order_by(col(VvcDecision.meeting_on))):
        owner = f"Case Officer {row.case_officer}; Case Manager {row.case_manager}"
        decisions.append({"decision": row.decision, "owner": owner, "due": _d(row.next_review_on)})
        for action in row.actions:
            due = action.get("due_on")
            decisions.append(
                {
                    "decision": str(action.get("what", "")),
                    "owner": str(action.get("agency", "") or action.get("owner", "")),
                    "due": _d(date.fromisoformat(due)) if isinstance(due, str) and due else "",
                }
            )
    return decisions


@dataclass(frozen=True)
class PackExport:
    path: Path
    refs: tuple[str, ...]
    encrypted: bool


MIN_PACK_PASSWORD = 8


def check_pack_password(password: str) -> None:
    """Refuse a pack password too short to protect a PDF that will be emailed and printed."""
    if len(password.strip()) < MIN_PACK_PASSWORD:
        raise OversightRefused(
            f"the pack password must have at least {MIN_PACK_PASSWORD} characters"
        )


def export_vvc_pack(
    store: Store,
    config: Config,
    case_ids: Sequence[str],
    out: Path,
    *,
    meeting_on: date | None,
    password: str | None,
    encrypt: bool = True,
    today: date | None = None,
) -> PackExport:
    """Build, typeset and write the pack, then audit the export (who, what, when, which file).

    Raises OversightRefused for an empty pack or a weak password, PdfRenderError when typesetting
    fails and OSError when `out` cannot be written; nothing is audited unless the file was written.
    """
    if not case_ids:
        raise OversightRefused("there are no cases to put in the pack")
    if encrypt:
        check_pack_password(password or "")
    pack = build_vvc_pack(
        store, config, case_ids, meeting_on=meeting_on, generated_by=store.actor, today=today
    )
    refs = tuple(case["ref"] for case in pack["cases"])
    render_vvc_pack(pack, out, password if encrypt else None, encrypt=encrypt)
    with store.write() as uow:
        uow.audit_only(
            action="export.vvc-pack",
            entity="vvc_pack",
            entity_id=new_id(),
            details={
                "file": str(Path(out).resolve()),
                "meeting_on": meeting_on.isoformat() if meeting_on else None,
                "cases": list(refs),
                "encrypted": encrypt,
            },
        )
    return PackExport(Path(out), refs, encrypt)
