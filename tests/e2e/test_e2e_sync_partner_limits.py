"""The access matrix through a real service on loopback: an agency a case is shared with under
s115 reads it and adds its own notes, and nothing more. Each attack is refused with its reason,
and the owning team's laptops still sync and still see their case, unchanged, afterwards."""

# ruff: noqa: F811  (the fixtures imported from sync_e2e_support are test arguments)

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date

import pytest
from sqlmodel import select
from sync_e2e_support import (  # noqa: F401  (fixtures)
    Laptop,
    LaptopFactory,
    central,
    fresh_database,
    laptops,
    unique_team,
)

from asb_tui.store.commands.oversight_errors import SharingRefused
from asb_tui.store.commands.sharing import share_case
from asb_tui.store.core.models import Case, CaseParty, Note, Person, SharingRecord
from asb_tui.store.replica.sync_state import refused_changes

S115 = "s115-crime-and-disorder-act-1998"


@pytest.fixture(scope="module")
def central_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # The matrix is enforced in Python, the same on both databases: SQLite is enough here.
    with fresh_database("sqlite", tmp_path_factory.mktemp("central")) as url:
        yield url


def _shared_case(laptops: LaptopFactory) -> tuple[Laptop, Laptop, Laptop, str, str]:
    """A council team's case shared under s115 with a police officer; two council laptops."""
    team = unique_team()
    police = f"Police {uuid.uuid4().hex[:6]}"
    owner = laptops(team=team, agency="Council", name="Owner")
    teammate = laptops(team=team, agency="Council", name="Teammate")
    officer = laptops(team=unique_team(), agency=police, name="Constable")
    case_id = owner.new_case("Drug dealing from a flat", victim_name="Victim Y")
    share_case(owner.store, case_id, agency=police, what="Whole case", legal_basis=S115,
               shared_on=date(2026, 1, 6), today=date(2026, 1, 6))  # fmt: skip
    for laptop in (owner, teammate, officer):
        assert laptop.sync().result.ok
    assert officer.case(case_id) is not None
    return owner, teammate, officer, case_id, team


def _refusal(laptop: Laptop, table: str) -> str:
    [refused] = [r for r in refused_changes(laptop.store) if r.table == table]
    return refused.reason


def _owner_still_works(owner: Laptop, teammate: Laptop, case_id: str, team: str) -> None:
    owner.edit_case(case_id, {"location": "Flat 9, Tower Road"})
    assert owner.sync().result.ok
    assert teammate.sync().result.ok
    for laptop in (owner, teammate):
        case = laptop.case(case_id)
        assert case is not None
        assert case.team == team
        assert case.location == "Flat 9, Tower Road"
        assert refused_changes(laptop.store) == []


def test_a_partner_cannot_take_the_case_to_its_own_team(laptops: LaptopFactory) -> None:
    owner, teammate, officer, case_id, team = _shared_case(laptops)
    officer.edit_case(case_id, {"team": "Police Liaison", "status": "closed"})
    assert officer.sync().result.ok

    reason = _refusal(officer, "asb_case")
    assert "shared with your agency" in reason and "not change" in reason
    _owner_still_works(owner, teammate, case_id, team)
    case = owner.case(case_id)
    assert case is not None and case.status != "closed"


def test_a_partner_cannot_delete_the_victim(laptops: LaptopFactory) -> None:
    owner, teammate, officer, case_id, team = _shared_case(laptops)
    with officer.store.write() as uow:
        victim = uow.reads.exec(select(Person).where(Person.case_id == case_id)).one()
        for party in uow.reads.exec(select(CaseParty).where(CaseParty.person_id == victim.id)):
            uow.delete(party, action="party.delete")
        uow.delete(victim, action="person.delete")
    assert officer.sync().result.ok

    assert "not delete" in _refusal(officer, "person")
    assert "not delete" in _refusal(officer, "case_party")
    _owner_still_works(owner, teammate, case_id, team)
    for laptop in (owner, teammate):
        with laptop.store.read() as session:
            names = {p.name for p in session.exec(select(Person).where(Person.case_id == case_id))}
        assert names == {"Victim Y"}


def test_a_partner_cannot_share_the_case_onward(laptops: LaptopFactory) -> None:
    owner, teammate, officer, case_id, team = _shared_case(laptops)
    other_agency = f"Housing {uuid.uuid4().hex[:6]}"
    outsider = laptops(team=unique_team(), agency=other_agency, name="Outsider")
    # The partner's own app refuses (below); a laptop that writes the row anyway is what the
    # service must stop.
    with officer.store.write() as uow:
        uow.add(
            SharingRecord(case_id=case_id, agency=other_agency, what="Whole case",
                          legal_basis=S115, shared_on=date(2026, 1, 7), officer="Constable"),
            action="case.share",
        )  # fmt: skip
    assert officer.sync().result.ok
    assert outsider.sync().result.ok

    assert "only its own team may share it onward" in _refusal(officer, "sharing_record")
    assert outsider.case(case_id) is None
    assert outsider.count(Case) == 0
    _owner_still_works(owner, teammate, case_id, team)
    with owner.store.read() as session:
        agencies = [s.agency for s in session.exec(select(SharingRecord))]
    assert len(agencies) == 1 and agencies[0].startswith("Police")


def test_a_partners_laptop_refuses_to_share_the_case_onward_and_writes_nothing(
    laptops: LaptopFactory,
) -> None:
    owner, teammate, officer, case_id, team = _shared_case(laptops)
    before = officer.snapshot()
    with pytest.raises(SharingRefused) as refused:
        share_case(officer.store, case_id, agency="Housing", what="Whole case", legal_basis=S115,
                   shared_on=date(2026, 1, 7), today=date(2026, 1, 7))  # fmt: skip
    message = str(refused.value)
    assert "\n" not in message
    assert f"only the case's own team ({team}) can share it onward" in message
    assert f"ask {team} to share it" in message
    assert officer.snapshot() == before and officer.unsent() == 0
    assert officer.sync().result.ok and officer.sync().result.refused == ()
    _owner_still_works(owner, teammate, case_id, team)


def test_a_partner_adds_its_own_note_and_the_owner_receives_it(laptops: LaptopFactory) -> None:
    owner, teammate, officer, case_id, team = _shared_case(laptops)
    with officer.store.write() as uow:
        uow.add(Note(case_id=case_id, body="Seen at the door at 22:10"), action="note.add")
    assert officer.sync().result.ok
    assert refused_changes(officer.store) == []
    _owner_still_works(owner, teammate, case_id, team)
    with teammate.store.read() as session:
        bodies = [n.body for n in session.exec(select(Note).where(Note.case_id == case_id))]
    assert bodies == ["Seen at the door at 22:10"]
