"""The data of a VVC pack, read by the whole-case loader in the shape `render_vvc_pack` takes.

Every value is plain JSON and every date a display string (dd/mm/yyyy); text is passed as typed
(the template never reads it as markup). Per case: summary, the latest risk assessment with its
score and answers (question and answer text from the questionnaire it was scored with, when this
installation has it), victims with their vulnerabilities and the needs typed at each home visit,
alleged perpetrators, witnesses, the incident timeline in date order, actions taken (actions,
visits, updates to the victim, house-to-house, referrals) and due, agencies involved, legal
remedies with their stages, evidence held, consent and the perpetrator-visit agreement as
recorded, the sharing record with its legal basis, proposed decisions (from the referral, the
VVC's remit and who is appointed now) and any decisions already recorded. `LEFT_OUT` names the
case tables the pack does not print, and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from asb_tui.config import Config
from asb_tui.domain.dates import format_uk
from asb_tui.domain.errors import DomainError
from asb_tui.domain.labels import label
from asb_tui.domain.people import fold_name
from asb_tui.domain.risk import Questionnaire, load_questionnaire
from asb_tui.domain.tasks import ReferralFact, met_by_referral
from asb_tui.domain.types import ActionKind, DoorOutcome, PartyRole, ReferralKind, VisitKind
from asb_tui.export.vvc_pack import render_vvc_pack
from asb_tui.store.commands.officer import officer_name
from asb_tui.store.commands.oversight_errors import OversightRefused
from asb_tui.store.commands.sharing import LEGAL_BASIS_LABELS
from asb_tui.store.core.models import (
    Action,
    Address,
    AgencyContact,
    CaseLink,
    Consent,
    ContactAgreement,
    DoorEnquiry,
    EvidenceItem,
    HouseToHouseRun,
    Incident,
    LegalRemedy,
    LegalStage,
    Person,
    Referral,
    RiskAssessment,
    SharingRecord,
    VictimUpdate,
    Visit,
    VvcDecision,
    new_id,
)
from asb_tui.store.core.store import Store
from asb_tui.store.queries.case_records import CaseRecords, load_many
from asb_tui.store.queries.people import linked_cases

PACK_TITLE = "Vulnerable Victims Conference"
DEFAULT_COUNCIL = Config.__dataclass_fields__["council"].default


def _d(day: date | None) -> str:
    return format_uk(day) if day else ""


def _questionnaire(config: Config) -> Questionnaire | None:
    try:
        return load_questionnaire(config.questionnaire)
    except (DomainError, OSError):
        return None  # the answers are still printed, by their ids


# What the pack leaves out of the whole-case record, and why. Every other table of
# `CASE_TABLES` is printed (a test holds the pack to this).
LEFT_OUT: dict[str, str] = {
    "diary_sheet": "the diary's entries are in the incident timeline; the sheets are paperwork",
    "note": "case notes are the officer's working record, not facts put to the conference",
    "manager_review": "the manager's reviews are internal oversight, not for partner agencies",
    "case_review": "the ASB Case Review has its own meeting and papers; its deadlines are listed",
    "case_review_recommendation": "the Case Review's recommendations belong to its own meeting",
    "communication": "the letters sent are the case's correspondence, not facts for the conference",
}


def _home(records: CaseRecords, person: Any) -> str:
    """A person's address as the pack prints it: their structured addresses still current
    (newest first), and the address typed on their record when it says something else."""
    lines = [
        ", ".join(part for part in (a.line1, a.line2, a.town, a.postcode) if part)
        for a in sorted(records.rows(Address), key=lambda a: a.from_on or date.min, reverse=True)
        if a.person_id == person.id and a.to_on is None
    ]
    typed = person.address.strip()
    # The typed address is left out when a structured one says the same (punctuation aside).
    if typed and not any(fold_name(typed) in fold_name(line) for line in lines):
        lines.append(typed)
    return "; ".join(lines)


def council_name(config: Config) -> str:
    """The council's name as configured; blank while it is still the placeholder default."""
    return "" if config.council == DEFAULT_COUNCIL else config.council


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
        records = load_many(session, list(case_ids))
        # The other cases of each case's people and places: the conference weighs them.
        linked = {r.case_id: linked_cases(session, r.case_id) for r in records}
    cases = [_case_section(r, questionnaire, meeting_on, today) for r in records]
    for case, record in zip(cases, records, strict=True):
        case["linked_cases"] = [
            {"ref": c.ref, "status": label(c.status) if c.status else "", "why": c.why}
            for c in linked[record.case_id]
        ]
    return {
        "title": PACK_TITLE,
        "meeting_date": _d(meeting_on) or None,
        "generated_at": f"{format_uk(now.date())} {now:%H:%M}",
        "generated_by": generated_by,
        "council": council_name(config),
        "cases": cases,
    }


def _lines(*parts: str) -> str:
    return "\n".join(part.strip() for part in parts if part and part.strip())


def _appointed(records: CaseRecords) -> tuple[str, str]:
    """(case officer, case manager): the latest VVC appointment, else the case's own."""
    case = records.case
    officer, manager = case.officer, case.case_manager
    for decision in sorted(records.rows(VvcDecision), key=lambda d: d.meeting_on):
        officer = decision.case_officer or officer
        manager = decision.case_manager or manager
    return officer, manager


def _case_section(
    records: CaseRecords,
    questionnaire: Questionnaire | None,
    meeting_on: date | None,
    today: date,
) -> dict[str, Any]:
    case = records.case
    officer, manager = _appointed(records)
    home_visits = sorted(
        (
            v
            for v in records.rows(Visit)
            if v.kind == VisitKind.HOME.value and v.status == "complete"
        ),
        key=lambda v: v.done_on or date.min,
    )
    visit_needs = [
        f"Home visit {_d(v.done_on)}: {v.further_needs.strip()}"
        for v in home_visits
        if v.further_needs.strip()
    ]
    return {
        "ref": case.ref,
        "category": label(case.category),
        "status": label(case.status),
        "region": case.region,
        "summary": case.summary,
        "referred_on": _d(case.referred_on),
        "accepted_on": _d(case.accepted_on),
        "officer": officer,
        "case_manager": manager,
        "risk": _risk(records, questionnaire),
        "victims": [
            {
                "name": person.name,
                "address": _home(records, person),
                "date_of_birth": _d(person.date_of_birth),
                "vulnerabilities": party.vulnerabilities,
                # The home visit records "further needs and vulnerabilities" in one field.
                "needs": _lines(party.further_needs, *visit_needs),
            }
            for party, person in records.parties(PartyRole.VICTIM.value)
        ],
        "witnesses": [
            {
                "name": person.name,
                "address": _home(records, person),
                "phone": person.phone,
                "notes": _lines(party.notes, person.notes),
            }
            for party, person in records.parties(PartyRole.WITNESS.value)
        ],
        "perpetrators": [
            {
                "name": person.name,
                "address": _home(records, person),
                "notes": _lines(
                    party.notes,
                    person.notes,
                    *([f"Own risk: {label(party.risk_level)}"] if party.risk_level else []),
                    party.risk_notes,
                ),
            }
            for party, person in records.parties(PartyRole.ALLEGED_PERPETRATOR.value)
        ],
        # Filled by build_vvc_pack (which reads the other cases); the case's own links first.
        "linked_cases": [
            {"ref": link.linked_ref, "status": "", "why": f"linked: {link.reason}"}
            for link in sorted(records.rows(CaseLink), key=lambda link: link.linked_on)
        ],
        "incidents": _incidents(records),
        "actions_taken": _actions_taken(records),
        "actions_due": _actions_due(records, today),
        "agencies": [
            {
                "agency": contact.agency,
                "contact": contact.contact_name,
                "reference": " ".join(
                    part for part in (contact.reference_kind, contact.reference) if part
                ),
                "summary": contact.summary,
            }
            for contact in sorted(records.rows(AgencyContact), key=lambda c: c.contacted_on)
        ],
        "legal_remedies": _remedies(records),
        # The exhibits: reference, description, hash, date (never the content key).
        "evidence": [
            {
                "exhibit": item.exhibit_ref,
                "date": _d(item.obtained_on),
                "kind": item.kind,
                "description": _lines(item.description, item.original_name),
                "sha256": item.sha256,
            }
            for item in sorted(
                records.rows(EvidenceItem), key=lambda e: (e.obtained_on or date.min, e.id)
            )
        ],
        "consent": _consent(records, today),
        "sharing": [
            {
                "date": _d(share.shared_on),
                "agency": share.agency,
                "what": share.what,
                "legal_basis": LEGAL_BASIS_LABELS.get(share.legal_basis, share.legal_basis),
            }
            for share in sorted(records.rows(SharingRecord), key=lambda s: s.shared_on)
        ],
        "proposed_decisions": _proposed(records, officer, manager, meeting_on),
        "vvc_decisions": _recorded_decisions(records, meeting_on),
    }


def _risk(records: CaseRecords, questionnaire: Questionnaire | None) -> dict[str, Any] | None:
    assessments = sorted(records.rows(RiskAssessment), key=lambda a: (a.assessed_on, a.created_at))
    if not assessments:
        return None
    latest = assessments[-1]
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
    if latest.level != latest.computed_level or latest.override_reason:
        override = {"level": latest.level, "reason": latest.override_reason}
    return {
        "score": latest.score,
        "level": latest.level,
        "assessed_on": _d(latest.assessed_on),
        "override": override,
        "answers": answers,
    }


def _incidents(records: CaseRecords) -> list[dict[str, Any]]:
    rows = sorted(
        records.rows(Incident), key=lambda i: (i.occurred_on, i.occurred_time, i.created_at)
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


def _visit_text(visit: Any) -> str:
    what = label(visit.kind)
    what = what if what.lower().endswith("visit") else f"{what} visit"
    details = [
        visit.outcome,
        f"present: {visit.present}" if visit.present else "",
        f"evidence: {visit.evidence_gathered}" if visit.evidence_gathered else "",
        f"perpetrator identified: {visit.perpetrator_identified}"
        if visit.perpetrator_identified
        else "",
        f"signposted to {', '.join(visit.signposting)}" if visit.signposting else "",
        "denial recorded" if visit.denial else "",
        f"counter-allegation: {visit.counter_allegation}" if visit.counter_allegation else "",
    ]
    shown = "; ".join(part.strip() for part in details if part and part.strip())
    return f"{what}: {shown}" if shown else what


def _actions_taken(records: CaseRecords) -> list[dict[str, Any]]:
    taken: list[tuple[date, dict[str, Any]]] = []
    for action in records.rows(Action):
        if action.done_on is not None:
            taken.append(
                (
                    action.done_on,
                    {"date": _d(action.done_on), "what": action.title, "by": action.owner},
                )
            )
    for visit in records.rows(Visit):
        if visit.done_on is not None and visit.status == "complete":
            taken.append(
                (visit.done_on, {"date": _d(visit.done_on), "what": _visit_text(visit), "by": ""})
            )
    for update in records.rows(VictimUpdate):
        what = "Victim updated" + (f" by {update.means}" if update.means else "")
        what += f": {update.summary}" if update.summary else ""
        if update.feels_safer:
            what += f" (feels safer: {update.feels_safer})"
        taken.append(
            (update.updated_on, {"date": _d(update.updated_on), "what": what, "by": update.officer})
        )
    doors: dict[str, list[Any]] = {}
    for door in records.rows(DoorEnquiry):
        doors.setdefault(door.run_id, []).append(door)
    for run in records.rows(HouseToHouseRun):
        asked = sorted(doors.get(run.id, []), key=lambda d: d.position)
        answered = [d for d in asked if d.outcome]
        told = [
            f"{d.address}: {d.note}" if d.note else d.address
            for d in answered
            if d.outcome == DoorOutcome.INFORMATION_GIVEN.value
        ]
        what = f"House-to-house enquiries, {run.area}: {len(answered)} of {len(asked)} doors"
        if told:
            what += "; information from " + "; ".join(told)
        if run.notes:
            what += f" ({run.notes})"
        taken.append((run.run_on, {"date": _d(run.run_on), "what": what, "by": ""}))
    for referral in records.rows(Referral):
        what = f"Referred to the {label(referral.kind)}"
        if referral.reason:
            what += f": {referral.reason}"
        taken.append(
            (referral.referred_on, {"date": _d(referral.referred_on), "what": what, "by": ""})
        )
    taken.sort(key=lambda pair: pair[0])
    return [entry for _day, entry in taken]


def _actions_due(records: CaseRecords, today: date) -> list[dict[str, Any]]:
    # A referral task met by its referral is done, as the deadlines and the Actions tab say.
    referrals = [
        ReferralFact(r.kind, r.referred_on, r.meeting_on, r.status) for r in records.rows(Referral)
    ]

    def still_open(action: Any) -> bool:
        if action.done_on is not None:
            return False
        try:
            kind = ActionKind(action.kind)
        except ValueError:
            return True
        return met_by_referral(kind, action.due_on, referrals) is None

    rows = sorted(
        (a for a in records.rows(Action) if still_open(a)),
        key=lambda a: (a.due_on or date.max, a.created_at),
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


def _remedies(records: CaseRecords) -> list[dict[str, Any]]:
    people = {p.id: p.name for p in records.rows(Person)}
    stages: dict[str, list[Any]] = {}
    for stage in records.rows(LegalStage):
        stages.setdefault(stage.remedy_id, []).append(stage)
    remedies = []
    for remedy in sorted(records.rows(LegalRemedy), key=lambda r: (r.started_on or date.min, r.id)):
        remedies.append(
            {
                "kind": label(remedy.kind),
                "status": label(remedy.status),
                "against": people.get(remedy.person_id, ""),
                "started_on": _d(remedy.started_on),
                "review_on": _d(remedy.review_on),
                "expires_on": _d(remedy.expires_on),
                "victim_role": remedy.victim_role,
                "support_offered": remedy.support_offered,
                "notes": remedy.notes,
                "stages": [
                    {"date": _d(s.stage_on), "stage": label(s.stage), "notes": s.notes}
                    for s in sorted(
                        stages.get(remedy.id, []), key=lambda s: (s.stage_on, s.created_at)
                    )
                ],
            }
        )
    return remedies


def _perpetrator_visit(records: CaseRecords, today: date) -> str:
    """The victim's agreement to a visit to the alleged perpetrator, as recorded, on `today`."""
    agreements = sorted(
        (c for c in records.rows(Consent) if c.perpetrator_visit_agreed and c.given_on),
        key=lambda c: c.given_on,
    )
    if not agreements:
        return "No"
    latest = agreements[-1]
    ends = [d for d in (latest.withdrawn_on, latest.perpetrator_visit_withdrawn_on) if d]
    if ends and min(ends) <= today:
        return f"Agreed {_d(latest.given_on)}, withdrawn {_d(min(ends))}"
    return f"Yes (agreed {_d(latest.given_on)})"


def _consent(records: CaseRecords, today: date) -> dict[str, Any] | None:
    consents = sorted(records.rows(Consent), key=lambda c: (c.given_on or date.min, c.id))
    if not consents:
        return None
    # An agreement to a perpetrator visit given later (by phone) is its own row: the consent to
    # record and share is the latest row that records one.
    sharing = [c for c in consents if c.record_and_share or c.signed]
    consent = sharing[-1] if sharing else consents[-1]
    kept_updated = [
        " ".join(part for part in (a.frequency, f"by {a.means}" if a.means else "") if part)
        + (f" (safe times: {a.safe_times})" if a.safe_times else "")
        for a in sorted(records.rows(ContactAgreement), key=lambda a: a.agreed_on)
    ]
    return {
        "record_and_share": consent.record_and_share and consent.signed,
        "signed_on": _d(consent.given_on) if consent.signed else "",
        "scope": consent.scope if sharing else "",
        "perpetrator_visit_agreed": _perpetrator_visit(records, today),
        "withdrawn_on": _d(consent.withdrawn_on) or None,
        "kept_updated": kept_updated[-1] if kept_updated else "",
    }


def _proposed(
    records: CaseRecords, officer: str, manager: str, meeting_on: date | None
) -> list[str]:
    proposals = []
    referrals = sorted(
        (r for r in records.rows(Referral) if r.kind == ReferralKind.VVC.value),
        key=lambda r: r.referred_on,
    )
    for referral in referrals:
        if meeting_on is None or referral.referred_on <= meeting_on:
            reason = f" ({referral.reason})" if referral.reason else ""
            proposals.append(f"Referred to the VVC on {_d(referral.referred_on)}{reason}.")
    now = f"Case Officer {officer or 'not appointed'}; Case Manager {manager or 'not appointed'}"
    proposals.append(f"Appoint a Case Officer and a Case Manager (now: {now}).")
    proposals.append("Agree actions, the agency that owns each one, and their due dates.")
    proposals.append("Set the date of the next review.")
    return proposals


def _recorded_decisions(records: CaseRecords, meeting_on: date | None) -> list[dict[str, Any]]:
    rows = [
        d for d in records.rows(VvcDecision) if meeting_on is None or d.meeting_on == meeting_on
    ]
    decisions: list[dict[str, Any]] = []
    for row in sorted(rows, key=lambda d: d.meeting_on):
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
        store,
        config,
        case_ids,
        meeting_on=meeting_on,
        generated_by=officer_name(store),
        today=today,
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
