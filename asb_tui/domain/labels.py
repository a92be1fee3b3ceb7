"""Plain-English labels for the procedure's vocabulary, as a case officer reads them on screen.

Stored values stay as they are (`asb-ceased`, `community-protection-notice`); only what is shown
changes. Every member of every vocabulary in `VOCABULARIES` has its own label here, so a value
added later without one fails a test rather than reaching the screen raw. Values that are not an
enum member (states the store writes, such as a remedy's `in-force`) fall back to `humanise`.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from asb_tui.domain.contact import FrequencyUnit
from asb_tui.domain.evidence import EvidenceKind, EvidenceSource
from asb_tui.domain.types import (
    ActionKind,
    CaseStatus,
    Category,
    ClosureReason,
    DeadlineKind,
    DeadlineState,
    DoorOutcome,
    LegalBasis,
    LegalRemedyKind,
    PartyRole,
    ReferralKind,
    Region,
    RemedyStatus,
    RiskLevel,
    VisitKind,
)

__all__ = ["LABELS", "VOCABULARIES", "humanise", "label", "label_choices"]

VOCABULARIES: tuple[type[StrEnum], ...] = (
    Region,
    Category,
    CaseStatus,
    ClosureReason,
    PartyRole,
    RiskLevel,
    VisitKind,
    ActionKind,
    DoorOutcome,
    LegalRemedyKind,
    LegalBasis,
    ReferralKind,
    DeadlineState,
    DeadlineKind,
    FrequencyUnit,
    RemedyStatus,
    EvidenceSource,
    EvidenceKind,
)

# Keyed by (vocabulary, value): the same word can mean different things in two vocabularies
# ("other" party and "other" remedy read the same, "diary-sheets" does not).
_BY_VOCABULARY: dict[type[StrEnum], dict[str, str]] = {
    Region: {
        "england-and-wales": "England and Wales",
        "scotland": "Scotland",
        "northern-ireland": "Northern Ireland",
    },
    Category: {
        "personal": "Personal",
        "nuisance": "Nuisance",
        "environmental": "Environmental",
    },
    CaseStatus: {
        "referred": "Referred",
        "accepted": "Accepted",
        "closed": "Closed",
        "reopened": "Reopened",
    },
    ClosureReason: {
        "asb-ceased": "ASB ceased",
        "no-further-progress": "No further progress possible",
        "victim-no-longer-in-contact": "Victim no longer in contact",
        "not-accepted": "Not accepted for investigation",
    },
    PartyRole: {
        "victim": "Victim",
        "alleged-perpetrator": "Alleged perpetrator",
        "witness": "Witness",
        "other": "Other",
    },
    RiskLevel: {
        "standard": "Standard",
        "medium": "Medium",
        "high": "High",
    },
    VisitKind: {
        "home": "Home visit",
        "perpetrator": "Perpetrator visit",
        "follow-up": "Follow-up visit",
    },
    ActionKind: {
        "diary-sheets": "Send diary sheets",
        "risk-assessment": "Risk assessment",
        "home-visit": "Home visit",
        "inform-victim-closure": "Tell the victim the case is closed",
        "vso-referral": "Victim Support Officer referral",
        "vvc-referral": "Vulnerable Victims Conference referral",
        "safeguarding": "Safeguarding",
        "general": "General",
        "case-review-info": "Tell the victim about the Case Review",
    },
    DoorOutcome: {
        "no-answer": "No answer",
        "no-information": "No information",
        "information-given": "Information given",
        "refused": "Refused",
        "call-back": "Call back",
    },
    LegalRemedyKind: {
        "acceptable-behaviour-contract": "Acceptable Behaviour Contract",
        "community-protection-warning": "Community Protection Warning",
        "community-protection-notice": "Community Protection Notice",
        "civil-injunction": "Civil Injunction",
        "criminal-behaviour-order": "Criminal Behaviour Order",
        "closure-order": "Closure Order",
        "possession-proceedings": "Possession proceedings",
        "other": "Other",
        "closure-notice": "Closure Notice",
        "public-spaces-protection-order": "Public Spaces Protection Order",
        "community-remedy": "Community Remedy",
    },
    LegalBasis: {
        "s115-crime-and-disorder-act-1998": "s115 Crime and Disorder Act 1998",
        "consent": "Consent",
        "safeguarding": "Safeguarding",
    },
    ReferralKind: {
        "victim-support-officer": "Victim Support Officer",
        "vulnerable-victims-conference": "Vulnerable Victims Conference",
    },
    DeadlineState: {
        "met": "Met",
        "not-due": "Not due",
        "due-soon": "Due soon",
        "due-today": "Due today",
        "overdue": "Overdue",
    },
    DeadlineKind: {
        "diary-sheets": "Diary sheets",
        "risk-assessment": "Risk assessment",
        "first-home-visit": "First home visit",
        "victim-update": "Victim update",
        "action": "Action",
        "manager-review": "Manager review",
        "legal-review": "Legal remedy review",
        "legal-expiry": "Legal remedy expiry",
        "legal-step": "Legal remedy step",
        "retention": "Retention",
        "case-review": "ASB Case Review",
        "case-review-info": "Tell the victim about the Case Review",
    },
    FrequencyUnit: {
        "wd": "working days",
        "w": "weeks",
        "m": "months",
    },
    RemedyStatus: {
        "proposed": "Proposed",
        "served": "Served",
        "applied": "Applied",
        "granted": "Granted",
        "in-force": "In force",
        "varied": "Varied",
        "breached": "Breached",
        "discharged": "Discharged",
        "expired": "Expired",
        "ended": "Ended",
    },
    EvidenceSource: {
        "victim": "Victim",
        "witness": "Witness",
        "officer": "Officer",
        "agency": "Partner agency",
    },
    EvidenceKind: {
        "photo": "Photo",
        "audio": "Audio recording",
        "video": "Video",
        "document": "Document",
        "text": "Text",
        "other": "Other file",
    },
}

# States and reasons the store writes as plain strings (not enum members).
_OTHER_VALUES: dict[str, str] = {
    "open": "Open",
    "in-force": "In force",
    "proposed": "Proposed",
    "served": "Served",
    "expired": "Expired",
    "withdrawn": "Withdrawn",
    "discharged": "Discharged",
    "breached": "Breached",
    "pending": "Pending",
    "heard": "Heard",
    "declined": "Declined",
    "high-risk": "High risk",
    "sample": "Sample",
    "risk-lowered": "Risk lowered",
    "ad-hoc": "Ad hoc",
}

# Flat view for values shown without their vocabulary; where two vocabularies share a value the
# first listed in VOCABULARIES wins, so ask `label(member)` with the member when it matters.
LABELS: Mapping[str, str] = {
    **_OTHER_VALUES,
    **{
        value: text
        for vocabulary in reversed(VOCABULARIES)
        for value, text in _BY_VOCABULARY[vocabulary].items()
    },
}

_ACRONYMS = {"asb": "ASB", "vvc": "VVC", "vso": "VSO", "abc": "ABC", "cpn": "CPN", "cpw": "CPW"}


def humanise(value: str) -> str:
    """`some-raw-value` -> "Some raw value", keeping the procedure's acronyms in capitals."""
    parts = value.replace("_", "-").split("-")
    words = [_ACRONYMS.get(word.lower(), word) for word in parts if word]
    if not words:
        return value
    first = words[0]
    words[0] = first if first.isupper() else first[:1].upper() + first[1:]
    return " ".join(words)


def label(value: StrEnum | str | None, empty: str = "") -> str:
    """The on-screen text for a vocabulary value (an enum member or its stored string)."""
    if value is None or value == "":
        return empty
    if isinstance(value, StrEnum):
        known = _BY_VOCABULARY.get(type(value), {}).get(value.value)
        if known is not None:
            return known
        value = value.value
    return LABELS.get(value, humanise(value))


def label_choices(vocabulary: type[StrEnum]) -> list[tuple[str, str]]:
    """(label, value) pairs for a Select over a whole vocabulary, in declaration order."""
    return [(label(member), member.value) for member in vocabulary]


def labels_for(vocabulary: type[StrEnum]) -> Mapping[str, str]:
    """The labels of one vocabulary, for tests and for screens that list them."""
    return _BY_VOCABULARY.get(vocabulary, {})
