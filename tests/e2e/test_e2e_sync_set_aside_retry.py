"""A pulled change set aside is kept whole (table, row id, fields, version), encrypted in the store
with its reason, and tried again by every sync (before and after its pull): one that now applies
is applied and leaves the list, one that still cannot stays with its reason. On SQLite and
PostgreSQL services; the last step through the real `asb-tui sync`."""

# ruff: noqa: F811  (the fixtures imported from sync_e2e_support are test arguments)

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlmodel import select
from sync_e2e_support import (  # noqa: F401  (fixtures)
    PASSPHRASE,
    Laptop,
    LaptopFactory,
    RawDevice,
    assert_no_traceback,
    central,
    central_db,
    laptops,
    run_cli,
    same_ref_case,
    unique_team,
)

from asb_tui.store.core.models import AuditEvent, CaseParty, Person, SetAsideChange
from asb_tui.store.core.serialize import row_to_dict
from asb_tui.store.core.store import open_store
from asb_tui.store.replica.sync_state import set_aside_changes


def _party(case_id: str, person_id: str, notes: str) -> dict[str, Any]:
    row_id = str(uuid.uuid4())
    return {
        "table": "case_party", "row_id": row_id, "case_id": case_id, "op": "insert",
        "fields": {"id": row_id, "case_id": case_id, "person_id": person_id,
                   "role": "witness", "vulnerabilities": "", "further_needs": "", "notes": notes},
    }  # fmt: skip


def _person(laptop: Laptop, case_id: str, person_id: str) -> dict[str, Any]:
    with laptop.store.read() as session:
        victim = session.exec(select(Person).where(Person.case_id == case_id)).one()
        fields = {**row_to_dict(victim), "id": person_id, "name": "Witness Wyn"}
    fields.pop("version", None)
    return {"table": "person", "row_id": person_id, "case_id": case_id, "op": "insert",
            "fields": fields}  # fmt: skip


def _store_bytes(data_dir: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(data_dir.rglob("*")) if p.is_file())


def test_a_set_aside_change_is_kept_whole_and_applied_once_it_can_be(
    central: Any, laptops: LaptopFactory
) -> None:
    team = unique_team()
    ann = laptops(team=team, name="Ann")
    case_id = ann.new_case("Shouting in the car park", victim_name="Robin")
    assert ann.sync().result.ok
    mallory = RawDevice(central, team)
    witness_id = str(uuid.uuid4())
    marker = f"marker-{uuid.uuid4().hex}"
    # A party naming a person sent later, and a case under a reference already taken.
    party = _party(case_id, witness_id, marker)
    reply = mallory.push([party, same_ref_case(ann, case_id)])
    assert reply.status_code == 200 and reply.json()["refused"] == [], reply.text

    bob = laptops(team=team, name="Bob")
    first = bob.sync()
    assert first.result.ok and first.result.set_aside_pulled == 2
    assert first.set_aside_applied == 0
    with bob.store.read() as session:
        rows = {r.table_name: r for r in session.exec(select(SetAsideChange))}
    kept_party = rows["case_party"]
    assert kept_party.row_id == party["row_id"] and kept_party.op == "insert"
    assert kept_party.fields == party["fields"] and kept_party.version >= 1
    assert "person_id refers to a person this laptop does not hold" in kept_party.reason
    # Kept in the encrypted store: the marker is in no file of the laptop in clear.
    bob.store.close()
    assert marker.encode() not in _store_bytes(bob.data_dir)
    bob.store = open_store(bob.data_dir, PASSPHRASE, actor=bob.name)

    # Nothing new: the retry at the start of a sync leaves both where they are.
    again = bob.sync()
    assert again.set_aside_applied == 0 and len(set_aside_changes(bob.store)) == 2

    # The person arrives: the party now applies (after this pull), and leaves the list.
    reply = mallory.push([_person(ann, case_id, witness_id)])
    assert reply.status_code == 200 and reply.json()["refused"] == [], reply.text
    bob.store.close()
    done = run_cli("sync", data_dir=bob.data_dir)
    assert_no_traceback(done)
    assert done.returncode == 0, done.stderr
    assert "applied 1 received changes set aside before" in done.stdout, done.stdout
    bob.store = open_store(bob.data_dir, PASSPHRASE, actor=bob.name)
    with bob.store.read() as session:
        witness = session.exec(select(CaseParty).where(CaseParty.id == party["row_id"])).one()
        (event,) = session.exec(
            select(AuditEvent).where(AuditEvent.action == "sync.retry_set_aside")
        ).all()
    assert witness.person_id == witness_id and witness.notes == marker
    assert event.details["seqs"] == [kept_party.seq]
    left = set_aside_changes(bob.store)
    assert [(v.table, v.direction) for v in left] == [("asb_case", "received")]
    assert "UNIQUE constraint failed: asb_case.ref" in left[0].reason
    # and the one that still cannot apply stays, tried again without harm
    later = bob.sync()
    assert later.result.ok and later.set_aside_applied == 0
    assert len(set_aside_changes(bob.store)) == 1
