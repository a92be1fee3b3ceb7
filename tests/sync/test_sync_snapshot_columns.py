"""The snapshot's columnar coding (sync/snapshot_columns.py, `format=2`), against real server
processes on SQLite and PostgreSQL: a row of every case table, every field of it filled, ends on a
new laptop as the replay leaves it, coded or plain (a laptop from before the coding) or from a
service that answers plain rows; a tampered page is refused in one line with nothing applied."""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sync_server_testkit import Device, ServerProcess, make_device, unique_team

from sync import schema
from sync.protocol import (
    API_PREFIX,
    CASE_TABLE,
    MAX_STRING_CHARS,
    SNAPSHOT_COLUMNS,
    SnapshotColumnsPage,
)
from sync.replica_contract import SyncProtocolError

#: texts the word coding must carry exactly: leading, trailing and inner white space of every
#: kind, the characters it never uses as codes, JSON's escapes, non-Latin scripts and emoji
TEXTS = (
    "  leading spaces, then words",
    "tabs\tand\nnewlines\r\n and a trailing space ",
    'a "quoted" \\ backslash',
    "Ünïcödé – ‘quotes’ 日本語 😀",
    "",
)


WORDS = [
    "loud",
    "music",
    "shouting",
    "door",
    "slammed",
    "stairs",
    "neighbour",
    "flat",
    "above",
    "below",
    "garden",
    "bins",
    "car",
    "parked",
    "night",
    "morning",
    "police",
    "called",
]


def _value(kind: str, n: int) -> Any:
    """A value of each field kind, varied by `n` (texts from `TEXTS`)."""
    return {
        schema.TEXT: TEXTS[n % len(TEXTS)],
        schema.INT: n - 3,
        schema.FLOAT: n / 4,
        schema.BOOL: n % 2 == 0,
        schema.DATE: f"2026-01-{n % 28 + 1:02d}",
        schema.DATETIME: f"2026-01-05T10:{n % 60:02d}:00+00:00",
        schema.OBJECT: {"k": [n, "v"], "n": None},
        schema.LIST: ["one", n, {"two": True}],
        schema.ID: None,
    }[kind]


def _every_field(table: str, n: int) -> dict[str, Any]:
    """Every field of `table` but its ids given a value (an id field: null where it may be)."""
    out: dict[str, Any] = {}
    for i, (name, spec) in enumerate(schema.TABLES[table].fields.items()):
        if name in ("id", "case_id", schema.VERSION_FIELD):
            continue
        if spec.kind == schema.ID:
            if spec.nullable:
                out[name] = None
            continue
        if name == "team":
            continue
        value = _value(spec.kind, n + i)
        if isinstance(value, str) and spec.max_chars is not None:
            value = value[: spec.max_chars]
        out[name] = value
    return out


def _a_row_of_every_case_table(device: Device, team: str, cases: int = 3) -> None:
    for n in range(cases):
        case_id = device.replica.new_case(team, **_every_field(CASE_TABLE, n))
        for table in schema.TABLE_NAMES:
            if table != CASE_TABLE:
                device.replica.insert(table, _every_field(table, n), case_id=case_id)
        device.replica.update(CASE_TABLE, case_id, {"summary": f"edited {n}"})  # version 2
    device.sync()


def _holding(device: Device) -> dict[tuple[str, str], tuple[dict[str, Any], int]]:
    return {
        key: (fields, device.replica.version(*key))
        for key, fields in device.replica.snapshot().items()
    }


_JSON = {"Content-Type": "application/json"}


class _Snapshots(httpx.HTTPTransport):
    """A real transport that records the snapshot answers' formats, and can drop the `format`
    parameter (as a service from before the coding ignores it) or tamper with a coded page."""

    def __init__(
        self,
        *,
        plain_service: bool = False,
        tamper: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> None:
        super().__init__()
        self.plain_service = plain_service
        self.tamper = tamper
        self.formats: list[Any] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path != f"{API_PREFIX}/snapshot":
            return super().handle_request(request)
        if self.plain_service:
            params = {k: v for k, v in request.url.params.items() if k != "format"}
            request = httpx.Request(
                request.method, request.url.copy_with(params=params), headers=request.headers
            )
        request.headers["Accept-Encoding"] = "identity"
        response = super().handle_request(request)
        response.read()
        data = json.loads(response.content)
        self.formats.append(data.get("format"))
        if data.get("format") == SNAPSHOT_COLUMNS:
            SnapshotColumnsPage.model_validate(data)  # the shape the service's schema names
        if self.tamper is not None and response.status_code == 200:
            data = self.tamper(data)
        # ASCII JSON, so a lone surrogate goes as the escape a hostile service would send
        body = json.dumps(data).encode()
        return httpx.Response(response.status_code, content=body, headers=_JSON)


def _laptop(server: ServerProcess, tmp_path: Path, team: str, **options: Any) -> Device:
    # a first page of one change in the exchange: the snapshot, in pages of a case or so
    options = {"page_size": 1, "snapshot_page_rows": 40, **options}
    return make_device(server, tmp_path, team=team, **options)


def test_every_case_table_comes_through_the_coding_as_the_replay_leaves_it(
    server: ServerProcess, tmp_path: Path
) -> None:
    team = unique_team()
    colleague = make_device(server, tmp_path, team=team)
    _a_row_of_every_case_table(colleague, team)

    coded, plain, older = _Snapshots(), _Snapshots(), _Snapshots(plain_service=True)
    laptops = {
        "coded": _laptop(server, tmp_path, team, transport=coded),
        "plain": _laptop(server, tmp_path, team, transport=plain, snapshot_columns=False),
        "older service": _laptop(server, tmp_path, team, transport=older),
    }
    replay = make_device(server, tmp_path, team=team, snapshot=False)
    replay.sync()
    for laptop in laptops.values():
        laptop.sync()

    expected = _holding(replay)
    assert {table for table, _row in expected} == set(schema.TABLE_NAMES)
    assert expected == _holding(colleague)
    for name, laptop in laptops.items():
        assert _holding(laptop) == expected, name
        assert laptop.replica.pull_log() == [], name  # a snapshot, not the replay
        assert laptop.replica.pull_cursor() == replay.replica.pull_cursor(), name
    assert coded.formats and set(coded.formats) == {SNAPSHOT_COLUMNS}
    assert plain.formats and set(plain.formats) == {None}
    assert older.formats and set(older.formats) == {None}


def _first_text_column(data: dict[str, Any]) -> tuple[dict[str, Any], str]:
    for group in data["groups"]:
        for section in group["sections"]:
            for name, values in section["columns"].items():
                if all(isinstance(v, str) and v for v in values):
                    return section, name
    raise AssertionError("no text column in the page")


def _vocab_emptied(data: dict[str, Any]) -> dict[str, Any]:
    for group in data["groups"]:
        group["vocab"] = []
    return data


def _text_bomb(data: dict[str, Any]) -> dict[str, Any]:
    """One word of 1,000 characters, a text of that word 1,000 times: past any field."""
    group = data["groups"][0]
    group["vocab"][0] = "x" * 1_000
    section, name = _first_text_column(data)
    section["columns"][name][0] = " " * 1_000  # " " is the code of word 0
    return data


def _page_bomb(data: dict[str, Any]) -> dict[str, Any]:
    """Every text within a field's limit, all of them past the reply limit."""
    for group in data["groups"]:
        group["vocab"][0] = "y" * 10_000
        for section in group["sections"]:
            for values in section["columns"].values():
                values[:] = [" " * 9 if isinstance(v, str) else v for v in values]
    return data


def _ids_cut(data: dict[str, Any]) -> dict[str, Any]:
    section = data["groups"][0]["sections"][0]
    section["ids"] = base64.b64encode(base64.b64decode(section["ids"])[:-1]).decode()
    return data


def _ids_not_base64(data: dict[str, Any]) -> dict[str, Any]:
    data["groups"][0]["sections"][0]["ids"] = "not base64!"
    return data


def _ids_not_uuids(data: dict[str, Any]) -> dict[str, Any]:
    section = data["groups"][0]["sections"][0]
    section["ids"] = ["../../etc/passwd"] * len(section["versions"])
    return data


def _case_past_the_cases(data: dict[str, Any]) -> dict[str, Any]:
    data["groups"][0]["sections"][0]["case_runs"][0][0] = 99
    return data


def _runs_short(data: dict[str, Any]) -> dict[str, Any]:
    data["groups"][0]["sections"][-1]["case_runs"].pop()
    return data


def _column_short(data: dict[str, Any]) -> dict[str, Any]:
    section, name = _first_text_column(data)
    section["columns"][name].pop()
    return data


def _surrogate_code(data: dict[str, Any]) -> dict[str, Any]:
    section, name = _first_text_column(data)
    section["columns"][name][0] = "\ud800"
    return data


def _seq_below_one(data: dict[str, Any]) -> dict[str, Any]:
    data["groups"][0]["sections"][0]["seqs"][0] = -5
    return data


def _unknown_format(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "format": 99}


TAMPERED = {
    "a word code past the vocabulary": (_vocab_emptied, "past the group's vocabulary"),
    "a text longer than any field": (_text_bomb, "more than any field holds"),
    "texts past the reply limit": (_page_bomb, "past the reply limit"),
    "ids cut short": (_ids_cut, "ids do not match its rows"),
    "ids not base64": (_ids_not_base64, "not base64"),
    "ids that are not uuids": (_ids_not_uuids, "malformed SnapshotPage"),
    "a case index past the cases": (_case_past_the_cases, "case runs"),
    "case runs short of the rows": (_runs_short, "case runs"),
    "a column short of the rows": (_column_short, "does not match its rows"),
    "a surrogate as a word code": (_surrogate_code, "past the group's vocabulary"),
    "a seq below one": (_seq_below_one, "malformed SnapshotPage"),
    "a format it did not ask for": (_unknown_format, "format 99"),
}


@pytest.mark.parametrize("case", sorted(TAMPERED))
def test_a_tampered_coded_page_is_refused_in_one_line_with_nothing_applied(
    server: ServerProcess, tmp_path: Path, case: str
) -> None:
    tamper, expected = TAMPERED[case]

    def coded_then_tampered(data: dict[str, Any]) -> dict[str, Any]:
        assert all(group["vocab"] for group in data["groups"])  # the page is word-coded
        return tamper(data)

    team = unique_team()
    colleague = make_device(server, tmp_path, team=team)
    for n in range(3):  # words of a small vocabulary in any order: the service codes them
        rng = random.Random(n)
        summary = " ".join(rng.choice(WORDS) for _ in range(80))
        colleague.replica.new_case(team, summary=summary, status="open")
    colleague.sync()
    transport = _Snapshots(tamper=coded_then_tampered)
    fresh = _laptop(server, tmp_path, team, transport=transport, retries=0)
    fresh.client.max_reply_bytes = 50_000  # the answers' own bytes are far below it
    with pytest.raises(SyncProtocolError) as refused:
        fresh.client.sync()
    message = str(refused.value)
    assert "\n" not in message and expected in message, message
    assert transport.formats == [SNAPSHOT_COLUMNS]
    assert fresh.replica.snapshot() == {}
    assert fresh.replica.snapshot_cursor() is None and fresh.replica.pull_cursor() == 0
    assert MAX_STRING_CHARS < 1_000_000  # the text bomb's 1,000,000 characters are past it
