"""The sync schema (sync/schema.py) equals the laptop's models, table for table, field for field,
and the wire contract takes its names and limits from it."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, String, TypeDecorator

from asb_tui.store.core.models import APPEND_ONLY_TABLES, CASE_TABLES
from sync import protocol, schema


def _kind(model: type, column: object) -> str:
    col = column  # a sqlalchemy Column
    # A row id: the key, a foreign key, or a reference to a row that may not be held here
    # (a linked case, a person's identity) and so has no foreign key.
    if col.name == "id" or col.name.endswith("_id") or col.foreign_keys:  # type: ignore[attr-defined]
        return schema.ID
    kind = col.type  # type: ignore[attr-defined]
    if isinstance(kind, TypeDecorator) and not isinstance(kind, JSON):
        kind = kind.impl
    if isinstance(kind, JSON):
        default = model.model_fields[col.name].default_factory()  # type: ignore[attr-defined]
        return schema.OBJECT if isinstance(default, dict) else schema.LIST
    for sql_type, name in (
        (DateTime, schema.DATETIME),
        (Date, schema.DATE),
        (Boolean, schema.BOOL),
        (Integer, schema.INT),
        (Float, schema.FLOAT),
        (String, schema.TEXT),
    ):
        if isinstance(kind, sql_type):
            return name
    raise AssertionError(f"{col!r}: a column type the sync schema has no kind for")


def test_the_schema_lists_every_case_table_in_the_models_order() -> None:
    assert tuple(m.__tablename__ for m in CASE_TABLES) == schema.TABLE_NAMES
    assert schema.APPEND_ONLY_TABLES == APPEND_ONLY_TABLES


@pytest.mark.parametrize("model", CASE_TABLES, ids=lambda m: str(m.__tablename__))
def test_each_table_has_the_models_fields_kinds_and_nullability(model: type) -> None:
    table = model.__table__  # type: ignore[attr-defined]
    spec = schema.TABLES[table.name]
    assert list(spec.fields) == [c.name for c in table.columns]
    for column in table.columns:
        field = spec.fields[column.name]
        where = f"{table.name}.{column.name}"
        assert field.kind == _kind(model, column), where
        assert field.nullable == column.nullable, where
        required = model.model_fields[column.name].is_required()  # type: ignore[attr-defined]
        assert field.required == required, where
        declared = getattr(column.type, "length", None)
        if field.kind == schema.TEXT:
            assert field.max_chars is not None, f"{where} has no size limit"
            assert declared in (None, field.max_chars), where
        else:
            assert field.max_chars is None, where
    assert spec.versioned == ("version" in table.c)


def test_the_wire_patterns_and_limits_come_from_the_schema() -> None:
    assert protocol.TABLE_PATTERN == schema.TABLE_NAME_PATTERN
    assert protocol.FIELD_PATTERN == schema.FIELD_NAME_PATTERN
    assert protocol.MAX_STRING_CHARS == schema.MAX_TEXT_CHARS
    for name, spec in schema.TABLES.items():
        assert re.match(protocol.TABLE_PATTERN, name), name
        for field in spec.fields:
            assert re.match(protocol.FIELD_PATTERN, field), f"{name}.{field}"


def test_check_change_names_what_is_wrong() -> None:
    case = "5e0f6c1a-2b7d-4c89-9a10-3f2e1d0c9b8a"
    ok = {"case_id": case, "body": "hello", "kind": "general"}
    assert schema.check_change("note", "insert", ok) is None
    assert "no table" in (schema.check_change("h2h_run2", "insert", ok) or "")
    assert "no field 'colour'" in (schema.check_change("note", "insert", {**ok, "colour": 1}) or "")
    assert "must be text" in (schema.check_change("person", "update", {"name": 42}) or "")
    assert "lone surrogate" in (schema.check_change("note", "insert", {"body": "\ud800"}) or "")
    assert "NUL" in (schema.check_change("note", "update", {"body": "a\x00b"}) or "")
    long_agency = {"agency": "x" * 201}
    assert "201 characters" in (schema.check_change("sharing_record", "update", long_agency) or "")
    assert "needs body" in (schema.check_change("note", "insert", {"case_id": case}) or "")
    assert schema.check_change("note", "update", {"kind": "general"}) is None
    assert "differs" in (schema.check_change("note", "insert", ok, case_id=str(uuid.uuid4())) or "")
    assert "a record id" in (schema.check_change("person", "update", {"case_id": "x"}) or "")
    assert "may not be empty" in (schema.check_change("visit", "update", {"kind": None}) or "")
    assert schema.check_change("visit", "update", {"due_on": None}) is None
    assert "date" in (schema.check_change("visit", "update", {"due_on": "31/12/2026"}) or "")
    assert "true or false" in (schema.check_change("visit", "update", {"denial": 1}) or "")
    assert "a list" in (schema.check_change("visit", "update", {"signposting": {}}) or "")
