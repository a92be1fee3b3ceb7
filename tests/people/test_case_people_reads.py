"""The case detail's reads across cases (store/queries/case_people.py, known_elsewhere.py) give
what the ORM queries they replaced gave, for every case of a demo store made through the
commands, with what the demo does not make added: places shared by postcode only and by UPRN
only, people in several cases (a repeat victim, a repeat perpetrator), explicit links both ways
and to a case that is not on this laptop, and what other teams know of a person.

The oracle is the ORM version each read had before (kept here as it was), run in the same read.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from people_testkit import BORN, RULES, TODAY, new_case
from sqlmodel import Session, col, select

from asb_tui.domain.places import address_key
from asb_tui.domain.repeats import latest_repeat_span
from asb_tui.domain.types import PartyRole
from asb_tui.store.commands import people
from asb_tui.store.core.models import Address, Case, CaseLink, CaseParty, Person, PersonElsewhere
from asb_tui.store.core.store import Store
from asb_tui.store.demo.demo import fill_demo
from asb_tui.store.queries.case_people import CaseRepeatFlags, LinkedCase
from asb_tui.store.queries.identities import victim_report_dates
from asb_tui.store.queries.known_elsewhere import PersonKnownElsewhere, people_known_elsewhere
from asb_tui.store.queries.people import case_repeat_flags, linked_cases
from asb_tui.store.replica.elsewhere import replace_known_elsewhere
from sync.protocol import KnownElsewhere

# --- the ORM versions, as they were -----------------------------------------------------------


def _identity(person: Person) -> str:
    return person.identity_id or person.id


def _orm_records(session: Session, identities: set[str]) -> list[Person]:
    if not identities:
        return []
    rows = session.exec(
        select(Person).where(
            col(Person.identity_id).in_(identities) | col(Person.id).in_(identities)
        )
    ).all()
    return [row for row in rows if _identity(row) in identities]


def _orm_person_cases(session: Session, records: list[Person]) -> dict[str, list[Any]]:
    if not records:
        return {}
    roles: dict[str, list[str]] = defaultdict(list)
    for person_id, role in session.exec(
        select(CaseParty.person_id, CaseParty.role).where(
            col(CaseParty.person_id).in_([r.id for r in records])
        )
    ).all():
        roles[person_id].append(role)
    cases = {
        c.id: c
        for c in session.exec(select(Case).where(col(Case.id).in_({r.case_id for r in records})))
    }
    out: dict[str, list[Any]] = defaultdict(list)
    for record in records:
        case = cases.get(record.case_id)
        if case is not None:
            out[_identity(record)].append(
                (
                    case.id,
                    case.ref,
                    case.status,
                    tuple(sorted(set(roles[record.id]))),
                    case.referred_on,
                )
            )
    for found in out.values():
        found.sort(key=lambda c: (c[4], c[1]))
    return out


def _words(roles: tuple[str, ...]) -> str:
    from asb_tui.domain.labels import label

    return " and ".join(label(role).lower() for role in roles) or "named"


def _orm_linked_cases(session: Session, case_id: str) -> list[LinkedCase]:
    out: dict[tuple[str, str], LinkedCase] = {}
    here = list(session.exec(select(Person).where(Person.case_id == case_id)).all())
    cases = _orm_person_cases(session, _orm_records(session, {_identity(p) for p in here}))
    for person in here:
        mine = [c for c in cases.get(_identity(person), ()) if c[0] == case_id]
        role_here = _words(mine[0][3]) if mine else "named"
        for other_id, ref, status, roles, _referred in cases.get(_identity(person), ()):
            if other_id != case_id and (other_id, "person") not in out:
                why = f"{person.name}: {role_here} here, {_words(roles)} there"
                out[(other_id, "person")] = LinkedCase(other_id, ref, status, "person", why)
    own = list(session.exec(select(Address).where(Address.case_id == case_id)).all())
    keys = {address_key(a.line1, a.postcode, a.uprn) for a in own} - {""}
    if keys:
        nearby = session.exec(
            select(Address, Case.ref, Case.status)
            .join(Case, col(Case.id) == col(Address.case_id))
            .where(
                col(Address.case_id) != case_id,
                col(Address.postcode).in_({a.postcode for a in own if a.postcode})
                | col(Address.uprn).in_({a.uprn for a in own if a.uprn}),
            )
        ).all()
        for row, ref, status in nearby:
            if address_key(row.line1, row.postcode, row.uprn) in keys and (
                (row.case_id, "address") not in out
            ):
                text = ", ".join(p for p in (row.line1, row.line2, row.town, row.postcode) if p)
                why = f"same address: {text}"
                out[(row.case_id, "address")] = LinkedCase(row.case_id, ref, status, "address", why)
    for link in session.exec(
        select(CaseLink).where(
            (col(CaseLink.case_id) == case_id) | (col(CaseLink.linked_case_id) == case_id)
        )
    ).all():
        other_id = link.linked_case_id if link.case_id == case_id else link.case_id
        held = session.get(Case, other_id)
        out[(other_id, "link")] = LinkedCase(
            other_id,
            held.ref if held else link.linked_ref or "(a case not on this laptop)",
            held.status if held else "",
            "link",
            f"linked: {link.reason}",
            link.id,
        )
    return sorted(out.values(), key=lambda c: (c.ref, c.kind))


def _orm_repeat_flags(session: Session, case_id: str) -> CaseRepeatFlags:
    from asb_tui.domain.dates import format_uk

    lines: list[str] = []
    victim = perpetrator = False
    seen: set[tuple[str, str]] = set()
    for person, role in session.exec(
        select(Person, CaseParty.role)
        .join(CaseParty, col(CaseParty.person_id) == col(Person.id))
        .where(CaseParty.case_id == case_id)
    ).all():
        identity = _identity(person)
        if (identity, role) in seen:
            continue
        seen.add((identity, role))
        if role == PartyRole.VICTIM.value:
            span = latest_repeat_span(
                (d for _c, d in victim_report_dates(session, identity)),
                TODAY,
                at_least=RULES.repeat_victim.incidents,
                months=RULES.repeat_victim.months,
            )
            if span is not None and span.current:
                victim = True
                lines.append(
                    f"Repeat victim: {person.name}, {span.count} incidents "
                    f"{format_uk(span.first)} to {format_uk(span.last)} across their cases"
                )
        elif role == PartyRole.ALLEGED_PERPETRATOR.value:
            cases = _orm_person_cases(session, _orm_records(session, {identity})).get(identity, [])
            pspan = latest_repeat_span(
                [c[4] for c in cases if PartyRole.ALLEGED_PERPETRATOR.value in c[3]],
                TODAY,
                at_least=RULES.repeat_perpetrator.cases,
                months=RULES.repeat_perpetrator.months,
            )
            if pspan is not None and pspan.current:
                perpetrator = True
                when = (
                    f"on {format_uk(pspan.first)}"
                    if pspan.first == pspan.last
                    else f"{format_uk(pspan.first)} to {format_uk(pspan.last)}"
                )
                lines.append(
                    f"Repeat perpetrator: {person.name}, named in {pspan.count} cases referred "
                    + when
                )
    return CaseRepeatFlags(tuple(lines), victim, perpetrator)


def _orm_known_elsewhere(session: Session, case_id: str) -> list[PersonKnownElsewhere]:
    rows = session.exec(
        select(PersonElsewhere, Person.name)
        .join(Person, col(Person.id) == col(PersonElsewhere.person_id))
        .where(col(Person.case_id) == case_id)
        .order_by(col(Person.name), col(PersonElsewhere.team), col(PersonElsewhere.matched_on))
    ).all()
    return [
        PersonKnownElsewhere(
            row.person_id, name, row.team, row.matched_on, row.cases, row.contact_officer,
            row.learned_at,
        )
        for row, name in rows
    ]  # fmt: skip


# --- the store ---------------------------------------------------------------------------------


def _address(store: Store, case_id: str, line1: str, postcode: str = "", uprn: str = "") -> None:
    people.add_address(
        store, case_id, people.AddressInput(line1, town="Leeds", postcode=postcode, uprn=uprn)
    )


def _far_link(store: Store, case_id: str, linked_ref: str) -> None:
    """A link to a case that is not on this laptop (as a link made on another team's laptop
    arrives: the other case never came here)."""
    with store.write() as uow:
        uow.add(
            CaseLink(
                case_id=case_id,
                linked_case_id=str(uuid.uuid4()),
                linked_ref=linked_ref,
                reason="same family, another team",
                linked_by="Other Officer",
                linked_on=TODAY,
            ),
            action="case.link",
        )


def _fill(store: Store) -> dict[str, str]:
    fill_demo(store, cases=10, seed=3, today=TODAY)
    made = {
        name: new_case(
            store,
            f"Case {name}",
            victim=f"Victim {name}",
            referred_on=TODAY - timedelta(days=40 * n),
        )
        for n, name in enumerate("ABCDEFG")
    }
    # By postcode (the first line folded the same way), and a neighbour that does not match.
    _address(store, made["A"], "Flat 2, 10 High St", "LS8 2QT")
    _address(store, made["B"], "flat 2 10 high street", "LS8 2QT")
    _address(store, made["B"], "Flat 9, 10 High St", "LS8 2QT")
    _address(store, made["C"], "Flat 3, 10 High St", "LS8 2QT")
    # By UPRN only: another postcode and first line; B has a UPRN too (both lists in the read).
    _address(store, made["D"], "The Old Mill", "LS1 1AA", uprn="100023336956")
    _address(store, made["E"], "Unit 4, Mill Yard", "LS2 7HY", uprn="100023336956")
    _address(store, made["B"], "Garage 7", "LS9 9ZZ", uprn="200001")
    _address(store, made["F"], "Somewhere", "", uprn="")  # too little to tell: no key
    # One perpetrator in four cases, one victim in three.
    perpetrator = ""
    for name in "ACEG":
        same = people.add_person_to_case(
            store,
            made[name],
            name="Dariusz Wiśniewski",
            role=PartyRole.ALLEGED_PERPETRATOR.value,
            date_of_birth=BORN,
            same_as=perpetrator or None,
        )
        perpetrator = perpetrator or same
    # A demo case's victim (their diary's incidents) is the victim in two more cases and a
    # witness in a third.
    with store.read() as session:
        demo_case = session.exec(
            select(Case.id).where(col(Case.id).not_in(list(made.values()))).order_by(col(Case.ref))
        ).first()
        assert demo_case is not None
        victim_id, victim_name = session.exec(
            select(Person.id, Person.name)
            .join(CaseParty, col(CaseParty.person_id) == col(Person.id))
            .where(CaseParty.case_id == demo_case, CaseParty.role == PartyRole.VICTIM.value)
        ).first() or ("", "")
    assert victim_id
    for name, role in (("E", PartyRole.VICTIM), ("F", PartyRole.VICTIM), ("D", PartyRole.WITNESS)):
        people.add_person_to_case(
            store, made[name], name=victim_name, role=role.value, same_as=victim_id
        )
    # Links both ways, and to cases not on this laptop (with and without their reference).
    people.link_cases(store, made["A"], made["D"], reason="same block", on=TODAY)
    people.link_cases(store, made["G"], made["A"], reason="same family", on=TODAY)
    _far_link(store, made["A"], "ASB-2026-ELSE-00009")
    _far_link(store, made["A"], "")
    with store.read() as session:
        held = list(session.exec(select(Person.id).where(Person.case_id == made["A"])).all())
    replace_known_elsewhere(
        store,
        [
            KnownElsewhere(person_id=held[0], team="North", matched_on="identity", cases=2,
                           contact_officer="Jo Bloggs"),
            KnownElsewhere(person_id=held[0], team="North", matched_on="address", cases=1),
            KnownElsewhere(person_id=held[-1], team="South", matched_on="identity", cases=3),
        ],
    )  # fmt: skip
    made["demo"] = demo_case
    return made


def test_the_case_reads_give_what_the_orm_reads_gave_for_every_case(store: Store) -> None:
    made = _fill(store)
    with store.read() as session:
        case_ids = list(session.exec(select(Case.id).order_by(col(Case.ref))).all())
        for case_id in case_ids:
            assert linked_cases(session, case_id) == _orm_linked_cases(session, case_id), case_id
            assert case_repeat_flags(
                session, case_id, today=TODAY, rules=RULES
            ) == _orm_repeat_flags(session, case_id), case_id
            assert people_known_elsewhere(session, case_id) == _orm_known_elsewhere(
                session, case_id
            ), case_id
        linked = {c: linked_cases(session, c) for c in case_ids}
        flags = {c: case_repeat_flags(session, c, today=TODAY, rules=RULES) for c in case_ids}
        elsewhere = people_known_elsewhere(session, made["A"])
    # The comparison covered each kind of line (a store that made none would prove nothing).
    kinds = {(made_case, c.kind, c.case_id) for made_case, found in linked.items() for c in found}
    assert (made["A"], "address", made["B"]) in kinds  # by postcode and folded first line
    assert not any(k[0] == made["A"] and k[2] == made["C"] and k[1] == "address" for k in kinds)
    assert (made["D"], "address", made["E"]) in kinds  # by UPRN only
    assert (made["A"], "person", made["G"]) in kinds
    assert (made["D"], "person", made["demo"]) in kinds and (
        made["E"],
        "person",
        made["F"],
    ) in kinds
    assert (made["A"], "link", made["D"]) in kinds and (made["A"], "link", made["G"]) in kinds
    far = sorted(c.ref for c in linked[made["A"]] if c.kind == "link" and not c.status)
    assert far == ["(a case not on this laptop)", "ASB-2026-ELSE-00009"]
    assert any(f.repeat_perpetrator for f in flags.values())
    assert any(f.repeat_victim for f in flags.values())
    assert len(elsewhere) == 3


def test_a_perpetrator_named_in_several_cases_is_flagged_as_before(store: Store) -> None:
    first = new_case(store, "The first", victim="Ann Lee", referred_on=TODAY - timedelta(days=9))
    identity = people.add_person_to_case(
        store, first, name="Dan Wise", role=PartyRole.ALLEGED_PERPETRATOR.value, date_of_birth=BORN
    )
    for n in range(3):
        case = new_case(store, f"Case {n}", victim=f"V {n}", referred_on=date(2026, 11, 1 + n))
        people.add_person_to_case(
            store, case, name="Dan Wise", role=PartyRole.ALLEGED_PERPETRATOR.value, same_as=identity
        )
    with store.read() as session:
        flags = case_repeat_flags(session, first, today=TODAY, rules=RULES)
        assert flags == _orm_repeat_flags(session, first)
        assert linked_cases(session, first) == _orm_linked_cases(session, first)
    assert flags.repeat_perpetrator
    assert "named in 4 cases" in flags.lines[0]
