"""The server SIGKILLed and restarted mid-push and mid-pull, between real encrypted laptops, on
SQLite and PostgreSQL. The end state must equal a fault-free run: every change on both laptops
exactly once, nothing unsent. (Lost replies and resent batches: test_e2e_sync_replays.py.)"""

# ruff: noqa: F811  (the fixtures imported from sync_e2e_support are test arguments)

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from sync_e2e_support import (  # noqa: F401  (fixtures)
    NOTES,
    FaultyTransport,
    Laptop,
    LaptopFactory,
    assert_like_a_fault_free_run,
    central,
    central_db,
    comparable,
    fault_workload,
    is_data_push,
    laptops,
    unique_team,
    writer_and_reader,
)
from sync_server_testkit import ServerProcess

from asb_tui.store.core.models import Note
from sync.client import SyncError


def test_server_killed_and_restarted_mid_push(
    laptops: LaptopFactory, central: ServerProcess
) -> None:
    restarts: list[threading.Thread] = []
    rng = random.Random(11)

    def kill_during_push(request: httpx.Request, inner: httpx.BaseTransport) -> httpx.Response:
        if is_data_push(request) and len(restarts) < 1:

            def kill_then_restart() -> None:
                time.sleep(rng.uniform(0.0, 0.02))
                central.restart()

            thread = threading.Thread(target=kill_then_restart)
            restarts.append(thread)
            thread.start()
        return inner.handle_request(request)

    writer, reader = writer_and_reader(laptops, writer_hook=kill_during_push)
    case_id = fault_workload(writer)
    with contextlib.suppress(SyncError):
        writer.sync()  # retries may run out while the server is down: nothing is lost either way
    for thread in restarts:
        thread.join()
    assert len(restarts) == 1
    assert_like_a_fault_free_run(writer, reader, case_id)


def test_server_killed_and_restarted_mid_pull(
    laptops: LaptopFactory, central: ServerProcess
) -> None:
    pulls: list[int] = []

    def kill_on_third_pull(request: httpx.Request, inner: httpx.BaseTransport) -> httpx.Response:
        if request.url.path in {"/v1/pull", "/v1/exchange"}:  # the first page is the exchange's
            pulls.append(1)
            if len(pulls) == 3:
                central.restart()
        return inner.handle_request(request)

    writer, reader = writer_and_reader(laptops, reader_hook=kill_on_third_pull)
    reader.sync_options["snapshot"] = False  # the stream's pages (a snapshot's: below)
    case_id = fault_workload(writer)
    writer.sync()
    reader.sync()
    assert len(pulls) > 3
    assert reader.count(Note) == NOTES
    assert_like_a_fault_free_run(writer, reader, case_id)


def test_server_killed_and_restarted_mid_snapshot(
    laptops: LaptopFactory, central: ServerProcess
) -> None:
    asked: list[int] = []

    def kill_on_second_page(request: httpx.Request, inner: httpx.BaseTransport) -> httpx.Response:
        if request.url.path == "/v1/snapshot":
            asked.append(1)
            if len(asked) == 2:
                central.restart()
        return inner.handle_request(request)

    writer, reader = writer_and_reader(laptops, reader_hook=kill_on_second_page)
    reader.sync_options["snapshot_page_rows"] = 4  # a new laptop's first pull: a case a page
    for n in range(6):
        writer.new_case(f"Case {n}")
    case_id = fault_workload(writer)
    writer.sync()
    reader.sync()
    assert len(asked) > 3
    assert reader.count(Note) == NOTES
    assert_like_a_fault_free_run(writer, reader, case_id)


@pytest.fixture(autouse=True)
def _server_is_up(central: ServerProcess) -> Iterator[None]:
    """A fault test must leave the module's server running for the next one."""
    yield
    if central.process is None or central.process.poll() is not None:
        central.start()
