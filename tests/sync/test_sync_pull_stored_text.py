"""A pull page's fields are decoded from the JSON text the database stores and mended only when
that text holds an escape that could need it (`validation.stored_fields`): the page must be what
checking every value gave (`validation.storable`), and a row stored before the service checked
every change (a NUL, a lone surrogate) still reaches a laptop mended, never as a 5xx."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from sync_server_testkit import ServerProcess, make_device, unique_team

from sync.server import db as tables
from sync.server.db import open_database
from sync.server.validation import storable, stored_fields

TEXTS = [
    "plain",
    "café, naïve, Zürich",
    "a smile \U0001f600 and a flag \U0001f1ec\U0001f1e7",
    "a NUL a\x00b",
    "a lone high surrogate \ud800 and a lone low \udfff",
    "a backslash and u0000 typed: \\u0000 and \\ud800",
    'quotes " and \\ and a tab \t',
]


# stored escaped (as the service writes JSON), and as raw UTF-8 where the text has that form (a
# lone surrogate has none: a database can only hold it escaped)
STORED = [(text, True) for text in TEXTS] + [
    (text, False) for text in TEXTS if "\ud800" not in text
]


@pytest.mark.parametrize(("text", "ascii_only"), STORED)
def test_the_fields_are_those_every_value_checked_gives(text: str, ascii_only: bool) -> None:
    stored = json.dumps(
        {"body": text, "nested": [text, {"k": text}], "n": 3}, ensure_ascii=ascii_only
    )
    assert stored_fields(stored) == storable(json.loads(stored))


def test_a_text_that_needs_mending_is_mended() -> None:
    got = stored_fields(json.dumps({"a": "x\x00y", "b": "lone \ud800", "c": "\U0001f600"}))
    assert got == {"a": "x\ufffdy", "b": "lone ?", "c": "\U0001f600"}


def test_a_row_stored_before_the_checks_reaches_a_laptop_mended(
    server: ServerProcess, tmp_path: Path
) -> None:
    team = unique_team()
    ann, bob = make_device(server, tmp_path, team=team), make_device(server, tmp_path, team=team)
    case_id = ann.replica.new_case(team, summary="Noise at night")
    incident = ann.replica.insert("incident", {"description": "clean"}, case_id=case_id)
    ann.sync()
    # As a service older than the checks stored it: a NUL and a lone surrogate, escaped.
    database = open_database(server.db_url)
    try:
        with database.write() as connection:
            s = tables.stream
            [(seq, fields)] = connection.execute(
                sa.select(s.c.seq, s.c.fields).where(s.c.row_id == incident)
            ).all()
            fields["description"] = "bang\x00 at \ud800 night"
            connection.execute(
                sa.text("UPDATE stream SET fields = :f WHERE seq = :seq"),
                {"f": json.dumps(fields), "seq": seq},
            )
    finally:
        database.dispose()
    result = bob.sync()
    assert result.ok and result.pulled >= 2
    row = bob.replica.get("incident", incident)
    assert row is not None and row["description"] == "bang\ufffd at ? night"
