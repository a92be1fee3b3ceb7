"""The case detail's reads across cases: the cases linked to a case (by person, by place, by
explicit link) and the repeat flags of its people.

Both run each time a case is opened, so they read the driver's tuples with plain SQL on the
session's own connection (in its transaction), as deadline_facts does: through the ORM the
handful of statements cost more to build and to turn into entities (~3 ms each on a 5,000-case
store) than to run, and a person named in many cases brought back a whole ORM row per case.
Each statement keeps the FROM and WHERE of the ORM query it replaced, so SQLite picks the same
index and returns rows in the same order (the order decides which person or address a link's
line names, and the order of the repeat lines).
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlmodel import Session

from asb_tui.domain.case_deadlines import DeadlineRules
from asb_tui.domain.places import address_key
from asb_tui.domain.repeats import RepeatSpan, latest_repeat_span
from asb_tui.domain.types import PartyRole
from sync.batches import chunks

__all__ = [
    "CaseRepeatFlags",
    "LinkedCase",
    "case_repeat_flags",
    "linked_cases",
    "repeat_perpetrator_span",
]

_VICTIM = PartyRole.VICTIM.value
_PERPETRATOR = PartyRole.ALLEGED_PERPETRATOR.value
# Roles of one record, joined in SQL and split here (a role is a plain word, never this byte).
_ROLE_SEPARATOR = "\x1f"


@dataclass(frozen=True)
class LinkedCase:
    case_id: str
    ref: str
    status: str
    #: "person", "address" or "link"
    kind: str
    why: str
    link_id: str = ""


@dataclass(frozen=True)
class CaseRepeatFlags:
    #: one line per flag, as the case shows it ("Repeat victim: Ann Lee, 3 incidents ...")
    lines: tuple[str, ...] = ()
    repeat_victim: bool = False
    repeat_perpetrator: bool = False


class _RecordCase(NamedTuple):
    """One record of an identity and its case (people.PersonCase's fields, as read here)."""

    person_id: str
    case_id: str
    ref: str
    status: str
    roles: tuple[str, ...]
    referred_on: date


def _cursor(session: Session) -> sqlite3.Cursor:
    connection = session.connection().connection.driver_connection
    if connection is None:  # pragma: no cover - an open session always has one
        raise RuntimeError("the session has no database connection")
    cursor: sqlite3.Cursor = connection.cursor()
    return cursor


def _day(value: Any) -> Any:
    """A date column as SQLite holds it (ISO text), as the ORM would give it."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


def _record_cases(
    cursor: sqlite3.Cursor, identities: Sequence[str]
) -> dict[str, list[_RecordCase]]:
    """By identity: each of its records' case with the record's roles, oldest case first
    (people._records then people._person_cases, in one statement per 500 identities)."""
    out: dict[str, list[_RecordCase]] = defaultdict(list)
    wanted = set(identities)
    for chunk in chunks(sorted(wanted)):
        rows = cursor.execute(
            "SELECT person.id, person.identity_id, asb_case.id, asb_case.ref, asb_case.status, "
            "asb_case.referred_on, (SELECT group_concat(case_party.role, ?) FROM case_party "
            "WHERE case_party.person_id = person.id) "
            "FROM person JOIN asb_case ON asb_case.id = person.case_id "
            f"WHERE person.identity_id IN ({_marks(chunk)}) OR person.id IN ({_marks(chunk)})",
            (_ROLE_SEPARATOR, *chunk, *chunk),
        ).fetchall()
        for person_id, identity, case_id, ref, status, referred_on, roles in rows:
            if (identity or person_id) not in wanted:
                continue
            out[identity or person_id].append(
                _RecordCase(
                    person_id,
                    case_id,
                    ref,
                    status,
                    tuple(sorted(set(roles.split(_ROLE_SEPARATOR)))) if roles else (),
                    _day(referred_on),
                )
            )
    for found in out.values():
        found.sort(key=lambda c: (c.referred_on, c.ref))
    return out


def _role_words(roles: Sequence[str]) -> str:
    from asb_tui.domain.labels import label

    return " and ".join(label(role).lower() for role in roles) or "named"


def _address_text(line1: str, line2: str, town: str, postcode: str) -> str:
    return ", ".join(part for part in (line1, line2, town, postcode) if part)


def linked_cases(session: Session, case_id: str) -> list[LinkedCase]:
    """The other cases of this case's people (same identity) and places (same address key),
    and the explicit links to and from it, each once, with why."""
    cursor = _cursor(session)
    out: dict[tuple[str, str], LinkedCase] = {}
    here = cursor.execute(
        "SELECT person.id, person.identity_id, person.name FROM person WHERE person.case_id = ?",
        (case_id,),
    ).fetchall()
    cases = _record_cases(cursor, sorted({identity or pid for pid, identity, _name in here}))
    words: dict[tuple[str, ...], str] = {}  # a person in many cases has the same roles in most
    for person_id, identity, name in here:
        theirs = cases.get(identity or person_id, [])
        mine = [c for c in theirs if c.case_id == case_id]
        role_here = _role_words(mine[0].roles) if mine else "named"
        for other in theirs:
            if other.case_id == case_id or (other.case_id, "person") in out:
                continue
            there = words.get(other.roles)
            if there is None:
                there = words[other.roles] = _role_words(other.roles)
            out[(other.case_id, "person")] = LinkedCase(
                other.case_id,
                other.ref,
                other.status,
                "person",
                f"{name}: {role_here} here, {there} there",
            )
    _add_address_links(cursor, case_id, out)
    for link_id, from_id, to_id, linked_ref, reason in cursor.execute(
        "SELECT case_link.id, case_link.case_id, case_link.linked_case_id, case_link.linked_ref, "
        "case_link.reason FROM case_link "
        "WHERE case_link.case_id = ? OR case_link.linked_case_id = ?",
        (case_id, case_id),
    ).fetchall():
        other_id = to_id if from_id == case_id else from_id
        held = cursor.execute(
            "SELECT asb_case.ref, asb_case.status FROM asb_case WHERE asb_case.id = ?", (other_id,)
        ).fetchone()
        out[(other_id, "link")] = LinkedCase(
            other_id,
            held[0] if held else linked_ref or "(a case not on this laptop)",
            held[1] if held else "",
            "link",
            f"linked: {reason}",
            link_id,
        )
    return sorted(out.values(), key=lambda c: (c.ref, c.kind))


def _add_address_links(
    cursor: sqlite3.Cursor, case_id: str, out: dict[tuple[str, str], LinkedCase]
) -> None:
    """The other cases with an address of the same key as one of this case's, by the postcode
    and UPRN indexes (an empty list is left out of the statement, not sent as `IN ()`)."""
    own = cursor.execute(
        "SELECT address.line1, address.postcode, address.uprn FROM address "
        "WHERE address.case_id = ?",
        (case_id,),
    ).fetchall()
    keys = {address_key(line1, postcode, uprn) for line1, postcode, uprn in own} - {""}
    if not keys:
        return
    postcodes = sorted({postcode for _line1, postcode, _uprn in own if postcode})
    uprns = sorted({uprn for _line1, _postcode, uprn in own if uprn})
    terms = []
    if postcodes:
        terms.append(f"address.postcode IN ({_marks(postcodes)})")
    if uprns:
        terms.append(f"address.uprn IN ({_marks(uprns)})")
    rows = cursor.execute(
        "SELECT address.case_id, address.line1, address.line2, address.town, address.postcode, "
        "address.uprn, asb_case.ref, asb_case.status "
        "FROM address JOIN asb_case ON asb_case.id = address.case_id "
        f"WHERE address.case_id != ? AND ({' OR '.join(terms)})",
        (case_id, *postcodes, *uprns),
    )
    # Many rows where a postcode is shared: a case already linked by place is not looked at
    # again, and each distinct address is keyed once (folding its first line is most of the cost).
    keyed: dict[tuple[str, str, str], bool] = {}
    for other_id, line1, line2, town, postcode, uprn, ref, status in rows:
        if (other_id, "address") in out:
            continue
        place = (line1, postcode, uprn)
        same = keyed.get(place)
        if same is None:
            same = keyed[place] = address_key(line1, postcode, uprn) in keys
        if not same:
            continue
        out[(other_id, "address")] = LinkedCase(
            other_id,
            ref,
            status,
            "address",
            f"same address: {_address_text(line1, line2, town, postcode)}",
        )


def repeat_perpetrator_span(
    named_on: Iterable[date], today: date, rules: DeadlineRules
) -> RepeatSpan | None:
    """The repeat-perpetrator span of the referral dates of the cases a person is named in as
    an alleged perpetrator."""
    rule = rules.repeat_perpetrator
    return latest_repeat_span(named_on, today, at_least=rule.cases, months=rule.months)


def _victim_report_dates(cursor: sqlite3.Cursor, identity: str) -> list[date]:
    """identities.victim_report_dates' dates: each incident of the identity's cases as a
    victim, except those from another person's diary sheet, on the day reported (else the day
    it happened)."""
    victims = {
        pid: case_id
        for pid, found, case_id in cursor.execute(
            "SELECT person.id, person.identity_id, person.case_id FROM person "
            "JOIN case_party ON case_party.person_id = person.id "
            "WHERE (person.identity_id = ? OR person.id = ?) AND case_party.role = ?",
            (identity, identity, _VICTIM),
        ).fetchall()
        if (found or pid) == identity
    }
    if not victims:
        return []
    days: list[date] = []
    for chunk in chunks(sorted(set(victims.values()))):
        for reported, occurred, sheet_person in cursor.execute(
            "SELECT incident.reported_on, incident.occurred_on, diary_sheet.person_id "
            "FROM incident LEFT OUTER JOIN diary_sheet ON diary_sheet.id = incident.diary_sheet_id "
            f"WHERE incident.case_id IN ({_marks(chunk)})",
            chunk,
        ):
            if sheet_person is None or sheet_person in victims:  # another victim's diary is theirs
                days.append(_day(reported or occurred))
    return days


def _perpetrator_dates(cursor: sqlite3.Cursor, identity: str) -> list[date]:
    """The referral dates of the cases whose record of the identity is an alleged perpetrator
    there (one a record, as people._person_cases counts them)."""
    return [
        _day(referred_on)
        for pid, found, referred_on in cursor.execute(
            "SELECT person.id, person.identity_id, asb_case.referred_on FROM person "
            "JOIN asb_case ON asb_case.id = person.case_id "
            "WHERE (person.identity_id = ? OR person.id = ?) AND EXISTS (SELECT 1 FROM case_party "
            "WHERE case_party.person_id = person.id AND case_party.role = ?)",
            (identity, identity, _PERPETRATOR),
        ).fetchall()
        if (found or pid) == identity
    ]


def case_repeat_flags(
    session: Session, case_id: str, *, today: date, rules: DeadlineRules
) -> CaseRepeatFlags:
    """The repeat-victim and repeat-perpetrator flags of a case's people, as lines to show."""
    from asb_tui.domain.dates import format_uk

    cursor = _cursor(session)
    parties = cursor.execute(
        "SELECT person.id, person.identity_id, person.name, case_party.role FROM person "
        "JOIN case_party ON case_party.person_id = person.id WHERE case_party.case_id = ?",
        (case_id,),
    ).fetchall()
    lines: list[str] = []
    victim = perpetrator = False
    seen: set[tuple[str, str]] = set()
    for person_id, found, name, role in parties:
        identity = found or person_id
        if (identity, role) in seen:
            continue
        seen.add((identity, role))
        if role == _VICTIM:
            rule = rules.repeat_victim
            span = latest_repeat_span(
                _victim_report_dates(cursor, identity),
                today,
                at_least=rule.incidents,
                months=rule.months,
            )
            if span is not None and span.current:
                victim = True
                lines.append(
                    f"Repeat victim: {name}, {span.count} incidents "
                    f"{format_uk(span.first)} to {format_uk(span.last)} across their cases"
                )
        elif role == _PERPETRATOR:
            pspan = repeat_perpetrator_span(_perpetrator_dates(cursor, identity), today, rules)
            if pspan is not None and pspan.current:
                perpetrator = True
                when = (
                    f"on {format_uk(pspan.first)}"
                    if pspan.first == pspan.last
                    else f"{format_uk(pspan.first)} to {format_uk(pspan.last)}"
                )
                lines.append(
                    f"Repeat perpetrator: {name}, named in {pspan.count} cases referred " + when
                )
    return CaseRepeatFlags(tuple(lines), victim, perpetrator)
