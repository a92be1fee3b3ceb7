"""The service's check of every change before it is stored: nothing a laptop cannot apply may
enter the stream.

A change is checked against the sync schema (sync/schema.py): a known table and known fields,
each value of the right kind and within its size limit, valid Unicode, the required fields of an
insert present. The same limits hold on SQLite and PostgreSQL, so a value the service's own
columns could not hold (an agency of 300 characters) is refused with its reason instead of failing
the transaction. A refused change is refused alone: the rest of the push is applied.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sync import schema
from sync.protocol import ChangeOut, FieldValue


def refusal(change: ChangeOut) -> str | None:
    """Why the service will not store this change, or None when it may be applied."""
    if change.set_aside is not None:
        return f"set aside on the laptop: {change.set_aside}"
    fields = {k: v for k, v in change.fields.items() if k != schema.VERSION_FIELD}
    problem = schema.check_change(
        change.table, change.op, fields, row_id=change.row_id, case_id=change.case_id
    )
    return f"not stored: {problem}" if problem else None


def resolution_refusal(table: str, field: str, value: FieldValue) -> str | None:
    """Why an edited conflict resolution does not fit the field, or None."""
    return schema.check_change(table, "update", {field: value})


def storable(value: Any) -> Any:
    """A copy of a refused change's fields that any database can hold (lone surrogates and NULs
    replaced), so keeping the evidence of a bad change can never fail the push that refused it."""
    if isinstance(value, str):
        if schema.unicode_problem(value) is None:
            return value
        return value.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [storable(item) for item in value]
    if isinstance(value, dict):
        return {storable(str(k)): storable(v) for k, v in value.items()}
    return value


# Only a JSON escape can make stored text that a reply cannot encode or a laptop cannot keep: the
# text PostgreSQL and SQLite hand back is UTF-8 without a NUL, but `\u0000` decodes to a NUL and
# `\ud800` to a lone surrogate. Every such escape (a valid surrogate pair too) is suspect.
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


def stored_fields(text: str) -> Any:
    """A stored row's fields (its JSON text, as the database holds it), ready for a reply: decoded,
    and mended by `storable` only when the text holds an escape that could need it (a row stored
    before the service checked every change). Checking every value of every row was ~20 % of
    building a pull page's reply (12 against 9.7 us a change); a search of the text costs little."""
    fields = json.loads(text)
    return storable(fields) if needs_mending(text) else fields


def needs_mending(text: str) -> bool:
    """Whether stored JSON text may decode to a value `storable` would change."""
    return "\x00" in text or _SUSPECT_ESCAPE.search(text) is not None
