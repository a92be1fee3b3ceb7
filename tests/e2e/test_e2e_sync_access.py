"""Partial replication between real encrypted laptops: an officer of team A pulls none of team B's
cases, until team B shares one with A's agency under a recorded legal basis (through the store's
own sharing command); a push to a case the officer may not see is refused, kept for the officer,
and never resent."""

# ruff: noqa: F811  (the fixtures imported from sync_e2e_support are test arguments)

from __future__ import annotations

import uuid
from datetime import date

import pytest
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

from asb_tui.store.commands.oversight_errors import SharingRefused
from asb_tui.store.commands.sharing import share_case
from asb_tui.store.core.models import Case, Note, Person, SharingRecord
from asb_tui.store.replica.sync_state import refused_changes, sync_overview


def _case_ids(laptop: Laptop) -> set[str]:
    with laptop.store.read() as session:
        return set(session.exec(select(Case.id)).all())


def test_team_a_pulls_none_of_team_b_until_shared_with_a_legal_basis(
    laptops: LaptopFactory,
) -> None:
    team_a, team_b = unique_team(), unique_team()
    police = f"Police {uuid.uuid4().hex[:6]}"
    anna = laptops(team=team_a, agency=police, name="Anna")
    bilal = laptops(team=team_b, agency="Council", name="Bilal")
    anna_case = anna.new_case("Graffiti on the underpass", victim_name="Ola")
    private = bilal.new_case("Harassment by a neighbour", victim_name="Victim [b]X[/b]")
    shared = bilal.new_case("Drug dealing from a flat", victim_name="Victim Y")
    bilal.add_notes(private, 3)
    for laptop in (anna, bilal, anna):
        laptop.sync()

    assert _case_ids(anna) == {anna_case}
    assert _case_ids(bilal) == {private, shared}
    with anna.store.read() as session:
        assert {p.case_id for p in session.exec(select(Person))} == {anna_case}
        assert session.exec(select(Note)).all() == []

    # A share without a legal basis cannot even be recorded; with one, the case travels.
    with pytest.raises(SharingRefused):
        share_case(bilal.store, shared, agency=police, what="whole case", legal_basis="",
                   shared_on=date(2026, 1, 6), today=date(2026, 1, 6))  # fmt: skip
    bilal.sync()
    anna.sync()
    assert shared not in _case_ids(anna)
    share_case(
        bilal.store,
        shared,
        agency=police,
        what="whole case",
        legal_basis="s115-crime-and-disorder-act-1998",
        shared_on=date(2026, 1, 6),
        today=date(2026, 1, 6),
    )
    bilal.sync()
    anna.sync()
    assert _case_ids(anna) == {anna_case, shared}
    with anna.store.read() as session:
        names = {p.name for p in session.exec(select(Person).where(Person.case_id == shared))}
        assert names == {"Victim Y"}
        assert len(session.exec(select(SharingRecord)).all()) == 1
    assert private not in _case_ids(anna)


def test_a_push_to_a_case_out_of_reach_is_refused_and_kept_for_the_officer(
    laptops: LaptopFactory, central: ServerProcess
) -> None:
    team = unique_team()
    mover = laptops(team=team, name="Mover")
    other = laptops(team=team, name="Other")
    case_id = mover.new_case("Noise from a garage")
    mover.sync()
    other.sync()
    other.edit_case(case_id, {"location": "Garage 4"})  # offline edit...
    server_run_cli(  # ...while an administrator moves the case to another team
        "case", "transfer", case_id, unique_team(), "--by", "Admin", "--requested-by", "Mover",
        "--reason", "the garage is in the other team's area", "--db", central.db_url,
    )  # fmt: skip
    mover.sync()

    outcome = other.sync()
    [refused] = refused_changes(other.store)
    assert "no access" in refused.reason
    assert refused.case_id == case_id
    assert outcome.result.ok
    assert sync_overview(other.store).changes_waiting == 0  # processed: never resent
    assert sync_overview(other.store).refused == 1
