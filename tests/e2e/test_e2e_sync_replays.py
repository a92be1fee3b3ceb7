"""Faults of the network between real encrypted laptops and a real server (SQLite): a reply lost
after the server committed, and a batch sent twice. The end state must equal a fault-free run:
every change on both laptops exactly once, nothing unsent. (Server kills: test_e2e_sync_faults.)"""

# ruff: noqa: F811  (the fixtures imported from sync_e2e_support are test arguments)

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlmodel import select
from sync_e2e_support import (  # noqa: F401  (fixtures)
    FaultyTransport,
    Laptop,
    LaptopFactory,
    central,
    comparable,
    is_data_push,
    laptops,
    sqlite_central_db,
    unique_team,
)

from asb_tui.store.models import Note, Person
from asb_tui.store.replica import StoreReplica
from sync.protocol import PushRequest

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


def test_reply_lost_after_the_server_committed(laptops: LaptopFactory) -> None:
    dropped: list[httpx.Request] = []

    def drop_replies(request: httpx.Request, inner: httpx.BaseTransport) -> httpx.Response:
        response = inner.handle_request(request)
        if is_data_push(request) and len(dropped) < 2:
            response.read()  # the server committed and answered; the laptop never hears it
            response.close()
            dropped.append(request)
            raise httpx.ReadError("connection dropped before the reply")
        return response

    writer, reader = _pair(laptops, writer_hook=drop_replies)
    case_id = _workload(writer)
    outcome = writer.sync()
    assert len(dropped) == 2
    # The server holds every change once: case, person, party, the notes, the edit.
    assert outcome.result.applied_up_to == writer.count(Note) + 4
    _assert_like_a_fault_free_run(writer, reader, case_id)


def test_a_batch_sent_twice_changes_nothing(laptops: LaptopFactory) -> None:
    sent: list[bytes] = []

    def send_twice(request: httpx.Request, inner: httpx.BaseTransport) -> httpx.Response:
        if is_data_push(request):
            sent.append(request.content)
            first = inner.handle_request(request)
            first.read()
            first.close()
        return inner.handle_request(request)

    writer, reader = _pair(laptops, writer_hook=send_twice)
    case_id = _workload(writer)
    writer.sync()
    assert len(sent) >= 2
    # ...and once more, long after: the first batch replayed as it was.
    settings = StoreReplica(writer.store).sync_settings()
    assert settings is not None
    replay = httpx.post(
        f"{settings.server_url}/v1/push",
        content=sent[0],
        headers={
            "Authorization": f"Bearer {settings.device_token}",
            "Content-Type": "application/json",
        },
        timeout=30,
    )
    assert replay.status_code == 200, replay.text
    assert (
        replay.json()["applied_up_to"]
        > PushRequest.model_validate_json(sent[0]).batch[-1].device_counter
    )
    _assert_like_a_fault_free_run(writer, reader, case_id)


@pytest.fixture(scope="module")
def central_db(sqlite_central_db: str) -> str:
    """Lost replies and resent batches are about the protocol, not the database: SQLite only."""
    return sqlite_central_db
