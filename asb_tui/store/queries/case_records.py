"""Everything about a case in one read: a frozen record for every row of every case table.

The record types are made from `models.CASE_TABLES`, the one list of the tables of a case, so a
table added there is loaded here with no further change, and every reader built on this loader
(case detail, `asb-tui case show`, the VVC pack, the subject access export, the JSON export) sees
it. Records are plain frozen dataclasses holding the column values (dates as `date`): they can
cross from a worker thread to the UI safely and are never bound to a session.

Rows of each table are in id order (stable across stores); readers sort as they show them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, make_dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Dialect
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

    The same rows as `load_many(session, [case_id])`, by statements built once and run on the
    driver's cursor: opening a case runs one query per case table, and SQLAlchemy's execution
    (its statement cache, result set-up and events) cost more than running them, ~3 of ~6 ms on
    a 5,000-case store. Each column's value goes through the result processor SQLAlchemy would
    apply (dates, datetimes, booleans, JSON), so the records are the same."""
    connection = session.connection()
    driver = connection.connection.driver_connection
    if driver is None:  # pragma: no cover - an open session always has one
        raise RuntimeError("the session has no database connection")
    cursor = driver.cursor()
    case_read, child_reads = _one_case_reads(connection.dialect)
    params = (case_id,)
    found = cursor.execute(case_read.sql, params).fetchone()
    if found is None:
        return None
    tables: dict[str, tuple[Any, ...]] = {}
    for name, read in child_reads:
        tables[name] = tuple(read.record(row) for row in cursor.execute(read.sql, params))
    return CaseRecords(case=case_read.record(found), tables=MappingProxyType(tables))


@dataclass(frozen=True)
class _PlainRead:
    """One table's read of one case as SQL for the driver (the case id its one parameter), and
    how a row becomes its record."""

    sql: str
    kind: type
    #: (column index, SQLAlchemy's result processor) of the columns that have one
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]

    def record(self, row: Sequence[Any]) -> Any:
        if not self.processors:
            return self.kind(*row)
        values = list(row)
        for index, process in self.processors:
            values[index] = process(values[index])
        return self.kind(*values)


def _plain_read(statement: Any, kind: type, dialect: Dialect) -> _PlainRead:
    compiled = statement.compile(dialect=dialect)
    # One positional parameter, the case id: the SQL can run on the driver's cursor as it is.
    assert dialect.paramstyle == "qmark" and list(compiled.positiontup or ()) == ["case_id"]
    processors = []
    for index, column in enumerate(statement.selected_columns):
        process = column.type.dialect_impl(dialect).result_processor(dialect, None)
        if process is not None:
            processors.append((index, process))
    return _PlainRead(str(compiled), kind, tuple(processors))


@cache
def _one_case_reads(
    dialect: Dialect,
) -> tuple[_PlainRead, tuple[tuple[str, _PlainRead], ...]]:
    """`_one_case_statements` compiled for the store's dialect, once per dialect (one a store)."""
    case_statement, child_statements = _one_case_statements()
    case_read = _plain_read(case_statement, RECORD_TYPES[CASE_TABLE], dialect)
    child_reads = tuple(
        (name, _plain_read(statement, kind, dialect)) for name, kind, statement in child_statements
    )
    return case_read, child_reads


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
