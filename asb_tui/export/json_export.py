"""Export and import of whole cases as JSON (format described in docs/export-format.md).

Export reads every case table in one read transaction, so the file is one consistent snapshot,
and writes the file atomically with mode 0600 (it holds personal data). Import checks the whole
document before it writes anything, then stores every row through the unit of work (so each row
has its audit event and its change record for sync) in ONE transaction: a file that is refused,
or that fails half-way, leaves the store exactly as it was.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, NoReturn

from sqlalchemy import JSON, String, TypeDecorator
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, SQLModel, col, select

from asb_tui.domain.types import (
    CaseStatus,
    Category,
    ClosureReason,
    DoorOutcome,
    LegalBasis,
    LegalRemedyKind,
    PartyRole,
    ReferralKind,
    Region,
    RiskLevel,
    VisitKind,
)
from asb_tui.store.core.disk_space import free_bytes, human_size
from asb_tui.store.core.errors import CASE_REF_NOT_FOUND, ImportRefused, StoreError
from asb_tui.store.core.models import CASE_TABLES, Case, EvidenceItem, utcnow
from asb_tui.store.core.serialize import fields_from_json
from asb_tui.store.core.store import Store
from asb_tui.store.queries.case_records import load_many
from sync.batches import chunks

FORMAT = "asb-tui-export"
VERSION = 3
#: Fields added to the tables since format version 1 (by table): a version 1 file, made by an
#: earlier release, has none of them, and its records take their defaults (a person is then
#: their own identity). In the current version every field is required.
ADDED_SINCE_VERSION_1: dict[str, frozenset[str]] = {
    "person": frozenset({"identity_id", "merged_from_id"}),
    "case_party": frozenset({"risk_level", "risk_notes"}),
    "risk_assessment": frozenset({"previous_level", "change_reason"}),
    "incident": frozenset({"reported_on", "reported_to"}),
    "legal_remedy": frozenset(
        {
            "statutory",
            "served_at",
            "ends_on",
            "ends_at",
            "comply_by",
            "prior_warning_id",
            "respondent_age",
            "consulted_on",
            "convicted_on",
            "power_of_arrest",
            "grounds",
            "grounds_met_on",
        }
    ),
    "legal_stage": frozenset({"to_status", "stage_at"}),
}
#: Fields added since format version 2 (the evidence locker, migration 0013). `file_name` of an
#: evidence item is now `original_name` (RENAMED_SINCE_VERSION_2); an older item, which has no
#: exhibit reference, is given EX/<n> in the order of the file.
ADDED_SINCE_VERSION_2: dict[str, frozenset[str]] = {
    "evidence_item": frozenset(
        {
            "exhibit_ref",
            "source",
            "original_name",
            "media_type",
            "size",
            "content_key",
            "obtained_by",
            "incident_id",
            "visit_id",
            "person_id",
        }
    ),
    "sharing_record": frozenset({"includes_files"}),
    "visit": frozenset({"cited_exhibits"}),
}
for _table, _fields in ADDED_SINCE_VERSION_2.items():
    ADDED_SINCE_VERSION_1[_table] = ADDED_SINCE_VERSION_1.get(_table, frozenset()) | _fields
RENAMED_SINCE_VERSION_2: dict[str, dict[str, str]] = {
    "evidence_item": {"file_name": "original_name"}
}
#: Fields never written to an export, and left at their default by an import: the content key
#: of an evidence file (a secret; the export is plain JSON and carries no file, see
#: docs/evidence.md).
NEVER_EXPORTED: dict[str, frozenset[str]] = {"evidence_item": frozenset({"content_key"})}
READS_VERSIONS = frozenset({1, 2, VERSION})
MAX_FILE_BYTES = 200 * 1024 * 1024
CASE_KEY = "case"
TOP_LEVEL_KEYS = frozenset({"format", "version", "exported_at", "device_id", "cases"})
_INT64 = (-(2**63), 2**63 - 1)

# The tables that hang off a case, in insertion order (parents first), by their JSON key.
CHILD_TABLES: tuple[type[SQLModel], ...] = CASE_TABLES[1:]
CHILD_KEYS: tuple[str, ...] = tuple(str(model.__tablename__) for model in CHILD_TABLES)
_MODEL_BY_KEY: dict[str, type[SQLModel]] = {CASE_KEY: Case} | dict(
    zip(CHILD_KEYS, CHILD_TABLES, strict=True)
)

# Columns holding the values of a domain enumeration: anything else is refused on import, so a
# hostile file cannot plant a status that no screen knows how to show.
ENUM_COLUMNS: dict[tuple[str, str], type[StrEnum]] = {
    ("asb_case", "category"): Category,
    ("asb_case", "status"): CaseStatus,
    ("asb_case", "closure_reason"): ClosureReason,
    ("asb_case", "risk_level"): RiskLevel,
    ("asb_case", "region"): Region,
    ("case_party", "role"): PartyRole,
    ("risk_assessment", "computed_level"): RiskLevel,
    ("risk_assessment", "level"): RiskLevel,
    ("visit", "kind"): VisitKind,
    ("door_enquiry", "outcome"): DoorOutcome,
    ("legal_remedy", "kind"): LegalRemedyKind,
    ("referral", "kind"): ReferralKind,
    ("sharing_record", "legal_basis"): LegalBasis,
}


class ExportError(StoreError):
    """An export that cannot be made (unknown case reference, unwritable file)."""


@dataclass(frozen=True)
class ExportSummary:
    path: Path
    cases: int
    rows: int


@dataclass(frozen=True)
class ImportSummary:
    source: str
    cases: int
    rows: int
    refs: tuple[str, ...]
    rows_by_table: dict[str, int] = field(default_factory=dict)


# --- export ---------------------------------------------------------------------------------------


def _select_case_ids(session: Session, case_refs: Sequence[str] | None) -> list[str] | None:
    if case_refs is None:
        return None
    wanted = list(dict.fromkeys(case_refs))
    found: dict[str, str] = {}
    for chunk in chunks(wanted):
        found.update(
            (case.ref, case.id)
            for case in session.exec(select(Case).where(col(Case.ref).in_(chunk)))
        )
    missing = [ref for ref in wanted if ref not in found]
    if missing:
        raise ExportError(CASE_REF_NOT_FOUND.format(ref=", ".join(missing)))
    return [found[ref] for ref in wanted]


def export_cases(store: Store, case_refs: Sequence[str] | None = None) -> dict[str, Any]:
    """The export document for the cases named by reference (all cases when None).

    Cases come in the order given (by reference when exporting all); each table's rows are
    ordered by id, so exporting the same data from any store gives the same document apart from
    `exported_at` and `device_id`. Every case is read by the whole-case loader, so every table
    of `CASE_TABLES` is in the file. This only reads: `write_export` is the audited way to write
    a file. Raises ExportError for an unknown reference.
    """
    with store.read() as session:
        records = load_many(session, _select_case_ids(session, case_refs))
    entries = []
    for case in records:
        entry: dict[str, Any] = {CASE_KEY: case.case.as_json()}
        for key in CHILD_KEYS:
            secret = NEVER_EXPORTED.get(key, frozenset())
            entry[key] = [
                {k: v for k, v in row.as_json().items() if k not in secret}
                for row in case.rows(key)
            ]
        entries.append(entry)
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": utcnow().isoformat(),
        "device_id": store.device_id,
        "cases": entries,
    }


def dumps(document: dict[str, Any]) -> str:
    """The file form: UTF-8 JSON, one line per row, control characters escaped."""
    lines = ["{"]
    for key in ("format", "version", "exported_at", "device_id"):
        lines.append(f"{json.dumps(key)}: {json.dumps(document[key], ensure_ascii=False)},")
    lines.append('"cases": [')
    for index, entry in enumerate(document["cases"]):
        parts = []
        for key, rows in entry.items():
            if key == CASE_KEY:
                parts.append(f" {json.dumps(key)}: {_row_json(rows)}")
            elif rows:
                body = ",\n".join(f"  {_row_json(row)}" for row in rows)
                parts.append(f" {json.dumps(key)}: [\n{body}\n ]")
            else:
                parts.append(f" {json.dumps(key)}: []")
        comma = "," if index < len(document["cases"]) - 1 else ""
        lines.append("{\n" + ",\n".join(parts) + "\n}" + comma)
    lines.append("]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _row_json(row: dict[str, Any]) -> str:
    return json.dumps(row, ensure_ascii=False, separators=(", ", ": "))


def _no_room_message(directory: Path, target: Path, size: int) -> str:
    try:
        free = human_size(free_bytes(directory))
    except OSError:
        free = "unknown"
    return (
        f"cannot write {target}: the disk is full; the export needs about {human_size(size)} "
        f"and {free} is free. Free some space or choose another folder; nothing was written"
    )


def _check_room(directory: Path, target: Path, size: int) -> None:
    """Refuse before writing when the export cannot fit, so no partial file is ever made."""
    try:
        free = free_bytes(directory)
    except OSError:
        return  # a missing folder is reported by the write itself
    if free < size:
        raise ExportError(_no_room_message(directory, target, size))


def count_rows(document: dict[str, Any]) -> int:
    return sum(1 + sum(len(entry[key]) for key in CHILD_KEYS) for entry in document["cases"])


def write_export(
    store: Store, path: str | Path, case_refs: Sequence[str] | None = None
) -> ExportSummary:
    """Export to `path` atomically, readable by the owner only (0600), and audit the export.

    The audit event (`export.json`, entity `export`, the file's name, the number of cases) is
    stored in the same transaction that moves the finished file into place: no file appears
    without its audit event.
    """
    target = Path(path)
    document = export_cases(store, case_refs)
    data = dumps(document).encode("utf-8")
    directory = target.parent if str(target.parent) else Path(".")
    _check_room(directory, target, len(data))
    try:
        handle, temporary = tempfile.mkstemp(
            dir=directory, prefix=f".{target.name}.", suffix=".part"
        )
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror}") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            os.fchmod(stream.fileno(), 0o600)
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        with store.write() as uow:
            uow.audit_only(
                action="export.json",
                entity="export",
                entity_id=target.name,
                details={"cases": len(document["cases"])},
            )
            os.replace(temporary, target)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        if exc.errno == errno.ENOSPC:
            raise ExportError(_no_room_message(directory, target, len(data))) from None
        raise ExportError(f"cannot write {target}: {exc.strerror}") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return ExportSummary(target, len(document["cases"]), count_rows(document))


# --- import: reading and checking -----------------------------------------------------------------


def _refuse(message: str) -> NoReturn:
    raise ImportRefused(f"{message}; nothing was imported")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            _refuse(f"the file names the field {key!r} twice in one object")
        result[key] = value
    return result


def _no_constants(name: str) -> NoReturn:
    _refuse(f"the file holds {name}, which is not a JSON number")


def parse_document(data: bytes) -> Any:
    """JSON from the file's bytes, refusing what is not strict UTF-8 JSON."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        _refuse(f"the file is not UTF-8 text (bad byte at offset {exc.start})")
    if not text.strip():
        _refuse("the file is empty")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        _refuse(
            f"the file is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
            "it may be truncated or damaged"
        )
    except RecursionError:
        _refuse("the file's JSON is nested too deeply")
    except ValueError as exc:  # e.g. a number with thousands of digits
        _refuse(f"the file holds a value that cannot be read ({exc})")


@dataclass
class _CheckedCase:
    ref: str
    case_id: str
    rows: list[SQLModel]


def _where(case_index: int, ref: str | None, key: str | None = None, row: int | None = None) -> str:
    place = f"case {case_index + 1}" + (f" ({ref})" if ref else "")
    if key is not None:
        place += f", {key}"
    if row is not None:
        place += f" row {row + 1}"
    return place


def _check_text(value: Any, where: str, name: str) -> None:
    """Text must be encodable as UTF-8 (JSON escapes can name lone surrogates; SQLite can't
    store them)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            _refuse(f"{where}: {name} holds text that is not valid Unicode (a lone surrogate)")
    elif isinstance(value, list):
        for item in value:
            _check_text(item, where, name)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, where, name)
            _check_text(item, where, name)
    elif (
        isinstance(value, int)
        and not isinstance(value, bool)
        and not _INT64[0] <= value <= _INT64[1]
    ):
        _refuse(f"{where}: {name} holds a number too large to store")


def _json_shape(model: type[SQLModel], name: str) -> type:
    factory = model.model_fields[name].default_factory
    return type(factory()) if factory is not None else dict  # type: ignore[call-arg]


def _check_values(
    model: type[SQLModel],
    table: str,
    data: dict[str, Any],
    where: str,
    may_miss: frozenset[str] = frozenset(),
) -> None:
    columns = {column.name: column for column in model.__table__.columns}  # type: ignore[attr-defined]
    missing = sorted(set(columns) - set(data) - may_miss)
    if missing:
        _refuse(f"{where}: missing field(s) {', '.join(missing)}")
    for name, value in data.items():
        column = columns.get(name)
        if column is None:
            continue  # reported by fields_from_json
        _check_text(value, where, name)
        if isinstance(column.type, JSON):
            shape = _json_shape(model, name)
            if not isinstance(value, shape):
                _refuse(f"{where}: {name} must be a JSON {'object' if shape is dict else 'array'}")
        if value is None and not column.nullable:
            _refuse(f"{where}: {name} must have a value")
        kind = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
        if isinstance(kind, String) and value is not None and not isinstance(value, str):
            _refuse(f"{where}: {name}: expected text")
        enum = ENUM_COLUMNS.get((table, name))
        if enum is not None and value is not None and value not in {m.value for m in enum}:
            allowed = ", ".join(m.value for m in enum)
            _refuse(f"{where}: {name} {value!r} is not one of {allowed}")
    row_id = data.get("id")
    if not isinstance(row_id, str) or not _is_uuid(row_id):
        _refuse(f"{where}: id must be a UUID in lower-case text form")


def _is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def _to_row(model: type[SQLModel], data: Any, where: str, version: int = VERSION) -> SQLModel:
    table = str(model.__tablename__)
    if not isinstance(data, dict):
        _refuse(f"{where}: a row must be a JSON object")
    may_miss = NEVER_EXPORTED.get(table, frozenset())
    if version == 1:
        may_miss |= ADDED_SINCE_VERSION_1.get(table, frozenset())
    elif version == 2:
        may_miss |= ADDED_SINCE_VERSION_2.get(table, frozenset())
    if version < 3:
        renamed = RENAMED_SINCE_VERSION_2.get(table, {})
        data = {renamed.get(k, k): v for k, v in data.items()}
    elif set(data) & NEVER_EXPORTED.get(table, frozenset()):
        _refuse(f"{where}: a content key is never carried by an export")
    _check_values(model, table, data, where, may_miss)
    unknown = sorted(set(data) - {column.name for column in model.__table__.columns})  # type: ignore[attr-defined]
    if unknown:
        _refuse(f"{where}: unknown field(s) {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for name, value in data.items():
        try:
            values.update(fields_from_json(model, {name: value}))
        except ValueError as exc:
            detail = str(exc)
            _refuse(f"{where}: {detail if detail.startswith(name) else f'{name}: {detail}'}")
    for name, value in values.items():
        if isinstance(value, datetime) and value.tzinfo is None:
            _refuse(f"{where}: {name} must carry a time zone offset (e.g. +00:00)")
        if type(value) is date and data[name] != value.isoformat():
            _refuse(f"{where}: {name} must be a date written YYYY-MM-DD")
    return model(**values)


def _check_case(index: int, entry: Any, version: int = VERSION) -> _CheckedCase:
    if not isinstance(entry, dict):
        _refuse(f"{_where(index, None)} is not a JSON object")
    unknown = sorted(set(entry) - set(_MODEL_BY_KEY))
    if unknown:
        _refuse(f"{_where(index, None)}: unknown table(s) {', '.join(unknown)}")
    if CASE_KEY not in entry:
        _refuse(f"{_where(index, None)} has no {CASE_KEY!r} record")
    raw_ref = entry[CASE_KEY].get("ref") if isinstance(entry[CASE_KEY], dict) else None
    ref = raw_ref if isinstance(raw_ref, str) else None
    case = _to_row(Case, entry[CASE_KEY], _where(index, ref, CASE_KEY), version)
    assert isinstance(case, Case)
    if not case.ref.strip() or len(case.ref) > 64 or not case.ref.isprintable():
        _refuse(f"{_where(index, ref)}: the case reference must be 1 to 64 printable characters")
    rows: list[SQLModel] = [case]
    ids_by_table: dict[str, set[str]] = {}
    for key, model in zip(CHILD_KEYS, CHILD_TABLES, strict=True):
        raw_rows = entry.get(key, [])
        if not isinstance(raw_rows, list):
            _refuse(f"{_where(index, ref, key)} must be a JSON array")
        table_ids = ids_by_table.setdefault(key, set())
        for position, raw in enumerate(raw_rows):
            where = _where(index, ref, key, position)
            row = _to_row(model, raw, where, version)
            if isinstance(row, EvidenceItem) and row.exhibit_ref is None:  # before version 3
                row.exhibit_ref = f"EX/{position + 1}"
            if row.case_id != case.id:  # type: ignore[attr-defined]
                _refuse(f"{where}: belongs to another case (case_id does not match)")
            for fk in model.__table__.foreign_keys:  # type: ignore[attr-defined]
                if fk.parent.name == "case_id":
                    continue
                target = getattr(row, fk.parent.name)
                parent_table = fk.column.table.name
                if target is not None and target not in ids_by_table.get(parent_table, set()):
                    _refuse(f"{where}: {fk.parent.name} names no {parent_table} row of this case")
            table_ids.add(row.id)  # type: ignore[attr-defined]
            rows.append(row)
    return _CheckedCase(case.ref, case.id, rows)


def check_document(document: Any) -> list[_CheckedCase]:
    """Every check that needs no database: format, version, tables, fields, types, links."""
    if not isinstance(document, dict):
        _refuse("the file is not an asb-tui export (its top level is not a JSON object)")
    if document.get("format") != FORMAT:
        _refuse(f"the file is not an asb-tui export (format is not {FORMAT!r})")
    version = document.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        _refuse("the file has no format version")
    if version > VERSION:
        _refuse(
            f"the file is format version {version}, made by a newer asb-tui; "
            f"this one reads version {VERSION}: upgrade asb-tui"
        )
    if version not in READS_VERSIONS:
        readable = " and ".join(str(v) for v in sorted(READS_VERSIONS))
        _refuse(f"format version {version} is not supported (this asb-tui reads {readable})")
    unknown = sorted(set(document) - TOP_LEVEL_KEYS)
    if unknown:
        _refuse(f"unknown top-level field(s) {', '.join(unknown)}")
    cases = document.get("cases")
    if not isinstance(cases, list):
        _refuse("the file has no list of cases")
    checked = [_check_case(index, entry, version) for index, entry in enumerate(cases)]
    seen_refs: set[str] = set()
    seen_ids: set[tuple[str, str]] = set()
    for item in checked:
        if item.ref in seen_refs:
            _refuse(f"the case {item.ref} appears twice in the file")
        seen_refs.add(item.ref)
        for row in item.rows:
            key = (str(row.__tablename__), str(row.id))  # type: ignore[attr-defined]
            if key in seen_ids:
                _refuse(f"case {item.ref}: the {key[0]} id {key[1]} appears twice in the file")
            seen_ids.add(key)
    return checked


def _already_stored(session: Session, checked: list[_CheckedCase]) -> None:
    refs = [item.ref for item in checked]
    for chunk in chunks(refs):
        taken = session.exec(select(Case.ref).where(col(Case.ref).in_(chunk))).first()
        if taken is not None:
            _refuse(f"the case {taken} is already in this store")
    ids_by_model: dict[type[SQLModel], list[str]] = {}
    for item in checked:
        for row in item.rows:
            ids_by_model.setdefault(type(row), []).append(row.id)  # type: ignore[attr-defined]
    for model, ids in ids_by_model.items():
        id_col = col(model.id)  # type: ignore[attr-defined]
        for chunk in chunks(ids):
            found = session.exec(select(id_col).where(id_col.in_(chunk))).first()
            if found is not None:
                _refuse(f"a {model.__tablename__} record with id {found} is already in this store")


# --- import: writing ------------------------------------------------------------------------------


def import_document(store: Store, document: Any, *, source: str = "document") -> ImportSummary:
    """Import a parsed export document in one transaction; ImportRefused leaves nothing behind.

    Each row goes through `uow.add` (action `import.row`), so it gets its audit event and change
    record; one more event (`import.file`) names the source and the counts.
    """
    checked = check_document(document)
    rows_by_table: dict[str, int] = {}
    for item in checked:
        for row in item.rows:
            table = str(row.__tablename__)
            rows_by_table[table] = rows_by_table.get(table, 0) + 1
    total = sum(rows_by_table.values())
    try:
        with store.write() as uow:
            _already_stored(uow.reads, checked)
            uow.audit_only(
                action="import.file",
                entity="import",
                entity_id=source,
                details={"cases": len(checked), "rows": total, "format_version": VERSION},
            )
            for item in checked:
                for row in item.rows:
                    uow.add(row, action="import.row")
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc.__class__.__name__).splitlines()[0]
        _refuse(f"the store refused the data ({reason})")
    return ImportSummary(
        source=source,
        cases=len(checked),
        rows=total,
        refs=tuple(item.ref for item in checked),
        rows_by_table=rows_by_table,
    )


def read_limited(path: Path, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes, refusing a missing, special or over-large file before reading it."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            _refuse(f"{path} is not a regular file")
        if size > max_bytes:
            _refuse(
                f"{path} is {size / 2**20:,.0f} MB; an import file may be at most "
                f"{max_bytes / 2**20:,.0f} MB"
            )
        with path.open("rb") as stream:
            data = stream.read(max_bytes + 1)
    except OSError as exc:
        _refuse(f"cannot read {path}: {exc.strerror}")
    if len(data) > max_bytes:
        _refuse(f"{path} is larger than {max_bytes / 2**20:,.0f} MB")
    return data


def import_file(
    store: Store, path: str | Path, *, max_bytes: int = MAX_FILE_BYTES
) -> ImportSummary:
    """Import an export file: all of it in one transaction, or nothing (ImportRefused)."""
    source = Path(path)
    document = parse_document(read_limited(source, max_bytes))
    return import_document(store, document, source=source.name)


def iter_refs(document: dict[str, Any]) -> Iterable[str]:
    """The case references of an export document, in file order."""
    return (entry[CASE_KEY]["ref"] for entry in document["cases"])
