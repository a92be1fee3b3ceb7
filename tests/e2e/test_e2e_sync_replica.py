"""The encrypted store as a sync replica, fed pages the way the server sends them (no network):
children before parents, pages twice, echoes, pending local edits, changes set aside, deletes,
refused changes, and that pulled rows never become new change records."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any, Literal

import pytest
from sqlmodel import func, select

from asb_tui.store.commands.cases import refer_case
from asb_tui.store.core.audit import verify_chain
from asb_tui.store.core.models import AuditEvent, Case, CaseParty, ChangeRecord, Note, Person
from asb_tui.store.core.serialize import row_to_dict
from asb_tui.store.core.store import Store
from asb_tui.store.replica.replica import StoreReplica
from asb_tui.store.replica.sync_state import (
    changes_waiting,
    refused_changes,
    resolve_conflict_locally,
    set_aside_changes,
    sync_overview,
)
from sync.client import SyncResult
from sync.protocol import ConflictOut, PullPage, RefusedChange, RowVersion, ServerChange

OTHER_DEVICE = str(uuid.uuid4())


def _case_fields(case_id: str, **extra: Any) -> dict[str, Any]:
    fields = row_to_dict(
        Case(
            id=case_id,
            ref=f"ASB-2026-ZZZ-{uuid.uuid4().int % 100000:05d}",
            category="nuisance",
            status="referred",
            referred_on=date(2026, 1, 5),
            summary="Pulled case",
            team="north",
            created_at=datetime(2026, 1, 5, 9, 30, tzinfo=UTC),
        )
    )
    fields.pop("version")
    return {**fields, **extra}


def _change(
    seq: int,
    table: str,
    row_id: str,
    case_id: str,
    op: Literal["insert", "update", "delete"],
    fields: dict[str, Any],
    version: int,
    origin: str | None = OTHER_DEVICE,
) -> ServerChange:
    return ServerChange(
        seq=seq,
        table=table,
        row_id=row_id,
        case_id=case_id,
        op=op,
        fields=fields,
        version=version,
        origin_device_id=origin,
        origin_counter=seq if origin else None,
    )


def _page(after: int, changes: list[ServerChange], conflicts: list[ConflictOut] = ()) -> PullPage:  # type: ignore[assignment]
    seqs = [c.seq for c in changes] + [c.seq for c in conflicts]
    return PullPage(
        after=after,
        changes=changes,
        conflicts=list(conflicts),
        next_cursor=max(seqs, default=after),
        more=False,
    )


def _count(store: Store, model: Any) -> int:
    with store.read() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def _person_fields(person_id: str, case_id: str, name: str) -> dict[str, Any]:
    fields = row_to_dict(Person(id=person_id, case_id=case_id, name=name))
    fields.pop("version")
    return fields


def test_a_page_with_children_before_parents_applies_once(store: Store) -> None:
    replica = StoreReplica(store)
    case_id, person_id = str(uuid.uuid4()), str(uuid.uuid4())
    page = _page(
        0,
        [
            _change(
                1,
                "person",
                person_id,
                case_id,
                "insert",
                _person_fields(person_id, case_id, "[bold]Smith[/] Łukasz"),
                1,
            ),
            _change(2, "asb_case", case_id, case_id, "insert", _case_fields(case_id), 1),
            _change(3, "asb_case", case_id, case_id, "update", {"summary": "Edited there"}, 2),
        ],
    )
    changes_before = _count(store, ChangeRecord)
    events_before = _count(store, AuditEvent)

    summary = replica.apply_pulled(page)
    assert summary.applied == 3
    assert replica.pull_cursor() == 3
    with store.read() as session:
        case = session.get(Case, case_id)
        person = session.get(Person, person_id)
        assert case is not None and person is not None
        assert (case.summary, case.version, case.referred_on) == (
            "Edited there",
            2,
            date(2026, 1, 5),
        )
        assert (person.name, person.version) == ("[bold]Smith[/] Łukasz", 1)
        assert verify_chain(session).ok
    # Pulled rows are not this laptop's changes: no change records, one audit event per page.
    assert _count(store, ChangeRecord) == changes_before
    assert _count(store, AuditEvent) == events_before + 1

    again = replica.apply_pulled(page)  # a page pulled twice changes nothing
    assert again.applied == 0
    with store.read() as session:
        assert session.get(Case, case_id).summary == "Edited there"  # type: ignore[union-attr]
    assert _count(store, Person) == 1


def test_pending_local_edits_keep_their_values_and_echoes_only_raise_versions(store: Store) -> None:
    replica = StoreReplica(store)
    new = refer_case(
        store, category="nuisance", summary="Mine", referred_on=date(2026, 2, 1), team="north"
    )
    replica.mark_pushed(1, [RowVersion(table="asb_case", row_id=new.id, version=1)], [])
    with store.write() as uow:
        case = uow.reads.get(Case, new.id)
        assert case is not None
        uow.update(case, {"summary": "Typed offline"}, action="case.edit")
    assert changes_waiting(store) == 1

    replica.apply_pulled(
        _page(
            0,
            [
                _change(1, "asb_case", new.id, new.id, "insert", {}, 1, origin=store.device_id),
                _change(
                    2,
                    "asb_case",
                    new.id,
                    new.id,
                    "update",
                    {"summary": "Theirs", "location": "Park Road"},
                    2,
                ),
            ],
        )
    )
    with store.read() as session:
        case = session.get(Case, new.id)
        assert case is not None
        # The unsent edit keeps its value (it will be pushed with its old base version).
        assert (case.summary, case.location, case.version) == ("Typed offline", "Park Road", 2)
        pending = session.exec(select(ChangeRecord).where(ChangeRecord.sent_at == None)).one()  # noqa: E711
        assert pending.base_version == 1

    replica.apply_pulled(
        _page(
            2,
            [
                _change(
                    3,
                    "asb_case",
                    new.id,
                    new.id,
                    "update",
                    {"summary": "x"},
                    5,
                    origin=store.device_id,
                )
            ],
        )
    )
    with store.read() as session:
        case = session.get(Case, new.id)
        assert (case.summary, case.version) == ("Typed offline", 5)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("table", "fields", "problem"),
    [
        ("door_bell_camera", {"id": "x"}, "door_bell_camera"),
        ("asb_case", {"summary": "x", "mood": "angry"}, "mood"),
        ("asb_case", {"referred_on": 20260105}, "must be text"),
        ("asb_case", {"summary": "lone \ud800 surrogate"}, "surrogate"),
        ("asb_case", {"team": "t" * 201}, "201 characters"),
    ],
)
def test_a_pulled_change_that_cannot_be_applied_is_set_aside_and_the_rest_applied(
    store: Store, table: str, fields: dict[str, Any], problem: str
) -> None:
    replica = StoreReplica(store)
    good_case = str(uuid.uuid4())
    odd = good_case if table == "asb_case" else str(uuid.uuid4())
    later = str(uuid.uuid4())
    page = _page(
        0,
        [
            _change(1, "asb_case", good_case, good_case, "insert", _case_fields(good_case), 1),
            _change(
                2, table, odd, good_case, "update" if table == "asb_case" else "insert", fields, 2
            ),
            _change(3, "asb_case", later, later, "insert", _case_fields(later), 1),
        ],
    )
    summary = replica.apply_pulled(page)
    assert (summary.applied, summary.set_aside) == (2, 1)
    assert _count(store, Case) == 2  # the changes before and after the bad one were applied
    assert replica.pull_cursor() == 3
    [aside] = set_aside_changes(store)
    assert (aside.direction, aside.number, aside.row_id) == ("received", 2, odd)
    assert problem in aside.reason
    assert aside.advice
    replica.apply_pulled(page)  # the same page again: set aside once
    assert len(set_aside_changes(store)) == 1


def test_deletes_conflicts_and_refusals_are_kept_for_the_officer(store: Store) -> None:
    replica = StoreReplica(store)
    case_id, note_id = str(uuid.uuid4()), str(uuid.uuid4())
    note = row_to_dict(Note(id=note_id, case_id=case_id, body="note [/"))
    replica.apply_pulled(
        _page(
            0,
            [
                _change(1, "asb_case", case_id, case_id, "insert", _case_fields(case_id), 1),
                _change(2, "note", note_id, case_id, "insert", note, 1),
            ],
        )
    )
    conflict = ConflictOut(
        id=str(uuid.uuid4()),
        seq=4,
        table="asb_case",
        row_id=case_id,
        case_id=case_id,
        field="summary",
        server_value="Server",
        device_value="Device",
        mine="Server",
        theirs="Device",
        device_id=OTHER_DEVICE,
        server_device_id=None,
        status="open",
    )
    summary = replica.apply_pulled(
        _page(2, [_change(3, "note", note_id, case_id, "delete", {}, 2)], [conflict])
    )
    assert (summary.applied, summary.conflicts_opened) == (1, 1)
    assert _count(store, Note) == 0
    assert sync_overview(store).open_conflicts == 1

    resolve_conflict_locally(store, conflict.id, "theirs")
    assert replica.pending_resolutions() == {conflict.id: {"choice": "theirs", "value": None}}
    resolved = conflict.model_copy(update={"status": "resolved", "seq": 5})
    assert replica.apply_pulled(_page(4, [], [resolved])).conflicts_resolved == 1
    assert replica.pending_resolutions() == {}
    assert sync_overview(store).open_conflicts == 0

    refused = RefusedChange(
        device_counter=7,
        table="note",
        row_id=note_id,
        case_id=case_id,
        reason="you have no access to this case",
    )
    replica.mark_pushed(0, [], [refused])
    replica.mark_pushed(0, [], [refused])  # a reply heard twice is kept once
    [kept] = refused_changes(store)
    assert (kept.device_counter, kept.reason) == (7, "you have no access to this case")
    assert sync_overview(store).refused == 1


def test_versions_only_rise_and_results_are_recorded(store: Store) -> None:
    replica = StoreReplica(store)
    new = refer_case(
        store,
        category="nuisance",
        summary="S",
        referred_on=date(2026, 2, 1),
        team="north",
        victim_name="Vic",
    )
    assert changes_waiting(store) == 3  # the case, the victim, and the victim's part in it
    replica.mark_pushed(2, [RowVersion(table="asb_case", row_id=new.id, version=3)], [])
    assert changes_waiting(store) == 1
    replica.mark_pushed(3, [RowVersion(table="asb_case", row_id=new.id, version=2)], [])
    assert changes_waiting(store) == 0
    assert [c.device_counter for c in replica.outbox(0, 10)] == [1, 2, 3]  # kept after sending
    assert [c.device_counter for c in replica.outbox(1, 1)] == [2]
    with store.read() as session:
        assert session.get(Case, new.id).version == 3  # type: ignore[union-attr]

    now = datetime.now(UTC)
    replica.record_sync_result(
        SyncResult(ok=False, started_at=now, finished_at=now, error="server [bold]down[/]")
    )
    overview = sync_overview(store)
    assert overview.last_sync_ok is False
    assert overview.last_error == "server [bold]down[/]"
    assert overview.last_sync_at is not None


def test_a_pulled_delete_of_a_row_still_referred_to_keeps_it(store: Store) -> None:
    replica = StoreReplica(store)
    new = refer_case(store, category="nuisance", summary="S", referred_on=date(2026, 2, 1),
                     team="north", victim_name="Vic")  # fmt: skip
    replica.mark_pushed(3, [], [])
    with store.read() as session:
        person = session.exec(select(Person).where(Person.case_id == new.id)).one()
        party = session.exec(select(CaseParty).where(CaseParty.person_id == person.id)).one()

    # Someone deleted the person while this laptop's party still names them: keep the person,
    # and go on syncing (a broken reference would refuse every later page).
    replica.apply_pulled(_page(0, [_change(1, "person", person.id, new.id, "delete", {}, 2)]))
    assert replica.pull_cursor() == 1
    assert _count(store, Person) == 1

    # Party and person deleted together: both go.
    replica.apply_pulled(
        _page(
            1,
            [
                _change(2, "case_party", party.id, new.id, "delete", {}, 2),
                _change(3, "person", person.id, new.id, "delete", {}, 3),
            ],
        )
    )
    assert (_count(store, Person), _count(store, CaseParty)) == (0, 0)
    with store.read() as session:
        assert verify_chain(session).ok
