"""A pulled change that breaks an integrity rule of the laptop's database (a row whose parent the
laptop does not hold, a case whose reference another case already has) is set aside alone, with
its reason; the rest of its page is applied and the cursor moves past it, on SQLite and
PostgreSQL services. (Schema and type problems: test_e2e_sync_hostile.py.)"""

# ruff: noqa: F811  (the fixtures imported from sync_e2e_support are test arguments)

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import select
from sync_e2e_support import (  # noqa: F401  (fixtures)
    Laptop,
    LaptopFactory,
    RawDevice,
    central,
    central_db,
    laptops,
    same_ref_case,
    unique_team,
)

from asb_tui.store.core.models import Case, CaseParty, Note
from asb_tui.store.replica.replica import StoreReplica
from asb_tui.store.replica.sync_state import set_aside_changes


def _note(case_id: str, body: str) -> dict[str, Any]:
    row_id = str(uuid.uuid4())
    return {
        "table": "note", "row_id": row_id, "case_id": case_id, "op": "insert",
        "append_only": True,
        "fields": {"id": row_id, "case_id": case_id, "body": body, "kind": "general",
                   "author": "m", "created_at": "2026-01-05T10:00:00+00:00"},
    }  # fmt: skip


def _orphan_party(case_id: str) -> dict[str, Any]:
    """A party naming a person that exists nowhere."""
    row_id = str(uuid.uuid4())
    return {
        "table": "case_party", "row_id": row_id, "case_id": case_id, "op": "insert",
        "fields": {"id": row_id, "case_id": case_id, "person_id": str(uuid.uuid4()),
                   "role": "witness", "vulnerabilities": "", "further_needs": "", "notes": ""},
    }  # fmt: skip


def _bodies(laptop: Laptop, case_id: str) -> set[str]:
    with laptop.store.read() as session:
        return {n.body for n in session.exec(select(Note).where(Note.case_id == case_id))}


def test_a_change_breaking_the_laptops_rules_is_set_aside_and_the_rest_applied(
    central: Any, laptops: LaptopFactory
) -> None:
    team = unique_team()
    ann = laptops(team=team, name="Ann")
    case_id = ann.new_case("Threats on the stairs", victim_name="Robin")
    assert ann.sync().result.ok
    mallory = RawDevice(central, team)
    reply = mallory.push([
        _note(case_id, "before the orphan"), _orphan_party(case_id),
        _note(case_id, "between the two"), same_ref_case(ann, case_id),
        _note(case_id, "after both"),
    ])  # fmt: skip
    assert reply.status_code == 200, reply.text
    assert reply.json()["refused"] == []  # the service cannot know what each laptop holds

    for laptop in (ann, laptops(team=team, name="Bob")):
        outcome = laptop.sync()
        assert outcome.result.ok, outcome.result.error
        assert outcome.result.set_aside_pulled == 2
        assert _bodies(laptop, case_id) == {"before the orphan", "between the two", "after both"}
        with laptop.store.read() as session:
            assert [p.role for p in session.exec(select(CaseParty))] == ["victim"]
            (case,) = session.exec(select(Case)).all()
        assert case.id == case_id and case.summary == "Threats on the stairs"
        reasons = {v.table: v.reason for v in set_aside_changes(laptop.store)}
        assert "UNIQUE constraint failed: asb_case.ref" in reasons["asb_case"]
        assert "its person_id refers to a person this laptop does not hold" in reasons["case_party"]
        # The cursor moved past them in the same transaction: the next sync pulls nothing
        # again and sets nothing aside twice.
        cursor = StoreReplica(laptop.store).pull_cursor()
        again = laptop.sync()
        assert again.result.ok and again.result.pulled == 0 and again.result.set_aside_pulled == 0
        assert StoreReplica(laptop.store).pull_cursor() == cursor
        assert len(set_aside_changes(laptop.store)) == 2
    ann.edit_case(case_id, {"summary": "Threats and damage"})
    assert ann.sync().result.pushed == 1
