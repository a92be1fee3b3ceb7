"""End-to-end sync between laptops (test replicas) and a real server process, on SQLite and
PostgreSQL: merging, conflicts and their resolution, access scope, revocation, audit heads."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
from sync_server_testkit import Device, NewDevice, ServerProcess, run_cli, unique_team

from sync.client import SyncAuthError
from sync.protocol import AuditHead, ChangeOut, PushRequest


def _person(device: Device, person_id: str) -> dict[str, Any]:
    """The person row as the device holds it (a plain failure when it holds none)."""
    row = device.replica.get("person", person_id)
    assert row is not None, f"{person_id} is not on the device"
    return row


def _case_with_party(device: Device, team: str) -> tuple[str, str]:
    case_id = device.replica.new_case(team, summary="Noise at night", status="open")
    person_id = device.replica.insert(
        "person", {"name": "Pat Jones", "phone": "", "address": "1 High St"}, case_id=case_id
    )
    return case_id, person_id


def test_disjoint_field_edits_merge_in_either_order(new_device: NewDevice) -> None:
    team = unique_team()
    ann, bob = new_device(team=team), new_device(team=team)
    case_id, person_id = _case_with_party(ann, team)
    ann.sync()
    bob.sync()
    assert bob.replica.get("person", person_id) == ann.replica.get("person", person_id)

    ann.replica.update("person", person_id, {"phone": "07700 900123"})
    bob.replica.update("person", person_id, {"address": "2 Low Rd"})
    bob.sync()  # bob first this time
    ann.sync()
    bob.sync()
    expected = {"phone": "07700 900123", "address": "2 Low Rd"}
    for device in (ann, bob):
        row = device.replica.get("person", person_id)
        assert row is not None and {k: row[k] for k in expected} == expected
        assert device.replica.open_conflicts() == []
    assert ann.replica.snapshot() == bob.replica.snapshot()

    # and a second round with the other order, on the case row itself
    ann.replica.update("asb_case", case_id, {"summary": "Noise and threats"})
    bob.replica.update("asb_case", case_id, {"status": "accepted"})
    ann.sync()
    bob.sync()
    ann.sync()
    assert ann.replica.snapshot() == bob.replica.snapshot()
    case = ann.replica.get("asb_case", case_id)
    assert case is not None and (case["summary"], case["status"]) == (
        "Noise and threats",
        "accepted",
    )


@pytest.mark.parametrize("choice", ["mine", "theirs", "edit"])
def test_same_field_edit_is_a_conflict_on_both_devices_then_converges(
    new_device: NewDevice, choice: Literal["mine", "theirs", "edit"]
) -> None:
    team = unique_team()
    ann, bob = new_device(team=team), new_device(team=team)
    _case_id, person_id = _case_with_party(ann, team)
    ann.sync()
    bob.sync()

    ann.replica.update("person", person_id, {"phone": "111", "address": "A street"})
    bob.replica.update("person", person_id, {"phone": "222"})
    ann.sync()
    result = bob.sync()
    assert result.new_conflicts == 1
    ann.sync()

    bob_conflicts = bob.replica.open_conflicts()
    ann_conflicts = ann.replica.open_conflicts()
    assert len(bob_conflicts) == len(ann_conflicts) == 1
    assert bob_conflicts[0]["field"] == "phone"
    assert (bob_conflicts[0]["mine"], bob_conflicts[0]["theirs"]) == ("222", "111")
    assert (ann_conflicts[0]["mine"], ann_conflicts[0]["theirs"]) == ("111", "222")
    # the non-conflicting field merged
    assert _person(bob, person_id)["address"] == "A street"

    value = "333" if choice == "edit" else None
    bob.client.resolve_conflict(bob_conflicts[0]["id"], choice, value)
    # resolving twice is harmless and returns the resolution
    again = bob.client.resolve_conflict(bob_conflicts[0]["id"], choice, value)
    assert again.status == "resolved"
    bob.sync()
    ann.sync()
    expected = {"mine": "222", "theirs": "111", "edit": "333"}[choice]
    for device in (ann, bob):
        assert device.replica.open_conflicts() == []
        assert _person(device, person_id)["phone"] == expected
    assert ann.replica.snapshot() == bob.replica.snapshot()


def test_delete_of_a_row_edited_elsewhere_is_a_row_conflict(new_device: NewDevice) -> None:
    team = unique_team()
    ann, bob = new_device(team=team), new_device(team=team)
    case_id, _ = _case_with_party(ann, team)
    action_id = ann.replica.insert(
        "action", {"title": "Letter", "notes": "to send"}, case_id=case_id
    )
    ann.sync()
    bob.sync()
    ann.replica.update("action", action_id, {"notes": "sent"})
    bob.replica.delete("action", action_id)
    ann.sync()
    bob.sync()
    conflicts = bob.replica.open_conflicts()
    assert [c["field"] for c in conflicts] == ["*"]
    assert conflicts[0]["mine"] is None  # bob deleted it
    bob.client.resolve_conflict(conflicts[0]["id"], "theirs")  # keep ann's edited row
    bob.sync()
    ann.sync()
    for device in (ann, bob):
        assert device.replica.get("action", action_id) == {
            "id": action_id,
            "case_id": case_id,
            "title": "Letter",
            "notes": "sent",
        }
        assert device.replica.open_conflicts() == []


def test_append_only_records_never_conflict(new_device: NewDevice) -> None:
    team = unique_team()
    ann, bob = new_device(team=team), new_device(team=team)
    case_id, _ = _case_with_party(ann, team)
    ann.sync()
    bob.sync()
    for device, text in ((ann, "seen at 2am"), (bob, "shouting")):
        for n in range(3):
            device.replica.insert("incident", {"description": f"{text} {n}"}, case_id=case_id)
    ann.sync()
    bob.sync()
    ann.sync()
    assert ann.replica.snapshot() == bob.replica.snapshot()
    incidents = [k for k in ann.replica.snapshot() if k[0] == "incident"]
    assert len(incidents) == 6
    assert ann.replica.open_conflicts() == bob.replica.open_conflicts() == []


def test_officers_see_only_their_team_and_cases_shared_under_a_legal_basis(
    new_device: NewDevice,
) -> None:
    team_a, team_b = unique_team(), unique_team()
    ann = new_device(team=team_a)
    bob = new_device(team=team_b, agency="police")
    case_id, person_id = _case_with_party(ann, team_a)
    ann.replica.insert("note", {"body": "private"}, case_id=case_id)
    ann.replica.insert(
        "sharing_record",
        {"agency": "police", "legal_basis": "  ", "what": "summary"},
        case_id=case_id,
    )
    ann.sync()
    bob.sync()
    assert bob.replica.snapshot() == {}  # a share without a legal basis grants nothing

    # bob pushing into ann's case is refused, and nothing of it applies
    bob.replica.insert("note", {"body": "sneaky"}, row_id=None, case_id=case_id)
    bob.replica.new_case(team_a, summary="planted in another team")
    result = bob.sync()
    assert len(result.refused) == 2
    reasons = bob.replica.refused_changes()
    assert any("no access" in r for r in reasons.values())
    assert any("must belong to your team" in r for r in reasons.values())
    assert bob.replica.pending_count() == 0  # refused changes count as processed
    ann.sync()
    assert not any(v.get("body") == "sneaky" for v in ann.replica.snapshot().values())

    # the share with a legal basis arrives after bob's cursor passed the case's history:
    # the server re-sends the case's current rows
    ann.replica.insert(
        "sharing_record",
        {"agency": "police", "legal_basis": "s115 Crime and Disorder Act 1998", "what": "all"},
        case_id=case_id,
    )
    ann.replica.update("person", person_id, {"phone": "999"})
    ann.sync()
    bob.sync()
    ann_rows = ann.replica.snapshot()
    bob_rows = {k: v for k, v in bob.replica.snapshot().items() if v.get("body") != "sneaky"}
    assert {k: v for k, v in bob_rows.items() if v.get("case_id", k[1]) == case_id} == ann_rows
    assert _person(bob, person_id)["phone"] == "999"
    # and bob may now write to the shared case
    bob.replica.insert("note", {"body": "police visited"}, case_id=case_id)
    bob.sync()
    ann.sync()
    assert any(v.get("body") == "police visited" for v in ann.replica.snapshot().values())


def test_revoked_device_gets_a_clear_error_and_keeps_its_data(
    new_device: NewDevice, server: ServerProcess
) -> None:
    team = unique_team()
    ann = new_device(team=team)
    case_id, person_id = _case_with_party(ann, team)
    ann.sync()
    ann.replica.update("person", person_id, {"phone": "unsent"})
    before = ann.replica.snapshot()
    run_cli("device", "revoke", ann.replica.device_id(), "--db", server.db_url)
    with pytest.raises(SyncAuthError, match="revoked"):
        ann.sync()
    assert ann.replica.snapshot() == before
    assert ann.replica.pending_count() == 1
    last = ann.replica.last_result()
    assert last is not None and not last["ok"] and "revoked" in last["error"]
    listing = run_cli("device", "list", "--db", server.db_url).stdout
    assert f"{ann.replica.device_id()}" in listing and "revoked" in listing
    assert case_id


def test_rewritten_audit_chain_is_flagged_but_data_is_accepted(
    new_device: NewDevice, server: ServerProcess
) -> None:
    team = unique_team()
    ann = new_device(team=team)
    _case_with_party(ann, team)
    ann.sync()
    ann.replica.rewrite_audit_chain()
    case_id = ann.replica.new_case(team, summary="after tampering")
    ann.replica.rewrite_audit_chain()  # same count as before, different last event
    result = ann.sync()
    assert any("audit chain rewritten" in w for w in result.warnings)
    assert ann.replica.pending_count() == 0
    status = ann.client.status()
    assert status.device is not None and status.device.audit_flag
    listing = run_cli("device", "list", "--db", server.db_url).stdout
    assert "AUDIT FLAG" in listing
    assert case_id


def test_a_batch_sent_twice_changes_nothing(new_device: NewDevice, server: ServerProcess) -> None:
    team = unique_team()
    ann, bob = new_device(team=team), new_device(team=team)
    case_id, _ = _case_with_party(ann, team)
    for n in range(5):
        ann.replica.insert("incident", {"description": f"event {n}"}, case_id=case_id)
    batch = ann.replica.outbox(0, 100)
    request = PushRequest(
        device_id=ann.replica.device_id(), batch=batch, audit_head=ann.replica.audit_head()
    )
    settings = ann.replica.sync_settings()
    assert settings is not None  # enrolled
    token = settings.device_token
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for _ in range(2):
        reply = httpx.post(
            f"{server.url}/v1/push", content=request.model_dump_json(), headers=headers
        )
        assert reply.status_code == 200, reply.text
        assert reply.json()["applied_up_to"] == len(batch)
    # a gap is refused with the counter to resend from
    late = ChangeOut(
        device_counter=len(batch) + 5,
        table="note",
        row_id="00000000-0000-4000-8000-000000000001",
        case_id=case_id,
        op="insert",
        fields={"body": "x"},
        append_only=True,
    )
    gap = PushRequest(
        device_id=ann.replica.device_id(), batch=[late], audit_head=ann.replica.audit_head()
    )
    reply = httpx.post(f"{server.url}/v1/push", content=gap.model_dump_json(), headers=headers)
    assert reply.status_code == 409
    assert reply.json()["expected_counter"] == len(batch) + 1
    ann.sync()
    bob.sync()
    assert bob.replica.snapshot() == ann.replica.snapshot()
    assert len(bob.replica.pull_log()) == len(batch)


def test_no_change_sync_and_status(new_device: NewDevice) -> None:
    ann = new_device(team=unique_team())
    ann.sync()
    result = ann.sync()
    assert (result.pushed, result.pulled, result.ok) == (0, 0, True)
    status = ann.client.status()
    assert status.protocol == "v1" and status.device is not None
    assert status.device.device_id == ann.replica.device_id()


def test_enrolment_token_is_one_time(server: ServerProcess, tmp_path: Path) -> None:
    from replica_for_tests import TestReplica
    from sync_server_testkit import add_officer

    from sync.client import SyncClient

    token = add_officer(server.db_url, "Cat", team=unique_team())
    first = SyncClient(TestReplica(tmp_path / "a.sqlite3"), server.url)
    first.enrol(token, "laptop A")
    second = SyncClient(TestReplica(tmp_path / "b.sqlite3"), server.url)
    with pytest.raises(SyncAuthError, match="already used"):
        second.enrol(token, "laptop B")
    unenrolled = SyncClient(TestReplica(tmp_path / "c.sqlite3"), server.url)
    with pytest.raises(SyncAuthError, match="not enrolled"):
        unenrolled.sync()
    assert AuditHead(count=0, hash="0" * 64)


def test_a_device_is_not_sent_its_own_changes_back(new_device: NewDevice) -> None:
    team = unique_team()
    ann, bob = new_device(team=team), new_device(team=team)
    case_id = ann.replica.new_case(team, summary="Dog barking", status="open")
    n = 30
    for k in range(n - 1):
        ann.replica.insert("incident", {"description": f"event {k}"}, case_id=case_id)
    result = ann.sync()
    assert (result.pushed, result.pulled) == (n, 0)
    assert ann.replica.pull_log() == []  # not one of its own changes came back
    assert ann.replica.pull_cursor() > 0  # and its cursor is past them all the same
    result = bob.sync()
    assert result.pulled == n
    assert len(bob.replica.pull_log()) == n
    assert bob.replica.snapshot() == ann.replica.snapshot()
    # the other way round: ann receives bob's change and nothing of her own
    ann.replica.insert("incident", {"description": "ann again"}, case_id=case_id)
    bob.replica.update("asb_case", case_id, {"status": "accepted"})
    bob.sync()
    result = ann.sync()
    assert (result.pushed, result.pulled) == (1, 1)
    assert [row for _seq, _table, row in ann.replica.pull_log()] == [case_id]
    assert ann.sync().pulled == 0  # a sync with nothing to do receives nothing
    bob.sync()
    assert bob.replica.snapshot() == ann.replica.snapshot()


def test_what_a_device_needs_of_its_own_rows_still_comes_back(new_device: NewDevice) -> None:
    """A conflict its push raised, and the server's own change to its row (a resolution's
    value), reach the device; and a version it never learnt of its own changes raises no
    conflict later."""
    team = unique_team()
    ann, bob = new_device(team=team), new_device(team=team)
    _case_id, person_id = _case_with_party(ann, team)
    ann.sync()
    bob.sync()
    bob.replica.update("person", person_id, {"phone": "111"})
    ann.replica.update("person", person_id, {"phone": "222", "address": "3 Mill Lane"})
    bob.sync()
    result = ann.sync()
    assert result.new_conflicts == 1
    conflicts = ann.replica.open_conflicts()
    assert [(c["field"], c["mine"], c["theirs"]) for c in conflicts] == [("phone", "222", "111")]
    # ann resolves with an edited value: the service writes it, and it comes back to her too
    ann.client.resolve_conflict(conflicts[0]["id"], "edit", "333")
    ann.sync()
    bob.sync()
    for device in (ann, bob):
        assert _person(device, person_id)["phone"] == "333"
        assert _person(device, person_id)["address"] == "3 Mill Lane"
        assert device.replica.open_conflicts() == []
    # her own change's version was not in the push reply (bob had written the row since her
    # base), so her pull asked for her own changes too: her row's version is the service's
    assert ann.replica.version("person", person_id) == bob.replica.version("person", person_id)
    # and her next edits still merge cleanly
    bob.replica.update("person", person_id, {"address": "4 Mill Lane"})
    ann.replica.update("person", person_id, {"name": "Pat Jones-Smith"})
    bob.sync()
    ann.sync()
    ann.replica.update("person", person_id, {"name": "Pat Smith", "phone": "444"})
    assert ann.sync().new_conflicts == 0
    bob.sync()
    assert bob.replica.open_conflicts() == [] and ann.replica.open_conflicts() == []
    assert bob.replica.snapshot() == ann.replica.snapshot()
    assert ann.replica.version("person", person_id) == bob.replica.version("person", person_id)
    assert {k: _person(bob, person_id)[k] for k in ("name", "phone", "address")} == {
        "name": "Pat Smith",
        "phone": "444",
        "address": "4 Mill Lane",
    }
