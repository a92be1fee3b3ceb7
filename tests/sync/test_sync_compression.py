"""Compression on the wire, against the real server on loopback (SQLite and PostgreSQL): gzip both
ways, negotiated by the ordinary headers; the service's body limit applies to the inflated size
(a compression bomb is a 413, and is never inflated whole), a corrupt body is a 400, and a client
that asks for nothing compressed is still served plainly."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from replica_for_tests import TestReplica
from sync_server_testkit import Device, ServerProcess, make_device, unique_team
from wire_testkit import CountingTransport

from sync.client import SyncClient
from sync.protocol import MAX_BODY_BYTES, PullPage, PushReply

NOTE = (
    "Visited {n} Acacia Avenue at 23:10 after a report of loud music and shouting from the flat "
    "above; spoke to the complainant, who keeps a diary of the noise, and left a letter for the "
    "tenant explaining the acceptable behaviour contract. Follow up with the housing officer."
)


#: the requests that carry a batch of changes up, and those whose answers carry a page down
SENDS_CHANGES = frozenset({"/v1/push", "/v1/exchange"})
GETS_PAGES = frozenset({"/v1/pull", "/v1/exchange"})


def _officer_day(
    server: ServerProcess, tmp_path: Path, *, compress: bool, notes: int = 200
) -> tuple[Device, CountingTransport, Device, CountingTransport]:
    """An officer writes a case and `notes` notes and syncs; a colleague then syncs them all."""
    team = unique_team()
    up, down = CountingTransport(), CountingTransport()
    writer = make_device(server, tmp_path, team=team, transport=up, compress=compress)
    reader = make_device(server, tmp_path, team=team, transport=down, compress=compress)
    case_id = writer.replica.new_case(team, summary="Noise from the flat above", status="open")
    writer.replica.insert_many(
        [("note", case_id, {"body": NOTE.format(n=n), "kind": "visit"}) for n in range(notes)]
    )
    up.exchanges.clear()
    down.exchanges.clear()
    writer.client.bytes_sent = reader.client.bytes_received = 0  # count the sync alone
    assert writer.sync().pushed == notes + 1
    assert reader.sync().pulled >= notes + 1
    assert reader.replica.snapshot() == writer.replica.snapshot()
    return writer, up, reader, down


def test_a_sync_puts_far_fewer_bytes_on_the_wire_compressed(
    server: ServerProcess, tmp_path: Path
) -> None:
    writer, up, reader, down = _officer_day(server, tmp_path, compress=True)
    plain_writer, plain_up, plain_reader, plain_down = _officer_day(
        server, tmp_path, compress=False
    )
    try:
        # the batch went up gzip-compressed, the pulled page came down gzip-compressed
        pushes = [e for e in up.exchanges if e.path in SENDS_CHANGES and e.sent > 1_024]
        assert pushes and all(e.request_encoding == "gzip" for e in pushes)
        pages = [e for e in down.exchanges if e.path in GETS_PAGES and e.received > 1_000]
        assert pages and all(e.response_encoding == "gzip" for e in pages)
        assert all(e.status == 200 for e in up.exchanges + down.exchanges)
        # the plain client sent and was sent nothing compressed
        plain = plain_up.exchanges + plain_down.exchanges
        assert all(e.request_encoding is None and e.response_encoding is None for e in plain)
        # at least 4 times fewer bytes each way for the same day's work
        assert up.sent() * 4 < plain_up.sent(), (up.sent(), plain_up.sent())
        assert down.received() * 4 < plain_down.received(), (
            down.received(),
            plain_down.received(),
        )
        # the client's own count is the wire's
        assert writer.client.bytes_sent == up.sent()
        assert reader.client.bytes_received == down.received()
    finally:
        for device in (writer, reader, plain_writer, plain_reader):
            device.client.close()
            device.replica.close()


# --- raw requests: what any HTTP client may send ------------------------------------------------


@pytest.fixture
def device(server: ServerProcess, tmp_path: Path) -> Iterator[Device]:
    made = make_device(server, tmp_path, team=unique_team())
    yield made
    made.client.close()
    made.replica.close()


def _auth(device: Device) -> dict[str, str]:
    settings = device.replica.sync_settings()
    assert settings is not None
    return {"Authorization": f"Bearer {settings.device_token}", "Content-Type": "application/json"}


def _empty_push(device: Device) -> bytes:
    head = device.replica.audit_head().model_dump_json()
    device_id = device.replica.device_id()
    return f'{{"device_id": "{device_id}", "batch": [], "audit_head": {head}}}'.encode()


def _one_line_error(reply: httpx.Response, status: int, *words: str) -> None:
    assert reply.status_code == status, reply.text[:300]
    message = reply.json()["message"]
    assert isinstance(message, str) and message and "\n" not in message
    for word in words:
        assert word in message, message


def _peak_rss_kib(server: ServerProcess) -> int:
    assert server.process is not None
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    line = next(x for x in status.splitlines() if x.startswith("VmHWM:"))
    return int(line.split()[1])


def _bomb(inflated: int) -> Iterator[bytes]:
    """A gzip stream of `inflated` zero bytes (about 1,000 times smaller), made as it is sent."""
    encoder = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    for _ in range(inflated // len(block)):
        piece = encoder.compress(block)
        if piece:
            yield piece
    yield encoder.flush()


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_compression_bomb_is_refused_without_being_inflated(
    server: ServerProcess, device: Device, declared: bool
) -> None:
    inflated = 1 << 28  # 256 MiB of zeros: about 250 KB on the wire, far under the body limit
    body: bytes | Iterator[bytes] = b"".join(_bomb(inflated)) if declared else _bomb(inflated)
    if isinstance(body, bytes):
        assert len(body) < MAX_BODY_BYTES // 5
    before = _peak_rss_kib(server)
    reply = httpx.post(
        f"{server.url}/v1/push",
        content=body,
        headers={**_auth(device), "Content-Encoding": "gzip"},
        timeout=60,
    )
    _one_line_error(reply, 413, "decompressed", str(MAX_BODY_BYTES))
    # the service held at most about the limit, never the 256 MiB
    grown_mib = (_peak_rss_kib(server) - before) / 1024
    assert grown_mib < 3 * MAX_BODY_BYTES / (1 << 20) + 20, grown_mib
    # and it goes on serving
    ok = httpx.post(f"{server.url}/v1/push", content=_empty_push(device), headers=_auth(device))
    assert ok.status_code == 200, ok.text
    PushReply.model_validate_json(ok.content)


def test_a_body_just_under_the_limit_once_inflated_is_taken_and_over_it_refused(
    server: ServerProcess, device: Device
) -> None:
    plain = _empty_push(device)
    padded_under = plain[:-1] + b" " * (MAX_BODY_BYTES - len(plain)) + b"}"
    assert len(padded_under) == MAX_BODY_BYTES
    reply = httpx.post(
        f"{server.url}/v1/push",
        content=gzip.compress(padded_under),
        headers={**_auth(device), "Content-Encoding": "gzip"},
        timeout=60,
    )
    assert reply.status_code == 200, reply.text[:300]
    over = plain[:-1] + b" " * (MAX_BODY_BYTES - len(plain) + 1) + b"}"
    reply = httpx.post(
        f"{server.url}/v1/push",
        content=gzip.compress(over),
        headers={**_auth(device), "Content-Encoding": "gzip"},
        timeout=60,
    )
    _one_line_error(reply, 413, "decompressed")


@pytest.mark.parametrize(
    "body",
    [
        b"\x1f\x8b\x08\x00garbage that is not deflate at all" * 4,
        b"plainly not gzip",
        gzip.compress(b'{"device_id": "x", "batch": []}' * 100)[:-20],  # cut short
        gzip.compress(b"{}")[:-4] + b"\x00\x00\x00\x00",  # wrong length in the trailer
    ],
    ids=["bad-deflate", "no-header", "truncated", "bad-trailer"],
)
def test_a_corrupt_gzip_body_is_a_400(server: ServerProcess, device: Device, body: bytes) -> None:
    reply = httpx.post(
        f"{server.url}/v1/push", content=body, headers={**_auth(device), "Content-Encoding": "gzip"}
    )
    _one_line_error(reply, 400, "gzip")


def test_an_unknown_coding_is_a_415_naming_gzip(server: ServerProcess, device: Device) -> None:
    reply = httpx.post(
        f"{server.url}/v1/push",
        content=_empty_push(device),
        headers={**_auth(device), "Content-Encoding": "br"},
    )
    _one_line_error(reply, 415, "gzip")
    assert reply.headers["accept-encoding"] == "gzip"


def test_gzip_request_bodies_are_taken_and_answers_follow_accept_encoding(
    server: ServerProcess, device: Device
) -> None:
    reply = httpx.post(
        f"{server.url}/v1/push",
        content=gzip.compress(_empty_push(device)),
        headers={**_auth(device), "Content-Encoding": "gzip"},
    )
    assert reply.status_code == 200, reply.text
    PushReply.model_validate_json(reply.content)
    assert reply.headers["accept-encoding"] == "gzip"  # RFC 7694: the service takes gzip
    # a big answer: gzip to a client that asks for it, plain to one that does not
    writer = device.replica
    case_id = writer.new_case(device.team, summary="Graffiti", status="open")
    writer.insert_many([("note", case_id, {"body": NOTE.format(n=n)}) for n in range(50)])
    device.sync()
    url = f"{server.url}/v1/pull?after=0&own=true"  # its own changes, asked for
    asked = httpx.get(url, headers={**_auth(device), "Accept-Encoding": "gzip"})
    plain = httpx.get(url, headers={**_auth(device), "Accept-Encoding": "identity"})
    assert asked.headers.get("content-encoding") == "gzip"
    assert "content-encoding" not in plain.headers
    assert int(asked.headers["content-length"]) * 4 < int(plain.headers["content-length"])
    page = PullPage.model_validate_json(asked.content)
    assert page == PullPage.model_validate_json(plain.content)
    assert len(page.changes) == 51  # the case and its 50 notes
    # without `own` the device is not sent back what it pushed
    mine = httpx.get(f"{server.url}/v1/pull?after=0", headers=_auth(device))
    assert PullPage.model_validate_json(mine.content).changes == []


def test_a_client_that_never_compresses_still_syncs(server: ServerProcess, tmp_path: Path) -> None:
    _writer, up, _reader, down = _officer_day(server, tmp_path, compress=False, notes=30)
    assert up.exchanges and down.exchanges
    assert all(e.status == 200 for e in up.exchanges + down.exchanges)


@pytest.mark.parametrize("service", ["old", "new", "gzip-refused"])
def test_the_client_compresses_only_what_the_service_says_it_takes(
    tmp_path: Path, service: str
) -> None:
    """A service that never says `Accept-Encoding: gzip` is sent plain bodies however large; one
    that says so gets them compressed from the next request; a 415 is answered by a plain resend."""
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        coding = request.headers.get("content-encoding")
        seen.append(coding)
        body = gzip.decompress(request.content) if coding == "gzip" else request.content
        assert body == big
        headers = {} if service == "old" else {"Accept-Encoding": "gzip"}
        if coding and service == "gzip-refused":
            return httpx.Response(415, json={"error": "x", "message": "no"}, headers=headers)
        return httpx.Response(200, json={"applied_up_to": 0}, headers=headers)

    replica = TestReplica(tmp_path / "laptop.sqlite3")
    client = SyncClient(
        replica, "http://127.0.0.1:9", transport=httpx.MockTransport(handler), retries=0
    )
    big = b'{"pad": "' + b"x" * 5_000 + b'"}'
    try:
        for _ in range(2):
            reply = client._send("POST", "/push", big, None, {"Content-Type": "application/json"})
            assert reply.status_code in {200, 415}
    finally:
        client.close()
        replica.close()
    assert (
        seen
        == {"old": [None, None], "new": [None, "gzip"], "gzip-refused": [None, "gzip"]}[service]
    )
