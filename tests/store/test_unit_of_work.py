"""The one write path: row, audit event and change record commit together or not at all; updates
record only what changed; append-only rows refuse edits; per-device counters have no gaps."""

from __future__ import annotations

import threading
import uuid
from datetime import date
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select
from tamper_kit import tampering_with, write_engine

from asb_tui.store.core import settings
from asb_tui.store.core.audit import verify_chain
from asb_tui.store.core.models import AuditEvent, Case, ChangeRecord, Incident, Note
from asb_tui.store.core.store import Store


def _new_case(ref: str = "ASB-2026-00010", **fields: Any) -> Case:
    return Case(
        ref=ref, category="personal", status="accepted", referred_on=date(2026, 11, 2), **fields
    )


def _counts(store: Store) -> dict[str, int]:
    with store.read() as session:
        return {
            model.__name__: session.exec(select(func.count()).select_from(model)).one()
            for model in (Case, Incident, AuditEvent, ChangeRecord)
        }


def _changes(session: Session, row_id: str) -> list[ChangeRecord]:
    return list(
        session.exec(
            select(ChangeRecord)
            .where(ChangeRecord.row_id == row_id)
            .order_by(col(ChangeRecord.counter))
        ).all()
    )


def _events(session: Session, entity_id: str) -> list[AuditEvent]:
    return list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.entity_id == entity_id)
            .order_by(col(AuditEvent.seq))
        ).all()
    )


def _counters(store: Store) -> list[int]:
    with store.read() as session:
        return list(
            session.exec(
                select(ChangeRecord.counter)
                .where(ChangeRecord.device_id == store.device_id)
                .order_by(col(ChangeRecord.counter))
            ).all()
        )


@pytest.fixture
def case(store: Store) -> Case:
    with store.write() as uow:
        return uow.add(_new_case(summary="Noise", location="Flat 3"), action="case.refer")


# --- all or nothing ---------------------------------------------------------------------------


def test_a_failure_inside_the_block_leaves_nothing(store: Store, case: Case) -> None:
    before = _counts(store)
    with pytest.raises(RuntimeError, match="officer pressed cancel"), store.write() as uow:
        uow.add(
            Incident(case_id=case.id, occurred_on=date(2026, 11, 3), description="x"),
            action="incident.add",
        )
        uow.add(_new_case("ASB-2026-00011"), action="case.refer")
        raise RuntimeError("officer pressed cancel")
    assert _counts(store) == before
    with store.read() as session:
        assert settings.get(session, settings.DEVICE_COUNTER) == "1"
        assert verify_chain(session).ok


def test_a_database_error_leaves_nothing(store: Store, case: Case) -> None:
    """Foreign keys are on: an incident of an unknown case fails and takes nothing with it."""
    before = _counts(store)
    with pytest.raises(IntegrityError), store.write() as uow:
        uow.add(Incident(case_id=case.id, occurred_on=date(2026, 11, 3)), action="incident.add")
        uow.add(
            Incident(case_id=str(uuid.uuid4()), occurred_on=date(2026, 11, 3)),
            action="incident.add",
        )
    assert _counts(store) == before


def test_every_write_stores_row_event_and_change_record(store: Store, case: Case) -> None:
    with store.write() as uow:
        incident = uow.add(
            Incident(case_id=case.id, occurred_on=date(2026, 11, 3), description="Graffiti"),
            action="incident.add",
        )
    with store.read() as session:
        (change,) = _changes(session, incident.id)
        (event,) = _events(session, incident.id)
    assert change.op == "insert" and change.table_name == "incident"
    assert change.case_id == case.id and change.append_only
    assert change.fields["description"] == "Graffiti"
    assert change.base_version is None
    assert event.action == "incident.add" and event.case_id == case.id
    assert event.actor == store.actor and event.device_id == store.device_id
    assert "Graffiti" not in str(event.details)


def test_audit_only_writes_an_event_and_no_change(store: Store, case: Case) -> None:
    before = _counts(store)
    with store.write() as uow:
        uow.audit_only(
            action="case.export",
            entity="asb_case",
            entity_id=case.id,
            case_id=case.id,
            details={"format": "json"},
        )
    after = _counts(store)
    assert after["AuditEvent"] == before["AuditEvent"] + 1
    assert after["ChangeRecord"] == before["ChangeRecord"]


# --- updates ----------------------------------------------------------------------------------


def test_update_records_only_the_fields_that_changed(store: Store, case: Case) -> None:
    with store.write() as uow:
        row = uow.reads.get(Case, case.id)
        assert row is not None
        uow.update(
            row,
            {"summary": "Noise and threats", "location": "Flat 3", "status": "accepted"},
            action="case.edit",
        )
    with store.read() as session:
        insert, update = _changes(session, case.id)
        events = _events(session, case.id)
        stored = session.get(Case, case.id)
    assert insert.op == "insert"
    assert update.op == "update"
    assert update.fields == {"summary": "Noise and threats"}
    assert events[-1].action == "case.edit"
    assert events[-1].details == {"fields": ["summary"]}
    assert stored is not None and stored.summary == "Noise and threats"


def test_update_that_changes_nothing_records_nothing(store: Store, case: Case) -> None:
    before = _counts(store)
    with store.write() as uow:
        row = uow.reads.get(Case, case.id)
        assert row is not None
        uow.update(row, {"summary": "Noise", "location": "Flat 3"}, action="case.edit")
    assert _counts(store) == before


def test_update_converts_dates_for_the_change_record(store: Store, case: Case) -> None:
    with store.write() as uow:
        row = uow.reads.get(Case, case.id)
        assert row is not None
        uow.update(row, {"accepted_on": date(2026, 11, 5)}, action="case.accept")
    with store.read() as session:
        assert _changes(session, case.id)[-1].fields == {"accepted_on": "2026-11-05"}


@pytest.mark.parametrize("field", ["id", "version", "case_id", "no_such_column"])
def test_keys_and_unknown_fields_cannot_be_updated(store: Store, case: Case, field: str) -> None:
    before = _counts(store)
    with pytest.raises(ValueError, match="no editable field"), store.write() as uow:
        row = uow.reads.get(Case, case.id)
        assert row is not None
        uow.update(row, {field: "x"}, action="case.edit")
    assert _counts(store) == before


def test_append_only_rows_refuse_updates(store: Store, case: Case) -> None:
    with store.write() as uow:
        incident = uow.add(
            Incident(case_id=case.id, occurred_on=date(2026, 11, 3), description="As typed"),
            action="incident.add",
        )
    before = _counts(store)
    with pytest.raises(ValueError, match="append-only"), store.write() as uow:
        row = uow.reads.get(Incident, incident.id)
        assert row is not None
        uow.update(row, {"description": "Rewritten"}, action="incident.edit")
    assert _counts(store) == before
    with store.read() as session:
        stored = session.get(Incident, incident.id)
        assert stored is not None and stored.description == "As typed"


def test_base_version_follows_the_rows_version(store: Store, case: Case) -> None:
    with store.write() as uow:
        row = uow.reads.get(Case, case.id)
        assert row is not None
        uow.update(row, {"summary": "first edit"}, action="case.edit")
    # The sync client stores the server's version on the row after a pull.
    with tampering_with(write_engine(store)) as conn:
        conn.exec_driver_sql("UPDATE asb_case SET version = 7 WHERE id = ?", (case.id,))
    with store.write() as uow:
        row = uow.reads.get(Case, case.id)
        assert row is not None
        uow.update(row, {"summary": "second edit"}, action="case.edit")
    with store.read() as session:
        versions = [c.base_version for c in _changes(session, case.id)]
    assert versions == [None, 0, 7]


def test_delete_records_a_change_and_an_event(store: Store, case: Case) -> None:
    with store.write() as uow:
        note = uow.add(Note(case_id=case.id, body="Entered in error"), action="note.add")
    with store.write() as uow:
        row = uow.reads.get(Note, note.id)
        assert row is not None
        uow.delete(row, action="note.delete")
    with store.read() as session:
        assert session.get(Note, note.id) is None
        ops = [c.op for c in _changes(session, note.id)]
        actions = [e.action for e in _events(session, note.id)]
    assert ops == ["insert", "delete"]
    assert actions == ["note.add", "note.delete"]


# --- counters ---------------------------------------------------------------------------------


def test_counters_increase_by_one_per_change_without_gaps(store: Store, case: Case) -> None:
    with store.write() as uow:
        for day in (3, 4, 5):
            uow.add(
                Incident(case_id=case.id, occurred_on=date(2026, 11, day)), action="incident.add"
            )
    with pytest.raises(RuntimeError), store.write() as uow:
        uow.add(Incident(case_id=case.id, occurred_on=date(2026, 11, 6)), action="incident.add")
        raise RuntimeError("rolled back: its counter must be reused, not skipped")
    with store.write() as uow:
        uow.add(Incident(case_id=case.id, occurred_on=date(2026, 11, 7)), action="incident.add")
    assert _counters(store) == [1, 2, 3, 4, 5]


def test_concurrent_writers_never_share_or_skip_a_counter(store: Store, case: Case) -> None:
    """Two threads, each with its own unit of work: BEGIN IMMEDIATE serialises them."""
    errors: list[BaseException] = []

    def writer(tag: str) -> None:
        try:
            for n in range(15):
                with store.write(actor=f"Writer {tag}") as uow:
                    uow.add(
                        Incident(
                            case_id=case.id, occurred_on=date(2026, 11, 3), description=f"{tag}{n}"
                        ),
                        action="incident.add",
                    )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(tag,)) for tag in "AB"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert _counters(store) == list(range(1, 32))
    with store.read() as session:
        result = verify_chain(session)
        assert result.ok, result.problem
        assert result.count == 2 + 30  # store.create, case.refer, the incidents
