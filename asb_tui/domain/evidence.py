"""The evidence locker's rules: where an exhibit came from, its kind, its exhibit reference.

An exhibit reference is the officer's initials and a number, `GD/3` (the practice for exhibits
produced by a witness): the initials of the officer who attaches it, numbered from 1 within the
case. A reference typed by the officer is kept as typed once checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum

from asb_tui.domain.errors import DomainError


class EvidenceSource(StrEnum):
    VICTIM = "victim"
    WITNESS = "witness"
    OFFICER = "officer"
    AGENCY = "agency"


class EvidenceKind(StrEnum):
    PHOTO = "photo"
    AUDIO = "audio"
    VIDEO = "video"
    DOCUMENT = "document"
    TEXT = "text"
    OTHER = "other"


_DOCUMENTS = ("application/pdf", "application/msword", "application/vnd.", "application/rtf")
EXHIBIT_REF = re.compile(r"^[A-Z]{1,4}/[1-9][0-9]{0,4}$")


def kind_of(media_type: str) -> EvidenceKind:
    major = media_type.partition("/")[0]
    if major == "image":
        return EvidenceKind.PHOTO
    if major in {"audio", "video"}:
        return EvidenceKind(major)
    if media_type.startswith("text/"):
        return EvidenceKind.TEXT
    if media_type.startswith(_DOCUMENTS):
        return EvidenceKind.DOCUMENT
    return EvidenceKind.OTHER


def initials(officer: str) -> str:
    """`Gary Dawson` -> GD; one name gives its first two letters; at most four letters."""
    words = [w for w in re.split(r"[^A-Za-z]+", officer) if w]
    if not words:
        return "EX"
    if len(words) == 1:
        return words[0][:2].upper()
    return "".join(w[0] for w in words[:4]).upper()


def check_exhibit_ref(text: str) -> str:
    if not EXHIBIT_REF.match(text):
        raise DomainError(f"Exhibit reference {text!r} is not initials and a number, e.g. GD/3.")
    return text


def next_exhibit_ref(officer: str, taken: Iterable[str]) -> str:
    """The officer's next reference in the case: one past the highest number under their
    initials (a gap left by nothing is never reused, so a reference names one exhibit)."""
    mine = initials(officer)
    numbers = [
        int(ref.partition("/")[2])
        for ref in taken
        if ref.partition("/")[0] == mine and ref.partition("/")[2].isdigit()
    ]
    return f"{mine}/{max(numbers, default=0) + 1}"


def check_cited(cited: Iterable[str], held: Iterable[str]) -> list[str]:
    """The exhibit references a visit cites, each one of the case's; refuses any other."""
    known = set(held)
    refs = list(dict.fromkeys(r.strip() for r in cited if r.strip()))
    unknown = [r for r in refs if r not in known]
    if unknown:
        raise DomainError(
            f"The case has no exhibit {', '.join(unknown)}; cite only its exhibits "
            f"({', '.join(sorted(known)) or 'it has none yet'})."
        )
    return refs
