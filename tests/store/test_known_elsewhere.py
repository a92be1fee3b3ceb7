"""What the blind index told the laptop (person_elsewhere) is the laptop's alone: replaced whole
at each sync, kept only for people it holds, never audited, never a change to send, and read per
case with the laptop's own name of the person."""

from __future__ import annotations

import uuid

from sqlmodel import func, select

from asb_tui.store.core.models import AuditEvent, ChangeRecord, Person, PersonElsewhere
from asb_tui.store.core.store import Store
from asb_tui.store.queries.known_elsewhere import people_known_elsewhere
from asb_tui.store.replica.elsewhere import people_to_ask, replace_known_elsewhere
from sync.protocol import KnownElsewhere


def _counts(store: Store) -> tuple[int, int]:
    with store.read() as session:
        return (
            session.exec(select(func.count()).select_from(AuditEvent)).one(),
            session.exec(select(func.count()).select_from(ChangeRecord)).one(),
        )


def _person(store: Store, case_id: str, name: str) -> str:
    with store.write() as uow:
        return uow.add(Person(case_id=case_id, name=name), action="person.add").id


def test_the_answer_replaces_what_was_known_for_people_held_here(
    store: Store, case_id: str
) -> None:
    zoe = _person(store, case_id, "Zoë Adams")
    abe = _person(store, case_id, "Abe Brown")
    assert {zoe, abe} <= set(people_to_ask(store))
    before = _counts(store)
    kept = replace_known_elsewhere(
        store,
        [
            KnownElsewhere(person_id=zoe, team="North", matched_on="identity", cases=2,
                           contact_officer="Jo Bloggs"),
            KnownElsewhere(person_id=abe, team="South", matched_on="address", cases=1),
            KnownElsewhere(person_id=str(uuid.uuid4()), team="East", matched_on="identity",
                           cases=1),
        ],
    )  # fmt: skip
    assert kept == 2
    assert _counts(store) == before  # not a record: no audit event, nothing to send
    with store.read() as session:
        shown = people_known_elsewhere(session, case_id)
        assert people_known_elsewhere(session, str(uuid.uuid4())) == []
    assert [(k.person_name, k.team, k.matched_on, k.cases) for k in shown] == [
        ("Abe Brown", "South", "address", 1),
        ("Zoë Adams", "North", "identity", 2),
    ]
    assert shown[0].sentence == "known in 1 case held by team South (by address)"
    assert shown[1].sentence == (
        "known in 2 cases held by team North (by name and date of birth), Jo Bloggs to contact"
    )

    # The same answer at the next sync writes nothing: the rows keep when they were learned.
    same = [
        KnownElsewhere(person_id=k.person_id, team=k.team, matched_on=k.matched_on,  # type: ignore[arg-type]
                       cases=k.cases, contact_officer=k.contact_officer)
        for k in shown
    ]  # fmt: skip
    assert replace_known_elsewhere(store, same) == 2
    with store.read() as session:
        assert [k.learned_at for k in people_known_elsewhere(session, case_id)] == [
            k.learned_at for k in shown
        ]

    replace_known_elsewhere(
        store, [KnownElsewhere(person_id=abe, team="West", matched_on="identity", cases=3)]
    )
    with store.read() as session:
        rows = session.exec(select(PersonElsewhere)).all()
    assert [(r.person_id, r.team, r.case_id) for r in rows] == [(abe, "West", case_id)]
    replace_known_elsewhere(store, [])
    with store.read() as session:
        assert session.exec(select(PersonElsewhere)).all() == []
