"""People across cases, read: likely matches when a person is added, finding a person, a
person's profile (their cases with roles, addresses, incidents counted by the repeat rule,
flags), and how many cases share a person with each case of a list. The cases linked to a case
and the repeat flags a case shows are read in case_people (plain SQL, as each opening of a case
runs them) and offered here too.

Everything is read from what this laptop holds: a team sees a person only through cases it may
see (what other teams hold reaches it only as the service's blind-index counts, table
`person_elsewhere`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from asb_tui.domain.case_deadlines import DeadlineRules
from asb_tui.domain.people import PersonFacts, fold_name, likely_matches
from asb_tui.domain.places import address_key, normalise_postcode
from asb_tui.domain.repeats import RepeatSpan, latest_repeat_span
from asb_tui.domain.types import PartyRole
from asb_tui.store.core.models import Address, Case, CaseLink, CaseParty, Person, PersonElsewhere
from asb_tui.store.queries.case_people import (
    CaseRepeatFlags,
    LinkedCase,
    case_repeat_flags,
    linked_cases,
    repeat_perpetrator_span,
)
from asb_tui.store.queries.identities import identity_of, victim_report_dates

__all__ = [
    "CaseRepeatFlags",
    "LinkedCase",
    "MatchCandidate",
    "PersonCase",
    "PersonProfile",
    "PersonSummary",
    "case_repeat_flags",
    "find_people",
    "linked_case_counts",
    "linked_cases",
    "person_matches",
    "person_profile",
]

_WORD = re.compile(r"\w+", re.UNICODE)
_CANDIDATES = 500


@dataclass(frozen=True)
class PersonCase:
    """One of a person's cases: the record there, their role(s) and the case's state."""

    person_id: str
    case_id: str
    ref: str
    status: str
    roles: tuple[str, ...]
    referred_on: date


@dataclass(frozen=True)
class MatchCandidate:
    identity_id: str
    name: str
    date_of_birth: date | None
    postcodes: tuple[str, ...]
    cases: tuple[PersonCase, ...]
    likely: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class PersonSummary:
    identity_id: str
    names: tuple[str, ...]
    date_of_birth: date | None
    cases: tuple[PersonCase, ...]


@dataclass(frozen=True)
class AddressLine:
    id: str
    person_id: str | None
    kind: str
    text: str
    postcode: str
    uprn: str
    area: str
    from_on: date | None
    to_on: date | None


@dataclass(frozen=True)
class KnownElsewhere:
    team: str
    matched_on: str
    cases: int
    contact_officer: str


@dataclass(frozen=True)
class PersonProfile:
    identity_id: str
    names: tuple[str, ...]
    date_of_birth: date | None
    cases: tuple[PersonCase, ...]
    addresses: tuple[AddressLine, ...]
    #: (case ref, date counted) of each incident counted by the repeat-victim rule
    incidents: tuple[tuple[str, date], ...]
    repeat_victim: RepeatSpan | None
    repeat_perpetrator: RepeatSpan | None
    known_elsewhere: tuple[KnownElsewhere, ...]


def address_text(row: Address) -> str:
    return ", ".join(part for part in (row.line1, row.line2, row.town, row.postcode) if part)


def _address_line(row: Address) -> AddressLine:
    return AddressLine(
        row.id,
        row.person_id,
        row.kind,
        address_text(row),
        row.postcode,
        row.uprn,
        row.area,
        row.from_on,
        row.to_on,
    )


def _records(session: Session, identity_ids: Sequence[str]) -> list[Person]:
    if not identity_ids:
        return []
    wanted = set(identity_ids)
    rows = session.exec(
        select(Person).where(col(Person.identity_id).in_(wanted) | col(Person.id).in_(wanted))
    ).all()
    return [row for row in rows if identity_of(row) in wanted]


def _person_cases(session: Session, records: Sequence[Person]) -> dict[str, list[PersonCase]]:
    """By identity: each record's case with the record's roles, oldest case first."""
    if not records:
        return {}
    ids = [r.id for r in records]
    roles: dict[str, list[str]] = defaultdict(list)
    for person_id, role in session.exec(
        select(CaseParty.person_id, CaseParty.role).where(col(CaseParty.person_id).in_(ids))
    ).all():
        roles[person_id].append(role)
    cases = {
        c.id: c
        for c in session.exec(
            select(Case).where(col(Case.id).in_({r.case_id for r in records}))
        ).all()
    }
    out: dict[str, list[PersonCase]] = defaultdict(list)
    for record in records:
        case = cases.get(record.case_id)
        if case is None:
            continue
        out[identity_of(record)].append(
            PersonCase(
                record.id,
                case.id,
                case.ref,
                case.status,
                tuple(sorted(set(roles[record.id]))),
                case.referred_on,
            )
        )
    for found in out.values():
        found.sort(key=lambda c: (c.referred_on, c.ref))
    return out


def _addresses_by_person(session: Session, person_ids: Sequence[str]) -> dict[str, list[Address]]:
    out: dict[str, list[Address]] = defaultdict(list)
    if person_ids:
        for row in session.exec(
            select(Address).where(col(Address.person_id).in_(list(person_ids)))
        ).all():
            out[row.person_id or ""].append(row)
    return out


def _fts_person_ids(session: Session, words: Sequence[str], *, every: bool) -> set[str]:
    """Person record ids whose name or address matches the words (all of them, or any)."""
    if not words:
        return set()
    joiner = " AND " if every else " OR "
    expression = joiner.join(f'body : "{word}"*' for word in words[:12])
    connection = session.connection().connection.driver_connection
    if connection is None:  # pragma: no cover - an open session always has one
        return set()
    rows = connection.execute(
        "SELECT row_id, entity FROM search_index WHERE search_index MATCH ? "
        "AND entity IN ('person', 'address') LIMIT ?",
        (expression, _CANDIDATES),
    ).fetchall()
    person_ids = {row_id for row_id, entity in rows if entity == "person"}
    address_ids = [row_id for row_id, entity in rows if entity == "address"]
    if address_ids:
        person_ids |= {
            pid
            for pid in session.exec(
                select(Address.person_id).where(col(Address.id).in_(address_ids))
            ).all()
            if pid
        }
    return person_ids


def _facts(record: Person, addresses: Sequence[Address]) -> PersonFacts:
    return PersonFacts(
        record.name,
        record.date_of_birth,
        frozenset(k for a in addresses if (k := address_key(a.line1, a.postcode, a.uprn))),
        frozenset(a.postcode for a in addresses if a.postcode),
    )


def person_matches(
    session: Session,
    *,
    name: str,
    date_of_birth: date | None = None,
    line1: str = "",
    postcode: str = "",
    uprn: str = "",
    limit: int = 8,
) -> list[MatchCandidate]:
    """The people on this laptop who may be the person being added, strongest first.

    Candidates are gathered by index first (a word of the name, the date of birth, the
    postcode, the UPRN), then scored by domain/people.match_person."""
    try:
        code = normalise_postcode(postcode)
    except ValueError:
        code = ""
    words = [w for w in _WORD.findall(fold_name(name)) if len(w) >= 2]
    ids = _fts_person_ids(session, words, every=False)
    if date_of_birth is not None:
        ids |= set(
            session.exec(
                select(Person.id).where(Person.date_of_birth == date_of_birth).limit(_CANDIDATES)
            ).all()
        )
    place_filters = []
    if code:
        place_filters.append(col(Address.postcode) == code)
    if uprn.strip():
        place_filters.append(col(Address.uprn) == uprn.strip())
    for condition in place_filters:
        ids |= {
            pid
            for pid in session.exec(
                select(Address.person_id).where(condition).limit(_CANDIDATES)
            ).all()
            if pid
        }
    if not ids:
        return []
    records = list(session.exec(select(Person).where(col(Person.id).in_(list(ids)))).all())
    addresses = _addresses_by_person(session, [r.id for r in records])
    typed = PersonFacts(
        name,
        date_of_birth,
        frozenset(k for k in (address_key(line1, code, uprn.strip()),) if k),
        frozenset({code}) if code else frozenset(),
    )
    ranked = likely_matches(
        typed, ((identity_of(r), _facts(r, addresses[r.id])) for r in records), limit=limit
    )
    if not ranked:
        return []
    all_records = _records(session, [m.identity_id for m in ranked])
    by_identity: dict[str, list[Person]] = defaultdict(list)
    for record in all_records:
        by_identity[identity_of(record)].append(record)
    cases = _person_cases(session, all_records)
    all_addresses = _addresses_by_person(session, [r.id for r in all_records])
    out = []
    for match in ranked:
        records_of = sorted(by_identity[match.identity_id], key=lambda r: r.created_at)
        newest = records_of[-1]
        out.append(
            MatchCandidate(
                match.identity_id,
                newest.name,
                next((r.date_of_birth for r in reversed(records_of) if r.date_of_birth), None),
                tuple(sorted({a.postcode for r in records_of for a in all_addresses[r.id]} - {""})),
                tuple(cases.get(match.identity_id, ())),
                match.likely,
                match.reasons,
            )
        )
    return out


def find_people(session: Session, text: str, *, limit: int = 50) -> list[PersonSummary]:
    """People whose name or address has every typed word (accents optional)."""
    words = _WORD.findall(fold_name(text))
    ids = _fts_person_ids(session, words, every=True)
    if not ids:
        return []
    found = session.exec(select(Person).where(col(Person.id).in_(list(ids)))).all()
    identities = sorted({identity_of(r) for r in found})[: limit * 2]
    records = _records(session, identities)
    cases = _person_cases(session, records)
    by_identity: dict[str, list[Person]] = defaultdict(list)
    for record in records:
        by_identity[identity_of(record)].append(record)
    summaries = [
        PersonSummary(
            identity,
            tuple(dict.fromkeys(r.name for r in sorted(rows, key=lambda r: r.created_at))),
            next((r.date_of_birth for r in rows if r.date_of_birth), None),
            tuple(cases.get(identity, ())),
        )
        for identity, rows in by_identity.items()
    ]
    summaries.sort(key=lambda s: (fold_name(s.names[0]), s.identity_id))
    return summaries[:limit]


def _identity_for(session: Session, person_or_identity: str) -> str | None:
    record = session.get(Person, person_or_identity)
    if record is not None:
        return identity_of(record)
    found = session.exec(
        select(Person.id).where(Person.identity_id == person_or_identity).limit(1)
    ).first()
    return person_or_identity if found is not None else None


def _perpetrator_span(
    cases: Sequence[PersonCase], today: date, rules: DeadlineRules
) -> RepeatSpan | None:
    named = [c.referred_on for c in cases if PartyRole.ALLEGED_PERPETRATOR.value in c.roles]
    return repeat_perpetrator_span(named, today, rules)


def person_profile(
    session: Session, person_or_identity: str, *, today: date, rules: DeadlineRules
) -> PersonProfile | None:
    """Everything this laptop holds of one person across cases, or None when unknown."""
    identity = _identity_for(session, person_or_identity)
    if identity is None:
        return None
    records = sorted(_records(session, [identity]), key=lambda r: r.created_at)
    cases = tuple(_person_cases(session, records).get(identity, ()))
    addresses = [a for rows in _addresses_by_person(session, [r.id for r in records]).values()
                 for a in rows]  # fmt: skip
    refs = {c.case_id: c.ref for c in cases}
    counted = sorted(
        ((refs.get(case_id, ""), day) for case_id, day in victim_report_dates(session, identity)),
        key=lambda pair: (pair[1], pair[0]),
    )
    victim_rule = rules.repeat_victim
    victim_span = latest_repeat_span(
        (day for _ref, day in counted),
        today,
        at_least=victim_rule.incidents,
        months=victim_rule.months,
    )
    elsewhere = session.exec(
        select(PersonElsewhere).where(col(PersonElsewhere.person_id).in_([r.id for r in records]))
    ).all()
    merged: dict[tuple[str, str], KnownElsewhere] = {}
    for row in elsewhere:
        key = (row.team, row.matched_on)
        if key not in merged or row.cases > merged[key].cases:
            merged[key] = KnownElsewhere(row.team, row.matched_on, row.cases, row.contact_officer)
    return PersonProfile(
        identity,
        tuple(dict.fromkeys(r.name for r in records)),
        next((r.date_of_birth for r in reversed(records) if r.date_of_birth), None),
        cases,
        tuple(_address_line(a) for a in sorted(addresses, key=lambda a: a.from_on or date.min)),
        tuple(counted),
        victim_span,
        _perpetrator_span(cases, today, rules),
        tuple(sorted(merged.values(), key=lambda k: (k.team, k.matched_on))),
    )


# --- linked cases (the case detail's own reads are in case_people) ----------------------------


def linked_case_counts(session: Session, case_ids: Sequence[str]) -> dict[str, int]:
    """How many other cases share a person with each of `case_ids` (the case list's column),
    in three queries whatever the number of cases."""
    if not case_ids:
        return {}
    here = session.exec(
        select(Person.case_id, Person.identity_id, Person.id).where(
            col(Person.case_id).in_(list(case_ids))
        )
    ).all()
    identities = {identity or pid for _c, identity, pid in here}
    cases_of: dict[str, set[str]] = defaultdict(set)
    for other_case, identity, pid in session.exec(
        select(Person.case_id, Person.identity_id, Person.id).where(
            col(Person.identity_id).in_(identities)
        )
    ).all():
        cases_of[identity or pid].add(other_case)
    counts: dict[str, set[str]] = defaultdict(set)
    for case_id, identity, pid in here:
        counts[case_id] |= cases_of.get(identity or pid, set()) - {case_id}
    for case_id, linked in session.exec(
        select(CaseLink.case_id, CaseLink.linked_case_id).where(
            col(CaseLink.case_id).in_(list(case_ids))
        )
    ).all():
        counts[case_id].add(linked)
    return {case_id: len(others) for case_id, others in counts.items() if others}
