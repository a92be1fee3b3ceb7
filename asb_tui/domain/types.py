"""Vocabulary of the council's ASB procedure, shared by every layer.

Values are stored as their string form, so renaming a member is a schema change.
"""

from __future__ import annotations

from enum import StrEnum


class Region(StrEnum):
    """Bank-holiday regions, named as GOV.UK names them."""

    ENGLAND_AND_WALES = "england-and-wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern-ireland"


class Category(StrEnum):
    PERSONAL = "personal"
    NUISANCE = "nuisance"
    ENVIRONMENTAL = "environmental"


class CaseStatus(StrEnum):
    REFERRED = "referred"
    ACCEPTED = "accepted"
    CLOSED = "closed"
    REOPENED = "reopened"


#: The statuses of a case being worked (its deadlines run, it shows on the dashboard). The
#: members are strings too, so a status read from the database is tested against it as it is.
OPEN_STATUSES: frozenset[CaseStatus] = frozenset({CaseStatus.ACCEPTED, CaseStatus.REOPENED})


class ClosureReason(StrEnum):
    ASB_CEASED = "asb-ceased"
    NO_FURTHER_PROGRESS = "no-further-progress"
    VICTIM_NO_CONTACT = "victim-no-longer-in-contact"
    # Only for a referral that was never accepted for investigation (see domain.lifecycle).
    NOT_ACCEPTED = "not-accepted"


class PartyRole(StrEnum):
    VICTIM = "victim"
    ALLEGED_PERPETRATOR = "alleged-perpetrator"
    WITNESS = "witness"
    OTHER = "other"


class RiskLevel(StrEnum):
    STANDARD = "standard"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return {"standard": 0, "medium": 1, "high": 2}[self.value]


class VisitKind(StrEnum):
    HOME = "home"
    PERPETRATOR = "perpetrator"
    FOLLOW_UP = "follow-up"


class ActionKind(StrEnum):
    """Tasks the procedure creates by itself, plus the officer's own."""

    DIARY_SHEETS = "diary-sheets"
    RISK_ASSESSMENT = "risk-assessment"
    HOME_VISIT = "home-visit"
    INFORM_VICTIM_CLOSURE = "inform-victim-closure"
    VSO_REFERRAL = "vso-referral"
    VVC_REFERRAL = "vvc-referral"
    SAFEGUARDING = "safeguarding"
    GENERAL = "general"
    CASE_REVIEW_INFO = "case-review-info"


class DoorOutcome(StrEnum):
    NO_ANSWER = "no-answer"
    NO_INFORMATION = "no-information"
    INFORMATION_GIVEN = "information-given"
    REFUSED = "refused"
    CALL_BACK = "call-back"


class LegalRemedyKind(StrEnum):
    ABC = "acceptable-behaviour-contract"
    CPW = "community-protection-warning"
    CPN = "community-protection-notice"
    CIVIL_INJUNCTION = "civil-injunction"
    CBO = "criminal-behaviour-order"
    CLOSURE_ORDER = "closure-order"
    POSSESSION = "possession-proceedings"
    OTHER = "other"
    CLOSURE_NOTICE = "closure-notice"
    PSPO = "public-spaces-protection-order"
    COMMUNITY_REMEDY = "community-remedy"


class LegalBasis(StrEnum):
    S115 = "s115-crime-and-disorder-act-1998"
    CONSENT = "consent"
    SAFEGUARDING = "safeguarding"


class ReferralKind(StrEnum):
    VSO = "victim-support-officer"
    VVC = "vulnerable-victims-conference"


class DeadlineState(StrEnum):
    MET = "met"
    NOT_DUE = "not-due"
    DUE_SOON = "due-soon"
    DUE_TODAY = "due-today"
    OVERDUE = "overdue"


class DeadlineKind(StrEnum):
    """What a deadline on the dashboard is about (computed, never stored)."""

    DIARY_SHEETS = "diary-sheets"
    RISK_ASSESSMENT = "risk-assessment"
    FIRST_HOME_VISIT = "first-home-visit"
    VICTIM_UPDATE = "victim-update"
    ACTION = "action"
    MANAGER_REVIEW = "manager-review"
    LEGAL_REVIEW = "legal-review"
    LEGAL_EXPIRY = "legal-expiry"
    LEGAL_STEP = "legal-step"
    RETENTION = "retention"
    CASE_REVIEW = "case-review"
    CASE_REVIEW_INFO = "case-review-info"


class RemedyStatus(StrEnum):
    """Where a legal remedy stands (its moves: domain/legal_powers.py). Here, with the other
    enums, so that showing a status's label does not import the legal rules."""

    PROPOSED = "proposed"
    SERVED = "served"
    APPLIED = "applied"
    GRANTED = "granted"
    IN_FORCE = "in-force"
    VARIED = "varied"
    BREACHED = "breached"
    DISCHARGED = "discharged"
    EXPIRED = "expired"
    ENDED = "ended"
