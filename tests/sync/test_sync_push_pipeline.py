"""A push of many batches, against the real server on loopback (SQLite and PostgreSQL): the next
batch is read from the outbox while the one before it is with the service, and the batch before
is marked pushed meanwhile; every batch is still marked with its versions, whatever goes wrong,
and the audit anchor is acknowledged when it moves, not once a batch."""

from __future__ import annotations

import gzip
import json
import threading
from pathlib import Path
from typing import Any

import httpx
from sync_server_testkit import Device, ServerProcess, make_device, unique_team
from wire_testkit import CountingTransport

from sync.protocol import AuditHead, ChangeOut

BATCH = 20


class _Watched(httpx.BaseTransport):
    """Calls `hook` with each request before it goes to the service."""

    def __init__(self, hook: Any) -> None:
        self.inner = httpx.HTTPTransport()
        self.hook = hook

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.hook(request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def _people(device: Device, count: int) -> list[str]:
    case_id = device.replica.new_case(device.team, summary="Noise at night", status="open")
    return device.replica.insert_many(
        [("person", case_id, {"name": f"Person {n}"}) for n in range(count)]
    )


def test_the_next_batch_is_read_while_the_last_is_with_the_service(
    server: ServerProcess, tmp_path: Path
) -> None:
    asked: list[int] = []  # the counters the outbox was read after
    read = threading.Condition()
    waited: list[bool] = []
    pushes: list[int] = []

    def hold_the_push(request: httpx.Request) -> None:
        batch = json.loads(_body(request)).get("batch") if request.url.path == "/v1/push" else []
        if batch:
            pushes.append(batch[-1]["device_counter"])
            if len(pushes) == 2:  # its successor is read from the outbox while it is held here
                with read:
                    waited.append(read.wait_for(lambda: max(asked) >= pushes[-1], timeout=10))

    device = make_device(
        server,
        tmp_path,
        team=unique_team(),
        transport=_Watched(hold_the_push),
        batch_size=BATCH,
        snapshot=False,
    )
    _people(device, BATCH * 5)
    replica_outbox = device.replica.outbox

    def outbox(after_counter: int, limit: int) -> list[ChangeOut]:
        changes = replica_outbox(after_counter, limit)
        with read:
            asked.append(after_counter)
            read.notify_all()
        return changes

    device.replica.outbox = outbox  # type: ignore[method-assign]
    result = device.sync()
    assert result.pushed == BATCH * 5 + 1
    assert waited == [True], "the outbox was not read while a batch was with the service"
    assert device.replica.pending_count() == 0
    # each part of the outbox read once: the batch read ahead is the one sent next
    assert len(asked) == len(set(asked))


def _body(request: httpx.Request) -> bytes:
    body = request.content
    if request.headers.get("content-encoding") == "gzip":
        body = gzip.decompress(body)
    return body


def test_every_batch_keeps_its_versions_so_the_next_edits_do_not_conflict(
    server: ServerProcess, tmp_path: Path
) -> None:
    team = unique_team()
    writer = make_device(server, tmp_path, team=team, batch_size=BATCH, snapshot=False)
    reader = make_device(server, tmp_path, team=team, snapshot=False)
    people = _people(writer, BATCH * 4 + 7)  # the last batch short: marked after the loop
    assert writer.sync().pushed == BATCH * 4 + 8
    for person in people:
        writer.replica.update("person", person, {"name": "Renamed"})
    result = writer.sync()
    assert (result.pushed, result.new_conflicts) == (len(people), 0)
    assert writer.replica.open_conflicts() == []
    reader.sync()
    assert reader.replica.snapshot() == writer.replica.snapshot()
    # the versions came in the push replies: nothing of the writer's own came back to it
    assert writer.replica.pull_log() == []


def test_the_anchor_is_acknowledged_when_it_moves_not_once_a_batch(
    server: ServerProcess, tmp_path: Path
) -> None:
    device = make_device(server, tmp_path, team=unique_team(), batch_size=BATCH, snapshot=False)
    _people(device, BATCH * 6)
    acknowledged: list[AuditHead] = []
    replica_acknowledge = device.replica.acknowledge_audit_anchor

    def acknowledge(anchor: AuditHead) -> None:
        acknowledged.append(anchor)
        replica_acknowledge(anchor)

    device.replica.acknowledge_audit_anchor = acknowledge  # type: ignore[method-assign]
    assert device.sync().pushed == BATCH * 6 + 1
    assert len(acknowledged) == len({(a.count, a.hash) for a in acknowledged})
    assert acknowledged[-1].count == device.replica.audit_head().count


def test_a_reply_lost_among_many_batches_leaves_nothing_unmarked(
    server: ServerProcess, tmp_path: Path
) -> None:
    team = unique_team()
    pushes: list[int] = []

    class _DropThird(CountingTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = super().handle_request(request)
            if request.url.path == "/v1/push" and b'"batch":[]' not in _body(request):
                pushes.append(1)
                if len(pushes) == 3:  # committed, but the laptop never hears
                    response.read()
                    response.close()
                    raise httpx.ReadError("connection dropped before the reply")
            return response

    writer = make_device(
        server, tmp_path, team=team, transport=_DropThird(), batch_size=BATCH, snapshot=False
    )
    reader = make_device(server, tmp_path, team=team, snapshot=False)
    people = _people(writer, BATCH * 6)
    assert writer.sync().ok
    assert writer.replica.pending_count() == 0
    for person in people:
        writer.replica.update("person", person, {"name": "Renamed"})
    result = writer.sync()
    assert (result.pushed, result.new_conflicts) == (len(people), 0)
    reader.sync()
    assert reader.replica.snapshot() == writer.replica.snapshot()


def test_after_an_exchange_with_a_full_batch_the_pushes_go_on_without_asking_again(
    server: ServerProcess, tmp_path: Path
) -> None:
    sent: list[tuple[str, int]] = []  # (path, changes in the batch)

    def count(request: httpx.Request) -> None:
        if request.url.path in {"/v1/push", "/v1/exchange"}:
            body = json.loads(_body(request))
            sent.append((request.url.path, len((body.get("push") or body)["batch"])))

    device = make_device(
        server, tmp_path, team=unique_team(), transport=_Watched(count), batch_size=BATCH
    )
    _people(device, BATCH * 3)
    assert device.sync().pushed == BATCH * 3 + 1
    # the exchange said where the service stands: no empty push to ask it again
    assert sent == [
        ("/v1/exchange", BATCH),
        ("/v1/push", BATCH),
        ("/v1/push", BATCH),
        ("/v1/push", 1),
    ]
    assert device.replica.pending_count() == 0
