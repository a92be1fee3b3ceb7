"""What a record may hold, checked when it is saved: the sync schema's kinds and size limits
(sync/schema.py), so a record the central service would refuse is refused at entry, with a
message the officer can act on, instead of being accepted and failing at sync."""

from __future__ import annotations

from typing import Any

from asb_tui.store.core.errors import StoreError
from sync import schema


class EntryRefused(StoreError):
    """A field does not fit what syncs (too long, not valid text); nothing was saved."""


def _label(table: str, field: str) -> str:
    words = f"{table.replace('h2h_run', 'house-to-house run')} {field}".replace("_", " ")
    return words[:1].upper() + words[1:]


def check_entry(table: str, fields: dict[str, Any]) -> None:
    """Raise `EntryRefused` when a written field (JSON form) does not fit the sync schema."""
    spec = schema.TABLES.get(table)
    if spec is None:
        return  # not a synced table
    for name, value in fields.items():
        field = spec.fields.get(name)
        if field is None or name == schema.VERSION_FIELD:
            continue
        problem = schema.value_problem(field, value)
        if problem is not None:
            hint = " Shorten it and save again." if "characters long" in problem else ""
            raise EntryRefused(f"{_label(table, name)} {problem}; nothing was saved.{hint}")
