"""The letters a case sends, and the printable diary sheet: what each is, to whom it goes, which
task it completes, and how a letter is dated. Pure: no I/O (the Typst templates that lay each
out are in asb_tui/export/templates, typeset by asb_tui/export/letters.py).

Each letter has a template of its own (`letter_<name>.typ`) and a version: the version is
raised whenever the shipped wording changes, and the communications log records it with each
letter made, so the case shows which wording went out. A council's own template (config
`letter_templates`) is recorded as "council:" and the first 12 hex digits of its SHA-256.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from asb_tui.domain.errors import DomainError
from asb_tui.domain.types import ActionKind

__all__ = [
    "DIARY_SHEETS",
    "LANGUAGES",
    "LETTERS",
    "SEND_METHODS",
    "LetterKind",
    "letter_kind",
    "uk_long_date",
]

# Who a letter is written to, by the person's role in the case.
VICTIM = "victim"
PERPETRATOR = "alleged-perpetrator"
ANYONE = "any"


@dataclass(frozen=True)
class LetterKind:
    name: str  # the template's name: `letter_<name>.typ`
    title: str  # as the officer sees it and the log records it
    version: int
    recipient: str  # VICTIM, PERPETRATOR or ANYONE
    purpose: str  # one line: when it is sent
    completes: ActionKind | None = None  # the task a letter of this kind completes

    @property
    def template(self) -> str:
        return f"letter_{self.name.replace('-', '_')}.typ"


LETTERS: tuple[LetterKind, ...] = (
    LetterKind(
        "process", "Our process, with diary sheets", 1, VICTIM,
        "sent to every victim with the diary sheets: how the council works the case",
        completes=ActionKind.DIARY_SHEETS,
    ),
    LetterKind(
        "acknowledgement", "Acknowledgement of your report", 1, ANYONE,
        "acknowledges a report of anti-social behaviour",
    ),
    LetterKind(
        "written-warning", "Community Protection Warning", 1, PERPETRATOR,
        "the written warning that must come before a Community Protection Notice",
    ),
    LetterKind(
        "pre-visit", "Before our visit", 1, PERPETRATOR,
        "tells an alleged perpetrator that an officer will visit, and why",
    ),
    LetterKind(
        "case-review-info", "The ASB Case Review", 1, VICTIM,
        "tells a victim of their right to ask for an ASB Case Review",
        completes=ActionKind.CASE_REVIEW_INFO,
    ),
    LetterKind(
        "case-review-acknowledgement", "ASB Case Review: application received", 1, ANYONE,
        "acknowledges an application for an ASB Case Review",
    ),
    LetterKind(
        "case-review-decision", "ASB Case Review: decision on the threshold", 1, ANYONE,
        "says whether the application meets the threshold for a review, and why",
    ),
    LetterKind(
        "case-review-outcome", "ASB Case Review: outcome", 1, ANYONE,
        "gives the outcome of the review and its recommendations",
    ),
    LetterKind(
        "closure", "Your case is closed", 1, VICTIM,
        "tells the victim the case is closed, why, and how to reopen it",
        completes=ActionKind.INFORM_VICTIM_CLOSURE,
    ),
)  # fmt: skip

# The printable diary sheet is logged like a letter (template and version, SHA-256).
DIARY_SHEETS = LetterKind(
    "diary-sheets", "Diary sheets", 1, VICTIM, "the victim's diary sheets, pre-filled"
)

_BY_NAME = {kind.name: kind for kind in LETTERS}

SEND_METHODS: tuple[str, ...] = ("post", "hand", "email", "printed")
LANGUAGES: tuple[str, ...] = ("en", "cy", "en+cy")

_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
_MONTHS_CY = (
    "Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin", "Gorffennaf", "Awst", "Medi",
    "Hydref", "Tachwedd", "Rhagfyr",
)  # fmt: skip


class UnknownLetter(DomainError):
    pass


def letter_kind(name: str) -> LetterKind:
    """The letter of this template name (as `asb-tui letter list` shows them)."""
    wanted = name.strip().lower().replace("_", "-")
    if wanted == DIARY_SHEETS.name:
        return DIARY_SHEETS
    try:
        return _BY_NAME[wanted]
    except KeyError:
        names = ", ".join(kind.name for kind in LETTERS)
        raise UnknownLetter(f"There is no letter {name.strip()!r}. The letters: {names}.") from None


def uk_long_date(day: date, language: str = "en") -> str:
    """A letter's date the UK way: "2 December 2026" (Welsh: "2 Rhagfyr 2026")."""
    months = _MONTHS_CY if language == "cy" else _MONTHS_EN
    return f"{day.day} {months[day.month - 1]} {day.year}"


# Why a case was closed, as the closure letter tells the victim (English, Welsh), by the
# closure reason's value (domain/types.py ClosureReason).
CLOSURE_WORDING: dict[str, tuple[str, str]] = {
    "asb-ceased": (
        "The anti-social behaviour you reported has stopped.",
        "Mae'r ymddygiad gwrthgymdeithasol a adroddwyd gennych wedi dod i ben.",
    ),
    "no-further-progress": (
        "We have done all that we can on the case for now, and no further progress can be made.",
        "Rydym wedi gwneud popeth a allwn ar yr achos am y tro, "
        "ac ni ellir gwneud rhagor o gynnydd.",
    ),
    "victim-no-longer-in-contact": (
        "We have not been able to stay in touch with you about the case.",
        "Nid ydym wedi gallu cadw mewn cysylltiad â chi am yr achos.",
    ),
    "not-accepted": (
        "The report was not one that we could take on as an anti-social behaviour case.",
        "Nid oedd yr adroddiad yn un y gallem ei dderbyn fel achos ymddygiad gwrthgymdeithasol.",
    ),
}

# The diary sheet's column headings in Welsh, by the grid's column key (DIARY_COLUMNS): a Welsh
# or bilingual sheet prints these (a test holds the keys to the grid's).
DIARY_HEADINGS_CY: dict[str, str] = {
    "date": "Dyddiad",
    "time": "Amser",
    "what": "Beth ddigwyddodd",
    "who": "Pwy oedd yn rhan ohono",
    "effect": "Sut effeithiodd arnoch chi",
    "police": "Wedi'i adrodd i'r heddlu?",
    "police_ref": "Cyfeirnod yr heddlu",
    "told": "Wedi'i adrodd i bwy, a phryd gyntaf",
}
