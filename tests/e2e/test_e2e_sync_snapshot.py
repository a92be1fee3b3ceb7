"""A new laptop's first pull as a snapshot, with the real encrypted store on both ends of a real
service (SQLite and PostgreSQL): a row of every case table, fields at their limits, then edited,
and plain cases with notes, arrive on the snapshot laptop exactly as on a laptop that replays the
stream, with the same versions, nothing set aside, and the store's audit log showing each page.
"""

# ruff: noqa: F811  (the fixtures imported from sync_e2e_support are test arguments)

from __future__ import annotations

from sqlmodel import select
from sync_e2e_support import (  # noqa: F401  (fixtures)
    LaptopFactory,
    central,
    central_db,
    comparable,
    laptops,
    unique_team,
)
from test_e2e_sync_every_table import _edits, _rows

from asb_tui.store.core.models import AuditEvent, new_id
from sync import schema


def _actions(laptop_store: object, action: str) -> int:
    with laptop_store.read() as session:  # type: ignore[attr-defined]
        return len(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def test_a_snapshot_of_every_table_equals_the_replay(laptops: LaptopFactory) -> None:
    team = unique_team()
    ann = laptops(team=team, name="Ann")
    cases = [new_id()]
    with ann.store.write() as uow:  # one case with a row of every table, at the limits
        rows = _rows(cases[0])
        rows[0].team = team  # type: ignore[attr-defined, unused-ignore]
        for row in rows:
            uow.add(row, action="test.insert")
    cases += [ann.new_case(f"Case {n}") for n in range(4)]  # and cases as an officer makes them
    for case_id in cases[1:]:
        ann.add_notes(case_id, 3)
    assert ann.sync().result.ok
    edited = 0
    with ann.store.write() as uow:  # a history: every editable field of the first case edited
        for row in rows:
            model = type(row)
            if model.__tablename__ in schema.APPEND_ONLY_TABLES:
                continue
            current = uow.reads.get(model, row.id)  # type: ignore[attr-defined]
            assert current is not None
            uow.update(current, _edits(model), action="test.update")
            edited += 1
    assert edited == len(schema.TABLES) - len(schema.APPEND_ONLY_TABLES)
    assert ann.sync().result.ok

    bob = laptops(team=team, name="Bob", page_size=1, snapshot_page_rows=10)  # several pages
    carol = laptops(team=team, name="Carol", snapshot=False)
    by_snapshot, by_replay = bob.sync().result, carol.sync().result
    assert by_snapshot.ok and by_replay.ok
    assert by_snapshot.set_aside_pulled == 0 and by_snapshot.refused == ()
    assert _actions(bob.store, "sync.snapshot") > 1  # it came as a snapshot, in pages
    assert _actions(carol.store, "sync.snapshot") == 0
    assert comparable(bob.snapshot()) == comparable(carol.snapshot()) == comparable(ann.snapshot())
    assert {table for table, _id in bob.snapshot()} == set(schema.TABLE_NAMES)

    # afterwards the ordinary pull: an edit by Ann reaches both the same way
    ann.edit_case(cases[1], {"summary": "after the snapshot"})
    assert ann.sync().result.ok
    assert bob.sync().result.ok and carol.sync().result.ok
    assert bob.held_case(cases[1]).summary == "after the snapshot"
    assert comparable(bob.snapshot()) == comparable(carol.snapshot())
