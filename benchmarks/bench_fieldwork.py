"""Saving one transcribed diary row through the field-work store function (`add_diary_entry`:
incident + audit event + change record, one transaction, synchronous=FULL) on a 5,000-case store.
Target: p95 under 15 ms (docs/performance.md).

The big store is built with the store benchmark's raw bulk inserts (setup is not measured); the
sheets are recorded through the real store functions; every measured save is the exact call the
diary screen makes when the officer presses Enter.
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import text

from asb_tui.store.commands import diary
from asb_tui.store.core.store import Store, open_store
from benchmarks._report import Figure
from benchmarks.bench_store import (
    ACTOR,
    FULL,
    PASSPHRASE,
    QUICK,
    build_store,
    synchronous_normal,
)

TARGET_MS = 15.0
SHEETS = 50
WARM_UP = 20


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _save_times_ms(
    store: Store, sheet_ids: list[str], saves: int, rng: random.Random
) -> list[float]:
    """Milliseconds per `add_diary_entry` call, after a short warm-up."""
    timings: list[float] = []
    for index in range(WARM_UP + saves):
        entry = diary.DiaryEntry(
            occurred_on=date(2026, 10, 2) + timedelta(days=index % 50),
            description=f"Music and shouting from the flat above, entry {index}",
            occurred_time=f"{18 + index % 6}:{index % 60:02d}",
            who_involved="Flat 4",
            impact="Could not sleep",
            reported_to_police=index % 3 == 0,
            police_ref="CAD 1234" if index % 3 == 0 else "",
        )
        sheet_id = rng.choice(sheet_ids)
        started = time.perf_counter()
        diary.add_diary_entry(store, sheet_id, entry, typed_on=date(2026, 11, 23))
        if index >= WARM_UP:
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def run(quick: bool = False) -> list[Figure]:
    sizes = QUICK if quick else FULL
    rng = random.Random(5)
    with tempfile.TemporaryDirectory(prefix="asb-bench-fieldwork-") as tmp:
        data_dir = Path(tmp) / "store"
        build_store(data_dir, sizes)
        store = open_store(data_dir, PASSPHRASE, actor=ACTOR)
        try:
            with store.read() as session:
                case_ids = list(session.execute(text("SELECT id FROM asb_case")).scalars())
            sheet_ids = [
                diary.record_sheets_sent(store, case_id, sent_on=date(2026, 10, 1)).id
                for case_id in rng.sample(case_ids, SHEETS)
            ]
            full = _save_times_ms(store, sheet_ids, sizes.saves, rng)
            with synchronous_normal(store):
                normal = _save_times_ms(store, sheet_ids, sizes.saves, rng)
        finally:
            store.close()
    scale = f"{sizes.cases:,} cases / {sizes.incidents:,} incidents, {sizes.saves} saves"
    return [
        Figure(
            "diary row via add_diary_entry p50 (synchronous=FULL)",
            _percentile(full, 0.5),
            "ms",
            TARGET_MS,
            detail=scale,
        ),
        Figure(
            "diary row via add_diary_entry p95 (synchronous=FULL)",
            _percentile(full, 0.95),
            "ms",
            TARGET_MS,
            detail=scale,
        ),
        # Without the per-commit disk flush: how much of the time is the code, not the disk.
        Figure(
            "diary row via add_diary_entry p95 (synchronous=NORMAL)",
            _percentile(normal, 0.95),
            "ms",
            detail=scale,
        ),
    ]


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
