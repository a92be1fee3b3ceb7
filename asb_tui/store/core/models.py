"""The tables of the local store.

Every row that syncs has a UUID string key and a `case_id` (the access scope that the central
service filters on); rows that can be edited after they are written also carry `version`, the
central service's version of the row that the local copy is based on (0 = never synced).
Append-only rows (incidents, notes, contacts, updates, stages, reviews, shares) are never edited,
so they never conflict.

Enumerated values are stored as the plain strings of `asb_tui.domain.types`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from pydantic import ConfigDict
from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    """Timestamps are zone-aware UTC (SQLModel stores them as UTC and refuses naive ones)."""
    return datetime.now(UTC)


def json_column() -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


def json_list_column() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Record(SQLModel):
    """The base of every table: pydantic's validation schema is built on first use, not at
    import. A table model never validates on construction, so most processes (a CLI command, the
    app's start) never need it, and building it for every table cost ~0.2 s of each start."""

    model_config = ConfigDict(defer_build=True)  # type: ignore[assignment]


# --- cases and people -------------------------------------------------------------------------


class Case(Record, table=True):
    __tablename__ = "asb_case"
    # Covering index for the dashboard's deadline facts (migration 0004).
    __table_args__ = (Index("ix_asb_case_status_officer", "status", "officer", "id"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    ref: str = Field(index=True, unique=True)
    category: str
    status: str = Field(index=True)
    region: str = "england-and-wales"
    summary: str = ""
    location: str = ""
    referral_source: str = ""
    referred_on: date
    accepted_on: date | None = None
    closed_on: date | None = None
    closure_reason: str | None = None
    reopen_count: int = 0
    risk_level: str | None = Field(default=None, index=True)
    repeat_victim: bool = False
    counter_allegation: bool = False
    officer: str = ""
    case_manager: str = ""
    team: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    version: int = 0


class Person(Record, table=True):
    """A case's record of a person. The same human in several cases has one row per case (each
    travels, is shared and is destroyed with its case) joined by one `identity_id`: see
    docs/people.md for why the person is not one row across cases."""

    __tablename__ = "person"

    id: str = Field(default_factory=new_id, primary_key=True)
    case_id: str = Field(foreign_key="asb_case.id", index=True)
    #: who this is, across cases: the same for every row of the same human (migration 0008);
    #: None only in a row from a release before it, read as the row's own id
    identity_id: str | None = Field(default=None, index=True)
    #: the identity this row had before a merge joined it to `identity_id` (None if never
    #: merged), so that a wrong merge can be split exactly
    merged_from_id: str | None = None
    name: str
    date_of_birth: date | None = None
    address: str = ""
    phone: str = ""
    email: str = ""
    language: str = ""
    notes: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    version: int = 0


class CaseParty(Record, table=True):
    __tablename__ = "case_party"

    id: str = Field(default_factory=new_id, primary_key=True)
    case_id: str = Field(foreign_key="asb_case.id", index=True)
    person_id: str = Field(foreign_key="person.id", index=True)
    role: str
    vulnerabilities: str = ""
    further_needs: str = ""
    notes: str = ""
    #: an alleged perpetrator's own risk (to others, to themselves) (migration 0008)
    risk_level: str | None = None
    risk_notes: str = ""
    version: int = 0


class Address(Record, table=True):
    """A structured address in a case: a person's home (with the dates they lived there) or a
    place where the behaviour happens (`person_id` None). Cases are linked and counted by place
    through its key (the UPRN, else the postcode and first line folded): domain/places.py."""

    __tablename__ = "address"
    __table_args__ = (Index("ix_address_postcode", "postcode"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    case_id: str = Field(foreign_key="asb_case.id", index=True)
    person_id: str | None = Field(default=None, foreign_key="person.id", index=True)
    kind: str = "home"  # home / location / other
    line1: str
    line2: str = ""
    town: str = ""
    #: a UK postcode, stored in its normal form ("SW1A 1AA")
    postcode: str = ""
    #: the Unique Property Reference Number, when known (up to 12 digits)
    uprn: str = Field(default="", index=True)
    #: the area or ward, one of the council's configured list
    area: str = ""
    from_on: date | None = None
    to_on: date | None = None
    version: int = 0


class CaseLink(Record, table=True):
    """An explicit link from this case to another, with the reason. The row travels with
    `case_id`; the other case need not be on this laptop (no foreign key), and a team that sees
    only the other case does not learn of this one."""

    __tablename__ = "case_link"

    id: str = Field(default_factory=new_id, primary_key=True)
    case_id: str = Field(foreign_key="asb_case.id", index=True)
    linked_case_id: str = Field(index=True)
    #: the other case's reference, as it was when linked (shown when that case is not held here)
    linked_ref: str = ""
    reason: str
    linked_by: str = ""
    linked_on: date
    version: int = 0


# --- risk -------------------------------------------------------------------------------------


class RiskAssessment(Record, table=True):
    __tablename__ = "risk_assessment"
    # Covering index for the dashboard's deadline facts (migration 0004).
    __table_args__ = (Index("ix_risk_assessment_case_assessed", "case_id", "assessed_on"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    case_id: str = Field(foreign_key="asb_case.id", index=True)
    person_id: str | None = Field(default=None, foreign_key="person.id")
    questionnaire_version: str = ""
    answers: dict[str, Any] = json_column()
    score: int = 0
    computed_level: str
    level: str
    override_reason: str = ""
    #: on a reassessment: the level before it, and why it changed (a lowered level goes to the
    #: manager's review queue) (migration 0008)
    previous_level: str | None = None
    change_reason: str = ""
    assessed_by: str = ""
    assessed_on: date
    created_at: datetime = Field(default_factory=utcnow)


# --- diary and incidents ----------------------------------------------------------------------


class DiarySheet(Record, table=True):
    __tablename__ = "diary_sheet"
    # Covering index for the dashboard's deadline facts (migration 0004).
    __table_args__ = (Index("ix_diary_sheet_case_sent", "case_id", "sent_on"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    case_id: str = Field(foreign_key="asb_case.id", index=True)
    person_id: str | None = Field(default=None, foreign_key="person.id")
    sent_on: date | None = None
    letter_sent_on: date | None = None
    returned_on: date | None = None
    notes: str = ""
    version: int = 0


class Incident(Record, table=True):
    __tablename__ = "incident"
    __table_args__ = (Index("ix_incident_case_when", "case_id", "occurred_on"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    case_id: str = Field(foreign_key="asb_case.id")
    diary_sheet_id: str | None = Field(default=None, foreign_key="diary_sheet.id", index=True)
    occurred_on: date
    occurred_time: str = ""
    location: str = ""
    description: str = ""
    who_involved: str = ""
    impact: str = ""
    reported_to_police: bool = False
    police_ref: str = ""
    reported_to_council_on: date | None = None
    source: str = "diary"
    recorded_by: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    # Reported means reported (migration 0011): the day the victim first reported it to any
    # relevant body (None: not reported, or not known when) and to which, as agency codes
    # ("council", "police", "housing", "health") joined by commas.
    reported_on: date | None = None
    reported_to: str = ""


# --- visits, consent, contact -----------------------------------------------------------------


class Visit(Record, table=True):
    __tablename__ = "visit"
    # Covering index for the dashboard's deadline facts (migration 0004).
    __table_args__ = (Index("ix_visit_case_home_done", "case_id", "kind", "status", "done_on"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    case_id: str = Field(foreign_key="asb_case.id", index=True)
    kind: str
    due_on: date | None = None
    done_on: date | None = None
    status: str = "planned"  # planned / draft / complete
    present: str = ""
    evidence_gathered: str = ""
    perpetrator_identified: str = ""
    further_needs: str = ""
    signposting: list[str] = json_list_column()
    outcome: str = ""
    denial: bool = False
    counter_allegation: str = ""
    cited_exhibits: list[str] = json_list_column()  # exhibit refs of the case it cites
    notes: str = ""
    form_state: dict[str, Any] = json_column()
    version: int = 0


class Consent(Record, table=True):
    __tablename__ = "consent"

    id: str = Field(default_factory=new_id, primary_key=True)
    case_id: str = Field(foreign_key="asb_case.id", index=True)
    person_id: str | None = Field(default=None, foreign_key="person.id")
    record_and_share: bool = False
    signed: bool = False
    given_on: date | None = None
    scope: str = ""
    perpetrator_visit_agreed: bool = False
    withdrawn_on: date | None = None
    # Agreement to a perpetrator visit can be withdrawn on its own (migration 0003).
    perpetrator_visit_withdrawn_on: date | None = None
    version: int = 0


class ContactAgreement(Record, table=True):
    __tablename__ = "contact_agreement"

    id: str = Field(default_factory=new_id, primary_key=True)
    case_id: str = Field(foreign_key="asb_case.id", index=True)
    person_id: str | None = Field(default=None, foreign_key="person.id")
    frequency: str
    means: str = ""
    safe_times: str = ""
    may_leave_messages: bool = False
    agreed_on: date
    version: int = 0


class VictimUpdate(Record, table=True):
    __tablename__ = "victim_update"
    # Covering index for the dashboard's deadline facts (migration 0004).
    __table_args__ = (Index("ix_victim_update_case_updated", "case_id", "updated_on"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    case_id: str = Field(foreign_key="asb_case.id", index=True)
    updated_on: date
    means: str = ""
    summary: str = ""
    feels_safer: str = ""
    officer: str = ""
    created_at: datetime = Field(default_factory=utcnow)


class AgencyContact(Record, table=True):
    __tablename__ = "agency_contact"

    id: str = Field(default_factory=new_id, primary_key=True)
    case_id: str = Field(foreign_key="asb_case.id", index=True)
    agency: str
    contact_name: str = ""
    reference: str = ""
    reference_kind: str = ""  # e.g. "crime reference", "incident log" (migration 0003)
    method: str = ""
    summary: str = ""
    contacted_on: date
    follow_up_due: date | None = None
    created_at: datetime = Field(default_factory=utcnow)


# --- house-to-house ---------------------------------------------------------------------------


class HouseToHouseRun(Record, table=True):
    __tablename__ = "h2h_run"

    id: str = Field(default_factory=new_id, primary_key=True)
    case_id: str = Field(foreign_key="asb_case.id", index=True)
    area: str
    run_on: date
    notes: str = ""
    version: int = 0


class DoorEnquiry(Record, table=True):
    __tablename__ = "door_enquiry"

    id: str = Field(default_factory=new_id, primary_key=True)
    case_id: str = Field(foreign_key="asb_case.id", index=True)
    run_id: str = Field(foreign_key="h2h_run.id", index=True)
    position: int
    address: str
    outcome: str | None = None
    note: str = ""
    done_at: datetime | None = None
    version: int = 0


# --- actions, legal, evidence -----------------------------------------------------------------


class Action(Record, table=True):
    __tablename__ = "action"
    __table_args__ = (Index("ix_action_case_open", "case_id", "done_on"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    case_id: str = Field(foreign_key="asb_case.id")
    kind: str = "general"
    title: str
    owner: str = ""
    agency: str = ""
    due_on: date | None = None
    done_on: date | None = None
    reference: str = ""
    notes: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    version: int = 0


class LegalRemedy(Record, table=True):
    __tablename__ = "legal_remedy"

    id: str = Field(default_factory=new_id, primary_key=True)
    case_id: str = Field(foreign_key="asb_case.id", index=True)
    kind: str
    person_id: str | None = Field(default=None, foreign_key="person.id")
    status: str = "proposed"
    started_on: date | None = None
    review_on: date | None = None
    expires_on: date | None = None
    victim_role: str = ""
    support_offered: str = ""
    notes: str = ""
    version: int = 0
    # The 2014 Act's powers (domain/legal_powers.py): a remedy made that way has `statutory`
    # set, its dates entered as the court or notice set them, its status moved by legal moves.
    statutory: bool = False
    served_at: datetime | None = None  # served, applied or agreed: when the clock starts
    ends_on: date | None = None  # the end the court, notice or agreement set
    ends_at: datetime | None = None  # a closure notice's end, in hours
    comply_by: date | None = None  # a warning's time to comply
    prior_warning_id: str | None = None  # a CPN: the warning it follows
    respondent_age: int | None = None  # age on the day of service or application
    consulted_on: date | None = None  # YOT (under-18) or a PSPO's consultation
    convicted_on: date | None = None  # a CBO: the conviction it follows
    power_of_arrest: bool = False
    grounds: str = ""  # absolute ground: the condition met
    grounds_met_on: date | None = None


class LegalStage(Record, table=True):
    __tablename__ = "legal_stage"

    id: str = Field(default_factory=new_id, primary_key=True)
    case_id: str = Field(foreign_key="asb_case.id", index=True)
    remedy_id: str = Field(foreign_key="legal_remedy.id", index=True)
    stage: str
    stage_on: date
    notes: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    to_status: str = ""  # a legal move: the status it moved the remedy to
    stage_at: datetime | None = None  # its time, where the clock counts hours


class EvidenceItem(Record, table=True):
    """One exhibit: a file held encrypted in the data directory (store/core/evidence_blobs.py),
    hashed at intake. `content_key` (hex) opens its chunk files: a secret, never exported."""

    __tablename__ = "evidence_item"
    __table_args__ = (
        Index("ux_evidence_item_case_exhibit", "case_id", "exhibit_ref", unique=True),
    )

    id: str = Field(default_factory=new_id, primary_key=True)
    case_id: str = Field(foreign_key="asb_case.id", index=True)
    exhibit_ref: str  # e.g. GD/3: the officer's initials and a number, unique in the case
    kind: str = ""  # photo / audio / video / document / text (from the media type)
    description: str = ""
    source: str = "officer"  # victim / witness / officer / agency
    original_name: str = ""
    media_type: str = ""  # detected from the content (puremagic), not the name
    size: int = 0
    sha256: str = ""
    content_key: str = ""  # hex of the 32 random bytes that seal its chunks
    obtained_on: date | None = None
    obtained_by: str = ""
    incident_id: str | None = Field(default=None, foreign_key="incident.id")
    visit_id: str | None = Field(default=None, foreign_key="visit.id")
    person_id: str | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow)


class Note(Record, table=True):
    __tablename__ = "note"

    id: str = Field(default_factory=new_id, primary_key=True)
    case_id: str = Field(foreign_key="asb_case.id", index=True)
    kind: str = "general"  # general / intelligence / denial
    body: str
    author: str = ""
    created_at: datetime = Field(default_factory=utcnow)


# --- oversight: reviews, referrals, VVC, sharing ----------------------------------------------


class ManagerReview(Record, table=True):
    __tablename__ = "manager_review"
    # Covering index for the dashboard's deadline facts (migration 0004).
    __table_args__ = (Index("ix_manager_review_case_reviewed", "case_id", "reviewed_on"),)

    id: str = Field(default_factory=new_id, primary_key=True)
    case_id: str = Field(foreign_key="asb_case.id", index=True)
    reviewed_on: date
    reviewer: str = ""
    reason: str = ""  # high-risk / sample / ad-hoc
    notes: str = ""
    actions: str = ""
    next_review_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow)


class ReviewSample(Record, table=True):
    """A drawn random sample: the seed is kept with the date so anyone can re-derive it."""

    __tablename__ = "review_sample"

    id: str = Field(default_factory=new_id, primary_key=True)
    drawn_on: date
    seed: str
    fraction: float
    minimum: int = 1
    population: list[str] = json_list_column()
    sample: list[str] = json_list_column()


class Referral(Record, table=True):
    __tablename__ = "referral"

    id: str = Field(default_factory=new_id, primary_key=True)
    case_id: str = Field(foreign_key="asb_case.id", index=True)
    kind: str
    referred_on: date
    reason: str = ""
    meeting_on: date | None = None
    status: str = "open"
    version: int = 0


class VvcMeeting(Record, table=True):
    __tablename__ = "vvc_meeting"

    id: str = Field(default_factory=new_id, primary_key=True)
    meets_on: date = Field(index=True, unique=True)
    notes: str = ""


class VvcDecision(Record, table=True):
    __tablename__ = "vvc_decision"

    id: str = Field(default_factory=new_id, primary_key=True)
    case_id: str = Field(foreign_key="asb_case.id", index=True)
    meeting_on: date
    case_officer: str = ""
    case_manager: str = ""
    decision: str = ""
    actions: list[dict[str, Any]] = json_list_column()
    next_review_on: date | None = None
    version: int = 0


class SharingRecord(Record, table=True):
    __tablename__ = "sharing_record"

    id: str = Field(default_factory=new_id, primary_key=True)
    case_id: str = Field(foreign_key="asb_case.id", index=True)
    agency: str
    what: str
    legal_basis: str
    shared_on: date
    officer: str = ""
    consent_status: str = ""
    includes_files: bool = False  # the agency's laptops receive the case's evidence files too
    created_at: datetime = Field(default_factory=utcnow)


# --- the machinery: audit, change log, settings, drafts, sync state ---------------------------


class AuditEvent(Record, table=True):
    """One link of the hash chain. Holds no personal data (field names, never values), so
    destroying a case under the retention rule never has to rewrite the chain."""

    __tablename__ = "audit_event"

    seq: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    actor: str
    device_id: str
    action: str
    entity: str
    entity_id: str
    case_id: str | None = None
    details: dict[str, Any] = json_column()
    prev_hash: str
    hash: str = Field(unique=True)


class ChangeRecord(Record, table=True):
    """The transactional outbox: one row per written row, numbered per device."""

    __tablename__ = "change_record"
    __table_args__ = (UniqueConstraint("device_id", "counter"),)

    id: int | None = Field(default=None, primary_key=True)
    device_id: str
    counter: int
    table_name: str
    row_id: str
    case_id: str
    op: str
    fields: dict[str, Any] = json_column()
    base_version: int | None = None
    append_only: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = Field(default=None, index=True)


class Setting(Record, table=True):
    """Small key/value facts of this store: device id, counters, sync cursor, device token."""

    __tablename__ = "setting"

    key: str = Field(primary_key=True)
    value: str


class LocalCacheEntry(Record, table=True):
    """What the laptop keeps only for itself, to save the officer work or time: half-typed forms
    (kept across auto-lock, resumable field forms) and the dashboard's last computation. Never
    synced, never exported, never a record (see store/cache/local_cache.py)."""

    __tablename__ = "local_cache"

    #: "draft" or "dashboard"
    kind: str = Field(primary_key=True)
    key: str = Field(primary_key=True)
    payload: dict[str, Any] = json_column()
    saved_at: datetime = Field(default_factory=utcnow)


class SyncConflict(Record, table=True):
    __tablename__ = "sync_conflict"

    id: str = Field(primary_key=True)
    table_name: str
    row_id: str
    case_id: str
    field: str
    local_value: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    server_value: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    status: str = "open"
    detected_at: datetime = Field(default_factory=utcnow)
    resolved_at: datetime | None = None


class SetAsideChange(Record, table=True):
    """A change pulled from the service that this laptop could not apply (a kind of record this
    release does not know, a value that does not fit, a row its database refuses), kept whole
    with the reason so that a later sync (after an upgrade, or once its parent arrived) can apply
    it: store/replica/replica.py `retry_set_aside`. Wiped with its case."""

    __tablename__ = "set_aside_change"

    #: the service's stream number of the change
    seq: int = Field(primary_key=True)
    table_name: str
    row_id: str
    case_id: str = Field(index=True)
    op: str
    #: the change's fields; None for one kept by an older release without them (cannot be retried)
    fields: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    version: int = 0
    origin_device_id: str | None = None
    origin_counter: int | None = None
    reason: str
    set_aside_at: datetime = Field(default_factory=utcnow)


class PersonElsewhere(Record, table=True):
    """What the central service's blind index told this laptop at its last sync: a person of one
    of its cases is also known in cases held by another team, with the officer to contact there.
    Nothing else crosses teams (no name, address or note). Replaced at each sync, never synced or
    exported, wiped with its case."""

    __tablename__ = "person_elsewhere"

    person_id: str = Field(primary_key=True)
    team: str = Field(primary_key=True)
    case_id: str = Field(index=True)
    #: "identity" (name and date of birth) or "address"
    matched_on: str = Field(primary_key=True)
    cases: int
    contact_officer: str = ""
    learned_at: datetime = Field(default_factory=utcnow)


class SubjectAccessRequest(Record, table=True):
    """A subject access request (UK GDPR Art. 15) and its clock: about a data subject, not a
    case, so it has no `case_id` and never syncs (docs/subject-access.md says why). `person_id`
    names the person's row the export was made from, when the request is about someone this
    laptop holds; no foreign key, so the log outlives a case destroyed under retention."""

    __tablename__ = "subject_access_request"

    id: str = Field(default_factory=new_id, primary_key=True)
    #: SAR-<year received>-<number>, numbered on this laptop
    ref: str = Field(index=True, unique=True)
    received_on: date
    requester: str
    person_id: str | None = None
    details: str = ""
    identity_asked: bool = False
    identity_confirmed_on: date | None = None
    identity_how: str = ""
    fee_asked: bool = False
    fee_received_on: date | None = None
    clarification_asked_on: date | None = None
    clarification_received_on: date | None = None
    extension_months: int = 0
    extension_reason: str = ""
    extended_on: date | None = None
    completed_on: date | None = None
    export_json_name: str = ""
    export_json_sha256: str = ""
    export_pdf_name: str = ""
    export_pdf_sha256: str = ""
    exported_at: datetime | None = None
    logged_by: str = ""
    created_at: datetime = Field(default_factory=utcnow)


# Tables the laptop keeps only for itself: written by the unit of work's local methods
# (`keep_local`, `put_setting`), never synced, never exported.
LOCAL_TABLES = frozenset(
    {
        "setting",
        "sync_conflict",
        "review_sample",
        "local_cache",
        "set_aside_change",
        "person_elsewhere",
        "subject_access_request",
    }
)

# Tables whose rows are written once and never edited: they never conflict in sync.
APPEND_ONLY_TABLES = frozenset(
    {
        "incident",
        "victim_update",
        "agency_contact",
        "legal_stage",
        "evidence_item",
        "note",
        "manager_review",
        "sharing_record",
        "risk_assessment",
        "communication",
    }
)

# --- the ASB Case Review (migration 0011) -----------------------------------------------------


class CaseReview(Record, table=True):
    """One application for an ASB Case Review and its workflow (domain/case_review.py)."""

    __tablename__ = "case_review"

    id: str = Field(default_factory=new_id, primary_key=True)
    case_id: str = Field(foreign_key="asb_case.id", index=True)
    applicant: str  # who applied: the victim or someone on their behalf
    on_behalf_of: str = ""  # for whom, when the applicant is not the victim
    applied_on: date
    cited_incidents: list[str] = json_list_column()  # incident ids the application cites
    partner_reports: str = ""  # reports to partner agencies as the applicant gave them
    acknowledged_on: date | None = None
    decided_on: date | None = None
    threshold_met: bool | None = None
    decision_reason: str = ""
    decision_letter_on: date | None = None
    meeting_on: date | None = None
    agencies_present: list[str] = json_list_column()
    outcome: str = ""
    outcome_told_on: date | None = None
    escalation_route: str = ""
    escalated_on: date | None = None
    notes: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    version: int = 0


class CaseReviewRecommendation(Record, table=True):
    __tablename__ = "case_review_recommendation"

    id: str = Field(default_factory=new_id, primary_key=True)
    case_id: str = Field(foreign_key="asb_case.id", index=True)
    review_id: str = Field(foreign_key="case_review.id", index=True)
    text: str
    owner: str
    due_on: date | None = None
    done_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow)
    version: int = 0


# --- the communications log (migration 0012) ---------------------------------------------------


class Communication(Record, table=True):
    """One letter (or set of diary sheets) made from the case: which template and wording, to
    whom, when and how it went, and the SHA-256 of the PDF made, as evidence of what was sent."""

    __tablename__ = "communication"

    id: str = Field(default_factory=new_id, primary_key=True)
    case_id: str = Field(foreign_key="asb_case.id", index=True)
    person_id: str | None = Field(default=None, foreign_key="person.id")
    recipient: str  # the name as the letter was addressed
    template: str  # the letter's name (domain/letters.py)
    template_version: str  # the shipped version, or "council:<sha-256 prefix>"
    title: str = ""
    language: str = "en"
    sent_on: date
    method: str = "post"  # post / hand / email / printed
    pdf_sha256: str = ""
    pdf_name: str = ""
    officer: str = ""
    created_at: datetime = Field(default_factory=utcnow)


# Tables that belong to one case and travel with it (export, sync, retention), parents first.
CASE_TABLES: tuple[type[SQLModel], ...] = (
    Case,
    Person,
    CaseParty,
    Address,
    CaseLink,
    RiskAssessment,
    DiarySheet,
    Incident,
    Visit,
    Consent,
    ContactAgreement,
    VictimUpdate,
    AgencyContact,
    HouseToHouseRun,
    DoorEnquiry,
    Action,
    LegalRemedy,
    LegalStage,
    EvidenceItem,
    Note,
    ManagerReview,
    Referral,
    VvcDecision,
    SharingRecord,
    CaseReview,
    CaseReviewRecommendation,
    Communication,
)

TABLES_BY_NAME: dict[str, type[SQLModel]] = {
    str(model.__tablename__): model for model in CASE_TABLES
}
