"""The push's bulk writes (`sync.server.bulk`) on a real central database: rows numbered from 1
arrive with the stream numbers taken for them, a row state already stored keeps its case and
creation, and a write that fails inside a pipelined block takes the whole transaction back and
leaves the pool usable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sync_server_testkit import fresh_database

from sync.server import bulk, migrate
from sync.server import db as tables
from sync.server.accounts import utcnow
from sync.server.db import Database, open_database

CASE = "11111111-1111-4111-8111-111111111111"
ROW = "22222222-2222-4222-8222-222222222222"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with fresh_database(request.param, tmp_path) as url:
        db = open_database(url)
        migrate.upgrade(db.writer)
        try:
            yield db
        finally:
            db.dispose()


def _entry(seq: int, op: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "seq": seq, "kind": "change", "case_id": CASE, "table_name": "note", "row_id": ROW,
        "op": op, "fields": fields, "version": seq, "origin_device_id": None,
        "origin_counter": None, "conflict_id": None, "created_at": utcnow(),
    }  # fmt: skip


def _state(version: int, fields: dict[str, Any], created_seq: int, case_id: str) -> dict[str, Any]:
    return {
        "table_name": "note", "row_id": ROW, "case_id": case_id, "version": version,
        "fields": fields, "field_versions": {k: [version, None] for k in fields},
        "append_only": False, "deleted": False, "created_seq": created_seq,
    }  # fmt: skip


def test_rows_numbered_from_one_get_the_numbers_taken_and_an_upsert_keeps_what_it_must(
    database: Database,
) -> None:
    postgres = not database.is_sqlite
    text = {"body": "Zoë's note: \"quoted\", 'single', \\ back, ✓"}
    with database.write_stream() as (connection, _head):
        bulk.insert_stream(
            connection, bulk.prepare([_entry(1, "insert", text)], postgres=postgres), [41]
        )
        bulk.insert_rows(
            connection, bulk.prepare([_state(1, text, 1, CASE)], postgres=postgres), [41]
        )
    later = {"body": "edited"}
    other_case = "33333333-3333-4333-8333-333333333333"  # an upsert never moves a row's case
    with database.write_stream() as (connection, _head):
        bulk.insert_stream(
            connection,
            bulk.prepare(
                [_entry(2, "update", later), _entry(1, "update", later)], postgres=postgres
            ),
            [44, 47],  # not contiguous: numbers taken alongside other pushes
        )
        bulk.upsert_rows(
            connection, bulk.prepare([_state(2, later, 7, other_case)], postgres=postgres)
        )
    with database.read() as connection:
        entries = connection.execute(
            sa.select(tables.stream.c.seq, tables.stream.c.fields).order_by(tables.stream.c.seq)
        ).all()
        state = connection.execute(sa.select(tables.row_state)).one()
    assert [(e.seq, e.fields) for e in entries] == [(41, text), (44, later), (47, later)]
    assert (state.version, state.fields, state.case_id, state.created_seq) == (
        2, later, CASE, 41,
    )  # fmt: skip


@pytest.mark.postgres
@pytest.mark.parametrize("database", ["postgres"], indirect=True)
def test_a_failed_write_in_a_pipeline_takes_back_the_whole_transaction(database: Database) -> None:
    with database.write_stream() as (connection, _head):
        connection.execute(tables.case_access.insert().values(case_id=CASE, team="North"))
    for _ in range(2):  # twice: the connection that failed went back to the pool usable
        with (
            pytest.raises(Exception, match="case_access_pkey"),
            database.write_stream() as (connection, _head),
            bulk.pipelined(connection),
        ):
            connection.execute(tables.case_access.insert().values(case_id=ROW, team="East"))
            connection.execute(tables.case_access.insert().values(case_id=CASE, team="South"))
    with database.write_stream() as (connection, head):
        teams = connection.execute(sa.select(tables.case_access.c.team)).scalars().all()
    assert (head, teams) == (0, ["North"])
