"""People across cases travel: a merge and its split made on one officer's laptop reach a
colleague's laptop through the real service (SQLite and PostgreSQL), a confirmed match made
there syncs back, and an export imported into a fresh store keeps who is who."""

# ruff: noqa: F811  (the fixtures imported from sync_e2e_support are test arguments)

from __future__ import annotations

from datetime import date
from pathlib import Path

from laptop_testkit import OFFICER, PASSPHRASE
from sqlmodel import select
from sync_e2e_support import (  # noqa: F401  (fixtures)
    Laptop,
    LaptopFactory,
    central,
    central_db,
    comparable,
    laptops,
    unique_team,
)

from asb_tui.domain.types import PartyRole
from asb_tui.export.json_export import export_cases, import_document
from asb_tui.store.commands import people
from asb_tui.store.core.models import Address, CaseLink, CaseParty, Person
from asb_tui.store.core.store import create_store
from asb_tui.store.queries.people import linked_cases

BORN = date(1979, 3, 2)


def _identities(laptop: Laptop) -> dict[str, str | None]:
    with laptop.store.read() as session:
        return {p.id: p.identity_id for p in session.exec(select(Person))}


def _victim(laptop: Laptop, case_id: str) -> str:
    with laptop.store.read() as session:
        return session.exec(
            select(CaseParty.person_id).where(
                CaseParty.case_id == case_id, CaseParty.role == PartyRole.VICTIM.value
            )
        ).one()


def test_merge_split_and_links_round_trip_through_sync_and_export(
    laptops: LaptopFactory, tmp_path: Path
) -> None:
    team = unique_team()
    asha = laptops(team=team, name="Asha")
    bartek = laptops(team=team, name="Bartek")
    one = asha.new_case("Abuse at the door", victim_name="Kai Brown")
    two = asha.new_case("Stones at the window", victim_name="Kai Browne")
    a, b = _victim(asha, one), _victim(asha, two)
    people.add_address(
        asha.store, one, people.AddressInput("3 Mill Lane", postcode="LS8 2QT"), person_id=a
    )
    people.merge_people(asha.store, a, b, reason="The same person, misspelt")
    people.link_cases(asha.store, two, one, reason="Same victim", on=date(2026, 1, 6))
    asha.sync()
    bartek.sync()
    assert _identities(bartek)[b] == a
    with bartek.store.read() as session:
        assert [(c.case_id, c.kind) for c in linked_cases(session, two)] == [
            (one, "link"),
            (one, "person"),
        ]

    # Bartek finds the merge was wrong and splits it; a confirmed match he adds syncs too.
    people.split_person(bartek.store, b, reason="Different date of birth on the tenancy")
    added = people.add_person_to_case(
        bartek.store, two, name="Dan Quarrington", role=PartyRole.ALLEGED_PERPETRATOR.value,
        date_of_birth=BORN,
    )  # fmt: skip
    people.add_person_to_case(
        bartek.store, one, name="Dan Quarington", role=PartyRole.ALLEGED_PERPETRATOR.value,
        date_of_birth=BORN, same_as=added,
    )  # fmt: skip
    bartek.sync()
    asha.sync()
    identities = _identities(asha)
    assert identities[a] == a and identities[b] == b
    assert [v for k, v in identities.items() if k not in (a, b)] == [added, added]
    assert comparable(asha.snapshot()) == comparable(bartek.snapshot())

    # An export keeps who is who: imported into a fresh store, the same identities and links.
    document = export_cases(asha.store, None)
    fresh, _recovery = create_store(tmp_path / "fresh", PASSPHRASE, actor=OFFICER)
    try:
        import_document(fresh, document)
        with fresh.read() as session:
            imported = {p.id: p.identity_id for p in session.exec(select(Person))}
            assert len(session.exec(select(Address)).all()) == 1
            assert len(session.exec(select(CaseLink)).all()) == 1
        assert imported == identities
    finally:
        fresh.close()
