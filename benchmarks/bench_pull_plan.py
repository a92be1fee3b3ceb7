"""A pull page on a PostgreSQL database that was never analysed, beside the same page once
analysed (docs/performance.md: within 2 x).

The database is made fresh with the service's tables and no migration (so no ANALYZE at all),
autovacuum off for the loaded tables (it must not analyse them behind the benchmark's back), and
loaded with a stream of 200,000 rows over 4,000 cases of four teams (a 1,000-case team, as in
issue 20). The page is the service's own query (`exchange.pull_page_query`): a first pull, one
halfway and one nearly caught up, each the median of several runs; then the same database is
analysed and the same pages are timed again.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks._report import Figure

TESTS_SYNC = Path(__file__).resolve().parents[1] / "tests" / "sync"
if str(TESTS_SYNC) not in sys.path:
    sys.path.insert(0, str(TESTS_SYNC))

TEAMS, CASES, ROWS, PAGE = 4, 4_000, 200_000, 500
QUICK_ROWS = 40_000
RUNS = 5
TARGET_RATIO = 2.0


def _load(database: Any, cases: int, rows: int) -> None:
    import sqlalchemy as sa

    with database.writer.begin() as connection:
        for table in ("stream", "case_access", "case_share"):
            connection.execute(sa.text(f"ALTER TABLE {table} SET (autovacuum_enabled = false)"))
        connection.execute(
            sa.text(
                "INSERT INTO case_access (case_id, team) "
                "SELECT 'case-' || g, 'team-' || (g % :teams) FROM generate_series(1, :cases) g"
            ),
            {"teams": TEAMS, "cases": cases},
        )
        connection.execute(
            sa.text(
                "INSERT INTO stream (seq, kind, case_id, table_name, row_id, op, fields, "
                "version, created_at, team) SELECT g, 'change', 'case-' || (1 + g % :cases), "
                "'note', 'row-' || g, 'insert', '{}', 1, now(), "
                "'team-' || ((1 + g % :cases) % :teams) FROM generate_series(1, :rows) g"
            ),
            {"teams": TEAMS, "cases": cases, "rows": rows},
        )


def _page_ms(database: Any, rows: int, *, one_query: bool = False) -> dict[int, float]:
    """Median time of each page (by its cursor), read as the service reads it
    (`exchange.pull_page_rows`), or with `one_query` as one `pull_page_query` over the rest of
    the stream (the shape before, for information)."""
    from sync.server.accounts import Officer
    from sync.server.exchange import pull_page_query, pull_page_rows

    officer = Officer(id="o", name="Ann", team="team-1", agency=None)
    times: dict[int, float] = {}
    with database.writer.connect() as connection:
        for after in (0, rows // 2, rows - 2_000):
            runs = []
            for _ in range(RUNS):
                started = time.perf_counter()
                if one_query:
                    query = pull_page_query(officer, after, rows, PAGE, not_from="some-device")
                    got = connection.execute(query).all()
                else:
                    got = pull_page_rows(
                        connection, officer, after, rows, PAGE, not_from="some-device"
                    )
                runs.append((time.perf_counter() - started) * 1000)
                assert len(got) == min(PAGE, (rows - after) // TEAMS), len(got)
            times[after] = statistics.median(runs)
    return times


def _never_analysed(database: Any) -> bool:
    import sqlalchemy as sa

    with database.writer.connect() as connection:
        tuples = connection.execute(
            sa.text("SELECT reltuples FROM pg_class WHERE relname = 'stream'")
        ).scalar_one()
    return bool(tuples in (-1, 0))


def run(quick: bool = False) -> list[Figure]:
    from sync_server_testkit import fresh_postgres_database, postgres_unavailable_reason

    reason = postgres_unavailable_reason()
    if reason is not None:
        return [Figure(f"pull page never analysed skipped: {reason}", 0, "", target=None)]
    import sqlalchemy as sa

    from sync.server.db import metadata, open_database

    rows = QUICK_ROWS if quick else ROWS
    cases = CASES if not quick else CASES // 4
    with fresh_postgres_database() as url:
        database = open_database(url)
        try:
            metadata.create_all(database.writer)  # no migration: no ANALYZE at all
            _load(database, cases, rows)
            assert _never_analysed(database), "the stream was analysed behind the benchmark"
            never = _page_ms(database, rows)
            never_one = _page_ms(database, rows, one_query=True)
            assert _never_analysed(database), "the stream was analysed behind the benchmark"
            with database.writer.connect() as connection:
                connection.execute(sa.text("ANALYZE"))
                connection.commit()
            analysed = _page_ms(database, rows)
            analysed_one = _page_ms(database, rows, one_query=True)
        finally:
            database.writer.dispose()
    worst = max(never[after] / analysed[after] for after in never)
    worst_one = max(never_one[after] / analysed_one[after] for after in never)
    pages = ", ".join(
        f"after {after:,}: {never[after]:.1f} / {analysed[after]:.1f} ms" for after in never
    )
    scale = f"{rows:,} stream rows, {cases:,} cases of {TEAMS} teams, page {PAGE}"
    return [
        Figure(
            "pull page, never analysed (first page)",
            never[0],
            "ms",
            detail=scale,
        ),
        Figure("pull page, analysed (first page)", analysed[0], "ms", detail=scale),
        Figure(
            "pull page never analysed / analysed (worst page)",
            worst,
            "x",
            target=TARGET_RATIO,
            detail=f"never / analysed: {pages}",
        ),
        Figure(
            "the same as one query over the rest of the stream (info)",
            worst_one,
            "x",
            detail=f"first page never analysed {never_one[0]:.1f} ms, analysed "
            f"{analysed_one[0]:.1f} ms",
        ),
    ]


if __name__ == "__main__":
    for figure in run(quick="--quick" in sys.argv):
        print(figure.line())
