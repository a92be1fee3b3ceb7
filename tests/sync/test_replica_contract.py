"""The `LocalReplica` contract (sync/client.py) checked against both of its implementations: the
laptop's encrypted store (`StoreReplica`) and the small SQLite replica the service tests and the
benchmark use (`TestReplica`). A behaviour the service tests rely on that the store lacked, or
the other way round, fails here for the one that lacks it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

import pytest
from laptop_testkit import OFFICER, PASSPHRASE
from replica_for_tests import TestReplica

from asb_tui.store.commands.cases import refer_case
from asb_tui.store.core.models import Case
from asb_tui.store.core.serialize import row_to_dict
from asb_tui.store.core.store import create_store
from asb_tui.store.replica.replica import StoreReplica
from sync.client import LocalReplica, SyncResult, SyncSettings
from sync.protocol import (
    CASE_TABLE,
    PullPage,
    RowVersion,
    ServerChange,
    SnapshotPage,
    SnapshotSection,
)
from sync.replica_contract import SnapshotCursor

OTHER_DEVICE = str(uuid.uuid4())
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
Op = Literal["insert", "update", "delete"]


@dataclass
class Subject:
    """One implementation, with the officer's writes and a read that the contract leaves to it."""

    replica: LocalReplica
    new_case: Callable[[str], str]  # summary -> case id (written locally, with change records)
    edit_summary: Callable[[str, str], None]  # case id, new summary (a local edit)
    summary_of: Callable[[str], str | None]  # the case's summary here, None when not held


def _store_subject(directory: Path) -> Generator[Subject, None, None]:
    store, _recovery = create_store(directory, PASSPHRASE, actor=OFFICER)

    def new_case(summary: str) -> str:
        made = refer_case(
            store,
            category="nuisance",
            summary=summary,
            referred_on=date(2026, 11, 20),
            team="north",
        )
        return made.id

    def edit_summary(case_id: str, summary: str) -> None:
        with store.read() as session:
            case = session.get(Case, case_id)
        assert case is not None
        with store.write() as uow:
            uow.update(case, {"summary": summary}, action="case.edit")

    def summary_of(case_id: str) -> str | None:
        with store.read() as session:
            case = session.get(Case, case_id)
        return None if case is None else case.summary

    try:
        yield Subject(StoreReplica(store), new_case, edit_summary, summary_of)
    finally:
        store.close()


def _test_replica_subject(directory: Path) -> Iterator[Subject]:
    directory.mkdir(parents=True)
    replica = TestReplica(directory / "replica.sqlite3")

    def summary_of(case_id: str) -> str | None:
        row = replica.get(CASE_TABLE, case_id)
        return None if row is None else str(row["summary"])

    try:
        yield Subject(
            replica,
            lambda summary: replica.new_case("north", summary=summary),
            lambda case_id, summary: replica.update(CASE_TABLE, case_id, {"summary": summary}),
            summary_of,
        )
    finally:
        replica.close()


@pytest.fixture(params=["store-replica", "test-replica"])
def subject(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Subject]:
    make = _store_subject if request.param == "store-replica" else _test_replica_subject
    yield from make(tmp_path / "replica")


def _pulled_case(case_id: str, summary: str) -> dict[str, Any]:
    """A whole case row as another device pushed it (the store's own serialisation)."""
    fields = row_to_dict(
        Case(
            id=case_id,
            ref=f"ASB-2026-ZZZ-{uuid.uuid4().int % 100000:05d}",
            category="nuisance",
            status="referred",
            referred_on=date(2026, 11, 2),
            summary=summary,
            team="north",
            created_at=datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
        )
    )
    fields.pop("version")
    return fields


def _page(
    after: int,
    *changes: tuple[int, Op, str, dict[str, Any], int],
    origin: str = OTHER_DEVICE,
) -> PullPage:
    """A page of case changes: (seq, op, case id, fields, version) each."""
    return PullPage(
        after=after,
        changes=[
            ServerChange(
                seq=seq,
                table=CASE_TABLE,
                row_id=case_id,
                case_id=case_id,
                op=op,
                fields=fields,
                version=version,
                origin_device_id=origin,
                origin_counter=seq,
            )
            for seq, op, case_id, fields, version in changes
        ],
        next_cursor=max((c[0] for c in changes), default=after),
        more=False,
    )


def _last_record_for(subject: Subject, case_id: str) -> Any:
    records = [r for r in subject.replica.outbox(0, 10_000) if r.row_id == case_id]
    assert records, "no change record for the case"
    return records[-1]


def test_a_new_replica_has_a_fixed_device_id_and_no_cursor(subject: Subject) -> None:
    device = subject.replica.device_id()
    assert str(uuid.UUID(device)) == device
    assert subject.replica.device_id() == device
    assert subject.replica.pull_cursor() == 0
    assert subject.replica.sync_settings() is None
    assert len(subject.replica.outbox(0, 10_000)) == subject.replica.last_counter()


def test_local_writes_are_counted_without_a_gap_and_kept_after_the_push(subject: Subject) -> None:
    before = subject.replica.last_counter()
    first = subject.new_case("Loud music")
    subject.new_case("Fly-tipping")
    subject.edit_summary(first, "Loud music every night")
    last = subject.replica.last_counter()
    records = subject.replica.outbox(before, 10_000)
    assert [r.device_counter for r in records] == list(range(before + 1, last + 1))
    assert len(records) >= 3
    assert [r.device_counter for r in subject.replica.outbox(before, 1)] == [before + 1]
    assert records[-1].op == "update" and records[-1].fields == {
        "summary": "Loud music every night"
    }

    subject.replica.mark_pushed(last, [], [])
    subject.replica.mark_pushed(last, [], [])  # idempotent
    assert subject.replica.outbox(before, 10_000) == records  # kept: the server may ask again
    assert subject.replica.last_counter() == last


def test_an_edit_names_the_synced_version_which_is_never_lowered(subject: Subject) -> None:
    case_id = subject.new_case("Shouting in the street")
    subject.replica.mark_pushed(
        subject.replica.last_counter(),
        [RowVersion(table=CASE_TABLE, row_id=case_id, version=3)],
        [],
    )
    subject.edit_summary(case_id, "Shouting, and a window broken")
    assert _last_record_for(subject, case_id).base_version == 3

    subject.replica.mark_pushed(
        subject.replica.last_counter(),
        [RowVersion(table=CASE_TABLE, row_id=case_id, version=1)],
        [],
    )
    subject.edit_summary(case_id, "Shouting, a window broken, threats")
    assert _last_record_for(subject, case_id).base_version == 3


def test_a_pulled_case_applies_once_moves_the_cursor_and_is_not_sent_back(
    subject: Subject,
) -> None:
    case_id = str(uuid.uuid4())
    counter = subject.replica.last_counter()
    page = _page(0, (4, "insert", case_id, _pulled_case(case_id, "[bold]Pulled[/] case"), 1))

    assert subject.replica.apply_pulled(page).applied == 1
    assert subject.replica.pull_cursor() == 4
    assert subject.summary_of(case_id) == "[bold]Pulled[/] case"
    assert subject.replica.last_counter() == counter  # a pulled row is not this laptop's change

    assert subject.replica.apply_pulled(page).applied == 0  # a page pulled twice
    assert subject.replica.pull_cursor() == 4
    assert subject.summary_of(case_id) == "[bold]Pulled[/] case"


def test_a_pulled_update_of_a_case_it_does_not_hold_is_skipped(subject: Subject) -> None:
    case_id = str(uuid.uuid4())
    subject.replica.apply_pulled(_page(0, (2, "update", case_id, {"summary": "Elsewhere"}, 2)))
    assert subject.summary_of(case_id) is None
    assert subject.replica.pull_cursor() == 2


def test_an_echo_of_its_own_push_only_raises_the_synced_version(subject: Subject) -> None:
    case_id = subject.new_case("Graffiti on the garages")
    subject.replica.mark_pushed(subject.replica.last_counter(), [], [])
    echo = _page(
        0,
        (7, "update", case_id, {"summary": "not applied: an echo"}, 5),
        origin=subject.replica.device_id(),
    )
    subject.replica.apply_pulled(echo)
    assert subject.summary_of(case_id) == "Graffiti on the garages"
    subject.edit_summary(case_id, "Graffiti again")
    assert _last_record_for(subject, case_id).base_version == 5


def test_a_pending_local_edit_keeps_its_value_over_a_pulled_one(subject: Subject) -> None:
    case_id = subject.new_case("Dog barking all day")
    subject.replica.mark_pushed(
        subject.replica.last_counter(),
        [RowVersion(table=CASE_TABLE, row_id=case_id, version=1)],
        [],
    )
    subject.edit_summary(case_id, "Dog barking, typed here")  # not pushed yet
    subject.replica.apply_pulled(
        _page(0, (3, "update", case_id, {"summary": "Dog barking, typed there"}, 2))
    )
    assert subject.summary_of(case_id) == "Dog barking, typed here"
    assert _last_record_for(subject, case_id).base_version == 1  # the server will see a conflict


def test_the_audit_head_counts_each_write(subject: Subject) -> None:
    before = subject.replica.audit_head()
    subject.new_case("Parked across the drive")
    after = subject.replica.audit_head()
    assert SHA256_HEX.fullmatch(after.hash)
    assert after.count > before.count and after.hash != before.hash


def test_sync_settings_are_kept_and_a_failed_result_is_recorded(subject: Subject) -> None:
    settings = SyncSettings(
        server_url="https://sync.example.test",
        device_token="token-1234",
        officer_id=str(uuid.uuid4()),
        officer_name="Test Officer",
        team="north",
    )
    subject.replica.save_sync_settings(settings)
    assert subject.replica.sync_settings() == settings
    moment = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    subject.replica.record_sync_result(
        SyncResult(ok=False, started_at=moment, finished_at=moment, error="server unreachable")
    )
    assert subject.replica.sync_settings() == settings


def _snapshot_page(
    head: int, after: str | None, *cases: tuple[str, str, int], more: bool
) -> SnapshotPage:
    """A snapshot page of case rows: (case id, summary, version) each; the row's own seq is
    made up (unique per case)."""
    rows = []
    for case_id, summary, version in cases:
        fields = {k: v for k, v in _pulled_case(case_id, summary).items() if k != "id"}
        rows.append((case_id, case_id, uuid.UUID(case_id).int % 10**9 + 1, version, fields))
    return SnapshotPage(
        head=head,
        after_case=after,
        next_case=cases[-1][0] if cases else None,
        more=more,
        sections=[SnapshotSection(table=CASE_TABLE, rows=rows)] if rows else [],
    )


def test_a_snapshot_keeps_its_cursor_until_its_last_page_sets_the_pull_cursor(
    subject: Subject,
) -> None:
    first, second = sorted(str(uuid.uuid4()) for _ in range(2))
    page = _snapshot_page(40, None, (first, "Snapshot one", 3), more=True)
    counter = subject.replica.last_counter()
    assert subject.replica.snapshot_cursor() is None
    assert subject.replica.apply_snapshot(page).applied == 1
    assert subject.replica.snapshot_cursor() == SnapshotCursor(40, first)
    assert subject.replica.pull_cursor() == 0  # the stream is pulled from 40 only at the end
    assert subject.summary_of(first) == "Snapshot one"
    assert subject.replica.apply_snapshot(page).applied == 0  # a page applied twice

    last = _snapshot_page(40, first, (second, "Snapshot two", 1), more=False)
    assert subject.replica.apply_snapshot(last).applied == 1
    assert subject.replica.snapshot_cursor() is None
    assert subject.replica.pull_cursor() == 40
    assert subject.summary_of(second) == "Snapshot two"
    # the stream after the head brings the row again at its version: nothing changes
    again = _page(40, (41, "insert", first, _pulled_case(first, "Snapshot one"), 3))
    assert subject.replica.apply_pulled(again).applied == 0
    assert subject.replica.pull_cursor() == 41
    assert subject.replica.last_counter() == counter  # snapshot rows are not this laptop's


def test_the_store_checks_snapshot_rows_as_pulled_changes(tmp_path: Path) -> None:
    """A snapshot row the laptop cannot apply (a value the schema refuses, a kind of record it
    does not know) is set aside with its reason, as a pulled change is; the rest applies."""
    made = _store_subject(tmp_path / "store")
    subject = next(made)  # the generator closes the store when it is closed
    good, bad = str(uuid.uuid4()), str(uuid.uuid4())
    page = _snapshot_page(9, None, (good, "Fine", 1), (bad, "x" * 200_000, 1), more=False)
    unknown = SnapshotSection(
        table="table_from_the_future", rows=[(str(uuid.uuid4()), good, 5, 1, {"a": 1})]
    )
    page = page.model_copy(update={"sections": [*page.sections, unknown]})
    summary = subject.replica.apply_snapshot(page)
    assert (summary.applied, summary.set_aside) == (1, 2)
    assert subject.summary_of(good) == "Fine"
    assert subject.summary_of(bad) is None
    assert subject.replica.pull_cursor() == 9
    made.close()
