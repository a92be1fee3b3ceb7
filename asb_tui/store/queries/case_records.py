"""Everything about a case in one read: a frozen record for every row of every case table.

The record types are made from `models.CASE_TABLES`, the one list of the tables of a case, so a
table added there is loaded here with no further change, and every reader built on this loader
(case detail, `asb-tui case show`, the VVC pack, the subject access export, the JSON export) sees
it. Records are plain frozen dataclasses holding the column values (dates as `date`): they can
cross from a worker thread to the UI safely and are never bound to a session.

Rows of each table are in id order (stable across stores); readers sort as they show them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, make_dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel

from asb_tui.store.core.models import CASE_TABLES, Case
from asb_tui.store.core.serialize import to_json_value
from sync.batches import chunks


def _record_type(model: type[SQLModel]) -> type:
    table = model.__table__  # type: ignore[attr-defined]
    names = [column.name for column in table.columns]

    def as_json(self: Any) -> dict[str, Any]:
        """The row as JSON values, columns in table order (the export's row form)."""
        return {name: to_json_value(getattr(self, name)) for name in names}

    return make_dataclass(
        f"{model.__name__}Record",
        [(name, Any) for name in names],
        frozen=True,
        namespace={"table": str(model.__tablename__), "as_json": as_json},
    )


# One record type per case table, by table name, in the order of CASE_TABLES.
RECORD_TYPES: Mapping[str, type] = MappingProxyType(
    {str(model.__tablename__): _record_type(model) for model in CASE_TABLES}
)
CASE_TABLE = str(Case.__tablename__)
CHILD_TABLE_NAMES: tuple[str, ...] = tuple(name for name in RECORD_TYPES if name != CASE_TABLE)


def _name(table: str | type[SQLModel]) -> str:
    return table if isinstance(table, str) else str(table.__tablename__)


@dataclass(frozen=True)
class CaseRecords:
    """One case and the rows of every table that hangs off it."""

    case: Any  # the asb_case record
    tables: Mapping[str, tuple[Any, ...]]

    @property
    def case_id(self) -> str:
        return str(self.case.id)

    def rows(self, table: str | type[SQLModel]) -> tuple[Any, ...]:
        """The rows of one case table (by name or model), in id order."""
        return self.tables[_name(table)]

    def get(self, table: str | type[SQLModel], row_id: str | None) -> Any | None:
        if row_id is None:
            return None
        return next((row for row in self.rows(table) if row.id == row_id), None)

    def parties(self, role: str | None = None) -> list[tuple[Any, Any]]:
        """(party, person) pairs, in the order the people were recorded; one role or all."""
        people = {p.id: p for p in self.rows("person")}
        pairs = [
            (party, people[party.person_id])
            for party in self.rows("case_party")
            if party.person_id in people and (role is None or party.role == role)
        ]
        pairs.sort(key=lambda pair: (pair[1].created_at, pair[1].id, pair[0].id))
        return pairs

    def row_count(self) -> int:
        return 1 + sum(len(rows) for rows in self.tables.values())


def _record(kind: type, row: Any) -> Any:
    return kind(*row)


def _column_select(model: type[SQLModel]) -> Any:
    return sa_select(*model.__table__.columns)  # type: ignore[attr-defined]


def load_many(session: Session, case_ids: Sequence[str] | None = None) -> list[CaseRecords]:
    """The records of the cases named (every case, by reference, when None), in the order given.

    One query per table (per 500 cases), plain columns only: fast enough for a whole store.
    Unknown ids are left out.
    """
    connection = session.connection()
    case_model = CASE_TABLES[0]
    case_type = RECORD_TYPES[CASE_TABLE]
    case_table = case_model.__table__  # type: ignore[attr-defined]
    cases: dict[str, Any] = {}
    if case_ids is None:
        for row in connection.execute(_column_select(case_model).order_by(case_table.c.ref)):
            record = _record(case_type, row)
            cases[record.id] = record
    else:
        found: dict[str, Any] = {}
        for chunk in chunks(list(dict.fromkeys(case_ids))):
            statement = _column_select(case_model).where(case_table.c.id.in_(chunk))
            for row in connection.execute(statement):
                record = _record(case_type, row)
                found[record.id] = record
        cases = {case_id: found[case_id] for case_id in case_ids if case_id in found}
    by_table: dict[str, dict[str, list[Any]]] = {}
    ids = list(cases)
    for model in CASE_TABLES[1:]:
        name = str(model.__tablename__)
        kind = RECORD_TYPES[name]
        table = model.__table__  # type: ignore[attr-defined]
        rows: dict[str, list[Any]] = {case_id: [] for case_id in ids}
        statements = (
            [_column_select(model).order_by(table.c.case_id, table.c.id)]
            if case_ids is None
            else [
                _column_select(model)
                .where(table.c.case_id.in_(chunk))
                .order_by(table.c.case_id, table.c.id)
                for chunk in chunks(ids)
            ]
        )
        for statement in statements:
            for row in connection.execute(statement):
                record = _record(kind, row)
                if record.case_id in rows:
                    rows[record.case_id].append(record)
        by_table[name] = rows
    return [
        CaseRecords(
            case=case,
            tables=MappingProxyType(
                {name: tuple(by_table[name][case_id]) for name in CHILD_TABLE_NAMES}
            ),
        )
        for case_id, case in cases.items()
    ]


def load_case_records(session: Session, case_id: str) -> CaseRecords | None:
    """Everything about one case, or None when there is no such case.

    The same rows as `load_many(session, [case_id])`, by statements built once: opening a case
    runs one query per case table, and building each statement afresh (its `IN` list, its
    cache key) cost more than running it."""
    connection = session.connection()
    case_statement, child_statements = _one_case_statements()
    params = {"case_id": case_id}
    found = connection.execute(case_statement, params).first()
    if found is None:
        return None
    tables: dict[str, tuple[Any, ...]] = {}
    for name, kind, statement in child_statements:
        tables[name] = tuple(kind(*row) for row in connection.execute(statement, params))
    return CaseRecords(
        case=_record(RECORD_TYPES[CASE_TABLE], found), tables=MappingProxyType(tables)
    )


@cache
def _one_case_statements() -> tuple[Any, tuple[tuple[str, type, Any], ...]]:
    """The statements that read one case (`case_id` bound): its row, then each child table's
    rows in id order, with each table's name and record type."""
    case_id: Any = bindparam("case_id")
    case_table = CASE_TABLES[0].__table__  # type: ignore[attr-defined]
    case_statement = _column_select(CASE_TABLES[0]).where(case_table.c.id == case_id)
    children = []
    for model in CASE_TABLES[1:]:
        name = str(model.__tablename__)
        table = model.__table__  # type: ignore[attr-defined]
        statement = _column_select(model).where(table.c.case_id == case_id).order_by(table.c.id)
        children.append((name, RECORD_TYPES[name], statement))
    assert tuple(name for name, _kind, _statement in children) == CHILD_TABLE_NAMES
    return case_statement, tuple(children)


def record_fields(record: Any) -> tuple[str, ...]:
    """The column names of a record, in table order."""
    return tuple(f.name for f in fields(record))
