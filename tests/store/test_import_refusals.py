"""Corrupt, truncated and hostile import files are refused with a clear message, and the target
store is left exactly as it was (row counts, change records, settings, audit chain head)."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select

from asb_tui.export import json_export
from asb_tui.export.json_export import export_cases, import_file
from asb_tui.store.core.audit import chain_head
from asb_tui.store.core.errors import ImportRefused
from asb_tui.store.core.models import CASE_TABLES, AuditEvent, ChangeRecord, Setting
from asb_tui.store.core.store import Store, create_store
from asb_tui.store.core.unit_of_work import UnitOfWork
from asb_tui.store.demo.demo import fill_demo

PASSPHRASE = "correct horse battery staple"


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A valid export of three demo cases (every kind of record)."""
    source, _ = create_store(tmp_path_factory.mktemp("src") / "d", PASSPHRASE, actor="A")
    with source:
        fill_demo(source, cases=6, seed=7, today=date(2026, 11, 24))
        yield export_cases(source)


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One store for the refusal tests: a refused import changes nothing, so they can share it
    (and `assert_refused` checks exactly that)."""
    opened, _ = create_store(tmp_path_factory.mktemp("dst") / "d", PASSPHRASE, actor="B")
    with opened:
        yield opened


def snapshot(store: Store) -> dict[str, Any]:
    with store.read() as session:
        counts = {
            str(model.__tablename__): session.exec(  # type: ignore[attr-defined]
                select(func.count()).select_from(model)  # type: ignore[arg-type]
            ).one()
            for model in (*CASE_TABLES, AuditEvent, ChangeRecord)
        }
        settings = {row.key: row.value for row in session.exec(select(Setting))}
        head = chain_head(session)
    return {"counts": counts, "settings": settings, "head": head}


def write(path: Path, document: Any) -> Path:
    # ASCII escapes, so that a lone surrogate reaches the file as `\ud800` as a hostile file has it.
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def assert_refused(store: Store, path: Path, match: str) -> None:
    before = snapshot(store)
    with pytest.raises(ImportRefused, match=match) as refused:
        import_file(store, path)
    message = str(refused.value)
    assert "\n" not in message
    assert message.endswith("nothing was imported")
    assert snapshot(store) == before


# --- bytes that are not a usable JSON document ---------------------------------------------------


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"", "empty"),
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"format": "asb-tui-export", "version": NaN, "cases": []}', "NaN"),
        (b'{"format": "asb-tui-export", "format": "x", "version": 1, "cases": []}', "twice"),
        (b'{"version": 1, "cases": [], "n": ' + b"9" * 5000 + b"}", "cannot be read"),
        (b"[]", "not an asb-tui export"),
    ],
    ids=["empty", "bad-json", "not-utf8", "deep", "nan", "duplicate-key", "huge-number", "list"],
)
def test_unreadable_bytes_are_refused(
    target: Store, tmp_path: Path, data: bytes, match: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(data)
    assert_refused(target, path, match)


def test_truncated_file_is_refused(target: Store, tmp_path: Path, document: dict[str, Any]) -> None:
    whole = json_export.dumps(document).encode("utf-8")
    path = tmp_path / "cut.json"
    path.write_bytes(whole[: len(whole) * 2 // 3])
    assert_refused(target, path, "truncated or damaged")


def test_missing_file_and_directory_are_refused(target: Store, tmp_path: Path) -> None:
    assert_refused(target, tmp_path / "nope.json", "cannot read")
    assert_refused(target, tmp_path, "not a regular file")


def test_huge_file_is_refused_before_reading(target: Store, tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:  # sparse: no disk space used
        handle.truncate(json_export.MAX_FILE_BYTES + 1)
    assert_refused(target, path, "at most 200 MB")


# --- well-formed JSON with hostile or wrong content ---------------------------------------------

Mutation = Callable[[dict[str, Any]], None]


def _first(doc: dict[str, Any], table: str) -> dict[str, Any]:
    entry = next(e for e in doc["cases"] if e[table])
    found: dict[str, Any] = entry[table][0] if table != "case" else entry["case"]
    return found


def _set(table: str, field: str, value: Any) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        _first(doc, table)[field] = value

    return mutate


def _delete(table: str, field: str) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        del _first(doc, table)[field]

    return mutate


def _other_case_id(doc: dict[str, Any]) -> None:
    doc["cases"][0]["incident"][0]["case_id"] = doc["cases"][1]["case"]["id"]


def _person_of_other_case(doc: dict[str, Any]) -> None:
    doc["cases"][0]["case_party"][0]["person_id"] = doc["cases"][1]["person"][0]["id"]


def _duplicate_id(doc: dict[str, Any]) -> None:
    incidents = doc["cases"][0]["incident"]
    incidents[1]["id"] = incidents[0]["id"]


def _duplicate_id_across_cases(doc: dict[str, Any]) -> None:
    doc["cases"][1]["note"] = [
        {**doc["cases"][0]["incident"][0]}
        | {k: v for k, v in doc["cases"][1]["case"].items() if k == "id"}
    ]


def _duplicate_case(doc: dict[str, Any]) -> None:
    doc["cases"].append(copy.deepcopy(doc["cases"][0]))


def _unknown_table(doc: dict[str, Any]) -> None:
    doc["cases"][0]["secrets"] = []


def _table_not_list(doc: dict[str, Any]) -> None:
    doc["cases"][0]["incident"] = {"0": doc["cases"][0]["incident"][0]}


def _row_not_object(doc: dict[str, Any]) -> None:
    doc["cases"][0]["incident"][0] = "incident"


def _no_case(doc: dict[str, Any]) -> None:
    del doc["cases"][0]["case"]


MUTATIONS: dict[str, tuple[Mutation, str]] = {
    "wrong-format": (lambda d: d.update(format="something-else"), "not an asb-tui export"),
    "newer-version": (lambda d: d.update(version=4), "newer asb-tui"),
    "older-version": (lambda d: d.update(version=0), "not supported"),
    "version-as-text": (lambda d: d.update(version="1"), "no format version"),
    "unknown-top-level": (lambda d: d.update(extra=1), "unknown top-level"),
    "cases-not-list": (lambda d: d.update(cases={}), "no list of cases"),
    "unknown-table": (_unknown_table, "unknown table"),
    "no-case-record": (_no_case, "no 'case' record"),
    "table-not-list": (_table_not_list, "must be a JSON array"),
    "row-not-object": (_row_not_object, "must be a JSON object"),
    "unknown-field": (_set("incident", "evil", "x"), "unknown field"),
    "missing-field": (_delete("case", "summary"), "missing field"),
    "missing-id": (_delete("person", "id"), "missing field"),
    # Only a version 1 file (an earlier release's) may lack the fields added since.
    "missing-identity": (_delete("person", "identity_id"), "missing field"),
    "date-as-number": (_set("case", "referred_on", 20260101), "expected a date"),
    "bad-date": (_set("case", "referred_on", "2026-02-30"), "referred_on"),
    "date-not-iso": (_set("case", "referred_on", "20260101"), "YYYY-MM-DD"),
    "naive-datetime": (_set("case", "created_at", "2026-01-01T10:00:00"), "time zone"),
    "bool-as-text": (_set("incident", "reported_to_police", "yes"), "true or false"),
    "int-as-text": (_set("case", "reopen_count", "1"), "whole number"),
    "int-as-float": (_set("case", "reopen_count", 1.5), "whole number"),
    "int-too-big": (_set("case", "reopen_count", 2**70), "too large"),
    "text-as-number": (_set("person", "name", 42), "expected text"),
    "null-required": (_set("person", "name", None), "must have a value"),
    "json-column-shape": (_set("visit", "signposting", {"a": 1}), "JSON array"),
    "lone-surrogate": (_set("person", "name", "Ann \ud800"), "surrogate"),
    "unknown-status": (_set("case", "status", "pwned"), "is not one of"),
    "unknown-role": (_set("case_party", "role", "boss"), "is not one of"),
    "id-not-uuid": (_set("incident", "id", "1; DROP TABLE incident"), "UUID"),
    "case-id-of-other-case": (_other_case_id, "belongs to another case"),
    "person-of-other-case": (_person_of_other_case, "names no person row of this case"),
    "dangling-run": (
        _set("door_enquiry", "run_id", "6f1e0c44-5a7e-4c1e-8d3a-1f0b8b0e9d11"),
        "names no h2h_run",
    ),
    "duplicate-id": (_duplicate_id, "appears twice"),
    "duplicate-case": (_duplicate_case, "appears twice"),
    "empty-ref": (_set("case", "ref", " "), "case reference"),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_hostile_content_is_refused(
    target: Store, tmp_path: Path, document: dict[str, Any], name: str
) -> None:
    mutate, match = MUTATIONS[name]
    hostile = copy.deepcopy(document)
    mutate(hostile)
    assert_refused(target, write(tmp_path / f"{name}.json", hostile), match)


def test_a_case_already_in_the_store_is_refused(
    store: Store, tmp_path: Path, document: dict[str, Any]
) -> None:
    path = write(tmp_path / "once.json", document)
    first = import_file(store, path)
    assert first.cases == 8  # 6 seeded cases and 2 worked through the commands
    ref = document["cases"][0]["case"]["ref"]
    assert_refused(store, path, f"case {ref} is already in this store")


def test_a_record_id_already_in_the_store_is_refused(
    store: Store, tmp_path: Path, document: dict[str, Any]
) -> None:
    import_file(store, write(tmp_path / "one.json", {**document, "cases": document["cases"][:1]}))
    # Same records under a new case reference: the ids give them away.
    renamed = copy.deepcopy({**document, "cases": document["cases"][:1]})
    renamed["cases"][0]["case"]["ref"] = "ASB-2026-ZZZ-00001"
    assert_refused(store, write(tmp_path / "two.json", renamed), "already in this store")


def test_a_failure_half_way_through_writing_leaves_nothing(
    store: Store, tmp_path: Path, document: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    real_add = UnitOfWork.add
    calls = {"n": 0}

    def failing_add(self: UnitOfWork, row: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 40:
            raise IntegrityError("INSERT", {}, Exception("disk said no"))
        return real_add(self, row, **kwargs)

    monkeypatch.setattr(UnitOfWork, "add", failing_add)
    assert_refused(store, write(tmp_path / "half.json", document), "store refused the data")
    assert calls["n"] == 40


def test_refused_import_leaves_the_database_file_alone(
    target: Store, tmp_path: Path, document: dict[str, Any]
) -> None:
    hostile = copy.deepcopy(document)
    hostile["cases"][-1]["incident"].append({"id": "x"})
    size_before = os.path.getsize(target.paths.database)
    assert_refused(target, write(tmp_path / "late.json", hostile), "case 8")
    assert os.path.getsize(target.paths.database) == size_before
