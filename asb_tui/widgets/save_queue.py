"""Saves in the order they were asked for, one at a time, off the event loop.

A rapid-entry screen queues a save the moment a key asks for it and carries on taking keys; one
thread worker takes the queue front to back, so row 5 is never written before row 4 and two writes
to one door land in the order typed. Each outcome is a typed message posted to the screen, which
handles it with `@on`, as every other piece of store work (screens/base.py):

    class RowSaved(Saved[QueuedRow, EntryRow]): ...
    class RowRefused(Refused[QueuedRow]): ...

    OrderedSaves(self, save_row, store=lambda: self.asb.store, saved=RowSaved, refused=RowRefused)

The messages come in the order of the saves (they go through the screen's one message queue). A
refusal is one line under the one error policy (widgets/error_policy.py): the officer's own
mistake in its own words, a bug as a fixed line with its traceback in the log. While the store is
locked the queue waits (nothing is dropped, the save the lock interrupted included); `resume()`
starts it again after unlock.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

from textual.dom import DOMNode
from textual.message import Message

from asb_tui.store.core.errors import StoreLocked
from asb_tui.widgets.error_policy import failure_text

if TYPE_CHECKING:
    from asb_tui.store.core.store import Store

Item = TypeVar("Item")
Result = TypeVar("Result")


class Saved(Message, Generic[Item, Result], bubble=False):
    """A queued save is in the store: `item` as it was queued, `result` what the save returned."""

    def __init__(self, item: Item, result: Result) -> None:
        super().__init__()
        self.item = item
        self.result = result


class Refused(Message, Generic[Item], bubble=False):
    """A queued save was not made and is out of the queue (the screen shows `item` to be put
    right): `text` is the one line the officer is shown."""

    def __init__(self, item: Item, text: str) -> None:
        super().__init__()
        self.item = item
        self.text = text


class OrderedSaves(Generic[Item, Result]):
    def __init__(
        self,
        owner: DOMNode,
        save: Callable[[Store, Item], Result],
        *,
        store: Callable[[], Store | None],
        saved: Callable[[Item, Result], Saved[Item, Result]],
        refused: Callable[[Item, str], Refused[Item]],
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
        interrupted: Store | None = None
        while (front := self._front(interrupted)) is not None:
            item, store = front
            message: Message
            try:
                result = self._save(store, item)
            except StoreLocked:
                # Locked as it started: it waits at the front for the store the unlock opens.
                interrupted = store
                continue
            except Exception as exc:  # one policy: widgets/error_policy.py
                message = self._refused(item, failure_text(exc, doing="a queued save"))
            else:
                message = self._saved(item, result)
            with self._lock:
                if self._queue and self._queue[0] is item:
                    self._queue.popleft()
            # Posted, not waited for: the next save starts at once. If the screen has closed
            # meanwhile there is no one to tell, and what was saved is in the store.
            self._owner.post_message(message)

    def _front(self, interrupted: Store | None) -> tuple[Item, Store] | None:
        """The next save and the open store to make it in; or None, and the worker stops (the
        queue is empty, or the store is locked: `resume()` starts it again).

        Whether to stop is decided under the queue's lock, as `resume()` decides whether to
        start: an unlock that comes while a save is being refused for the lock either finds
        the worker stopped (and starts it) or is seen here (and the worker goes on)."""
        with self._lock:
            store = self._store()
            if self._queue and store is not None and store.is_open and store is not interrupted:
                return self._queue[0], store
            self._running = False
            return None
