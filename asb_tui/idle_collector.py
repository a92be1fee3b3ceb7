"""Python's full garbage collections, made while the officer is not waiting for the screen.

Textual's frames make cyclic garbage: a rendered strip keeps itself in its own caches, and a
widget restyled (a tab made active, a table given the focus) makes a node per component class
that points back at it. Python collects such garbage whenever enough objects have been
allocated since the last collection, which is in the middle of a key's frame: measured on a
5,000-case store on a loaded machine (docs/performance.md, 4 Dec 2026), a full (generation 2)
collection took 140-520 ms inside one tab switch; young ones 5-35 ms.

Young collections are cheap (a few hundred objects) and are left to Python. While the app runs,
the full collection is taken from Python's thresholds and made by the app on a timer instead:

- once no key, click or scroll has come for `QUIET_S` (the officer is reading the screen) and
  Python would have made one (`FULL_DUE` collections of the middle generation since the last,
  Python's own third threshold);
- however busy the officer is, once `FULL_CEILING` are due, so that garbage that lived long
  enough to reach the oldest generation is still freed through a long burst of typing;
- but neither while a worker builds a board or a report (store/core/collector_pause.py
  `building`): the build's allocations make the collections due, and one made then walks the
  half-built board to free little of it (at 50,000 cases, one every half second through the
  whole computation, 15-250 ms each as the board grew). It is made once the build is done;
- and, while idle, spending at most `IDLE_SHARE` of the time on them: each lasts as long as
  the heap is big, and a worker allocating makes one due every half second (at 50,000 cases,
  75-280 ms each every half second, freeing some 30 objects: the officer's next key met one
  every other time). After one that took `t`, the next idle one waits `t / IDLE_SHARE`.

`stop` gives Python its thresholds back (the tests run many apps in one process). Code that
pauses the collector around a large build (store/core/collector_pause.py) is unaffected.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from asb_tui.store.core.collector_pause import builds_running

if TYPE_CHECKING:
    from textual.app import App
    from textual.timer import Timer

# A pause long enough that the officer is reading, not between two keys of one movement: a
# full collection is 50-70 ms at 50,000 cases, and at a quarter of a second it met the next key.
QUIET_S = 1.0
CHECK_EVERY_S = 0.1
# Python's default third threshold: a full collection after ten of the middle generation.
FULL_DUE = 10
# However busy: ten times as many as Python waits for, a few tens of MB of garbage at most.
FULL_CEILING = 100
# The most of the time the idle collections take: one of 30 ms (5,000 cases) is followed by
# another after 0.3 s at the soonest (as often as they came before), one of 200 ms after 2 s.
IDLE_SHARE = 0.1
# A third threshold Python never reaches: it makes no full collection of its own.
_NEVER = 2**30


class IdleCollector:
    """Makes the full collections while the officer is idle; `last_activity()` is the
    monotonic time of their last key, click or scroll."""

    def __init__(self, last_activity: Callable[[], float]) -> None:
        self._last_activity = last_activity
        self._timer: Timer | None = None
        self._thresholds: tuple[int, int, int] | None = None
        self.collections = 0  # the full collections made (for tests)
        # No idle collection before this monotonic time (see IDLE_SHARE).
        self._idle_from = 0.0

    @property
    def running(self) -> bool:
        return self._timer is not None

    def start(self, app: App[Any]) -> None:
        if self._timer is not None:
            return
        young, middle, _full = self._thresholds = gc.get_threshold()
        gc.set_threshold(young, middle, _NEVER)
        self._timer = app.set_interval(CHECK_EVERY_S, self.tick, name="idle-collector")

    def stop(self) -> None:
        timer, self._timer = self._timer, None
        if timer is None:
            return
        timer.stop()
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)

    def tick(self) -> bool:
        """Make the full collection if it is due: whether it was made."""
        if builds_running():
            return False
        due = gc.get_count()[2]
        now = time.monotonic()
        idle = now - self._last_activity() >= QUIET_S and now >= self._idle_from
        if due < (FULL_DUE if idle else FULL_CEILING):
            return False
        gc.collect()
        took = time.monotonic() - now
        self._idle_from = now + took / IDLE_SHARE
        self.collections += 1
        return True
