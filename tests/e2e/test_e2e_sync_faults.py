"""The server SIGKILLed and restarted mid-push and mid-pull, between real encrypted laptops, on
SQLite and PostgreSQL. The end state must equal a fault-free run: every change on both laptops
exactly once, nothing unsent. (Lost replies and resent batches: test_e2e_sync_replays.py.)"""

# ruff: noqa: F811  (the fixtures imported from sync_e2e_support are test arguments)

from __future__ import annotations

import contextlib
import random
import threading
import time
from typing import Any

import httpx
import pytest
from sqlmodel import select
from sync_e2e_support import (  # noqa: F401  (fixtures)
    FaultyTransport,
    Laptop,
    LaptopFactory,
    central,
    central_db,
    comparable,
    is_data_push,
    laptops,
    unique_team,
)

from asb_tui.store.models import Note, Person
from sync.client import SyncError

NOTES = 150


def _pair(
    laptops: LaptopFactory, writer_hook: Any = None, reader_hook: Any = None
) -> tuple[Laptop, Laptop]:
    team = unique_team()
    writer_options: dict[str, Any] = {"retries": 12, "batch_size": 60}
    if writer_hook is not None:
        writer_options["transport"] = FaultyTransport(writer_hook)
    reader_options: dict[str, Any] = {"retries": 12, "page_size": 50}
    if reader_hook is not None:
        reader_options["transport"] = FaultyTransport(reader_hook)
    return (
        laptops(team=team, name="Writer", **writer_options),
        laptops(team=team, name="Reader", **reader_options),
    )


def _workload(writer: Laptop) -> str:
    case_id = writer.new_case("Repeated damage to cars", victim_name="Sam")
    writer.add_notes(case_id, NOTES)
    with writer.store.write() as uow:
        person = uow.session.exec(select(Person).where(Person.case_id == case_id)).one()
        uow.update(person, {"name": "Sam Smith"}, action="person.edit")
    return case_id


def _assert_like_a_fault_free_run(writer: Laptop, reader: Laptop, case_id: str) -> None:
    writer.sync()
    reader.sync()
    assert writer.unsent() == 0
    assert reader.count(Note) == writer.count(Note) == NOTES  # nothing lost, nothing doubled
    assert comparable(reader.snapshot()) == comparable(writer.snapshot())
    with reader.store.read() as session:
        assert session.exec(select(Person).where(Person.case_id == case_id)).one().name == (
            "Sam Smith"
        )


def test_server_killed_and_restarted_mid_push(laptops: LaptopFactory, central: Any) -> None:
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

    writer, reader = _pair(laptops, writer_hook=kill_during_push)
    case_id = _workload(writer)
    with contextlib.suppress(SyncError):
        writer.sync()  # retries may run out while the server is down: nothing is lost either way
    for thread in restarts:
        thread.join()
    assert len(restarts) == 1
    _assert_like_a_fault_free_run(writer, reader, case_id)


def test_server_killed_and_restarted_mid_pull(laptops: LaptopFactory, central: Any) -> None:
    pulls: list[int] = []

    def kill_on_third_pull(request: httpx.Request, inner: httpx.BaseTransport) -> httpx.Response:
        if request.url.path == "/v1/pull":
            pulls.append(1)
            if len(pulls) == 3:
                central.restart()
        return inner.handle_request(request)

    writer, reader = _pair(laptops, reader_hook=kill_on_third_pull)
    case_id = _workload(writer)
    writer.sync()
    reader.sync()
    assert len(pulls) > 3
    assert reader.count(Note) == NOTES
    _assert_like_a_fault_free_run(writer, reader, case_id)


@pytest.fixture(autouse=True)
def _server_is_up(central: Any) -> Any:
    """A fault test must leave the module's server running for the next one."""
    yield
    if central.process is None or central.process.poll() is not None:
        central.start()
