"""A hostile (or broken) service cannot make a laptop inflate an answer without end: the answer is
inflated as it arrives and refused, with a one-line message, as soon as it passes the client's
limit (`SyncClient.max_reply_bytes`, `MAX_REPLY_BYTES` by default), before it is held whole."""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from replica_for_tests import TestReplica

from sync.client import SyncClient
from sync.protocol import MAX_REPLY_BYTES
from sync.replica_contract import SyncProtocolError

INFLATED = 64 * 1024 * 1024
LIMIT = 4 * 1024 * 1024


def _gzip_of_zeros(size: int) -> bytes:
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    return b"".join(squeeze.compress(block) for _ in range(size >> 20)) + squeeze.flush()


class _Bomb(BaseHTTPRequestHandler):
    body = _gzip_of_zeros(INFLATED)
    sent = 0

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        try:
            self.wfile.write(self.body)
            type(self).sent += 1
        except (BrokenPipeError, ConnectionResetError):
            pass  # the laptop hung up on the bomb, as it should

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def bomb_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Bomb)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_an_answer_that_inflates_past_the_limit_is_refused_in_one_line(
    bomb_url: str, tmp_path: Path
) -> None:
    assert len(_Bomb.body) < LIMIT // 20  # small on the wire, 64 MiB inflated
    client = SyncClient(TestReplica(tmp_path / "laptop.sqlite3"), bomb_url, retries=0)
    client.max_reply_bytes = LIMIT
    with pytest.raises(SyncProtocolError) as refused:
        client.enrol("any-token", "laptop")
    message = str(refused.value)
    assert "\n" not in message
    assert "compression bomb" in message and f"{LIMIT:,}" in message
    assert "nothing was applied" in message
    client.close()


def test_the_default_limit_is_far_above_an_honest_page(tmp_path: Path) -> None:
    # an honest page: at most 20,000 snapshot rows, each under a pushed body's 10 MiB, but in
    # practice a few hundred bytes; the default leaves room for pages hundreds of MB inflated
    assert MAX_REPLY_BYTES >= 256 * 1024 * 1024
    client = SyncClient(TestReplica(tmp_path / "laptop.sqlite3"), None)
    assert client.max_reply_bytes == MAX_REPLY_BYTES
