"""Every synced table and every kind of column, generated from the models' table list: a row of
each table is inserted, then every editable field updated, then every row deleted on one laptop;
each step goes through a real service (SQLite and PostgreSQL) and arrives equal on a second
laptop of the team. A table added to the models is covered without anyone remembering it.

Text fields are filled to their sync-schema limit (short and one-line fields exactly at it), so a
limit that a central database could not hold fails here on that database."""

# ruff: noqa: F811  (the fixtures imported from sync_e2e_support are test arguments)

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import SQLModel
from sync_e2e_support import (  # noqa: F401  (fixtures)
    Laptop,
    LaptopFactory,
    central,
    central_db,
    comparable,
    laptops,
    unique_team,
)

from asb_tui.store.core.models import CASE_TABLES, new_id
from asb_tui.store.core.serialize import row_from_dict, to_json_value
from sync import schema

#: The biggest free text written per field here: the real limit is 100,000 characters, which
#: the service's own tests cover; every field at it would make this test slow for nothing.
LONG_SAMPLE = 5_000


def _text(name: str, limit: int, round_: int) -> str:
    # Non-ASCII, markup-like and quote characters: a name is shown and stored literally.
    seed = f"{round_}:{name} – ünïcødé [b]x[/] 'q' \"d\" ✓ \x1b 𝄞 "
    size = min(limit, LONG_SAMPLE)
    return (seed * (size // len(seed) + 1))[:size]


def _value(spec: schema.FieldSpec, name: str, round_: int) -> Any:
    kind = spec.kind
    if kind == schema.TEXT:
        return _text(name, spec.max_chars or schema.LONG, round_)
    if kind == schema.INT:
        return 2**40 + round_ if name not in {"position", "score", "reopen_count"} else round_ + 3
    if kind == schema.FLOAT:
        return 0.25 + round_
    if kind == schema.BOOL:
        return round_ % 2 == 0
    if kind == schema.DATE:
        return f"2026-0{round_ + 1}-2{round_}"
    if kind == schema.DATETIME:
        return f"2026-0{round_ + 1}-1{round_}T09:3{round_}:00+00:00"
    if kind == schema.OBJECT:
        return {"answer": f"yes {round_}", "nested": {"list": [1, 2.5, None, True]}}
    if kind == schema.LIST:
        return [f"item {round_}", {"what": "visit", "due": "2026-03-01"}]
    if kind == schema.ID:
        # A reference without a foreign key (a person's identity, a linked case): any row id.
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{name}/{round_}"))
    raise AssertionError(f"no sample for {kind}")


def _rows(case_id: str) -> list[SQLModel]:
    """One row of every case table, parents first, each field filled (references point at the
    rows made before it)."""
    made: dict[str, str] = {}
    rows: list[SQLModel] = []
    for model in CASE_TABLES:
        table = model.__table__  # type: ignore[attr-defined]
        spec = schema.TABLES[table.name]
        row_id = case_id if table.name == "asb_case" else new_id()
        values: dict[str, Any] = {}
        for column in table.columns:
            if column.name == "version":
                continue
            if column.name == "id":
                values["id"] = row_id
            elif column.foreign_keys:
                (fk,) = column.foreign_keys
                values[column.name] = made[fk.column.table.name]
            else:
                values[column.name] = _value(spec.fields[column.name], column.name, 0)
        made[table.name] = row_id
        rows.append(row_from_dict(model, values))
    return rows


def _edits(model: type[SQLModel]) -> dict[str, Any]:
    """A second value for every field an officer may edit (not ids, references or versions)."""
    table = model.__table__  # type: ignore[attr-defined]
    spec = schema.TABLES[table.name]
    edits = {
        c.name: _value(spec.fields[c.name], c.name, 1)
        for c in table.columns
        if c.name not in {"id", "version", "case_id", "team"} and not c.foreign_keys
    }
    converted = row_from_dict(model, edits)
    return {name: getattr(converted, name) for name in edits}


def _converge(a: Laptop, b: Laptop) -> None:
    for laptop in (a, b, a):
        outcome = laptop.sync()
        assert outcome.result.refused == (), outcome.result.refused
        assert outcome.result.set_aside_pulled == 0
    assert a.unsent() == b.unsent() == 0
    assert comparable(b.snapshot()) == comparable(a.snapshot())


def test_every_table_inserts_updates_and_deletes_through_the_service(
    laptops: LaptopFactory,
) -> None:
    team = unique_team()
    ann, bob = laptops(team=team, name="Ann"), laptops(team=team, name="Bob")
    case_id = new_id()
    rows = _rows(case_id)
    rows[0].team = team  # type: ignore[attr-defined, unused-ignore]
    with ann.store.write() as uow:
        for row in rows:
            uow.add(row, action="test.insert")
    _converge(ann, bob)
    tables = {table for table, _id in bob.snapshot()}
    assert tables == set(schema.TABLE_NAMES)  # every table arrived

    with ann.store.write() as uow:
        for row in rows:
            model = type(row)
            if model.__tablename__ in schema.APPEND_ONLY_TABLES:
                continue
            current = uow.reads.get(model, row.id)  # type: ignore[attr-defined]
            assert current is not None
            uow.update(current, _edits(model), action="test.update")
    _converge(ann, bob)
    snapshot = bob.snapshot()
    edited_tables = 0
    for row in rows:
        model = type(row)
        if model.__tablename__ in schema.APPEND_ONLY_TABLES:
            continue
        arrived = snapshot[(str(model.__tablename__), row.id)]  # type: ignore[attr-defined]
        for name, value in _edits(model).items():
            assert arrived[name] == to_json_value(value), f"{model.__tablename__}.{name}"
        edited_tables += 1
    assert edited_tables == len(schema.TABLES) - len(schema.APPEND_ONLY_TABLES)

    with ann.store.write() as uow:
        for row in reversed(rows):
            current = uow.reads.get(type(row), row.id)  # type: ignore[attr-defined]
            assert current is not None
            uow.delete(current, action="test.delete")
    _converge(ann, bob)
    assert bob.snapshot() == {}
