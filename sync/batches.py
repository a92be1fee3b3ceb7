"""Long lists of ids in pieces, one `IN (...)` at a time: SQLite allows only so many bound
parameters in one statement, and PostgreSQL plans a list of thousands slowly. Used by the laptop's
store and exports and by the service alike (it lives in `sync`, which both may import)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

#: ids per `IN (...)`: far below SQLite's bound-parameter limit (32,766)
IN_LIST_SIZE = 500


def chunks(items: Sequence[T], size: int = IN_LIST_SIZE) -> Iterator[list[T]]:
    """`items` in consecutive lists of at most `size`, in order."""
    if size < 1:
        raise ValueError("a chunk holds at least one item")
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
