"""The write boundary holds: the only way to write is a method of the unit of work.

Two halves. A static scan of the app's source proves no module outside `store/core` reaches the
private write engine or the unit of work's private session, opens a session of its own on an
engine, or asks for the replica's writer (only `store/replica` may). Then the run-time gate is
tried on a real encrypted store: a write made past the methods, through the session the unit of
work lends for reading, through a read session, or by the replica's writer without its audit
event, is refused and leaves nothing behind.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from asb_tui.store.core.models import AuditEvent, Case, ChangeRecord, Note, Setting
from asb_tui.store.core.store import Store
from asb_tui.store.core.write_gate import WriteOutsideUnitOfWork

PACKAGE = Path(__file__).resolve().parents[2] / "asb_tui"
CORE = PACKAGE / "store" / "core"
REPLICA = PACKAGE / "store" / "replica"
PRIVATE = {"_write_engine", "_session", "_write", "_gate"}


def _modules(outside: Path) -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py")) if outside not in p.parents]


def _findings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        where = f"{path.relative_to(PACKAGE.parent)}:{getattr(node, 'lineno', 0)}"
        # `self._session` of a class of one's own is not the unit of work's.
        own = isinstance(node, ast.Attribute) and (
            isinstance(node.value, ast.Name) and node.value.id == "self"
        )
        if isinstance(node, ast.Attribute) and node.attr in PRIVATE and not own:
            found.append(f"{where} touches .{node.attr}")
        if isinstance(node, ast.Attribute) and node.attr in {"write_engine", "write_gate"}:
            found.append(f"{where} touches .{node.attr}")
        if (
            isinstance(node, ast.ImportFrom)
            and node.module == "asb_tui.store.core"
            and any(alias.name == "write_gate" for alias in node.names)
        ):
            found.append(f"{where} imports the write gate")
        if isinstance(node, ast.ImportFrom) and node.module == "asb_tui.store.core.write_gate":
            found.append(f"{where} imports the write gate")
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name == "Session" and node.args:
                found.append(f"{where} opens a session on an engine")
            if name == "replica_writer" and REPLICA not in path.parents:
                found.append(f"{where} asks for the replica's writer")
            if name in {"make_engines", "unit_of_work", "writer_of_kind"}:
                found.append(f"{where} makes its own engine or unit of work")
    return found


def test_nothing_outside_the_core_reaches_the_write_engine_or_session() -> None:
    scanned = _modules(CORE)
    assert len(scanned) > 50  # the scan saw the app, not an empty directory
    found = [finding for path in scanned for finding in _findings(path)]
    assert found == []


def test_the_scan_catches_a_write_around_the_unit_of_work(tmp_path: Path) -> None:
    """The scan is not vacuous: each way around, written as a module would, is found."""
    sneaky = PACKAGE / "store" / "commands" / "_sneaky_for_the_scan.py"
    source = (
        "from sqlmodel import Session\n"
        "def a(store, uow):\n"
        "    Session(store._write_engine)\n"
        "    uow._session.add(1)\n"
        "    store.write_engine\n"
        "    store.replica_writer()\n"
    )
    sneaky.write_text(source, encoding="utf-8")
    try:
        found = _findings(sneaky)
    finally:
        sneaky.unlink()
    assert len(found) == 5, found


def test_the_store_never_loads_the_http_client() -> None:
    """At run time too: importing every store module brings in neither httpx nor sync.client."""
    probe = (
        "import importlib, pkgutil, sys\n"
        "import asb_tui.store as p\n"
        "for i in pkgutil.walk_packages(p.__path__, 'asb_tui.store.'):\n"
        "    if '.migrations' not in i.name: importlib.import_module(i.name)\n"
        "banned = ('httpx', 'sync.client', 'asb_tui.services.sync_run')\n"
        "bad = [m for m in banned if m in sys.modules]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- the gate, on a real store -----------------------------------------------------------------


def _case(store: Store) -> Case:
    with store.write() as uow:
        return uow.add(
            Case(ref="ASB-2026-T-00001", category="personal", status="accepted",
                 summary="As typed", referred_on=date(2026, 11, 2)),
            action="case.create",
        )  # fmt: skip


def _counts(store: Store) -> tuple[int, int, int]:
    with store.read() as session:
        return (
            len(session.exec(select(Note)).all()),
            len(session.exec(select(AuditEvent)).all()),
            len(session.exec(select(ChangeRecord)).all()),
        )


def test_a_row_added_to_the_lent_session_is_refused(store: Store) -> None:
    case = _case(store)
    before = _counts(store)
    with pytest.raises(WriteOutsideUnitOfWork), store.write() as uow:
        uow.reads.add(Note(case_id=case.id, body="no audit event, no change record"))
    assert _counts(store) == before


def test_a_stray_row_is_not_carried_in_by_a_proper_write(store: Store) -> None:
    """A row slipped into the session is refused even when a proper write follows it."""
    case = _case(store)
    before = _counts(store)
    with pytest.raises(WriteOutsideUnitOfWork), store.write() as uow:
        uow.reads.add(Note(case_id=case.id, body="slipped in"))
        uow.add(Note(case_id=case.id, body="proper"), action="note.add")
    assert _counts(store) == before


def test_an_edit_made_on_a_row_of_the_session_is_refused(store: Store) -> None:
    case = _case(store)
    with pytest.raises(WriteOutsideUnitOfWork), store.write() as uow:
        row = uow.reads.get(Case, case.id)
        assert row is not None
        row.summary = "changed behind the unit of work's back"
    with store.read() as session:
        stored = session.get(Case, case.id)
        assert stored is not None and stored.summary == "As typed"


def test_sql_run_on_the_lent_session_is_refused(store: Store) -> None:
    case = _case(store)
    with pytest.raises(WriteOutsideUnitOfWork), store.write() as uow:
        uow.reads.execute(
            text("UPDATE asb_case SET summary = 'raw' WHERE id = :id"), {"id": case.id}
        )
    with store.read() as session:
        stored = session.get(Case, case.id)
        assert stored is not None and stored.summary == "As typed"


def test_a_read_session_cannot_write(store: Store) -> None:
    with pytest.raises(OperationalError, match="readonly"), store.read() as session:
        session.add(Setting(key="sneaky", value="1"))
        session.commit()
    with store.read() as session:
        assert session.get(Setting, "sneaky") is None


def test_local_methods_refuse_a_table_that_syncs(store: Store) -> None:
    case = _case(store)
    with pytest.raises(ValueError, match="sync"), store.write() as uow:
        uow.keep_local(Note(case_id=case.id, body="would never reach the service"))
    assert _counts(store)[0] == 0


def test_the_replica_writer_refuses_pulled_rows_without_their_audit_event(store: Store) -> None:
    case = _case(store)
    before = _counts(store)
    note = Note.__table__  # type: ignore[attr-defined]
    row: dict[str, Any] = {
        "id": "00000000-0000-4000-8000-000000000001",
        "case_id": case.id,
        "body": "pulled",
    }
    full = {c.name: row.get(c.name, Note(**row).__dict__.get(c.name)) for c in note.columns}
    with pytest.raises(WriteOutsideUnitOfWork, match="audit"), store.replica_writer() as writer:
        writer.apply_pulled(insert(note), [full])
    assert _counts(store) == before
    with store.replica_writer() as writer:
        writer.apply_pulled(insert(note), [full])
        writer.audit_only(action="sync.apply", entity="sync", entity_id="1")
    notes, events, records = _counts(store)
    # The pulled row is stored with its audit event, and makes no change record (no echo).
    assert (notes, events, records) == (before[0] + 1, before[1] + 1, before[2])


def test_the_replica_writer_writes_case_tables_only(store: Store) -> None:
    settings_table = Setting.__table__  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="case tables"), store.replica_writer() as writer:
        writer.apply_pulled(insert(settings_table).values(key="device_id", value="forged"))


def test_a_session_of_its_own_on_the_write_engine_is_refused(store: Store) -> None:
    """What a module outside the core could do if it reached the engine (the scan above says
    none does): the gate still refuses it."""
    engine = store._write_engine
    with pytest.raises(WriteOutsideUnitOfWork), Session(engine) as session:
        session.add(Setting(key="sneaky", value="1"))
        session.commit()
    with store.read() as session:
        assert session.get(Setting, "sneaky") is None
