"""Python's cyclic garbage collector, run while the officer is not waiting for the screen.

Textual's frames make cyclic garbage: a rendered strip keeps itself in its own caches, and a
widget restyled (a tab made active, a table given the focus) makes a node per component class
that points back at it. Python collects such garbage whenever enough objects have been
allocated since the last collection, which is in the middle of a key's frame: measured on a
5,000-case store (docs/performance.md, 4 Dec 2026), a full (generation 2) collection took
140-520 ms inside one tab switch, and young collections 5-35 ms inside most opens of a case.

So while the app runs, automatic collection is off and the app collects on a timer instead:

- once no key, click or scroll has come for `QUIET_S` (the officer is reading the screen), as
  soon as `YOUNG_AT` objects are pending, the generation Python's own counts call for (every
  tenth collection of a generation takes the next one too, as Python's default thresholds);
- however busy the officer is, once `CEILING` objects are pending: a young collection only
  (never the full one, which waits for a pause), so memory stays bounded through a long
  burst of typing.

The collector is process-wide: `stop` turns automatic collection back on as it was (the tests
run many apps in one process). Code that pauses the collector around a large build
(store/core/collector_pause.py) leaves it off when it found it off.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App
    from textual.timer import Timer

QUIET_S = 0.25
CHECK_EVERY_S = 0.1
# Python's own first threshold is 700; a collection at a pause may as well take a little more.
YOUNG_AT = 2_000
CEILING = 100_000
# Python's default: every tenth collection of a generation collects the next one too.
NEXT_GENERATION_EVERY = 10


def generation_due() -> int:
    """The generation Python would collect now from its counts (0, 1 or 2)."""
    _young, young_collections, middle_collections = gc.get_count()
    if middle_collections >= NEXT_GENERATION_EVERY:
        return 2
    if young_collections >= NEXT_GENERATION_EVERY:
        return 1
    return 0


class IdleCollector:
    """Collects while the officer is idle; `last_activity()` is the monotonic time of their
    last key, click or scroll."""

    def __init__(self, last_activity: Callable[[], float]) -> None:
        self._last_activity = last_activity
        self._timer: Timer | None = None
        self._was_enabled = False
        self.collections: list[int] = []  # the generations collected (for tests), last 100

    @property
    def running(self) -> bool:
        return self._timer is not None

    def start(self, app: App[Any]) -> None:
        if self._timer is not None:
            return
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = app.set_interval(CHECK_EVERY_S, self.tick, name="idle-collector")

    def stop(self) -> None:
        timer, self._timer = self._timer, None
        if timer is None:
            return
        timer.stop()
        if self._was_enabled:
            gc.enable()

    def tick(self) -> int | None:
        """Collect if it is time to: the generation collected, or None."""
        pending = gc.get_count()[0]
        idle = time.monotonic() - self._last_activity() >= QUIET_S
        if pending < (YOUNG_AT if idle else CEILING):
            return None
        generation = generation_due() if idle else min(generation_due(), 1)
        gc.collect(generation)
        self.collections = [*self.collections[-99:], generation]
        return generation
