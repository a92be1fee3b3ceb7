"""Pushes that run alongside each other on PostgreSQL (`db.write_parallel`, migration 0009).

A push held open after taking its stream numbers (a real push, stopped by a hook at
`db.take_numbers`) while another push commits higher numbers: a pull in between is served only
below the held push's numbers (the safe head), and after the held push commits it gets both,
nothing skipped. And the attacker's case: a row id inserted under another team's case while the
owner's push of that row is in flight is refused, never written over the owner's row.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sync_server_testkit import Device, ServerProcess, fresh_database, make_device, unique_team

from sync.protocol import PushReply, PushRequest
from sync.server import db as tables
from sync.server import exchange
from sync.server.accounts import authenticate
from sync.server.db import Database, open_database

WAIT = 30.0  # seconds: a bound on waiting for an event, never a sleep


@pytest.fixture(scope="module", params=[pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """PostgreSQL only: SQLite serialises its writers, so no push is ever held alongside."""
    with fresh_database(request.param, tmp_path_factory.mktemp("central")) as url:
        yield url


@pytest.fixture
def database(server: ServerProcess) -> Iterator[Database]:
    db = open_database(server.db_url)
    try:
        yield db
    finally:
        db.dispose()


class HeldPush:
    """A device's push run in a thread of the test, stopped after it took its stream numbers
    (its transaction open, marked in flight) until `release()`."""

    def __init__(self, database: Database, device: Device, monkeypatch: pytest.MonkeyPatch) -> None:
        self.taken = threading.Event()
        self._release = threading.Event()
        self.numbers: list[int] = []
        self.reply: PushReply | None = None
        self.error: BaseException | None = None
        real: Callable[[sa.Connection, int], list[int]] = tables.take_numbers
        held_thread: list[threading.Thread] = []

        def take_and_wait(connection: sa.Connection, n: int) -> list[int]:
            numbers = real(connection, n)
            if threading.current_thread() in held_thread and not self.taken.is_set():
                self.numbers = numbers
                self.taken.set()
                assert self._release.wait(WAIT), "the test never released the held push"
            return numbers

        monkeypatch.setattr(tables, "take_numbers", take_and_wait)
        settings = device.replica.sync_settings()
        assert settings is not None
        context = authenticate(database, f"Bearer {settings.device_token}")
        request = PushRequest(
            device_id=device.replica.device_id(),
            batch=device.replica.outbox(device.replica.pushed_up_to(), 100),
            audit_head=device.replica.audit_head(),
        )

        def run() -> None:
            try:
                self.reply = exchange.push(database, context, request)
            except BaseException as exc:
                self.error = exc
                self.taken.set()

        self._thread = threading.Thread(target=run)
        held_thread.append(self._thread)
        self._thread.start()
        assert self.taken.wait(WAIT), "the held push never took its numbers"
        assert self.error is None, self.error

    def release(self) -> PushReply:
        self._release.set()
        self._thread.join(WAIT)
        assert not self._thread.is_alive()
        assert self.error is None, self.error
        assert self.reply is not None
        return self.reply


def _stream_max(database: Database) -> int:
    with database.read() as connection:
        return int(connection.execute(sa.select(sa.func.max(tables.stream.c.seq))).scalar_one())


def test_a_pull_is_served_only_below_a_push_still_in_flight_then_gets_both(
    server: ServerProcess, database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    team = unique_team()
    ann, bob, carol = (make_device(server, tmp_path, team=team) for _ in range(3))
    ann_case, bob_case = ann.replica.new_case(team), bob.replica.new_case(team)
    ann.sync()
    bob.sync()
    carol.sync()
    before = carol.replica.pull_cursor()
    held_row = ann.replica.insert("incident", {"description": "held"}, case_id=ann_case)

    held = HeldPush(database, ann, monkeypatch)  # alongside others: it took its numbers
    assert held.numbers and min(held.numbers) > before
    later_row = bob.replica.insert("incident", {"description": "later"}, case_id=bob_case)
    bob.sync()  # through the server: commits numbers above the held push's
    later_seq = _stream_max(database)
    assert later_seq > max(held.numbers)

    carol.sync()  # served only below the held push's numbers
    assert carol.replica.pull_cursor() < min(held.numbers)
    assert carol.replica.get("incident", later_row) is None
    assert carol.replica.get("incident", held_row) is None
    assert exchange.head(database) < min(held.numbers)

    reply = held.release()
    assert reply.applied_up_to == ann.replica.last_counter() and reply.refused == []
    ann.replica.mark_pushed(reply.applied_up_to, reply.versions, [])
    carol.sync()
    assert carol.replica.pull_cursor() >= later_seq
    assert carol.replica.get("incident", held_row) is not None
    assert carol.replica.get("incident", later_row) is not None
    log = carol.replica.pull_log()  # plain INSERTs: a change delivered twice would have failed
    assert [s for s, _t, _r in log] == sorted(s for s, _t, _r in log)
    assert {r for _s, _t, r in log} >= {held_row, later_row}


def test_a_row_id_taken_by_another_team_while_a_push_is_in_flight_is_refused_not_overwritten(
    server: ServerProcess, database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Mallory's push of a row under her own case, with the id of a row Ann is pushing at the
    same time, runs alongside Ann's (other case, other lock); Ann's commits first. Mallory's
    insert then fails on the row's key and her push runs again alone: refused, Ann's row kept,
    and nothing of it reaches Mallory's team."""
    ann = make_device(server, tmp_path, team=unique_team())
    mallory = make_device(server, tmp_path, team=unique_team())
    ann_case, mallory_case = ann.replica.new_case(ann.team), mallory.replica.new_case(mallory.team)
    ann.sync()
    mallory.sync()
    row_id = ann.replica.insert("incident", {"description": "Ann's"}, case_id=ann_case)
    mallory.replica.insert(
        "incident", {"description": "Mallory's"}, case_id=mallory_case, row_id=row_id
    )

    alone: list[int] = []
    real_alone = Database.write_stream

    def counted(self: Database) -> Any:
        alone.append(1)
        return real_alone(self)

    held = HeldPush(database, mallory, monkeypatch)
    monkeypatch.setattr(Database, "write_stream", counted)
    ann.sync()  # commits the row while Mallory's push holds its numbers (ann's: another process)
    reply = held.release()
    assert alone == [1]  # Mallory's push ran alongside first, then again alone

    assert [r.row_id for r in reply.refused] == [row_id]
    assert "already exists" in reply.refused[0].reason
    with database.read() as connection:
        state = connection.execute(
            sa.select(tables.row_state).where(tables.row_state.c.row_id == row_id)
        ).one()
        entries = connection.execute(
            sa.select(tables.stream.c.case_id).where(tables.stream.c.row_id == row_id)
        ).all()
    assert (state.case_id, state.fields["description"]) == (ann_case, "Ann's")
    assert [e.case_id for e in entries] == [ann_case]
    mallory.replica.mark_pushed(reply.applied_up_to, reply.versions, reply.refused)
    mallory.sync()
    assert (mallory.replica.get("incident", row_id) or {}).get("description") == "Mallory's"
    assert all(r != row_id for _s, _t, r in mallory.replica.pull_log())


def _lock_waiters(database: Database) -> int:
    with database.read() as connection:
        return int(
            connection.execute(
                sa.text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                    " AND database = (SELECT oid FROM pg_database"
                    " WHERE datname = current_database())"
                )
            ).scalar_one()
        )


def _await(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.02)


def test_two_pushes_of_one_case_queue_on_it_and_the_second_sees_the_first(
    server: ServerProcess, database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ann's push holds her case's lock (stopped after taking its numbers); Bob's push of the
    same field of that case waits for it, then finds Ann's edit: a conflict, never a lost
    update."""
    team = unique_team()
    ann, bob = make_device(server, tmp_path, team=team), make_device(server, tmp_path, team=team)
    case_id = ann.replica.new_case(team, summary="Noise at night")
    ann.sync()
    bob.sync()
    ann.replica.update("asb_case", case_id, {"summary": "Ann's summary"})
    bob.replica.update("asb_case", case_id, {"summary": "Bob's summary"})
    held = HeldPush(database, ann, monkeypatch)
    failures: list[BaseException] = []

    def bob_syncs() -> None:
        try:
            bob.sync()
        except BaseException as exc:
            failures.append(exc)

    bobs = threading.Thread(target=bob_syncs)
    bobs.start()
    _await(lambda: _lock_waiters(database) >= 1)  # Bob's push queues on the case's lock
    assert bobs.is_alive()
    reply = held.release()
    bobs.join(WAIT)
    assert not bobs.is_alive() and not failures, failures
    assert reply.conflicts == []
    assert [(c["field"], c["theirs"]) for c in bob.replica.open_conflicts()] == [
        ("summary", "Ann's summary")
    ]
    with database.read() as connection:
        stored = connection.execute(
            sa.select(tables.row_state.c.fields).where(tables.row_state.c.row_id == case_id)
        ).scalar_one()
    assert stored["summary"] == "Ann's summary"


def test_a_pull_waits_for_a_global_write_marked_in_flight(
    server: ServerProcess, database: Database, tmp_path: Path
) -> None:
    """A rare global write (`write_stream`, e.g. a resolution) numbers on from the head itself;
    until it commits no reader is served past the head it found."""
    team = unique_team()
    ann, carol = make_device(server, tmp_path, team=team), make_device(server, tmp_path, team=team)
    ann.replica.new_case(team)
    ann.sync()
    with database.write_stream() as (connection, head):
        tables.set_stream_last(connection, head + 5)  # numbers taken, not yet committed
        assert exchange.head(database) == head
        carol.sync()
        assert carol.replica.pull_cursor() <= head
    assert exchange.head(database) == head + 5


def test_pushers_of_shared_and_own_cases_and_two_pullers_miss_nothing(
    server: ServerProcess, tmp_path: Path
) -> None:
    """Six devices push at once, each into its own case and into one of two cases they share
    (so some pushes queue on a case's lock and others run alongside), while two devices pull in
    small pages: each puller ends with every change exactly once, in stream order."""
    team = unique_team()
    pushers = [make_device(server, tmp_path, team=team, batch_size=5) for _ in range(6)]
    # The pullers pull the stream: a fresh laptop whose first page is not the whole stream would
    # take a snapshot instead (no stream positions to check), as one did when the pushers got
    # more than 7 changes in before its first sync.
    pullers = [
        make_device(server, tmp_path, team=team, page_size=7, snapshot=False) for _ in range(2)
    ]
    shared = [pushers[0].replica.new_case(team), pushers[0].replica.new_case(team)]
    pushers[0].sync()
    for device in pushers[1:]:
        device.sync()
    errors: list[BaseException] = []
    done = threading.Event()

    def push_rounds(n: int, device: Device) -> None:
        try:
            own = device.replica.new_case(team)
            for round_ in range(4):
                for i in range(6):
                    case_id = shared[n % 2] if i % 2 else own
                    device.replica.insert("incident", {"description": f"{n} {round_} {i}"},
                                          case_id=case_id)  # fmt: skip
                device.sync()
        except BaseException as exc:
            errors.append(exc)

    def pull_loop(device: Device) -> None:
        try:
            while not done.is_set():
                device.sync()
        except BaseException as exc:
            errors.append(exc)

    readers = [threading.Thread(target=pull_loop, args=(d,)) for d in pullers]
    writers = [threading.Thread(target=push_rounds, args=(n, d)) for n, d in enumerate(pushers)]
    for t in [*readers, *writers]:
        t.start()
    for t in writers:
        t.join()
    done.set()
    for t in readers:
        t.join()
    assert not errors, errors
    expected: dict[tuple[str, str], dict[str, object]] = {}
    for device in pushers:
        assert device.replica.pending_count() == 0
        expected.update(device.replica.snapshot())
    assert len(expected) == 2 + 6 * (1 + 4 * 6)
    for device in pullers:
        device.sync()
        assert device.replica.snapshot() == expected
        log = device.replica.pull_log()  # plain INSERTs: a change delivered twice would fail
        assert len(log) == len(expected)
        assert [s for s, _t, _r in log] == sorted(s for s, _t, _r in log)
