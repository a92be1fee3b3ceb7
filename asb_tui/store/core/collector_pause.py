"""Python's cyclic garbage collector held off while many rows that hold no cycles are built.

Each collection the allocations set off walks everything built so far again: rebuilding the
kept board of 50,000 cases (some 100,000 lists, tuples and dates) took about as long again in
collections, and the management report's ~400,000 rows and figures ~15% of its time
(benchmarks/bench_report.py). Nothing of either is in a cycle, so nothing is left for later.

The collector is process-wide: it is paused for every thread, for the moment of the build. In
the app it is already off (asb_tui/idle_collector.py collects while the officer is idle), and
it is left off.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
