"""A large council after some years: 50,000 cases / 1,000,000 diary entries (docs/performance.md).

Figures: full-text search p95 over the whole store (target < 50 ms); the app's peak RSS with the
50,000 cases open and the dashboard freshly computed (target < 200 MB); the time from start to
the freshly computed dashboard, with and without the dashboard's kept copy (information).

The store is built once and cached (benchmarks/scale_store.py); a run copies it (a few seconds)
and adds ~4 minutes to `make bench` when the cache is warm (measured on a loaded 2-core machine).
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session

from asb_tui.store.core.store import open_store
from asb_tui.store.queries.search import CANDIDATES, search
from benchmarks import scale_store
from benchmarks._report import Figure
from benchmarks.bench_app import APP_CHILD, _app_seconds, _start
from benchmarks.bench_store import QUERIES, _percentile

SEARCH_TARGET_MS = 50.0
RSS_TARGET_MB = 200.0
SEARCHES = 300
SEARCHES_UNCAPPED = 100  # no row cap on a window, for information
APP_RUNS = 3


def _progress(message: str) -> None:
    print(f"  [scale] {message}", file=sys.stderr, flush=True)


def search_times_ms(
    store_dir: Path, count: int, window: int = CANDIDATES
) -> tuple[list[float], float, int]:
    """`count` searches of the officer's kind (one or two words, often half-typed); `window`
    as `search` takes it (a huge one: a window ends only at the cases wanted)."""
    store = open_store(store_dir, scale_store.PASSPHRASE, actor=scale_store.ACTOR)
    rng = random.Random(20)
    times: list[float] = []
    hits = 0
    try:
        with Session(store.read_engine) as session:
            entries = session.execute(text("SELECT count(*) FROM search_index")).scalar_one()
        for typed in QUERIES:  # warm SQLCipher's page cache, as a second look would
            with Session(store.read_engine) as session:
                search(session, typed)
        for _ in range(count):
            typed = rng.choice(QUERIES)
            started = time.perf_counter()
            with Session(store.read_engine) as session:
                hits += len(search(session, typed, window=window))
            times.append((time.perf_counter() - started) * 1000)
    finally:
        store.close()
    return times, hits / count, int(entries)


def dashboard_ms(store_dir: Path) -> tuple[float, float, int, int]:
    """The dashboard computed whole, then again after a write to one case (what a return from
    a case does): (whole ms, after the write ms, cases recomputed then, open cases)."""
    from datetime import timedelta

    from asb_tui.config import Config
    from asb_tui.store.commands.cases import add_action
    from asb_tui.store.queries.deadline_facts import deadline_rules
    from asb_tui.store.queries.screen_reads import read_dashboard

    store = open_store(store_dir, scale_store.PASSPHRASE, actor=scale_store.ACTOR)
    try:
        today = scale_store.TODAY
        rules = deadline_rules(Config(data_dir=store_dir), today)
        started = time.perf_counter()
        board, state = read_dashboard(store, officer=None, today=today, rules=rules, limit=300)
        whole = (time.perf_counter() - started) * 1000
        case_id = board.rows[len(board.rows) // 2].case_id
        add_action(store, case_id, title="Ring the landlord", due_on=today - timedelta(days=1))
        started = time.perf_counter()
        _board, after = read_dashboard(
            store, officer=None, today=today, rules=rules, limit=300, previous=state
        )
        one = (time.perf_counter() - started) * 1000
    finally:
        store.close()
    return whole, one, after.recomputed, board.counts.open_cases


def app_figures(store_dir: Path) -> tuple[list[float], list[float], list[float]]:
    """(start to fresh dashboard with the kept copy, first start without it, peak RSS) per run."""
    fresh: list[float] = []
    first: list[float] = []
    rss: list[float] = []
    _start(APP_CHILD, str(store_dir), scale_store.PASSPHRASE)  # warms, leaves the kept copy
    for _ in range(APP_RUNS):
        start = _start(APP_CHILD, str(store_dir), scale_store.PASSPHRASE)
        fresh.append(_app_seconds(start)[1])
        rss.append(start.rss_mb)
    _forget_dashboard_copies(store_dir)
    start = _start(APP_CHILD, str(store_dir), scale_store.PASSPHRASE)
    first.append(_app_seconds(start)[1])
    rss.append(start.rss_mb)
    return fresh, first, rss


def _forget_dashboard_copies(store_dir: Path) -> None:
    """Remove the dashboard's kept copies, as on a first start."""
    from asb_tui.store.cache.local_cache import forget_snapshots

    store = open_store(store_dir, scale_store.PASSPHRASE, actor=scale_store.ACTOR)
    try:
        forget_snapshots(store)
    finally:
        store.close()


def run(quick: bool = False) -> list[Figure]:
    cases = scale_store.QUICK_CASES if quick else scale_store.CASES
    with tempfile.TemporaryDirectory(prefix="asb-bench-scale-") as tmp:
        started = time.perf_counter()
        store_dir = scale_store.working_copy(cases, Path(tmp))
        copied = time.perf_counter() - started
        _progress(f"working copy of the {cases:,}-case store in {copied:.1f} s")
        times, hits, entries = search_times_ms(store_dir, SEARCHES)
        uncapped, _hits, _entries = search_times_ms(store_dir, SEARCHES_UNCAPPED, 10**9)
        whole_ms, one_ms, recomputed, open_cases = dashboard_ms(store_dir)
        fresh, first, rss = app_figures(store_dir)
    scale = f"{cases:,} cases, {entries:,} index entries"
    return [
        Figure(
            f"search p95 at {cases:,} cases",
            _percentile(times, 0.95),
            "ms",
            SEARCH_TARGET_MS,
            detail=f"{scale}; {SEARCHES} queries, p50 {_percentile(times, 0.5):.1f} ms, "
            f"{hits:.0f} cases found avg",
        ),
        Figure(
            "the same search, no row cap on a window (info)",
            _percentile(uncapped, 0.95),
            "ms",
            detail=f"a window ends only at the cases wanted; {SEARCHES_UNCAPPED} queries, "
            f"p50 {_percentile(uncapped, 0.5):.1f} ms",
        ),
        Figure(
            f"peak RSS, app with {cases:,} cases (dashboard shown)",
            max(rss),
            "MB",
            RSS_TARGET_MB,
            detail=f"runs {', '.join(f'{r:.0f}' for r in rss)}",
        ),
        Figure(
            "dashboard after a write to one case (incremental, info)",
            one_ms,
            "ms",
            detail=f"{recomputed} case recomputed of {open_cases:,} open; computed whole "
            f"{whole_ms:.0f} ms",
        ),
        Figure(
            f"start to the fresh dashboard at {cases:,} cases (info)",
            statistics.median(fresh),
            "s",
            detail=f"kept copy shown first; runs {', '.join(f'{s:.2f}' for s in fresh)}; "
            f"no kept copy {first[0]:.2f} s",
        ),
    ]


if __name__ == "__main__":
    for figure in run(quick="--quick" in sys.argv):
        print(figure.line())
