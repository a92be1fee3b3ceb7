"""Python's cyclic garbage collector held off while many rows that hold no cycles are built.

Each collection the allocations set off walks everything built so far again: rebuilding the
kept board of 50,000 cases (some 100,000 lists, tuples and dates) took about as long again in
collections, and the management report's ~400,000 rows and figures ~15% of its time
(benchmarks/bench_report.py). Nothing of either is in a cycle, so nothing is left for later.

The collector is process-wide: it is paused for every thread, for the moment of the build. (In
the app, Python makes no full collection of its own: asb_tui/idle_collector.py makes them.)

`building()` marks a large build that is not paused (the dashboard's whole computation: its
chunks of case facts are garbage the young collections should free as it goes): the app's idle
collector makes no full collection while one runs. A full collection then would walk the half
built board (at 50,000 cases 15-250 ms of the interpreter, which the worker and the officer's
keys wait for) and free little of it; it is made once the build is done instead.
`collector_paused()` marks its build the same way.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_builds = 0


@contextmanager
def building() -> Iterator[None]:
    """Mark a large build for the moment it runs (any thread; builds may overlap)."""
    global _builds
    with _lock:
        _builds += 1
    try:
        yield
    finally:
        with _lock:
            _builds -= 1


def builds_running() -> bool:
    """Whether a build marked by `building()` or `collector_paused()` is running."""
    return _builds > 0


@contextmanager
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        with building():
            yield
    finally:
        if was_enabled:
            gc.enable()
