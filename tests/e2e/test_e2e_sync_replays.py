"""Faults of the network between real encrypted laptops and a real server (SQLite): a reply lost
after the server committed, and a batch sent twice. The end state must equal a fault-free run:
every change on both laptops exactly once, nothing unsent. (Server kills: test_e2e_sync_faults.)"""

# ruff: noqa: F811  (the fixtures imported from sync_e2e_support are test arguments)

from __future__ import annotations

import httpx
import pytest
from sqlmodel import select
from sync_e2e_support import (  # noqa: F401  (fixtures)
    NOTES,
    FaultyTransport,
    Laptop,
    LaptopFactory,
    assert_like_a_fault_free_run,
    central,
    comparable,
    fault_workload,
    is_data_push,
    laptops,
    request_body,
    sqlite_central_db,
    unique_team,
    writer_and_reader,
)
from tamper_kit import tampering

from asb_tui.store.core import settings
from asb_tui.store.core.models import ChangeRecord, Note
from asb_tui.store.replica.replica import StoreReplica
from sync.client import SyncError
from sync.protocol import ExchangeRequest, PushRequest


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

    writer, reader = writer_and_reader(laptops, writer_hook=drop_replies)
    case_id = fault_workload(writer)
    outcome = writer.sync()
    assert len(dropped) == 2
    # The server holds every change once: case, person, party, the notes, the edit.
    assert outcome.result.applied_up_to == writer.count(Note) + 4
    assert_like_a_fault_free_run(writer, reader, case_id)


def test_a_batch_sent_twice_changes_nothing(laptops: LaptopFactory) -> None:
    sent: list[tuple[str, bytes]] = []

    def send_twice(request: httpx.Request, inner: httpx.BaseTransport) -> httpx.Response:
        if is_data_push(request):
            sent.append((request.url.path, request_body(request)))
            first = inner.handle_request(request)
            first.read()
            first.close()
        return inner.handle_request(request)

    writer, reader = writer_and_reader(laptops, writer_hook=send_twice)
    case_id = fault_workload(writer)
    writer.sync()
    assert len(sent) >= 2
    # ...and once more, long after: the first batch replayed as it was (the sync's opening
    # exchange, or a push).
    path, body = sent[0]
    settings = StoreReplica(writer.store).sync_settings()
    assert settings is not None
    replay = httpx.post(
        f"{settings.server_url}{path}",
        content=body,
        headers={
            "Authorization": f"Bearer {settings.device_token}",
            "Content-Type": "application/json",
        },
        timeout=30,
    )
    assert replay.status_code == 200, replay.text
    if path == "/v1/exchange":
        batch = ExchangeRequest.model_validate_json(body).push.batch
        applied = replay.json()["push"]["applied_up_to"]
    else:
        batch = PushRequest.model_validate_json(body).batch
        applied = replay.json()["applied_up_to"]
    assert applied > batch[-1].device_counter
    assert_like_a_fault_free_run(writer, reader, case_id)


@pytest.fixture(scope="module")
def central_db(sqlite_central_db: str) -> str:
    """Lost replies and resent batches are about the protocol, not the database: SQLite only."""
    return sqlite_central_db


def test_a_store_restored_from_a_backup_sends_nothing_and_loses_nothing(
    laptops: LaptopFactory,
) -> None:
    """A laptop put back to an older copy of its store would reuse device counters that the
    server has applied, so its new changes would be skipped as resends. The sync must refuse,
    say why, and keep those changes waiting."""
    laptop = laptops(team=unique_team(), name="Restored")
    case_id = laptop.new_case("Graffiti on the garages")
    laptop.add_notes(case_id, 5)
    laptop.sync()
    assert laptop.unsent() == 0
    # The restore: the last three change records and the counter go back to the backup's.
    with tampering(laptop.store) as session:
        last = int(settings.get(session, settings.DEVICE_COUNTER) or "0")
        for record in session.exec(select(ChangeRecord).where(ChangeRecord.counter > last - 3)):
            session.delete(record)
        settings.put(session, settings.DEVICE_COUNTER, str(last - 3))
    laptop.add_notes(case_id, 2)  # written after the restore: counters the server has seen
    with pytest.raises(SyncError, match="restored from a backup"):
        laptop.sync()
    assert laptop.unsent() == 2  # still waiting, not marked sent
