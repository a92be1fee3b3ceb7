"""The pull page's plan on PostgreSQL does not depend on fresh statistics: on a database whose
rows were loaded after its last ANALYZE (the day after a migration, or a busy morning), the
page reads its team's part as one ordered range of `ix_stream_team_seq` and the cases shared
with its agency through `ix_stream_case_seq`; never a nested loop over the whole stream once
per case (which took a minute for a page that takes milliseconds).
And `asb-sync-server migrate` analyses the database after it changes the schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sync_server_testkit import fresh_postgres_database, require_postgres, run_cli

from sync.server import migrate
from sync.server.accounts import Officer
from sync.server.db import Database, metadata, open_database
from sync.server.exchange import pull_page_query

pytestmark = pytest.mark.postgres
TEAMS, CASES, ROWS = 4, 2_000, 100_000
PAGE = 500
SHARED = (1, 2, 3)  # case numbers shared with the police (case-1 is team-1's own)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    require_postgres()
    with fresh_postgres_database() as url:
        yield url


def _load(database: Database) -> None:
    """Cases of four teams and a stream of notes over them, with no ANALYZE after."""
    with database.writer.begin() as connection:
        for table in ("stream", "case_access", "case_share"):  # autovacuum must not analyse
            connection.execute(sa.text(f"ALTER TABLE {table} SET (autovacuum_enabled = false)"))
        connection.execute(
            sa.text(
                "INSERT INTO case_access (case_id, team) "
                "SELECT 'case-' || g, 'team-' || (g % :teams) FROM generate_series(1, :cases) g"
            ),
            {"teams": TEAMS, "cases": CASES},
        )
        connection.execute(
            sa.text(
                "INSERT INTO stream (seq, kind, case_id, table_name, row_id, op, fields, "
                "version, created_at, team) SELECT g, 'change', 'case-' || (1 + g % :cases), "
                "'note', 'row-' || g, 'insert', '{}', 1, now(), "
                "'team-' || ((1 + g % :cases) % :teams) FROM generate_series(1, :rows) g"
            ),
            {"teams": TEAMS, "cases": CASES, "rows": ROWS},
        )
        # Shared with the police: two other teams' cases, and one of team-1's own (it must
        # come once, in the team's part).
        connection.execute(
            sa.text(
                "INSERT INTO case_share (share_row_id, case_id, agency) VALUES "
                + ", ".join(f"('share-{n}', 'case-{n}', 'police')" for n in SHARED)
            )
        )
        connection.execute(sa.text("SELECT pg_stat_reset()"))


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _page_plan(database: Database, officer: Officer, after: int) -> list[dict[str, Any]]:
    # As a device pulls it: without its own changes (the loaded rows have no origin, so the
    # page is the same; the filter must not change the plan's use of the index).
    query = pull_page_query(officer, after, ROWS, PAGE, not_from="some-device")
    sql = str(query.compile(database.writer, compile_kwargs={"literal_binds": True}))
    with database.writer.connect() as connection:
        explained = connection.execute(sa.text(f"EXPLAIN (FORMAT JSON) {sql}")).scalar_one()
        got = connection.execute(query).all()
    # The page is right: the team's rows after the cursor (and the shared cases' rows for an
    # officer of the police), in stream order, each once.
    team_cases = {n for n in range(1, CASES + 1) if n % TEAMS == 1}
    if officer.agency == "police":
        team_cases |= set(SHARED)
    wanted = [s for s in range(after + 1, ROWS + 1) if 1 + s % CASES in team_cases]
    assert [row.seq for row in got] == wanted[:PAGE]
    return list(_nodes(explained[0]["Plan"]))


def _assert_reads_a_range_of_the_team_index(nodes: list[dict[str, Any]], *, shared: bool) -> None:
    """The team's part: one ordered range of `ix_stream_team_seq` (it stops at the page, no
    sort of the team's whole stream), each row's case checked by the primary key of
    `case_access`. The agency's shared cases (with `shared`): case by case through
    `ix_stream_case_seq`. Never the whole stream, never a scan of it inside a loop."""
    on_stream = [n for n in nodes if n.get("Relation Name") == "stream"]
    assert on_stream, nodes
    by_team = [n for n in on_stream if n.get("Index Name") == "ix_stream_team_seq"]
    assert len(by_team) == 1, on_stream
    assert by_team[0]["Node Type"] == "Index Scan", by_team[0]
    assert "team" in by_team[0]["Index Cond"] and "seq" in by_team[0]["Index Cond"], by_team
    checks = [n for n in _nodes(by_team[0]) if n.get("Relation Name") == "case_access"]
    assert [n.get("Index Name") for n in checks] == ["case_access_pkey"], by_team[0]
    rest = [n for n in on_stream if n is not by_team[0]]
    assert len(rest) == (1 if shared else 0), on_stream
    for node in rest:
        assert node["Node Type"] != "Seq Scan", node
        if node["Node Type"] == "Bitmap Heap Scan":
            index = [n for n in _nodes(node) if n["Node Type"] == "Bitmap Index Scan"]
            assert [n["Index Name"] for n in index] == ["ix_stream_case_seq"], node
        else:
            assert node.get("Index Name") == "ix_stream_case_seq", node
            assert "case_id" in node.get("Index Cond", ""), node
    # No stream scan is repeated inside a loop as a whole (a Materialize over it).
    for node in nodes:
        if node["Node Type"] == "Materialize":
            assert not any(n.get("Relation Name") == "stream" for n in _nodes(node)), node


@pytest.mark.parametrize("schema", ["migrated, then loaded", "never analysed"])
def test_the_pull_page_reads_the_team_index_without_fresh_statistics(
    postgres_url: str, schema: str
) -> None:
    database = open_database(postgres_url)
    try:
        if schema == "never analysed":
            metadata.create_all(database.writer)  # no migration, so no ANALYZE at all
        else:
            assert migrate.upgrade(database.writer)  # analyses the tables while still empty
        _load(database)
        with database.writer.connect() as connection:
            tuples = connection.execute(
                sa.text("SELECT reltuples FROM pg_class WHERE relname = 'stream'")
            ).scalar_one()
        # What the planner believes: nothing (never analysed: -1) or the empty table.
        assert tuples in (-1, 0)
        officer = Officer(id="o", name="Ann", team="team-1", agency=None)
        for after in (0, ROWS // 2, ROWS - 1_000):  # a first sync, halfway, nearly caught up
            _assert_reads_a_range_of_the_team_index(
                _page_plan(database, officer, after), shared=False
            )
        partner = Officer(id="p", name="Pat", team="team-1", agency="police")
        _assert_reads_a_range_of_the_team_index(_page_plan(database, partner, 0), shared=True)
    finally:
        database.writer.dispose()


def _last_analyse(url: str) -> Any:
    database = open_database(url)
    try:
        with database.writer.connect() as connection:
            return connection.execute(
                sa.text("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'stream'")
            ).scalar_one()
    finally:
        database.writer.dispose()


def test_migrate_analyses_after_changing_the_schema(postgres_url: str) -> None:
    done = run_cli("migrate", "--db", postgres_url)
    assert "statistics refreshed with ANALYZE" in done.stdout, done.stdout
    analysed = _last_analyse(postgres_url)
    assert analysed is not None
    again = run_cli("migrate", "--db", postgres_url)  # nothing to change: no ANALYZE
    assert "ANALYZE" not in again.stdout and "upgraded" not in again.stdout
    assert _last_analyse(postgres_url) == analysed


def test_the_page_read_a_stretch_at_a_time_is_the_whole_query_s_page(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`pull_page_rows` reads the stream in growing stretches (bounded work whatever the plan);
    its page is exactly the one query's, however many stretches it takes."""
    from sync.server import exchange

    database = open_database(postgres_url)
    try:
        metadata.create_all(database.writer)
        _load(database)
        officer = Officer(id="o", name="Ann", team="team-1", agency=None)
        with database.writer.connect() as connection:
            for window in (7, 1_000, exchange.PULL_WINDOW):
                monkeypatch.setattr(exchange, "PULL_WINDOW", window)
                for after, limit in ((0, PAGE), (ROWS // 2, 3), (ROWS - 1_000, PAGE), (ROWS, 5)):
                    whole = connection.execute(
                        pull_page_query(officer, after, ROWS, limit, not_from="d")
                    ).all()
                    got = exchange.pull_page_rows(
                        connection, officer, after, ROWS, limit, not_from="d"
                    )
                    assert [r.seq for r in got] == [r.seq for r in whole], (window, after)
                    assert len(got) == min(limit, len(whole))
    finally:
        database.writer.dispose()
