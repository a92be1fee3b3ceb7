"""The audit chain: `asb-tui audit verify` passes an intact chain (count and head hash) and names
the first event that was altered, deleted or re-hashed."""

from __future__ import annotations

import itertools
import json
from datetime import date

import laptop_testkit as _helpers
import pytest
from sqlmodel import col, select
from tamper_kit import tampering_with, write_engine

from asb_tui.store.core.audit import GENESIS, chain_head, event_hash, verify_chain
from asb_tui.store.core.models import AuditEvent, Case, Incident, Note
from asb_tui.store.core.store import Store, open_store

run_cli = _helpers.run_cli
assert_no_traceback = _helpers.assert_no_traceback
PASSPHRASE: str = _helpers.PASSPHRASE


@pytest.fixture
def audited_store(store: Store) -> Store:
    """Events 1..6: store.create, case.refer, three incidents, a note."""
    with store.write() as uow:
        case = uow.add(
            Case(
                ref="ASB-2026-00003",
                category="personal",
                status="accepted",
                referred_on=date(2026, 11, 2),
            ),
            action="case.refer",
        )
    for day in (3, 4, 5):
        with store.write() as uow:
            uow.add(
                Incident(
                    case_id=case.id,
                    occurred_on=date(2026, 11, day),
                    description="Banging on the wall",
                ),
                action="incident.add",
            )
    with store.write() as uow:
        uow.add(Note(case_id=case.id, body="Police informed"), action="note.add")
    return store


def _tamper(store: Store, sql: str) -> None:
    """Raw SQL past the unit of work, as someone editing the file with the key would."""
    with tampering_with(write_engine(store)) as conn:
        conn.exec_driver_sql(sql)
    store.close()


def _verify(store: Store) -> tuple[int, str]:
    result = run_cli("audit", "verify", data_dir=store.paths.data_dir)
    assert_no_traceback(result)
    assert result.stderr == "", result.stderr
    return result.returncode, result.stdout


def test_intact_chain_verifies_with_count_and_head(audited_store: Store) -> None:
    with audited_store.read() as session:
        head = chain_head(session)
        events = session.exec(select(AuditEvent).order_by(col(AuditEvent.seq))).all()
    assert head.count == 6
    assert [e.seq for e in events] == [1, 2, 3, 4, 5, 6]
    assert events[0].prev_hash == GENESIS
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(events))
    audited_store.close()
    code, out = _verify(audited_store)
    assert code == 0, out
    assert "6 events" in out
    assert head.hash in out


def test_events_hold_field_names_never_values(audited_store: Store) -> None:
    with audited_store.read() as session:
        events = session.exec(select(AuditEvent)).all()
    text = json.dumps([e.details for e in events])
    assert "Banging on the wall" not in text
    assert "Police informed" not in text
    incident_event = next(e for e in events if e.action == "incident.add")
    assert "description" in incident_event.details["fields"]


def test_altered_action_is_named(audited_store: Store) -> None:
    _tamper(audited_store, "UPDATE audit_event SET action = 'incident.view' WHERE seq = 4")
    code, out = _verify(audited_store)
    assert code == 1
    assert "event 4" in out and "altered" in out


def test_altered_details_are_named(audited_store: Store) -> None:
    _tamper(audited_store, """UPDATE audit_event SET details = '{"fields": []}' WHERE seq = 3""")
    code, out = _verify(audited_store)
    assert code == 1
    assert "event 3" in out


def test_altered_actor_is_named(audited_store: Store) -> None:
    _tamper(audited_store, "UPDATE audit_event SET actor = 'Someone Else' WHERE seq = 2")
    code, out = _verify(audited_store)
    assert code == 1
    assert "event 2" in out


def test_deleted_event_in_the_middle_is_named(audited_store: Store) -> None:
    _tamper(audited_store, "DELETE FROM audit_event WHERE seq = 3")
    code, out = _verify(audited_store)
    assert code == 1
    assert "event 3 is missing" in out


def test_rewritten_event_with_a_fresh_hash_breaks_the_next_link(audited_store: Store) -> None:
    """Re-hashing an altered event does not help: the next event still links to the old hash."""
    with audited_store.read() as session:
        conn = session.connection()
        (prev,) = conn.exec_driver_sql("SELECT hash FROM audit_event WHERE seq = 3").one()
    with audited_store.read() as session:
        event = session.get(AuditEvent, 4)
        assert event is not None
        event.action = "incident.view"
        forged = event_hash(prev, event)
    _tamper(
        audited_store,
        f"UPDATE audit_event SET action = 'incident.view', hash = '{forged}' WHERE seq = 4",
    )
    reopened = open_store(audited_store.paths.data_dir, PASSPHRASE, actor="Checker")
    with reopened, reopened.read() as session:
        result = verify_chain(session)
    assert not result.ok
    assert result.broken_seq == 5
    assert result.count == 4  # the events before the break
    code, out = _verify(audited_store)
    assert code == 1
    assert "event 5" in out
