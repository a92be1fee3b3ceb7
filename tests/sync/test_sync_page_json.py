"""The pull page the service writes itself (`sync/server/page_json.py`, the stored fields spliced
in) is `PullPage`'s own wire format: every key the model writes, no other, the same values."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from sync.protocol import PullPage, ServerPurge
from sync.server.page_json import EncodedPage, change_json

CASE = "00000000-0000-4000-8000-000000000001"
ROW = "00000000-0000-4000-8000-000000000002"
DEVICE = "00000000-0000-4000-8000-000000000003"


def _row(seq: int, fields: Any, *, op: str = "insert", origin: str | None = DEVICE) -> Any:
    return SimpleNamespace(
        seq=seq,
        table_name="incident",
        row_id=ROW,
        case_id=CASE,
        op=op,
        fields_json=fields if isinstance(fields, str) else json.dumps(fields),
        version=seq,
        origin_device_id=origin,
        origin_counter=seq if origin else None,
    )


def test_the_page_is_the_model_s_wire_format() -> None:
    rows = [
        _row(3, {"description": "caf\u00e9 \U0001f600", "n": 2, "nested": {"a": [1, None]}}),
        _row(4, '{"description": "spaced, as SQLite stores it"}', op="update"),
        _row(5, {}, op="delete", origin=None),
        _row(6, {"description": "a NUL \x00 and a lone \ud800"}),
    ]
    page = EncodedPage(
        after=2,
        next_cursor=9,
        more=True,
        changes=[change_json(r) for r in rows],
        purges=[ServerPurge(seq=8, case_id=CASE, reason="withdrawn")],
    )
    written = json.loads(page.json())
    model = PullPage.model_validate_json(page.json())
    assert written == json.loads(model.model_dump_json())
    assert model.changes[0].fields["description"] == "caf\u00e9 \U0001f600"
    assert model.changes[2].origin_device_id is None and model.changes[2].fields == {}
    # mended on the way out, as `validation.storable` mends
    assert model.changes[3].fields == {"description": "a NUL \ufffd and a lone ?"}
    assert (model.after, model.next_cursor, model.more) == (2, 9, True)


def test_an_empty_page_is_the_model_s_too() -> None:
    page = EncodedPage(after=7, next_cursor=7, more=False)
    assert json.loads(page.json()) == json.loads(
        PullPage(after=7, next_cursor=7, more=False).model_dump_json()
    )
