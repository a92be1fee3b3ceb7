"""Losing sight of a case empties the laptop: a withdrawn share purges the case from the
partner's laptop at its next sync, a transfer purges it from the old team's laptops while the
new team receives it whole. Both sides keep an audit record; the owners still sync and still
see their case."""

# ruff: noqa: F811  (the fixtures imported from sync_e2e_support are test arguments)

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from laptop_testkit import PASSPHRASE, assert_no_traceback, run_cli
from sqlmodel import select
from sync_e2e_support import (  # noqa: F401  (fixtures)
    Laptop,
    LaptopFactory,
    central,
    central_db,
    laptops,
    server_run_cli,
    unique_team,
)
from sync_server_testkit import ServerProcess

from asb_tui.store.commands.sharing import share_case, withdraw_share
from asb_tui.store.core.audit import verify_chain
from asb_tui.store.core.models import AuditEvent, ChangeRecord, Note, Person, SetAsideChange
from asb_tui.store.core.store import open_store
from asb_tui.store.replica.sync_state import open_conflicts, resolve_conflict_locally
from sync.server import db as tables
from sync.server.db import open_database

S115 = "s115-crime-and-disorder-act-1998"


def _actions(laptop: Laptop, case_id: str) -> list[str]:
    with laptop.store.read() as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.case_id == case_id))
        return [e.action for e in events]


def _holds_nothing_of(laptop: Laptop, case_id: str) -> None:
    assert laptop.case(case_id) is None
    with laptop.store.read() as session:
        assert session.exec(select(Person).where(Person.case_id == case_id)).all() == []
        assert session.exec(select(Note).where(Note.case_id == case_id)).all() == []
        sent = session.exec(
            select(ChangeRecord).where(
                ChangeRecord.case_id == case_id,
                ChangeRecord.sent_at != None,  # noqa: E711
            )
        ).all()
        assert sent == []
        kept = session.exec(select(SetAsideChange).where(SetAsideChange.case_id == case_id))
        assert kept.all() == []
        assert verify_chain(session).ok


def _admin_actions(db_url: str, case_id: str) -> list[str]:
    database = open_database(db_url)
    try:
        with database.read() as connection:
            t = tables.admin_action
            return list(
                connection.execute(sa.select(t.c.action).where(t.c.case_id == case_id)).scalars()
            )
    finally:
        database.dispose()


def test_a_withdrawn_share_is_purged_from_the_partner_laptop(
    laptops: LaptopFactory, central: ServerProcess
) -> None:
    team = unique_team()
    police = f"Police {uuid.uuid4().hex[:6]}"
    owner = laptops(team=team, agency="Council", name="Owner")
    officer = laptops(team=unique_team(), agency=police, name="Constable")
    case_id = owner.new_case("Cuckooing at a flat", victim_name="Victim W")
    share = share_case(owner.store, case_id, agency=police, what="Whole case", legal_basis=S115,
                       shared_on=date(2026, 1, 6), today=date(2026, 1, 6))  # fmt: skip
    assert owner.sync().result.ok and officer.sync().result.ok
    with officer.store.write() as uow:
        uow.add(Note(case_id=case_id, body="Visited with PCSO"), action="note.add")
    assert officer.sync().result.ok and owner.sync().result.ok
    assert officer.case(case_id) is not None
    with officer.store.write() as uow:  # a pulled change of the case it kept set aside
        uow.keep_local(SetAsideChange(seq=10**9, table_name="note", row_id=str(uuid.uuid4()),
                                      case_id=case_id, op="insert", fields={"body": "kept"},
                                      reason="kept for the test"))  # fmt: skip

    withdraw_share(owner.store, share.id, reason="the joint operation has ended")
    assert owner.sync().result.ok
    assert officer.sync().result.ok

    _holds_nothing_of(officer, case_id)
    assert "sync.purge" in _actions(officer, case_id)
    assert "case.share.withdraw" in _actions(owner, case_id)
    assert "share.withdraw" in _admin_actions(central.db_url, case_id)
    owner.edit_case(case_id, {"location": "Flat 2"})
    assert owner.sync().result.ok and officer.sync().result.ok
    assert officer.case(case_id) is None  # later edits do not bring it back
    case = owner.case(case_id)
    assert case is not None and case.location == "Flat 2"
    with owner.store.read() as session:
        assert [n.body for n in session.exec(select(Note))] == ["Visited with PCSO"]


def _ref(laptop: Laptop, case_id: str) -> str:
    case = laptop.case(case_id)
    assert case is not None
    return case.ref


def _reopen(laptop: Laptop) -> None:
    laptop.store = open_store(laptop.data_dir, PASSPHRASE, actor=laptop.name)


def test_share_withdraw_on_the_command_line_purges_the_partner_at_its_next_sync(
    laptops: LaptopFactory, central: ServerProcess
) -> None:
    police = f"Police {uuid.uuid4().hex[:6]}"
    owner = laptops(team=unique_team(), agency="Council", name="Owner")
    officer = laptops(team=unique_team(), agency=police, name="Constable")
    case_id = owner.new_case("Drug dealing from a flat", victim_name="Victim C")
    ref = _ref(owner, case_id)
    share_case(owner.store, case_id, agency=police, what="Whole case", legal_basis=S115,
               shared_on=date(2026, 1, 6), today=date(2026, 1, 6))  # fmt: skip
    assert owner.sync().result.ok and officer.sync().result.ok
    assert officer.case(case_id) is not None
    owner.store.close()  # the commands below open the owner's store themselves
    officer.store.close()

    no_reason = run_cli("share", "withdraw", ref, police, data_dir=owner.data_dir)
    unknown = run_cli("share", "withdraw", ref, "Probation", "--reason", "ended",
                      data_dir=owner.data_dir)  # fmt: skip
    for refused in (no_reason, unknown):
        assert refused.returncode == 2 and refused.stderr.count("\n") == 1
        assert_no_traceback(refused)
    assert "--reason" in no_reason.stderr
    assert f"not shared with 'Probation'; it is shared with: {police}" in unknown.stderr
    done = run_cli("share", "withdraw", ref.lower(), police.upper(), "--reason",
                   "the joint operation has ended", data_dir=owner.data_dir)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"Withdrew the share of {ref.lower()} with {police}" in done.stdout
    pushed = run_cli("sync", data_dir=owner.data_dir)
    assert pushed.returncode == 0, pushed.stderr
    assert "removed from this laptop" not in pushed.stdout  # the owner keeps its case

    pulled = run_cli("sync", data_dir=officer.data_dir)
    assert pulled.returncode == 0, pulled.stderr
    assert (
        f"removed from this laptop: case {ref}: the case's share with your agency was withdrawn"
        in pulled.stdout
    )
    _reopen(owner)
    _reopen(officer)
    _holds_nothing_of(officer, case_id)
    with owner.store.read() as session:
        (event,) = session.exec(
            select(AuditEvent).where(AuditEvent.action == "case.share.withdraw")
        ).all()
    assert event.details["reason"] == "the joint operation has ended"
    assert owner.case(case_id) is not None
    assert "share.withdraw" in _admin_actions(central.db_url, case_id)


def test_a_partner_laptop_refuses_to_withdraw_a_share_and_changes_nothing(
    laptops: LaptopFactory, central: Any
) -> None:
    police = f"Police {uuid.uuid4().hex[:6]}"
    team = unique_team()
    owner = laptops(team=team, agency="Council", name="Owner")
    officer = laptops(team=unique_team(), agency=police, name="Constable")
    case_id = owner.new_case("Drug dealing from a flat", victim_name="Victim P")
    ref = _ref(owner, case_id)
    share_case(owner.store, case_id, agency=police, what="Whole case", legal_basis=S115,
               shared_on=date(2026, 1, 6), today=date(2026, 1, 6))  # fmt: skip
    assert owner.sync().result.ok and officer.sync().result.ok
    before = officer.snapshot()
    with officer.store.read() as session:
        events_before = len(session.exec(select(AuditEvent)).all())
    officer.store.close()

    refused = run_cli("share", "withdraw", ref, police, "--reason", "we are done",
                      data_dir=officer.data_dir)  # fmt: skip
    assert_no_traceback(refused)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1, refused.stderr
    assert f"only the case's own team ({team}) can withdraw its shares" in refused.stderr
    assert f"ask {team} to withdraw it" in refused.stderr
    _reopen(officer)
    assert officer.snapshot() == before  # the share row is still there
    assert officer.unsent() == 0
    with officer.store.read() as session:
        assert len(session.exec(select(AuditEvent)).all()) == events_before
    # and the partner stays in step with the service: it syncs and still holds the case
    assert officer.sync().result.ok and officer.sync().result.refused == ()
    assert officer.case(case_id) is not None


def test_a_transfer_moves_the_case_and_purges_the_old_team(
    laptops: LaptopFactory, central: ServerProcess
) -> None:
    old_team, new_team = unique_team(), unique_team()
    old = laptops(team=old_team, name="Old")
    new = laptops(team=new_team, name="New")
    case_id = old.new_case("Nuisance motorbikes on the green", victim_name="Victim V")
    old.add_notes(case_id, 2)
    assert old.sync().result.ok and new.sync().result.ok
    assert new.case(case_id) is None

    refused = server_run_cli("case", "transfer", case_id, new_team, "--by", "Admin",
                             "--requested-by", "Old", "--reason", "", "--db", central.db_url,
                             check=False)  # fmt: skip
    assert refused.returncode == 1 and "why" in refused.stderr
    done = server_run_cli("case", "transfer", case_id, new_team, "--by", "Admin",
                          "--requested-by", "Old", "--reason", "the green is in their ward",
                          "--db", central.db_url)  # fmt: skip
    assert f"to team {new_team}" in done.stdout
    ref = _ref(old, case_id)
    moved_away = old.sync().result
    assert moved_away.ok and new.sync().result.ok
    assert [(r.case_id, r.ref, r.reason) for r in moved_away.removed] == [
        (case_id, ref, f"the case was transferred to team {new_team}")
    ]

    _holds_nothing_of(old, case_id)
    moved = new.case(case_id)
    assert moved is not None and moved.team == new_team
    assert new.count(Note) == 2 and new.count(Person) == 1
    new.edit_case(case_id, {"location": "The green, Elm Road"})
    assert new.sync().result.ok
    assert new.unsent() == 0
    assert _admin_actions(central.db_url, case_id) == ["case.transfer"]


def _open_conflict_details(db_url: str, case_id: str) -> list[dict[str, Any]]:
    database = open_database(db_url)
    try:
        with database.read() as connection:
            t = tables.admin_action
            return list(
                connection.execute(
                    sa.select(t.c.details).where(
                        t.c.case_id == case_id, t.c.action == "case.transfer"
                    )
                ).scalars()
            )
    finally:
        database.dispose()


def test_a_transfer_carries_the_case_open_conflicts_to_the_new_team(
    laptops: LaptopFactory, central: ServerProcess
) -> None:
    """A conflict left open by the old team is the new team's to resolve: it arrives with the
    case, says what each side wrote, and resolving it reaches every new-team laptop."""
    old_team, new_team = unique_team(), unique_team()
    asha, bartek = laptops(team=old_team, name="Asha"), laptops(team=old_team, name="Bartek")
    nia, omar = laptops(team=new_team, name="Nia"), laptops(team=new_team, name="Omar")
    case_id = asha.new_case("Loud music every night")
    assert asha.sync().result.ok and bartek.sync().result.ok
    asha.edit_case(case_id, {"summary": "Asha's summary"})
    bartek.edit_case(case_id, {"summary": "Bartek's summary"})
    asha.sync()
    assert bartek.sync().open_conflicts == 1
    [left_open] = bartek.open_conflicts()

    done = server_run_cli("case", "transfer", case_id, new_team, "--by", "Admin",
                          "--requested-by", "Asha", "--reason", "moved ward",
                          "--db", central.db_url)  # fmt: skip
    assert "1 open conflict goes with it" in done.stdout
    assert _open_conflict_details(central.db_url, case_id)[0]["open_conflicts"] == [left_open.id]

    assert nia.sync().open_conflicts == 1 and omar.sync().open_conflicts == 1
    [on_nia] = open_conflicts(nia.store)
    assert (on_nia.id, on_nia.field) == (left_open.id, "summary")
    assert {on_nia.mine, on_nia.theirs} == {"Asha's summary", "Bartek's summary"}
    queued = resolve_conflict_locally(nia.store, on_nia.id, "edit", "Agreed summary")
    assert queued.status == "resolving"
    resolved = nia.sync()
    assert resolved.resolutions_sent == 1 and resolved.open_conflicts == 0
    assert omar.sync().open_conflicts == 0
    for laptop in (nia, omar):
        case = laptop.case(case_id)
        assert case is not None and case.summary == "Agreed summary"
        assert laptop.open_conflicts() == []
    # The old team's laptops drop the case, and with it the conflict they can no longer resolve.
    for laptop in (asha, bartek):
        assert laptop.sync().result.ok
        assert laptop.case(case_id) is None
        assert laptop.open_conflicts() == []
