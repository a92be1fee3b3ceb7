"""Is this the same person? Likely matches offered when a person is added to a case.

The officer decides; this only ranks the people already on the laptop who may be the one being
typed. Names are compared folded: Unicode accents removed (NFKD, combining marks dropped), case
folded, apostrophes dropped and other punctuation read as a space, so "Síobhán Ó Súilleabháin",
"siobhan o suilleabhain" and "Siobhan O'Suilleabhain" fold alike. Spelling differs in ways no
rule lists (Smith and Smyth, Mohammed and Muhammad), so folded names are also scored by edit
similarity (rapidfuzz): word order ignored, spaces ignored.

What makes a likely match (the reasons are shown to the officer with each candidate):

| evidence | offered as |
| --- | --- |
| similar name (score >= 88), the same date of birth | likely |
| similar name, the same address or postcode | likely |
| the same folded name, no date of birth on one side | possible |
| the same date of birth and address, another name | possible (a new name, a nickname) |

A different date of birth on both sides rules a candidate out unless the name and the address
both match (a mistyped date).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz

__all__ = [
    "SIMILAR_NAME",
    "PersonFacts",
    "PersonMatch",
    "compact_name",
    "fold_name",
    "likely_matches",
    "match_person",
]

#: rapidfuzz score (0-100) at or above which two folded names count as similar
SIMILAR_NAME = 88
_APOSTROPHES = re.compile(r"['’‘`ʼ]")
_NOT_LETTER = re.compile(r"[^\w]+|_")


def fold_name(name: str) -> str:
    """A name as compared: no accents, case folded, punctuation as spaces, one space between
    words ("Síobhán  Ó'Súilleabháin-Kelly" -> "siobhan osuilleabhain kelly")."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = _APOSTROPHES.sub("", plain.casefold())
    return " ".join(_NOT_LETTER.sub(" ", plain).split())


def compact_name(name: str) -> str:
    """The folded name without spaces ("O Suilleabhain" = "OSuilleabhain")."""
    return fold_name(name).replace(" ", "")


def name_similarity(a: str, b: str) -> float:
    """0-100: how alike two names are once folded (word order and spacing ignored)."""
    folded_a, folded_b = fold_name(a), fold_name(b)
    if not folded_a or not folded_b:
        return 0.0
    if folded_a.replace(" ", "") == folded_b.replace(" ", ""):
        return 100.0
    return max(
        fuzz.token_sort_ratio(folded_a, folded_b),
        fuzz.ratio(folded_a.replace(" ", ""), folded_b.replace(" ", "")),
    )


@dataclass(frozen=True)
class PersonFacts:
    """What is compared of a person: their name, date of birth and the keys of their
    addresses (domain/places.address_key) and postcodes."""

    name: str
    date_of_birth: date | None = None
    address_keys: frozenset[str] = field(default_factory=frozenset)
    postcodes: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class PersonMatch:
    """A candidate for the same person, with why, and how strong (higher first)."""

    identity_id: str
    likely: bool
    reasons: tuple[str, ...]
    score: float


def match_person(identity_id: str, typed: PersonFacts, known: PersonFacts) -> PersonMatch | None:
    """Whether `known` may be the person `typed`, as the table of the module says."""
    similarity = name_similarity(typed.name, known.name)
    same_name = similarity == 100.0
    similar = similarity >= SIMILAR_NAME
    both_born = typed.date_of_birth is not None and known.date_of_birth is not None
    same_born = both_born and typed.date_of_birth == known.date_of_birth
    same_address = bool(typed.address_keys & known.address_keys)
    same_postcode = bool(typed.postcodes & known.postcodes)
    reasons: list[str] = []
    likely = False
    if similar and same_born:
        likely = True
        reasons.append(("same name" if same_name else "similar name") + ", same date of birth")
    if similar and (same_address or same_postcode) and (not both_born or same_born or same_name):
        likely = True
        reasons.append(
            ("same name" if same_name else "similar name")
            + (", same address" if same_address else ", same postcode")
        )
        if both_born and not same_born:
            reasons.append("dates of birth differ: check one was not mistyped")
    if not reasons and same_name and not both_born:
        reasons.append("same name (no date of birth to compare)")
    if not reasons and same_born and same_address:
        reasons.append("same date of birth and address, a different name")
    if not reasons:
        return None
    score = similarity + (50 if same_born else 0) + (30 if same_address else 0)
    score += 10 if same_postcode else 0
    return PersonMatch(identity_id, likely, tuple(reasons), score)


def likely_matches(
    typed: PersonFacts, known: Iterable[tuple[str, PersonFacts]], *, limit: int = 10
) -> Sequence[PersonMatch]:
    """The candidates among `known` (identity id, facts), strongest first, at most `limit`;
    an identity known by several records counts once, by its strongest match."""
    best: dict[str, PersonMatch] = {}
    for identity_id, facts in known:
        found = match_person(identity_id, typed, facts)
        if found is not None and (identity_id not in best or found.score > best[identity_id].score):
            best[identity_id] = found
    ranked = sorted(best.values(), key=lambda m: (not m.likely, -m.score, m.identity_id))
    return ranked[:limit]
