"""Round trips of a sync, against the real server on loopback (SQLite and PostgreSQL): a sync
with nothing to do is one request, a small one is one exchange (push and first page together),
and a larger one, a service from before the exchange, or a laptop whose belief of what the
service holds is wrong, still ends with the same rows on both laptops."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sync_server_testkit import Device, ServerProcess, make_device, unique_team
from wire_testkit import CountingTransport

from sync.protocol import MAX_PULL_LIMIT


def _pair(
    server: ServerProcess, tmp_path: Path, **options: Any
) -> tuple[Device, CountingTransport, Device, CountingTransport]:
    team = unique_team()
    up, down = CountingTransport(), CountingTransport()
    writer = make_device(server, tmp_path, team=team, transport=up, **options)
    reader = make_device(server, tmp_path, team=team, transport=down, **options)
    up.exchanges.clear()
    down.exchanges.clear()
    return writer, up, reader, down


def _paths(transport: CountingTransport) -> list[str]:
    return [e.path for e in transport.exchanges]


def _write_notes(device: Device, notes: int) -> None:
    case_id = device.replica.new_case(device.team, summary="Noise at night", status="open")
    device.replica.insert_many(
        [("note", case_id, {"body": f"note {n}", "kind": "visit"}) for n in range(notes)]
    )


def test_a_sync_with_nothing_to_do_is_one_request(server: ServerProcess, tmp_path: Path) -> None:
    writer, up, _reader, _down = _pair(server, tmp_path)
    _write_notes(writer, 3)
    writer.sync()
    up.exchanges.clear()
    result = writer.sync()
    assert (result.ok, result.pushed, result.pulled) == (True, 0, 0)
    assert _paths(up) == ["/v1/exchange"]


def test_a_small_sync_is_one_exchange_each_way(server: ServerProcess, tmp_path: Path) -> None:
    writer, up, reader, down = _pair(server, tmp_path)
    _write_notes(writer, 20)
    assert writer.sync().pushed == 21
    assert _paths(up) == ["/v1/exchange"]
    assert reader.sync().pulled == 21
    assert _paths(down) == ["/v1/exchange"]
    assert reader.replica.snapshot() == writer.replica.snapshot()
    # the writer's own changes did not come back to it, and nothing is left to send
    assert writer.replica.pull_log() == []
    assert writer.replica.pending_count() == 0


def test_a_large_sync_goes_on_after_the_exchange(server: ServerProcess, tmp_path: Path) -> None:
    # the stream's pages after the exchange (a first pull this large is otherwise a snapshot:
    # tests/sync/test_sync_snapshot.py)
    writer, up, reader, down = _pair(server, tmp_path, batch_size=50, page_size=40, snapshot=False)
    _write_notes(writer, 120)
    assert writer.sync().pushed == 121
    assert _paths(up)[0] == "/v1/exchange"
    assert _paths(up).count("/v1/push") >= 2  # the rest of the outbox, batch after batch
    assert reader.sync().pulled == 121
    assert _paths(down)[0] == "/v1/exchange"
    assert _paths(down).count("/v1/pull") >= 3  # the first page came in the exchange
    assert reader.replica.snapshot() == writer.replica.snapshot()
    assert len(reader.replica.pull_log()) == 121  # each change applied once


def test_a_service_without_the_exchange_is_synced_with_separate_calls(
    server: ServerProcess, tmp_path: Path
) -> None:
    class OlderService(CountingTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.path == "/v1/exchange":
                self.refused += 1
                return httpx.Response(404, json={"error": "http_404", "message": "Not Found"})
            return super().handle_request(request)

        refused = 0

    team = unique_team()
    old = OlderService()
    writer = make_device(server, tmp_path, team=team, transport=old)
    reader = make_device(server, tmp_path, team=team)
    _write_notes(writer, 5)
    assert writer.sync().pushed == 6
    assert writer.sync().ok  # a second sync does not ask for the exchange again
    assert old.refused == 1
    assert "/v1/push" in _paths(old) and "/v1/pull" in _paths(old)
    assert reader.sync().pulled == 6
    assert reader.replica.snapshot() == writer.replica.snapshot()


def test_a_laptop_that_believes_more_was_sent_than_was_sends_it_all(
    server: ServerProcess, tmp_path: Path
) -> None:
    """The laptop marks changes pushed that the service never received (its database restored
    from yesterday's backup, say): the exchange's batch starts past what the service holds, the
    service answers with the counter it expects, and the separate pushes send from there."""
    writer, up, reader, _down = _pair(server, tmp_path)
    _write_notes(writer, 4)
    writer.replica.mark_pushed(writer.replica.last_counter(), [], [])
    _write_notes(writer, 2)
    result = writer.sync()
    assert result.ok and result.applied_up_to == writer.replica.last_counter() == 8
    assert _paths(up)[0] == "/v1/exchange"
    assert "/v1/push" in _paths(up)
    assert reader.sync().pulled == 8
    assert reader.replica.snapshot() == writer.replica.snapshot()


@pytest.mark.parametrize("limit", [0, MAX_PULL_LIMIT + 1])
def test_an_exchange_out_of_limits_is_a_clear_422(
    server: ServerProcess, tmp_path: Path, limit: int
) -> None:
    writer, _up, _reader, _down = _pair(server, tmp_path)
    settings = writer.replica.sync_settings()
    assert settings is not None
    body = {
        "push": {
            "device_id": writer.replica.device_id(),
            "batch": [],
            "audit_head": {"count": 0, "hash": "0" * 64},
        },
        "after": 0,
        "limit": limit,
    }
    reply = httpx.post(
        f"{server.url}/v1/exchange",
        json=body,
        headers={"Authorization": f"Bearer {settings.device_token}"},
    )
    assert reply.status_code == 422
    assert reply.json()["error"] and "\n" not in reply.json()["message"]


def test_an_exchange_for_another_device_is_refused(server: ServerProcess, tmp_path: Path) -> None:
    writer, _up, reader, _down = _pair(server, tmp_path)
    settings = writer.replica.sync_settings()
    assert settings is not None
    body = {
        "push": {
            "device_id": reader.replica.device_id(),  # not the token's device
            "batch": [],
            "audit_head": {"count": 0, "hash": "0" * 64},
        },
        "after": 0,
    }
    reply = httpx.post(
        f"{server.url}/v1/exchange",
        json=body,
        headers={"Authorization": f"Bearer {settings.device_token}"},
    )
    assert reply.status_code == 403
    assert reply.json()["error"] == "wrong_device"
