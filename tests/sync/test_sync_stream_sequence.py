"""Migration 0009 on a service that already numbered its stream from `stream_counter`: on
PostgreSQL the sequence starts after every number used (the counter, the stream, conflicts,
purge notices), so the next number is new; SQLite keeps numbering from the counter."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sync_server_testkit import fresh_database

from sync.server import db as tables
from sync.server import migrate
from sync.server.accounts import utcnow
from sync.server.db import open_database


def _entry(seq: int) -> dict[str, object]:
    return {
        "seq": seq, "kind": "change", "case_id": "c", "table_name": "note", "row_id": f"r{seq}",
        "op": "insert", "fields": {}, "version": 1, "origin_device_id": None,
        "origin_counter": None, "conflict_id": None, "created_at": utcnow(), "team": "North",
    }  # fmt: skip


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
@pytest.mark.parametrize("highest", ["counter", "stream", "purge notice"])
def test_numbering_goes_on_after_every_number_used_before_the_upgrade(
    kind: str, highest: str, tmp_path: Path
) -> None:
    used = {"counter": 5, "stream": 3, "purge notice": 4}
    used[highest] = 11
    with fresh_database(kind, tmp_path) as url:
        database = open_database(url)
        try:
            with database.writer.begin() as connection:
                migrate.upgrade_on(connection, "0008")
            with database.writer.begin() as connection:
                connection.execute(tables.stream_counter.update().values(value=used["counter"]))
                connection.execute(tables.stream.insert(), [_entry(used["stream"])])
                connection.execute(
                    tables.purge_notice.insert().values(
                        seq=used["purge notice"], case_id="c", team="North", reason="moved",
                        created_at=utcnow(),
                    )
                )  # fmt: skip
            migrate.upgrade(database.writer)
            expected = 11 if kind == "postgres" else used["counter"]
            with database.read() as connection:
                assert tables.stream_head(connection) == expected
            with database.write_stream() as (connection, head):
                assert head == expected
                tables.set_stream_last(connection, head + 1)
            with database.read() as connection:
                assert tables.stream_head(connection) == expected + 1
        finally:
            database.dispose()


@pytest.mark.postgres
def test_a_new_database_starts_with_nothing_taken(tmp_path: Path) -> None:
    with fresh_database("postgres", tmp_path) as url:
        database = open_database(url)
        try:
            migrate.upgrade(database.writer)
            with database.write_parallel(["c"]) as connection:
                assert tables.take_numbers(connection, 3) == [1, 2, 3]
            with database.read() as connection:
                assert tables.stream_head(connection) == 3
            # SQLAlchemy's own schema (tests that skip the migrations) declares the same start
            database.dispose()
            with sa.create_engine(tables.normalise_url(url)).begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            database = open_database(url)
            tables.metadata.create_all(database.writer)
            with database.read() as connection:
                assert tables.stream_head(connection) == 0
        finally:
            database.dispose()
