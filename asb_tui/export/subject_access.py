"""Subject access export: everything held about one person, and nothing about anyone else.

`export_subject(store, person_id, out_dir)` writes `sar-<person id>.json` and a readable
`sar-<person id>.pdf` (same content) and audits the export.

The rule (what is in, what is out):

- The person. Each case keeps its own record of a person; the records of the same human share
  one identity (`Person.identity_id`, set when an officer confirmed a match or merged two
  people: docs/people.md). The export gathers every record of the subject's identity, never by
  name: two different people often share a name, and one person's name is often typed two ways.
  Their structured addresses (with the dates they lived there) are theirs and are included.
- Per case where they are a party: the case reference, category, status and dates; their role(s)
  with the vulnerabilities, needs and notes recorded about them; the case summary; and records
  about them: risk assessments, consents, contact agreements and diary sheets that name them
  (or that name nobody, when they are the case's only victim); as a victim, the incidents from
  their own diary (or not tied to another victim's diary sheet), the updates given to the victim
  and the home / follow-up visits; as an alleged perpetrator, the visits to the perpetrator and
  the legal remedies against them; and every share of the case with an agency (who received
  data about them, what and on which legal basis).
- Out: other people's rows (victims, witnesses, perpetrators other than the subject), agency
  contacts, notes, evidence and actions (records about the case's handling, not about the person),
  and the names of council staff.
- Redaction: in every free-text value the names of the case's other parties are replaced by
  "[third party]": the full name, and each word of it of 3 or more letters that is not also a
  word of the subject's own name (so "Quarrington" alone is caught, while a shared family name
  is left for a person to check). Matching ignores case.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from asb_tui.config import Config
from asb_tui.domain.dates import format_uk
from asb_tui.domain.errors import DomainError
from asb_tui.domain.labels import label
from asb_tui.domain.risk import Questionnaire, load_questionnaire
from asb_tui.domain.types import PartyRole, VisitKind
from asb_tui.export.sar_pdf import render_sar_pdf
from asb_tui.store.commands.officer import officer_name
from asb_tui.store.commands.oversight_errors import UnknownRecord
from asb_tui.store.commands.sharing import LEGAL_BASIS_LABELS
from asb_tui.store.commands.subject_access import link_export, request_for_export
from asb_tui.store.core.models import (
    Address,
    CaseParty,
    Communication,
    Consent,
    ContactAgreement,
    DiarySheet,
    EvidenceItem,
    Incident,
    LegalRemedy,
    LegalStage,
    Person,
    Referral,
    RiskAssessment,
    SharingRecord,
    VictimUpdate,
    Visit,
)
from asb_tui.store.core.store import Store
from asb_tui.store.queries.case_records import CaseRecords, load_many
from asb_tui.store.queries.identities import identity_of, records_of

REDACTED = "[third party]"
MIN_NAME_WORD = 3


@dataclass(frozen=True)
class SubjectExport:
    json_path: Path
    pdf_path: Path
    cases: int
    #: The subject access request the export answers, when one was named.
    request_ref: str | None = None
    json_sha256: str = ""
    pdf_sha256: str = ""
    #: The person's own evidence files written beside the export (hash checked, audited).
    files: tuple[Path, ...] = ()
    #: Their exhibits whose file is not on this laptop (listed in the export, not written).
    files_missing: tuple[str, ...] = ()


# --- redaction ----------------------------------------------------------------------------------


def _words(name: str) -> set[str]:
    return {w.casefold() for w in re.findall(r"\w+", name) if len(w) >= MIN_NAME_WORD}


def make_redactor(subject_names: Iterable[str], others: Iterable[str]) -> Callable[[str], str]:
    """A function that replaces other parties' names in free text by "[third party]"."""
    own_words: set[str] = set()
    for name in subject_names:
        own_words |= _words(name)
    patterns: list[str] = []
    for name in sorted({n.strip() for n in others if n.strip()}, key=len, reverse=True):
        patterns.append(re.escape(name))
    words = set()
    for name in others:
        words |= _words(name) - own_words
    patterns.extend(re.escape(w) for w in sorted(words, key=len, reverse=True))
    if not patterns:
        return lambda text: text
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(patterns) + r")(?!\w)", re.IGNORECASE)
    return lambda text: pattern.sub(REDACTED, text) if text else text


# --- gathering ----------------------------------------------------------------------------------


def _same_person_rows(session: Session, person: Person) -> list[Person]:
    """Every record of the subject's identity (their record in each of their cases)."""
    return sorted(records_of(session, identity_of(person)), key=lambda p: p.created_at)


def _questionnaire(config: Config | None) -> Questionnaire | None:
    try:
        return load_questionnaire(config.questionnaire if config else None)
    except (DomainError, OSError):
        return None


# What the subject access export leaves out of the whole-case record, and why (the rule in the
# module docstring). Every other table of `CASE_TABLES` is in it, as far as it is about the
# subject; a test holds the export to this.
LEFT_OUT: dict[str, str] = {
    "agency_contact": "a record of the case's handling, not about the person",
    "h2h_run": "a record of the case's handling, not about the person",
    "door_enquiry": "what neighbours said: other people's data",
    "action": "a record of the case's handling, not about the person",
    "case_link": "a record of the case's handling (which cases are linked), not about the person",
    "note": "a record of the case's handling, not about the person",
    "manager_review": "a record of the case's handling, not about the person",
    "vvc_decision": "a record of the case's handling, not about the person",
}


def build_subject_record(
    store: Store, person_id: str, *, config: Config | None = None
) -> dict[str, Any]:
    """Everything held about the person (dates as `date` objects), redacted as documented."""
    questionnaire = _questionnaire(config)
    with store.read() as session:
        person = session.get(Person, person_id)
        if person is None:
            raise UnknownRecord(f"no person with the id {person_id!r}")
        rows = _same_person_rows(session, person)
        by_case = {r.case_id: r for r in load_many(session, list({row.case_id: 0 for row in rows}))}
        cases = [
            _case_record(by_case[row.case_id], row, questionnaire)
            for row in rows
            if row.case_id in by_case
        ]
        return {
            # Notes can name others: they are shown per case, redacted for that case's parties.
            "person": {k: v for k, v in _person_fields(person, str).items() if k != "notes"},
            "cases": cases,
        }


def _person_fields(person: Person, redact: Callable[[str], str]) -> dict[str, Any]:
    return {
        "person_id": person.id,
        "name": person.name,
        "date_of_birth": person.date_of_birth,
        "address": person.address,
        "phone": person.phone,
        "email": person.email,
        "language": person.language,
        "notes": redact(person.notes),
    }


def _for_subject(row_person_id: str | None, subject: Any, sole_victim: bool) -> bool:
    return row_person_id == subject.id or (row_person_id is None and sole_victim)


def _case_record(
    records: CaseRecords, subject: Any, questionnaire: Questionnaire | None
) -> dict[str, Any]:
    case = records.case
    people = records.rows(Person)
    others = [p.name for p in people if p.id != subject.id]
    redact = make_redactor([subject.name], others)
    parties = records.rows(CaseParty)
    own_parties = [p for p in parties if p.person_id == subject.id]
    roles = {p.role for p in own_parties}
    is_victim = PartyRole.VICTIM.value in roles
    sole_victim = _sole_victim(records, subject.id)

    def mine(model: Any) -> list[Any]:
        return [r for r in records.rows(model) if _for_subject(r.person_id, subject, sole_victim)]

    record: dict[str, Any] = {
        "ref": case.ref,
        "role": ", ".join(sorted(roles)) or "none recorded",
        "category": case.category,
        "status": case.status,
        "referred_on": case.referred_on,
        "accepted_on": case.accepted_on,
        "closed_on": case.closed_on,
        "summary": redact(case.summary),
        "details_recorded": [_person_fields(subject, redact)],
        "addresses": [
            {
                "kind": a.kind,
                "address": ", ".join(p for p in (a.line1, a.line2, a.town, a.postcode) if p),
                "uprn": a.uprn,
                "area": a.area,
                "from_on": a.from_on,
                "to_on": a.to_on,
            }
            for a in sorted(records.rows(Address), key=lambda a: a.from_on or date.min)
            if a.person_id == subject.id
        ],
        "roles": [
            {
                "role": p.role,
                "vulnerabilities": redact(p.vulnerabilities),
                "further_needs": redact(p.further_needs),
                "notes": redact(p.notes),
            }
            for p in own_parties
        ],
        "risk_assessments": [
            _risk(ra, questionnaire, redact)
            for ra in sorted(mine(RiskAssessment), key=lambda r: r.assessed_on)
        ],
        "consents": [
            {
                "record_and_share": c.record_and_share,
                "signed": c.signed,
                "given_on": c.given_on,
                "scope": redact(c.scope),
                "perpetrator_visit_agreed": c.perpetrator_visit_agreed,
                "perpetrator_visit_withdrawn_on": c.perpetrator_visit_withdrawn_on,
                "withdrawn_on": c.withdrawn_on,
            }
            for c in sorted(mine(Consent), key=lambda c: (c.given_on or date.min, c.id))
        ],
        "contact_agreements": [
            {
                "frequency": a.frequency,
                "means": a.means,
                "safe_times": redact(a.safe_times),
                "may_leave_messages": a.may_leave_messages,
                "agreed_on": a.agreed_on,
            }
            for a in mine(ContactAgreement)
        ],
    }
    sheets = mine(DiarySheet)
    record["diary_sheets"] = [
        {
            "sent_on": s.sent_on,
            "letter_sent_on": s.letter_sent_on,
            "returned_on": s.returned_on,
            "notes": redact(s.notes),
        }
        for s in sheets
    ]
    if is_victim:
        record["incidents"] = _incidents(records, {s.id for s in sheets}, redact)
        record["updates_to_you"] = [
            {
                "date": u.updated_on,
                "means": u.means,
                "summary": redact(u.summary),
                "feels_safer": u.feels_safer,
            }
            for u in sorted(records.rows(VictimUpdate), key=lambda u: u.updated_on)
        ]
        record["visits"] = _visits(records, {VisitKind.HOME, VisitKind.FOLLOW_UP}, redact)
        record["referrals"] = [
            {
                "kind": r.kind,
                "date": r.referred_on,
                "reason": redact(r.reason),
                "status": r.status,
            }
            for r in sorted(records.rows(Referral), key=lambda r: r.referred_on)
        ]
        record["case_reviews"] = _case_reviews(records, redact)
    if PartyRole.ALLEGED_PERPETRATOR.value in roles:
        record["visits_to_you"] = _visits(records, {VisitKind.PERPETRATOR}, redact)
        record["legal_remedies"] = _remedies(records, subject.id, redact)
    record["letters_to_you"] = [
        {
            "date": c.sent_on,
            "letter": c.title or c.template,
            "addressed_to": redact(c.recipient),
            "sent_by": c.method,
        }
        for c in sorted(mine(Communication), key=lambda c: (c.sent_on, c.created_at))
    ]
    # The person's own files: exhibits recorded as theirs (person_id), or given by the victim
    # when they are the case's one victim; each file is written beside the export.
    record["your_files"] = [
        {
            "exhibit": e.exhibit_ref,
            "obtained_on": e.obtained_on,
            "description": redact(e.description),
            "file": own_file_name(e.exhibit_ref, e.original_name),
            "media_type": e.media_type,
            "size": e.size,
            "sha256": e.sha256,
        }
        for e in own_evidence(records, subject.id, sole_victim)
    ]
    record["sharing"] = [
        {
            "date": s.shared_on,
            "agency": s.agency,
            "what": redact(s.what),
            "legal_basis": LEGAL_BASIS_LABELS.get(s.legal_basis, s.legal_basis),
        }
        for s in sorted(records.rows(SharingRecord), key=lambda s: s.shared_on)
    ]
    return record


def own_evidence(records: CaseRecords, subject_id: str, sole_victim: bool) -> list[Any]:
    """The subject's own exhibits of the case: those recorded against them, and those the victim
    gave (source victim, no person named) when the subject is the case's one victim."""
    return sorted(
        (
            e
            for e in records.rows(EvidenceItem)
            if e.person_id == subject_id
            or (e.person_id is None and sole_victim and e.source == "victim")
        ),
        key=lambda e: (e.obtained_on or date.min, e.exhibit_ref),
    )


def _sole_victim(records: CaseRecords, subject_id: str) -> bool:
    victims = {p.person_id for p in records.rows(CaseParty) if p.role == PartyRole.VICTIM.value}
    return victims == {subject_id}


def _own_items(store: Store, person_id: str) -> list[tuple[str, str, str]]:
    """(item id, exhibit ref, file name) of every exhibit of the subject, across their cases."""
    with store.read() as session:
        person = session.get(Person, person_id)
        if person is None:
            return []
        rows = _same_person_rows(session, person)
        found = []
        for records in load_many(session, list({row.case_id: 0 for row in rows})):
            subject = next(r for r in rows if r.case_id == records.case.id)
            for e in own_evidence(records, subject.id, _sole_victim(records, subject.id)):
                found.append((e.id, e.exhibit_ref, own_file_name(e.exhibit_ref, e.original_name)))
        return found


def _write_own_files(
    store: Store, person_id: str, out_dir: Path
) -> tuple[tuple[Path, ...], tuple[str, ...]]:
    from asb_tui.store.commands.evidence import EvidenceError, export_evidence

    written: list[Path] = []
    missing: list[str] = []
    for item_id, exhibit, name in _own_items(store, person_id):
        target = out_dir / "files" / name
        target.parent.mkdir(exist_ok=True, mode=0o700)
        try:
            export_evidence(store, item_id, target, force=True, act="sar")
        except EvidenceError:
            missing.append(exhibit)  # a record without its file on this laptop
            continue
        written.append(target)
    return tuple(written), tuple(missing)


def own_file_name(exhibit_ref: str, original_name: str) -> str:
    """The name an exhibit's file is written under in the export's folder: GD-3-photo.jpg."""
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in Path(original_name).name)
    return f"{exhibit_ref.replace('/', '-')}-{safe or 'file'}"


def _case_reviews(records: CaseRecords, redact: Callable[[str], str]) -> list[dict[str, Any]]:
    """The ASB Case Reviews of the victim's case: the application, each step, the outcome and
    the recommendations (docs/case-review.md)."""
    recommendations: dict[str, list[Any]] = {}
    for rec in sorted(records.rows("case_review_recommendation"), key=lambda r: r.created_at):
        recommendations.setdefault(rec.review_id, []).append(rec)
    return [
        {
            "applicant": redact(r.applicant),
            "on_behalf_of": redact(r.on_behalf_of),
            "applied_on": r.applied_on,
            "reports_to_partner_agencies": redact(r.partner_reports),
            "acknowledged_on": r.acknowledged_on,
            "decided_on": r.decided_on,
            "threshold_met": r.threshold_met,
            "decision_reason": redact(r.decision_reason),
            "decision_letter_on": r.decision_letter_on,
            "meeting_on": r.meeting_on,
            "agencies_present": list(r.agencies_present),
            "outcome": redact(r.outcome),
            "outcome_told_on": r.outcome_told_on,
            "escalation_route": r.escalation_route,
            "escalated_on": r.escalated_on,
            "notes": redact(r.notes),
            "recommendations": [
                {"recommendation": redact(x.text), "owner": x.owner, "due_on": x.due_on,
                 "done_on": x.done_on}
                for x in recommendations.get(r.id, [])
            ],
        }
        for r in sorted(records.rows("case_review"), key=lambda r: (r.applied_on, r.id))
    ]  # fmt: skip


def _risk(
    ra: Any, questionnaire: Questionnaire | None, redact: Callable[[str], str]
) -> dict[str, Any]:
    answers = []
    for question_id, answer_id in ra.answers.items():
        question = questionnaire.question(question_id) if questionnaire else None
        answer = question.answer(str(answer_id)) if question else None
        answers.append(
            {
                "question": question.text if question else str(question_id),
                "answer": answer.label if answer else str(answer_id),
            }
        )
    return {
        "assessed_on": ra.assessed_on,
        "score": ra.score,
        "level": ra.level,
        "reason_for_raising": redact(ra.override_reason),
        "answers": answers,
    }


def _incidents(
    records: CaseRecords, own_sheets: set[str], redact: Callable[[str], str]
) -> list[dict[str, Any]]:
    sheet_owner = {s.id: s.person_id for s in records.rows(DiarySheet)}
    rows = sorted(
        records.rows(Incident), key=lambda i: (i.occurred_on, i.occurred_time, i.created_at)
    )
    incidents = []
    for incident in rows:
        sheet = incident.diary_sheet_id
        # Another victim's diary entry is theirs, not the subject's.
        if sheet is not None and sheet not in own_sheets and sheet_owner.get(sheet) is not None:
            continue
        incidents.append(
            {
                "date": incident.occurred_on,
                "time": incident.occurred_time,
                "location": redact(incident.location),
                "description": redact(incident.description),
                "who_was_involved": redact(incident.who_involved),
                "impact": redact(incident.impact),
                "reported_to_police": incident.reported_to_police,
                "police_ref": incident.police_ref,
                "reported_to_council_on": incident.reported_to_council_on,
                "reported_on": incident.reported_on,
                "reported_to": incident.reported_to,
            }
        )
    return incidents


def _visits(
    records: CaseRecords, kinds: set[VisitKind], redact: Callable[[str], str]
) -> list[dict[str, Any]]:
    wanted = {k.value for k in kinds}
    rows = sorted(
        (v for v in records.rows(Visit) if v.kind in wanted and v.status == "complete"),
        key=lambda v: v.done_on or date.min,
    )
    return [
        {
            "kind": v.kind,
            "date": v.done_on,
            "present": redact(v.present),
            "evidence_gathered": redact(v.evidence_gathered),
            "further_needs": redact(v.further_needs),
            "signposted_to": ", ".join(v.signposting),
            "outcome": redact(v.outcome),
            "denial_recorded": v.denial,
            "counter_allegation": redact(v.counter_allegation),
            "notes": redact(v.notes),
        }
        for v in rows
    ]


def _remedies(
    records: CaseRecords, person_id: str, redact: Callable[[str], str]
) -> list[dict[str, Any]]:
    remedies = []
    for remedy in records.rows(LegalRemedy):
        if remedy.person_id != person_id:
            continue
        stages = sorted(
            (s for s in records.rows(LegalStage) if s.remedy_id == remedy.id),
            key=lambda s: s.stage_on,
        )
        remedies.append(
            {
                "kind": remedy.kind,
                "status": remedy.status,
                "started_on": remedy.started_on,
                "review_on": remedy.review_on,
                "expires_on": remedy.expires_on,
                "notes": redact(remedy.notes),
                "stages": "; ".join(
                    f"{format_uk(s.stage_on)} {s.stage}: {redact(s.notes)}".strip(": ")
                    for s in stages
                ),
            }
        )
    return remedies


# --- writing ------------------------------------------------------------------------------------


# Keys whose values are vocabulary values: the printed export shows their plain-English label
# (the JSON keeps the stored value, as documented in docs/export-format.md).
LABELLED_KEYS = frozenset({"kind", "role", "category", "status", "level", "frequency"})


def _convert(value: Any, day: Callable[[date], str], labels: bool = False) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return day(value)
    if isinstance(value, dict):
        return {
            k: _label_of(v) if labels and k in LABELLED_KEYS else _convert(v, day, labels)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_convert(v, day, labels) for v in value]
    return value


def _label_of(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    return ", ".join(label(part.strip()) for part in value.split(","))


def _write_private(path: Path, data: bytes) -> None:
    temp = path.with_name(f".{path.name}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)


def export_subject(
    store: Store,
    person_id: str,
    out_dir: Path,
    *,
    config: Config | None = None,
    now: datetime | None = None,
    request: str | None = None,
) -> SubjectExport:
    """Write the person's JSON and PDF into `out_dir` (created if missing) and audit it. With
    `request` (a subject access request's reference or id, checked before anything is written)
    the files' names and SHA-256 are recorded on the request, in the same transaction as the
    export's audit event."""
    now = now or datetime.now().astimezone()
    record = build_subject_record(store, person_id, config=config)
    request_id, request_ref = (
        request_for_export(store, request, person_id) if request else (None, None)
    )
    header = {
        "generated_at": now,
        "generated_by": officer_name(store),
        "council": config.council if config else "",
        "rule": "Everything held about this person. Other people's names are replaced by "
        f"{REDACTED}; records about other people are left out.",
        **({"request_ref": request_ref} if request_ref else {}),
    }
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    json_path = out_dir / f"sar-{person_id}.json"
    pdf_path = out_dir / f"sar-{person_id}.pdf"
    as_json = _convert({**header, **record, "format": "asb-tui-sar/1"}, date.isoformat)
    json_bytes = json.dumps(as_json, ensure_ascii=False, indent=2).encode("utf-8")
    _write_private(json_path, json_bytes)
    display = _convert(
        {**header, **record, "generated_at": f"{format_uk(now.date())} {now:%H:%M}"},
        format_uk,
        labels=True,
    )
    render_sar_pdf(display, pdf_path)
    json_sha256 = hashlib.sha256(json_bytes).hexdigest()
    pdf_sha256 = hashlib.sha256(pdf_path.read_bytes()).hexdigest()
    with store.write() as uow:
        person = uow.reads.get(Person, person_id)
        uow.audit_only(
            action="export.sar",
            entity="person",
            entity_id=person_id,
            case_id=person.case_id if person else None,
            details={
                "files": [str(json_path), str(pdf_path)],
                "cases": len(record["cases"]),
                **({"request": request_ref} if request_ref else {}),
            },
        )
        if request_id is not None:
            link_export(
                uow,
                request_id,
                person_id=person_id,
                files={
                    "json": (json_path.name, json_sha256),
                    "pdf": (pdf_path.name, pdf_sha256),
                },
                at=now,
            )
    files, missing = _write_own_files(store, person_id, out_dir)
    return SubjectExport(
        json_path, pdf_path, len(record["cases"]), request_ref, json_sha256, pdf_sha256,
        files, missing,
    )  # fmt: skip
