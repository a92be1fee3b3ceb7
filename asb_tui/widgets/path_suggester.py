"""Completion of a file path typed into an Input: the first name in the folder that starts
with what is typed (a folder completes with its `/`). Reads only the folder's names."""

from __future__ import annotations

import os
from pathlib import Path

from textual.suggester import Suggester


class PathSuggester(Suggester):
    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        return complete_path(value)


def complete_path(value: str) -> str | None:
    if not value:
        return None
    expanded = os.path.expanduser(value)
    folder, _, prefix = expanded.rpartition("/")
    where = Path(folder or ("/" if expanded.startswith("/") else "."))
    try:
        names = sorted(n for n in os.listdir(where) if n.startswith(prefix))
    except OSError:
        return None
    if not prefix:
        names = [n for n in names if not n.startswith(".")]
    if not names:
        return None
    name = names[0]
    suffix = "/" if (where / name).is_dir() else ""
    # Keep what the officer typed (a leading ~ stays), add the rest of the name.
    return value + name[len(prefix) :] + suffix
