"""Faults: a reply lost after the server committed, the server SIGKILLed and restarted mid-push and
mid-pull, a local apply that fails half-way. The end state must equal a fault-free run."""

from __future__ import annotations

import gzip
import random
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sync_server_testkit import Device, ServerProcess, make_device, unique_team

Hook = Callable[[httpx.Request, httpx.BaseTransport], httpx.Response]


class FaultyTransport(httpx.BaseTransport):
    """An httpx transport that lets a test interfere with chosen requests."""

    def __init__(self, hook: Hook) -> None:
        self.inner = httpx.HTTPTransport()
        self.hook = hook

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.hook(request, self.inner)

    def close(self) -> None:
        self.inner.close()


def _is_data_push(request: httpx.Request) -> bool:
    """A request carrying changes: a push, or the exchange that opens a sync, with a batch."""
    if request.url.path not in {"/v1/push", "/v1/exchange"}:
        return False
    body = request.content
    if request.headers.get("content-encoding") == "gzip":
        body = gzip.decompress(body)
    return b'"batch":[]' not in body


def _pair(server: ServerProcess, tmp_path: Path, hook: Hook) -> tuple[Device, Device]:
    team = unique_team()
    writer = make_device(
        server, tmp_path, team=team, transport=FaultyTransport(hook), retries=12, batch_size=200
    )
    # the stream's pull is what these faults hit (a first pull by snapshot meets them in
    # tests/sync/test_sync_snapshot.py)
    reader = make_device(server, tmp_path, team=team, page_size=50, snapshot=False)
    return writer, reader


def _write_workload(device: Device, team: str | None = None, rows: int = 300) -> None:
    case_id = device.replica.new_case(team or device.team)
    person = device.replica.insert("person", {"name": "Sam"}, case_id=case_id)
    for n in range(rows):
        device.replica.insert("incident", {"description": f"incident {n}"}, case_id=case_id)
    device.replica.update("person", person, {"name": "Sam Smith"})


def _assert_converged(writer: Device, reader: Device) -> None:
    reader.sync()
    assert writer.replica.pending_count() == 0
    assert reader.replica.snapshot() == writer.replica.snapshot()
    # nothing doubled: every change of the writer reached the reader exactly once
    log = reader.replica.pull_log()
    assert len(log) == writer.replica.outbox_size()
    assert len({(t, r) for _s, t, r in log}) == len(writer.replica.snapshot())


def test_reply_lost_after_commit_is_harmless(server: ServerProcess, tmp_path: Path) -> None:
    dropped: list[object] = []

    def drop_first_reply(request: httpx.Request, inner: httpx.BaseTransport) -> httpx.Response:
        response = inner.handle_request(request)
        if _is_data_push(request) and len(dropped) < 2:
            response.read()  # the server committed and answered...
            response.close()
            dropped.append(request)
            raise httpx.ReadError(
                "connection dropped before the reply"
            )  # ...the laptop never heard
        return response

    writer, reader = _pair(server, tmp_path, drop_first_reply)
    _write_workload(writer)
    writer.sync()
    assert len(dropped) == 2
    _assert_converged(writer, reader)


def test_server_killed_mid_push_and_restarted(server: ServerProcess, tmp_path: Path) -> None:
    restarts: list[threading.Thread] = []
    rng = random.Random(7)

    def kill_during_push(request: httpx.Request, inner: httpx.BaseTransport) -> httpx.Response:
        if _is_data_push(request) and len(restarts) < 2:

            def kill_then_restart() -> None:
                time.sleep(rng.uniform(0.0, 0.03))
                server.restart()

            thread = threading.Thread(target=kill_then_restart)
            restarts.append(thread)
            thread.start()
        return inner.handle_request(request)

    writer, reader = _pair(server, tmp_path, kill_during_push)
    _write_workload(writer, rows=600)
    writer.sync()
    for thread in restarts:
        thread.join()
    writer.sync()
    _assert_converged(writer, reader)


def test_server_killed_mid_pull_and_a_failed_local_apply(
    server: ServerProcess, tmp_path: Path
) -> None:
    writer, reader = _pair(server, tmp_path, lambda request, inner: inner.handle_request(request))
    _write_workload(writer)
    writer.sync()

    pulls: list[int] = []
    restarts: list[threading.Thread] = []

    def kill_on_third_pull(request: httpx.Request, inner: httpx.BaseTransport) -> httpx.Response:
        if request.url.path == "/v1/pull":
            pulls.append(1)
            if len(pulls) == 3:
                thread = threading.Thread(target=server.restart)
                restarts.append(thread)
                thread.start()
                thread.join()  # the request below meets a fresh server (or a dead one, retried)
        return inner.handle_request(request)

    settings = reader.replica.sync_settings()
    assert settings is not None
    from sync.client import SyncClient

    reader.client = SyncClient(
        reader.replica,
        settings.server_url,
        transport=FaultyTransport(kill_on_third_pull),
        page_size=50,
        retries=12,
        retry_delay=0.2,
        snapshot=False,
    )
    # first, the laptop itself fails while applying the second page: nothing of it is kept
    pages: list[int] = []

    def fail_second_page(page: Any) -> None:
        pages.append(1)
        if len(pages) == 2:
            raise RuntimeError("laptop crashed while applying a page")

    reader.replica.before_apply = fail_second_page
    with pytest.raises(RuntimeError):
        reader.sync()
    cursor_after_crash = reader.replica.pull_cursor()
    assert cursor_after_crash > 0
    reader.replica.before_apply = None
    reader.sync()
    assert len(pulls) > 3 and restarts
    _assert_converged(writer, reader)
