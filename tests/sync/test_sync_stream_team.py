"""Each stream entry carries the team that owns its case (`stream.team`, migration 0008), what a
pull page's team part reads by (`ix_stream_team_seq`): filled from `case_access` on upgrade,
and kept current when a case moves, so a laptop of the new team that pulls from the start
receives the case's history, and the old team none of it. SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sync_server_testkit import fresh_database

from sync.server import db as tables
from sync.server import migrate
from sync.server.accounts import Officer, utcnow
from sync.server.db import Database, open_database
from sync.server.exchange import pull_page_rows
from sync.server.transfer import transfer_case

KINDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _entry(seq: int, case_id: str, row_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "seq": seq, "kind": "change", "case_id": case_id, "table_name": "note", "row_id": row_id,
        "op": "insert", "fields": {}, "version": 1, "origin_device_id": None,
        "origin_counter": None, "conflict_id": None, "created_at": utcnow(), **extra,
    }  # fmt: skip


def _teams(database: Database) -> dict[int, str | None]:
    s = tables.stream
    with database.read() as connection:
        return dict(connection.execute(sa.select(s.c.seq, s.c.team).order_by(s.c.seq)).all())


@pytest.mark.parametrize("kind", KINDS)
def test_the_upgrade_labels_each_entry_with_its_case_team(kind: str, tmp_path: Path) -> None:
    with fresh_database(kind, tmp_path) as url:
        database = open_database(url)
        try:
            with database.writer.begin() as connection:
                migrate.upgrade_on(connection, "0007")
                connection.execute(
                    tables.case_access.insert(),
                    [{"case_id": "c1", "team": "North"}, {"case_id": "c2", "team": "South"}],
                )
                old_columns = [c for c in tables.stream.columns if c.name != "team"]
                connection.execute(
                    sa.insert(
                        sa.table("stream", *[sa.column(c.name, c.type) for c in old_columns])
                    ),
                    [_entry(1, "c1", "n1"), _entry(2, "c2", "n2"), _entry(3, "gone", "n3")],
                )
            assert migrate.upgrade(database.writer)
            # a case with no access row (none can see it) stays unlabelled: no team reads it
            assert _teams(database) == {1: "North", 2: "South", 3: None}
        finally:
            database.dispose()


def _case_row(case_id: str, team: str) -> dict[str, Any]:
    return {
        "table_name": "asb_case", "row_id": case_id, "case_id": case_id, "version": 1,
        "fields": {"id": case_id, "team": team, "ref": f"ASB-{case_id}"},
        "field_versions": {}, "append_only": False, "deleted": False, "created_seq": 1,
    }  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
def test_a_transfer_relabels_the_case_so_the_new_team_pulls_its_history(
    kind: str, tmp_path: Path
) -> None:
    with fresh_database(kind, tmp_path) as url:
        database = open_database(url)
        try:
            migrate.upgrade(database.writer)
            with database.writer.begin() as connection:
                connection.execute(
                    tables.case_access.insert(),
                    [
                        {"case_id": "moving", "team": "North"},
                        {"case_id": "staying", "team": "North"},
                    ],
                )
                connection.execute(tables.row_state.insert(), [_case_row("moving", "North")])
                connection.execute(
                    tables.stream.insert(),
                    [
                        _entry(1, "moving", "moving", table_name="asb_case", team="North"),
                        _entry(2, "moving", "note-1", team="North"),
                        _entry(3, "staying", "note-2", team="North"),
                    ],
                )
                tables.set_stream_last(connection, 3)
            transfer_case(
                database, "moving", "South", by="Admin", requested_by="Ann", reason="new ward"
            )
            teams = _teams(database)
            # the history and the re-sent current rows are South's; North keeps its own case
            assert teams[1] == teams[2] == "South" and teams[3] == "North"
            assert set(teams.values()) == {"South", "North"} and len(teams) > 3
            with database.read() as connection:
                head = tables.stream_head(connection)
                south = Officer(id="s", name="Sam", team="South", agency=None)
                north = Officer(id="n", name="Nia", team="North", agency=None)
                got = pull_page_rows(connection, south, 0, head, 100)
                assert [r.seq for r in got] == [s for s, t in teams.items() if t == "South"]
                assert {r.case_id for r in got} == {"moving"}
                assert [r.seq for r in pull_page_rows(connection, north, 0, head, 100)] == [3]
        finally:
            database.dispose()
