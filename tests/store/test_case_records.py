"""The whole-case loader and its four readers: case detail, the VVC pack, the subject access
export and the JSON export. Generated from `models.CASE_TABLES`: a table added there fails here
until each reader shows it (or says, with a reason, that it leaves it out)."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

import pytest
from sqlmodel import SQLModel

from asb_tui.config import Config
from asb_tui.export import pack_data, subject_access
from asb_tui.export.json_export import export_cases
from asb_tui.store.commands.evidence import attach_evidence
from asb_tui.store.core.models import APPEND_ONLY_TABLES, CASE_TABLES, TABLES_BY_NAME
from asb_tui.store.core.store import Store
from asb_tui.store.demo.demo_walkthrough import WalkedCase, walk_case
from asb_tui.store.queries.case_queries import case_detail
from asb_tui.store.queries.case_records import (
    RECORD_TYPES,
    CaseRecords,
    load_case_records,
    load_many,
)
from asb_tui.store.queries.deadline_facts import deadline_rules

TODAY = date(2026, 12, 1)
Pick = Callable[[Any, WalkedCase], bool]


def _any(_row: Any, _walked: WalkedCase) -> bool:
    return True


# Per case table: the free-text column a marker is written into, and which of the walked case's
# rows gets it (rows of append-only tables are copied with the marker instead of edited).
MARKED: dict[str, tuple[str, Pick]] = {
    "asb_case": ("summary", _any),
    "person": ("address", lambda row, w: row.id == w.victim_id),
    "case_party": ("vulnerabilities", lambda row, w: row.person_id == w.victim_id),
    "address": ("line2", lambda row, w: row.person_id == w.victim_id),
    "case_link": ("reason", _any),
    "risk_assessment": ("override_reason", _any),
    "diary_sheet": ("notes", _any),
    "incident": ("description", _any),
    "visit": ("further_needs", lambda row, _w: row.kind == "home" and row.status == "complete"),
    "consent": ("scope", lambda row, _w: row.record_and_share),
    "contact_agreement": ("safe_times", _any),
    "victim_update": ("summary", _any),
    "agency_contact": ("summary", _any),
    "h2h_run": ("area", _any),
    "door_enquiry": ("note", lambda row, _w: row.outcome == "information-given"),
    # An action still due (a referral task is met by its referral, so the pack leaves it out).
    "action": (
        "title",
        lambda row, _w: row.done_on is None and row.kind not in ("vso-referral", "vvc-referral"),
    ),
    "legal_remedy": ("notes", _any),
    "legal_stage": ("notes", _any),
    "evidence_item": ("description", _any),
    "note": ("body", _any),
    "manager_review": ("notes", _any),
    "referral": ("reason", _any),
    "vvc_decision": ("decision", _any),
    "sharing_record": ("what", _any),
    "case_review": ("notes", _any),
    "case_review_recommendation": ("text", _any),
    "communication": ("recipient", _any),
}


def marker(table: str) -> str:
    return f"MARK-{table.upper()}-7Q"


@pytest.fixture(scope="module")
def walked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Config, WalkedCase]]:
    """One case through every command, then a marker in one row of every case table."""
    from laptop_testkit import OFFICER, PASSPHRASE

    from asb_tui.store.core.store import create_store

    data_dir = tmp_path_factory.mktemp("records") / "data"
    store, _recovery = create_store(data_dir, PASSPHRASE, actor=OFFICER)
    config = Config(data_dir=data_dir, officer="Jo Bloggs", council="Leeds City Council")
    earlier = walk_case(store, config, TODAY, victim="Aisha Rahman", perpetrator="Gary Barker")
    case = walk_case(store, config, TODAY, linked_to=earlier)
    photo = tmp_path_factory.mktemp("evidence") / "damage.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + bytes(2000))
    attach_evidence(
        store, case.case_id, photo, officer=config.officer, source="victim",
        person_id=case.victim_id, obtained_on=TODAY,
    )  # fmt: skip
    with store.read() as session:
        records = load_case_records(session, case.case_id)
    assert records is not None
    with store.write() as uow:
        for table, (column, pick) in MARKED.items():
            model = TABLES_BY_NAME[table]
            rows = (records.case,) if table == "asb_case" else records.rows(table)
            chosen = next(row for row in rows if pick(row, case))
            if table in APPEND_ONLY_TABLES:
                values = {name: getattr(chosen, name) for name in chosen.__dataclass_fields__} | {
                    "id": str(uuid.uuid4()),
                    column: marker(table),
                }
                values.pop("created_at", None)
                if table == "evidence_item":  # one exhibit reference per case
                    values["exhibit_ref"] = "GD/2"
                uow.add(model(**values), action="test.mark")
            else:
                row = uow.reads.get(model, chosen.id)
                assert row is not None
                uow.update(row, {column: marker(table)}, action="test.mark")
    yield store, config, case
    store.close()


def test_every_case_table_has_a_record_type_and_a_marker() -> None:
    names = [str(model.__tablename__) for model in CASE_TABLES]
    assert list(RECORD_TYPES) == names
    assert set(MARKED) == set(names), "a new case table needs a row in MARKED"
    for model in CASE_TABLES:
        kind = RECORD_TYPES[str(model.__tablename__)]
        columns = [c.name for c in model.__table__.columns]  # type: ignore[attr-defined]
        assert [f.name for f in dataclasses.fields(kind)] == columns
        assert kind.__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_the_walked_case_reaches_every_table_through_the_commands(
    walked: tuple[Store, Config, WalkedCase],
) -> None:
    store, _config, case = walked
    with store.read() as session:
        records = load_case_records(session, case.case_id)
    assert isinstance(records, CaseRecords)
    empty = [name for name in RECORD_TYPES if name != "asb_case" and not records.rows(name)]
    assert empty == []
    with pytest.raises(dataclasses.FrozenInstanceError):
        records.case.summary = "changed"  # type: ignore[misc, unused-ignore]


def test_one_case_is_read_as_the_many_cases_loader_reads_it(
    walked: tuple[Store, Config, WalkedCase],
) -> None:
    """`load_case_records` (statements built once, for opening a case) and `load_many` give
    the same records, table by table and in the same order; an unknown id is None."""
    store, _config, case = walked
    with store.read() as session:
        one = load_case_records(session, case.case_id)
        (many,) = load_many(session, [case.case_id])
        missing = load_case_records(session, "no-such-case")
    assert one is not None and missing is None
    assert one.case == many.case
    assert dict(one.tables) == dict(many.tables)
    # Read on the driver's cursor, each value still has the type SQLAlchemy gives it (a date is
    # not its text, an aware datetime not a naive one, a boolean not 0 or 1, JSON not its text).
    for mine, theirs in zip(
        (one.case, *(r for rows in one.tables.values() for r in rows)),
        (many.case, *(r for rows in many.tables.values() for r in rows)),
        strict=True,
    ):
        for name in mine.__dataclass_fields__:
            value, expected = getattr(mine, name), getattr(theirs, name)
            assert type(value) is type(expected), (mine.table, name)
            if isinstance(value, datetime):
                assert value.tzinfo == expected.tzinfo, (mine.table, name)
    assert list(one.tables) == list(many.tables)
    assert one.row_count() == many.row_count() > len(RECORD_TYPES)


def _detail_text(store: Store, config: Config, case_id: str) -> str:
    with store.read() as session:
        detail = case_detail(session, case_id, today=TODAY, rules=deadline_rules(config, TODAY))
    assert detail is not None
    shown = {f.name: getattr(detail, f.name) for f in dataclasses.fields(detail)}
    shown.pop("records")  # carried for opening a row in full, never shown as such
    return json.dumps(
        shown,
        default=lambda v: (
            dataclasses.asdict(v)
            if dataclasses.is_dataclass(v) and not isinstance(v, type)
            else str(v)
        ),
        ensure_ascii=False,
    )


def _reader_text(reader: str, store: Store, config: Config, case: WalkedCase) -> str:
    if reader == "case detail":
        return _detail_text(store, config, case.case_id)
    if reader == "VVC pack":
        pack = pack_data.build_vvc_pack(
            store, config, [case.case_id], meeting_on=None, generated_by="t", today=TODAY
        )
        return json.dumps(pack, ensure_ascii=False)
    if reader == "subject access":
        both = [
            subject_access.build_subject_record(store, person, config=config)
            for person in (case.victim_id, case.perpetrator_id)
        ]
        return json.dumps(both, default=str, ensure_ascii=False)
    return json.dumps(export_cases(store, [case.ref]), ensure_ascii=False)


LEFT_OUT: dict[str, dict[str, str]] = {
    "case detail": {},
    "VVC pack": pack_data.LEFT_OUT,
    "subject access": subject_access.LEFT_OUT,
    "JSON export": {},
}


@pytest.fixture(scope="module")
def reader_texts(walked: tuple[Store, Config, WalkedCase]) -> dict[str, str]:
    store, config, case = walked
    return {reader: _reader_text(reader, store, config, case) for reader in LEFT_OUT}


@pytest.mark.parametrize("reader", list(LEFT_OUT))
@pytest.mark.parametrize("model", CASE_TABLES, ids=lambda m: str(m.__tablename__))
def test_every_case_table_shows_in_every_reader(
    reader_texts: dict[str, str], reader: str, model: type[SQLModel]
) -> None:
    table = str(model.__tablename__)
    left_out = LEFT_OUT[reader]
    assert set(left_out) <= set(TABLES_BY_NAME)
    if table in left_out:
        assert left_out[table].strip(), "say why the table is left out"
        return
    assert marker(table) in reader_texts[reader], f"{reader} does not show {table}"
