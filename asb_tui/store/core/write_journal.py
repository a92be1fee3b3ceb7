"""Which cases this process's writes touched, in commit order: what lets a read model (the
dashboard) bring itself up to date by recomputing those cases only.

Every committed unit of work that appended audit events is noted with the ids of the cases its
events name, or with "not only cases" when one of its events names none (a person shared by
cases, a setting: anything whose effect on the cases is not known), and with the audit chain's
seq after it. A pulled page is noted the same way by the replica's writer (its rows' case ids).

A reader asks `since(position)`: the cases touched since then, or None when that is not known
(a write that was not only cases, or the entries have been dropped to bound the journal). Writes
by another process are not in this journal: the reader compares the audit seq it reads in its own
transaction with the journal's (`Changes.audit_seq`); when they differ, something wrote that the
journal did not see, and the reader recomputes whole.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

KEEP = 1_000  # entries kept; a reader further behind recomputes whole


@dataclass(frozen=True)
class Changes:
    """What happened after a position: the cases touched (None: unknown, recompute whole)."""

    position: int
    case_ids: frozenset[str] | None
    #: the audit chain's seq after the last write noted (None: no write noted since)
    audit_seq: int | None


class WriteJournal:
    def __init__(self, keep: int = KEEP) -> None:
        self._lock = threading.Lock()
        self._position = 0
        self._entries: deque[tuple[int, frozenset[str] | None, int]] = deque(maxlen=keep)

    @property
    def position(self) -> int:
        with self._lock:
            return self._position

    def note(self, case_ids: frozenset[str] | None, audit_seq: int) -> None:
        """A committed write touched `case_ids` (None: not only cases); the chain is at
        `audit_seq` after it."""
        with self._lock:
            self._position += 1
            self._entries.append((self._position, case_ids, audit_seq))

    def since(self, position: int) -> Changes:
        with self._lock:
            now = self._position
            if position == now:
                return Changes(now, frozenset(), None)
            newer = [entry for entry in self._entries if entry[0] > position]
            if position > now or not newer or newer[0][0] != position + 1:
                return Changes(now, None, None)  # another journal's position, or entries dropped
            touched: set[str] = set()
            for _position, case_ids, _seq in newer:
                if case_ids is None:
                    return Changes(now, None, newer[-1][2])
                touched |= case_ids
            return Changes(now, frozenset(touched), newer[-1][2])
