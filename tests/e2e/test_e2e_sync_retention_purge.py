"""A case destroyed under the retention rule on a laptop leaves only ids on the service: its rows
are field-less tombstones, its stream keeps only field-less deletes, and no personal value of it
is left in any of the service's tables. The team's other laptop drops it, a laptop enrolled
afterwards syncs cleanly without it, and the team's other case is untouched."""

# ruff: noqa: F811  (the fixtures imported from sync_e2e_support are test arguments)

from __future__ import annotations

import json
from datetime import date
from typing import Any

import sqlalchemy as sa
from sync_e2e_support import (  # noqa: F401  (fixtures)
    LaptopFactory,
    central,
    central_db,
    laptops,
    unique_team,
)
from sync_server_testkit import ServerProcess

from asb_tui.store.commands.retention import destroy_due_cases
from sync.server import db as tables
from sync.server.db import open_database


def _dump(db_url: str, table: sa.Table, case_id: str) -> list[dict[str, Any]]:
    database = open_database(db_url)
    try:
        with database.read() as connection:
            rows = connection.execute(sa.select(table).where(table.c.case_id == case_id))
            return [dict(r._mapping) for r in rows]
    finally:
        database.dispose()


def test_retention_leaves_ids_only_on_the_service(
    laptops: LaptopFactory, central: ServerProcess
) -> None:
    team = unique_team()
    ann, bob = laptops(team=team, name="Ann"), laptops(team=team, name="Bob")
    doomed = ann.new_case("Ophelia Brackenridge shouted at", victim_name="Ophelia Brackenridge")
    ann.add_notes(doomed, 3)
    kept = ann.new_case("Fly-tipping behind the shops")
    assert ann.sync().result.ok and bob.sync().result.ok
    bob.edit_case(doomed, {"location": "17 Marigold Terrace"})
    assert bob.sync().result.ok and ann.sync().result.ok
    ann.edit_case(doomed, {"status": "closed", "closed_on": date(2019, 3, 1),
                           "closure_reason": "resolved"})  # fmt: skip
    assert ann.sync().result.ok

    result = destroy_due_cases(ann.store, date(2026, 1, 5), 5, apply=True)
    assert [c.case_id for c in result.cases] == [doomed]
    assert ann.sync().result.ok

    rows = _dump(central.db_url, tables.row_state, doomed)
    assert rows and all(r["deleted"] and r["fields"] == {} for r in rows)
    stream = _dump(central.db_url, tables.stream, doomed)
    assert stream and all(s["op"] == "delete" and s["fields"] == {} for s in stream)
    everything = json.dumps(
        [
            _dump(central.db_url, t, doomed)
            for t in (tables.row_state, tables.stream, tables.conflict, tables.refused_change)
        ],
        default=str,
    )
    for secret in ("Ophelia", "Brackenridge", "Marigold", "note 1"):
        assert secret not in everything

    doomed_ref = bob.held_case(doomed).ref
    pulled = bob.sync().result
    assert pulled.ok
    assert bob.case(doomed) is None and bob.case(kept) is not None
    assert [(r.case_id, r.ref, r.reason) for r in pulled.removed] == [
        (doomed, doomed_ref, "the case was destroyed under the retention rule")
    ]
    carol = laptops(team=team, name="Carol")
    fresh = carol.sync().result
    assert fresh.ok and fresh.removed == ()  # it never held the case
    assert carol.case(doomed) is None and carol.case(kept) is not None
    assert carol.unsent() == 0
