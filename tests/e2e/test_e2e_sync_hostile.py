"""A hostile or broken peer cannot break a team's sync (issue 10, item 3), on SQLite and
PostgreSQL: a device pushing a name that is a number, a table or field that does not exist, a lone
surrogate, text over the limits gets each bad change refused with its reason while the rest of its
push is applied; the owning team's laptops still sync and see their case. A poisoned change
already in the stream is set aside by the laptops, the rest applied, and an administrator can
remove it. (A local change that cannot be sent: test_e2e_sync_set_aside.py.)"""

# ruff: noqa: F811  (the fixtures imported from sync_e2e_support are test arguments)

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlmodel import select
from sync_e2e_support import (  # noqa: F401  (fixtures)
    Laptop,
    LaptopFactory,
    RawDevice,
    assert_no_traceback,
    central,
    central_db,
    comparable,
    laptops,
    run_cli,
    server_run_cli,
    unique_team,
)
from sync_server_testkit import ServerProcess

from asb_tui.store.core.models import Note, Person
from asb_tui.store.replica.sync_state import set_aside_changes
from sync.server import db as central_tables
from sync.server.db import open_database


def _note(case_id: str, body: str) -> dict[str, Any]:
    row_id = str(uuid.uuid4())
    return {
        "table": "note", "row_id": row_id, "case_id": case_id, "op": "insert",
        "append_only": True,
        "fields": {"id": row_id, "case_id": case_id, "body": body, "kind": "general",
                   "author": "m", "created_at": "2026-01-05T10:00:00+00:00"},
    }  # fmt: skip


def _victim(laptop: Laptop, case_id: str) -> Person:
    with laptop.store.read() as session:
        return session.exec(select(Person).where(Person.case_id == case_id)).one()


def test_each_bad_change_is_refused_alone_and_the_team_still_syncs(
    central: ServerProcess, laptops: LaptopFactory
) -> None:
    team = unique_team()
    ann = laptops(team=team, name="Ann")
    case_id = ann.new_case("Noise from the flat above", victim_name="Pat")
    ann.sync()
    victim = _victim(ann, case_id)
    mallory = RawDevice(central, team)
    share_id = str(uuid.uuid4())
    attacks: list[tuple[dict[str, Any], str]] = [
        ({"table": "person", "row_id": victim.id, "case_id": case_id, "op": "update",
          "fields": {"name": 42}, "base_version": victim.version}, "person.name must be text"),
        ({"table": "door_bell_camera", "row_id": str(uuid.uuid4()), "case_id": case_id,
          "op": "insert", "fields": {"id": "x"}}, "no table 'door_bell_camera'"),
        ({"table": "person", "row_id": victim.id, "case_id": case_id, "op": "update",
          "fields": {"mood": "angry"}, "base_version": victim.version}, "no field 'mood'"),
        (_note(case_id, "bad \ud800 text"), "lone surrogate"),
        ({"table": "sharing_record", "row_id": share_id, "case_id": case_id, "op": "insert",
          "append_only": True,
          "fields": {"id": share_id, "case_id": case_id, "agency": "A" * 300, "what": "all",
                     "legal_basis": "s115", "shared_on": "2026-01-06"}}, "300 characters"),
        (_note(case_id, "x" * 100_001), "100,001 characters"),
        (_note(case_id, "nul \x00 byte"), "NUL character"),  # PostgreSQL's JSON refuses it
    ]  # fmt: skip
    good = _note(case_id, "Spoke to the landlord")
    reply = mallory.push([change for change, _ in attacks] + [good])
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["applied_up_to"] == len(attacks) + 1
    refused = {r["device_counter"]: r["reason"] for r in body["refused"]}
    assert sorted(refused) == list(range(1, len(attacks) + 1))  # the good change was applied
    for counter, (_change, why) in enumerate(attacks, start=1):
        assert why in refused[counter], (why, refused[counter])

    for laptop in (ann, laptops(team=team, name="Bob")):
        outcome = laptop.sync()
        assert outcome.result.ok and outcome.result.set_aside_pulled == 0
        assert laptop.case(case_id) is not None
        assert _victim(laptop, case_id).name == "Pat"
        with laptop.store.read() as session:
            bodies = {n.body for n in session.exec(select(Note).where(Note.case_id == case_id))}
        assert "Spoke to the landlord" in bodies
        assert not any("\ud800" in b or len(b) > 100_000 for b in bodies)
    ann.edit_case(case_id, {"summary": "Noise and threats"})
    assert ann.sync().result.pushed == 1
    # The administrator sees what was refused, per device, with the reasons.
    listed = server_run_cli(
        "refused", "list", "--device", mallory.device_id, "--db", central.db_url
    )
    lines = listed.stdout.splitlines()
    assert len(lines) == len(attacks), listed.stdout
    assert all("Mallory" in line for line in lines)
    assert "no table 'door_bell_camera'" in listed.stdout and "lone surrogate" in listed.stdout


def test_a_poisoned_change_in_the_stream_is_set_aside_and_the_rest_applied(
    central: ServerProcess, laptops: LaptopFactory
) -> None:
    team = unique_team()
    ann = laptops(team=team, name="Ann")
    case_id = ann.new_case("Graffiti", victim_name="Sam")
    ann.sync()
    # A row stored before the service checked changes: a person whose name is a number, and a
    # table no laptop knows, between two good changes.
    database = open_database(central.db_url)
    poison_id = str(uuid.uuid4())
    try:
        with database.write() as connection:
            head = central_tables.stream_last(connection)
            stream = []
            poison: list[tuple[str, dict[str, Any]]] = [
                ("person", {"id": poison_id, "case_id": case_id, "name": 12345}),
                ("door_bell_camera", {"id": str(uuid.uuid4())}),
            ]
            for n, (table, fields) in enumerate(
                poison, start=1
            ):  # fmt: skip
                stream.append({
                    "seq": head + n, "kind": "change", "case_id": case_id, "table_name": table,
                    "row_id": fields["id"], "op": "insert", "fields": fields, "version": 1,
                    "team": team, "origin_device_id": None, "origin_counter": None,
                    "conflict_id": None,
                    "created_at": datetime.now(UTC).replace(tzinfo=None),
                })  # fmt: skip
            connection.execute(central_tables.stream.insert(), stream)
            central_tables.set_stream_last(connection, head + 2)
    finally:
        database.dispose()
    ann.edit_case(case_id, {"summary": "Graffiti on the garages"})
    ann.sync()
    bob = laptops(team=team, name="Bob")
    outcome = bob.sync()
    assert outcome.result.ok and outcome.result.set_aside_pulled == 2
    assert bob.held_case(case_id).summary == "Graffiti on the garages"
    reasons = sorted(v.reason for v in set_aside_changes(bob.store))
    assert "person.name must be text, not a number" in reasons[1]
    assert "does not know ('door_bell_camera')" in reasons[0]
    assert bob.sync().result.ok  # and it never blocks a later sync

    # The administrator removes the poisoned rows from the stream, audited; new laptops never
    # meet them.
    for table, row_id in (("person", poison_id), ("door_bell_camera", stream[1]["row_id"])):
        done = server_run_cli(
            "stream", "remove", table, row_id, "--reason", "stored before validation",
            "--by", "Admin Ada", "--db", central.db_url,
        )  # fmt: skip
        assert "removed" in done.stdout
    again = server_run_cli(
        "stream", "remove", "person", poison_id, "--reason", "twice", "--by", "Ada",
        "--db", central.db_url, check=False,
    )  # fmt: skip
    assert again.returncode == 2 and "holds no person row" in again.stderr
    log = server_run_cli("stream", "log", "--db", central.db_url).stdout
    assert log.count("'Admin Ada'  stream.remove_row") == 2 and "stored before validation" in log
    carol = laptops(team=team, name="Carol")
    fresh = carol.sync()
    assert fresh.result.ok and fresh.result.set_aside_pulled == 0
    assert comparable(carol.snapshot()) == comparable(bob.snapshot())
    assert bob.sync().result.set_aside_pulled == 0
