"""A pull page written as JSON by the service itself, each change's fields the JSON text the
database stores, spliced in as it is.

Pull pages are nearly all of the service's work in a crowd (30 devices pushing 100 changes
each pull ~87,000 changes between them). Made as `PullPage` models, each change's stored JSON
was decoded, every value validated as a `JsonValue` and encoded again: ~40 % of a page's CPU. The
stored text is already JSON (PostgreSQL's `json` column checks it on the way in; the service
wrote it), so it goes out untouched unless `validation.stored_fields` must mend it (a NUL or a
surrogate escape: a row stored before the service checked every change). The page is the same
wire format as `PullPage.model_dump_json()` (tests/sync/test_sync_page_json.py holds the two
equal), and the laptop validates it in full as before: it trusts no page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter

from sync.protocol import ConflictOut, PullPage, ServerPurge
from sync.server import validation

_CONFLICTS = TypeAdapter(list[ConflictOut])
_PURGES = TypeAdapter(list[ServerPurge])


def _text(value: str | None) -> str:
    return json.dumps(value)


def _whole(value: int | None) -> str:
    return "null" if value is None else str(int(value))


def _fields(text: str) -> str:
    """The stored fields as they go out: the text itself when nothing in it needs mending and it
    is an object; else decoded, mended and encoded again."""
    if text.startswith("{") and not validation.needs_mending(text):
        return text
    return json.dumps(validation.stored_fields(text), separators=(",", ":"))


def change_json(row: Any) -> str:
    """One stream row (`exchange.pull_page_query`'s columns) as a `ServerChange`'s JSON."""
    return (
        f'{{"seq":{int(row.seq)},"table":{_text(row.table_name)},"row_id":{_text(row.row_id)},'
        f'"case_id":{_text(row.case_id)},"op":{_text(row.op)},"fields":{_fields(row.fields_json)},'
        f'"version":{int(row.version)},"origin_device_id":{_text(row.origin_device_id)},'
        f'"origin_counter":{_whole(row.origin_counter)}}}'
    )


@dataclass(frozen=True)
class EncodedPage:
    """A pull page: its changes already JSON (in stream order), its conflicts and purges."""

    after: int
    next_cursor: int
    more: bool
    changes: list[str] = field(default_factory=list)
    conflicts: list[ConflictOut] = field(default_factory=list)
    purges: list[ServerPurge] = field(default_factory=list)

    def json(self) -> bytes:
        """The page as `PullPage.model_dump_json()` writes it."""
        return b"".join(
            (
                f'{{"after":{int(self.after)},"changes":['.encode(),
                ",".join(self.changes).encode(),
                b'],"conflicts":',
                _CONFLICTS.dump_json(self.conflicts),
                b',"purges":',
                _PURGES.dump_json(self.purges),
                f',"next_cursor":{int(self.next_cursor)},'
                f'"more":{"true" if self.more else "false"}}}'.encode(),
            )
        )

    def model(self) -> PullPage:
        """The page as a checked model (for callers in-process; the endpoints send `json`)."""
        return PullPage.model_validate_json(self.json())
