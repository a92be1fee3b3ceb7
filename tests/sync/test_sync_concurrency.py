"""Several devices push at once while another pulls in small pages: the puller must end with every
change exactly once (the stream is numbered in commit order, so `seq > cursor` never skips)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sync_server_testkit import Device, ServerProcess, make_device, unique_team

from sync.protocol import PushRequest
from sync.server import exchange
from sync.server.accounts import authenticate
from sync.server.db import open_database

PUSHERS = 4
ROUNDS = 6
ROWS_PER_ROUND = 10


def test_concurrent_pushers_and_a_puller_miss_nothing(
    server: ServerProcess, tmp_path: Path
) -> None:
    team = unique_team()
    pushers = [make_device(server, tmp_path, team=team, batch_size=7) for _ in range(PUSHERS)]
    # one laptop replays the stream (every change exactly once, in order), one begins with a
    # snapshot taken while the pushes go on and then pulls after its head
    puller = make_device(server, tmp_path, team=team, page_size=9, snapshot=False)
    newcomer = make_device(server, tmp_path, team=team, page_size=1, snapshot_page_rows=10)
    errors: list[BaseException] = []
    done = threading.Event()
    pushed_once = threading.Event()  # the newcomer's first pull finds more than one page

    def push_rounds(device: Device) -> None:
        try:
            case_id = device.replica.new_case(team)
            for round_ in range(ROUNDS):
                for n in range(ROWS_PER_ROUND):
                    device.replica.insert(
                        "incident", {"description": f"{n} {round_}"}, case_id=case_id
                    )
                device.sync()
                pushed_once.set()
        except BaseException as exc:
            errors.append(exc)

    def pull_loop(device: Device) -> None:
        try:
            if device is newcomer:
                pushed_once.wait(timeout=60)
            while not done.is_set():
                device.sync()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=push_rounds, args=(d,)) for d in pushers]
    readers = [threading.Thread(target=pull_loop, args=(d,)) for d in (puller, newcomer)]
    for t in threads:
        t.start()
    for t in readers:
        t.start()
    for t in threads:
        t.join()
    done.set()
    for t in readers:
        t.join()
    assert not errors, errors
    puller.sync()
    newcomer.sync()

    expected: dict[tuple[str, str], dict[str, object]] = {}
    for device in pushers:
        assert device.replica.pending_count() == 0
        expected.update(device.replica.snapshot())
    assert puller.replica.snapshot() == expected
    log = puller.replica.pull_log()  # plain INSERTs: a change delivered twice would have failed
    assert len(log) == PUSHERS * (1 + ROUNDS * ROWS_PER_ROUND)
    assert [s for s, _t, _r in log] == sorted(s for s, _t, _r in log)
    assert newcomer.replica.snapshot() == expected
    assert len(newcomer.replica.pull_log()) < len(log)  # the rest came in its snapshot
    assert newcomer.replica.snapshot_cursor() is None


def test_a_push_whose_rows_changed_while_it_waited_for_the_lock_reads_them_again(
    server: ServerProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A push reads its rows before taking the write lock; another device's edit committed in
    between must be seen (a conflict), never overwritten with the stale copy."""
    team = unique_team()
    ann, bob = make_device(server, tmp_path, team=team), make_device(server, tmp_path, team=team)
    case_id = ann.replica.new_case(team, summary="Noise at night")
    ann.sync()
    bob.sync()
    pushed_before = ann.replica.last_counter()
    ann.replica.update("asb_case", case_id, {"summary": "Ann's summary"})
    bob.replica.update("asb_case", case_id, {"summary": "Bob's summary"})
    settings = ann.replica.sync_settings()
    assert settings is not None
    request = PushRequest(
        device_id=ann.replica.device_id(),
        batch=ann.replica.outbox(pushed_before, 100),
        audit_head=ann.replica.audit_head(),
    )
    real_preload = exchange._preload

    def bob_commits_in_between(*args: Any) -> Any:
        ahead = real_preload(*args)
        bob.sync()  # through the server, committed before Ann's push takes the lock
        return ahead

    monkeypatch.setattr(exchange, "_preload", bob_commits_in_between)
    database = open_database(server.db_url)
    try:
        context = authenticate(database, f"Bearer {settings.device_token}")
        reply = exchange.push(database, context, request)
    finally:
        database.dispose()
    assert [(c.field, c.theirs) for c in reply.conflicts] == [("summary", "Bob's summary")]
    bob.sync()
    row = bob.replica.get("asb_case", case_id)
    assert row is not None and row["summary"] == "Bob's summary"


@pytest.mark.parametrize("overlap", ["all of it", "part of it"])
def test_a_batch_applied_by_a_twin_push_while_it_waited_is_applied_once(
    server: ServerProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, overlap: str
) -> None:
    """A push plans its changes before the lock from the device's applied counter as it was; a
    twin push of the same device (a resend after a lost reply) committed in between must make it
    skip what is applied and apply the rest exactly once, its anchor checked afresh."""
    team = unique_team()
    ann, bob = make_device(server, tmp_path, team=team), make_device(server, tmp_path, team=team)
    case_id = ann.replica.new_case(team, summary="Noise at night")
    ann.replica.insert_many([("incident", case_id, {"description": f"n{i}"}) for i in range(5)])
    first = ann.replica.outbox(0, 3 if overlap == "part of it" else 100)
    whole = ann.replica.outbox(0, 100)
    head = ann.replica.audit_head()
    settings = ann.replica.sync_settings()
    assert settings is not None
    database = open_database(server.db_url)
    real_preload = exchange._preload
    twin: list[Any] = []
    calls: list[int] = []

    def twin_commits_in_between(*args: Any) -> Any:
        ahead = real_preload(*args)
        calls.append(1)
        if len(calls) == 1:  # the outer push: its twin runs (and commits) now
            twin.append(exchange.push(database, context, PushRequest(
                device_id=ann.replica.device_id(), batch=first, audit_head=head)))  # fmt: skip
        return ahead

    try:
        context = authenticate(database, f"Bearer {settings.device_token}")
        monkeypatch.setattr(exchange, "_preload", twin_commits_in_between)
        reply = exchange.push(
            database,
            context,
            PushRequest(device_id=ann.replica.device_id(), batch=whole, audit_head=head),
        )
    finally:
        monkeypatch.undo()
        database.dispose()
    assert twin[0].applied_up_to == len(first)
    assert reply.applied_up_to == len(whole) and reply.refused == [] and reply.warnings == []
    # the versions returned are those of the changes this push applied itself
    assert {v.row_id for v in reply.versions} == {c.row_id for c in whole[len(first) :]}
    ann.replica.mark_pushed(reply.applied_up_to, [*twin[0].versions, *reply.versions], [])
    bob.sync()
    log = bob.replica.pull_log()  # plain INSERTs: a change applied twice would have failed
    assert sorted(row_id for _s, _t, row_id in log) == sorted(c.row_id for c in whole)
    assert bob.replica.snapshot() == ann.replica.snapshot()
    assert ann.sync().warnings == ()  # the anchor moved on cleanly: no flag
