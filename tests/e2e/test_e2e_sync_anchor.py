"""The audit anchor cannot be padded past: a laptop that erases a synced case from its audit
chain, re-hashes the chain and adds events until it is longer than before is caught by
`asb-tui audit verify` on the laptop itself and flagged by the service at its next sync. The
flag is listed, cleared only with a reason (recorded), and the team's other laptop still syncs
and still sees the case."""

# ruff: noqa: F811  (the fixtures imported from sync_e2e_support are test arguments)

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import col, delete, select
from sync_e2e_support import (  # noqa: F401  (fixtures)
    Laptop,
    LaptopFactory,
    assert_no_traceback,
    central,
    fresh_database,
    laptops,
    run_cli,
    server_run_cli,
    unique_team,
)
from sync_server_testkit import ServerProcess
from tamper_kit import tampering

from asb_tui.store.core.audit import GENESIS, acknowledged_anchor, event_hash, verify_chain
from asb_tui.store.core.models import AuditEvent, Case

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def central_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # PostgreSQL only: the same rule on SQLite is covered by tests/sync/test_sync_exchange.py.
    with fresh_database("postgres", tmp_path_factory.mktemp("central")) as url:
        yield url


def _erase_and_rehash(laptop: Laptop, case_id: str) -> None:
    """What a user with the key might do: drop a case's events and rebuild a valid chain."""
    with tampering(laptop.store) as session:
        kept = [
            e.model_dump()
            for e in session.exec(select(AuditEvent).order_by(col(AuditEvent.seq)))
            if e.case_id != case_id
        ]
        session.exec(delete(AuditEvent))
        session.flush()
        prev = GENESIS
        for seq, fields in enumerate(kept, start=1):
            event = AuditEvent(**{**fields, "seq": seq, "prev_hash": prev, "hash": ""})
            event.hash = event_hash(prev, event)
            prev = event.hash
            session.add(event)
        session.commit()
    with laptop.store.read() as session:
        assert verify_chain(session).count == len(kept)  # the chain itself is valid again


def _chain_length(laptop: Laptop) -> int:
    with laptop.store.read() as session:
        return len(session.exec(select(AuditEvent)).all())


def test_a_rewritten_chain_is_caught_on_the_laptop_and_flagged_however_long_it_grows(
    laptops: LaptopFactory, central: ServerProcess
) -> None:
    team = unique_team()
    ann = laptops(team=team, name="Ann")
    bob = laptops(team=team, name="Bob")
    erased = ann.new_case("Threats from a neighbour", victim_name="Victim Z")
    kept = ann.new_case("Fly-tipping behind the shops")
    assert ann.sync().result.ok
    assert bob.sync().result.ok
    anchored = _chain_length(ann)

    _erase_and_rehash(ann, erased)
    ann.add_notes(kept, anchored)  # pad: the chain is now far longer than the anchored head
    assert _chain_length(ann) > anchored

    verify = run_cli("audit", "verify", data_dir=ann.data_dir)
    assert_no_traceback(verify)
    assert verify.returncode == 1
    assert "acknowledged" in verify.stdout and "rewritten" in verify.stdout

    outcome = ann.sync()
    assert outcome.result.ok
    assert any("audit chain rewritten" in w for w in outcome.result.warnings)
    listing = server_run_cli("audit", "flags", "--db", central.db_url).stdout
    assert "(anchored) do not follow from it" in listing and "OPEN" in listing

    # The rest of the team is unaffected.
    bob.edit_case(kept, {"location": "Back of Parade Road"})
    assert bob.sync().result.ok
    assert ann.sync().result.ok
    for laptop in (ann, bob):
        case = laptop.case(kept)
        assert case is not None and case.location == "Back of Parade Road"
    assert bob.case(erased) is not None

    # Further syncs raise no new flag; clearing needs a reason and is recorded.
    refused = server_run_cli("audit", "clear", "x", "--by", "Admin", "--db", central.db_url,
                             check=False)  # fmt: skip
    assert refused.returncode == 2 and "--reason" in refused.stderr
    device_id = ann.store.device_id
    server_run_cli("audit", "clear", device_id, "--by", "Admin", "--reason",
                   "laptop reissued after investigation", "--db", central.db_url)  # fmt: skip
    assert "no open audit flags" in server_run_cli("audit", "flags", "--db", central.db_url).stdout
    everything = server_run_cli("audit", "flags", "--all", "--db", central.db_url).stdout
    assert everything.count(device_id) == 1
    assert "cleared" in everything and "laptop reissued after investigation" in everything
    # The laptop still reports its own rewrite: its acknowledged anchor was not moved.
    with ann.store.read() as session:
        assert "acknowledged" in verify_chain(session).problem


def test_an_honest_laptop_moves_its_anchor_and_verifies(laptops: LaptopFactory) -> None:
    ann = laptops(team=unique_team(), name="Ann")
    case_id = ann.new_case()
    for _ in range(3):
        ann.add_notes(case_id, 5)
        outcome = ann.sync()
        assert outcome.result.ok and outcome.result.warnings == ()
        with ann.store.read() as session:
            assert verify_chain(session).ok
            anchor = acknowledged_anchor(session)
            assert anchor is not None and anchor.count >= 5
    verify = run_cli("audit", "verify", data_dir=ann.data_dir)
    assert verify.returncode == 0, verify.stdout
    with ann.store.read() as session:
        assert session.get(Case, case_id) is not None
