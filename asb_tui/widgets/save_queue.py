"""Saves in the order they were asked for, one at a time, off the event loop.

A rapid-entry screen queues a save the moment a key asks for it and carries on taking keys; one
thread worker takes the queue front to back, so row 5 is never written before row 4 and two writes
to one door land in the order typed. Each outcome comes back on the UI thread: `saved(item,
result)` or `refused(item, message)`. While the store is locked the queue waits (nothing is
dropped, the save the lock interrupted included); `resume()` starts it again after unlock.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from textual.dom import DOMNode

from asb_tui.store.core.errors import StoreLocked
from asb_tui.widgets.error_policy import failure_text

Item = TypeVar("Item")
Result = TypeVar("Result")


class OrderedSaves(Generic[Item, Result]):
    def __init__(
        self,
        owner: DOMNode,
        save: Callable[[Any, Item], Result],
        *,
        store: Callable[[], Any],
        saved: Callable[[Item, Result], None],
        refused: Callable[[Item, str], None],
    ) -> None:
        self._owner = owner
        self._save = save
        self._store = store
        self._saved = saved
        self._refused = refused
        self._lock = threading.Lock()
        self._queue: deque[Item] = deque()
        self._running = False

    @property
    def pending(self) -> int:
        """Saves asked for and not yet reported (the one under way included)."""
        with self._lock:
            return len(self._queue)

    def put(self, item: Item) -> None:
        with self._lock:
            self._queue.append(item)
        self.resume()

    def clear(self) -> None:
        """Forget what has not started (the caller keeps it, e.g. in a lock draft). A save
        already under way finishes and is reported."""
        with self._lock:
            self._queue.clear()

    def resume(self) -> None:
        with self._lock:
            if self._running or not self._queue:
                return
            self._running = True
        self._owner.run_worker(self._drain, thread=True, exit_on_error=False, group="saves")

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._queue:
                    self._running = False
                    return
                item = self._queue[0]
            store = self._store()
            if store is None or not getattr(store, "is_open", True):
                self._wait_for_unlock()  # locked: the queue waits for resume()
                return
            try:
                result = self._save(store, item)
            except StoreLocked:
                self._wait_for_unlock()  # locked as it started: it waits at the front
                return
            except Exception as exc:  # one policy: widgets/error_policy.py
                text = failure_text(exc, doing="a queued save")
                outcome: Callable[[], None] = _bind(self._refused, item, text)
            else:
                outcome = _bind(self._saved, item, result)
            with self._lock:
                if self._queue and self._queue[0] is item:
                    self._queue.popleft()
            # Posted, not waited for (call_from_thread would wait for the UI thread to run it):
            # the next save starts at once. Reports keep their order; if the screen has closed
            # meanwhile there is no one to tell, and what was saved is in the store.
            self._owner.call_later(outcome)

    def _wait_for_unlock(self) -> None:
        with self._lock:
            self._running = False
        # The unlock may already have happened while this save was being refused: its resume()
        # then found the worker still running and did nothing, so look again rather than leave
        # the rows restored after unlock waiting for ever.
        store = self._store()
        if store is not None and getattr(store, "is_open", True):
            self._owner.call_later(self.resume)


def _bind(callback: Callable[[Any, Any], None], item: Any, value: Any) -> Callable[[], None]:
    return lambda: callback(item, value)
