"""Two officers of one team edit one case offline on their own encrypted laptops, then sync.

Different fields merge on both laptops whichever syncs first; the same field becomes a conflict on
both, which either officer resolves (keep mine, keep theirs, edit), after which both laptops hold
the same rows. Runs against a real server over SQLite and over PostgreSQL.
"""

# ruff: noqa: F811  (the fixtures imported from sync_e2e_support are test arguments)

from __future__ import annotations

from typing import Literal

import pytest
from sync_e2e_support import (  # noqa: F401  (fixtures)
    Laptop,
    LaptopFactory,
    central,
    central_db,
    comparable,
    laptops,
    unique_team,
)

from asb_tui.store.core.audit import verify_chain
from asb_tui.store.replica.sync_state import open_conflicts, resolve_conflict_locally, sync_overview


def _two_officers(laptops: LaptopFactory) -> tuple[Laptop, Laptop, str]:
    team = unique_team()
    first = laptops(team=team, name="Asha")
    second = laptops(team=team, name="Bartek Wróbel")
    case_id = first.new_case("Loud music every night")
    assert first.sync().result.pushed > 0
    second.sync()
    assert second.case(case_id) is not None
    return first, second, case_id


@pytest.mark.parametrize("order", ["asha-first", "bartek-first"])
def test_different_fields_merge_on_both_laptops(laptops: LaptopFactory, order: str) -> None:
    asha, bartek, case_id = _two_officers(laptops)
    asha.edit_case(case_id, {"summary": "Music and shouting after 11pm"})
    bartek.edit_case(case_id, {"location": "Flat 3, [bold]Tower[/] Court"})

    one, other = (asha, bartek) if order == "asha-first" else (bartek, asha)
    one.sync()
    other.sync()
    one.sync()

    for laptop in (asha, bartek):
        case = laptop.case(case_id)
        assert case is not None
        assert case.summary == "Music and shouting after 11pm"
        assert case.location == "Flat 3, [bold]Tower[/] Court"
        assert laptop.open_conflicts() == []
        assert laptop.unsent() == 0
        with laptop.store.read() as session:
            assert verify_chain(session).ok
    assert comparable(asha.snapshot()) == comparable(bartek.snapshot())


@pytest.mark.parametrize(
    ("resolver", "choice", "expected"),
    [
        ("bartek", "mine", "Bartek's summary"),
        ("bartek", "theirs", "Asha's summary"),
        ("bartek", "edit", "Agreed: [/ music from flat 3"),
        ("asha", "mine", "Asha's summary"),
    ],
)
def test_same_field_is_a_conflict_on_both_until_resolved(
    laptops: LaptopFactory,
    resolver: str,
    choice: Literal["mine", "theirs", "edit"],
    expected: str,
) -> None:
    asha, bartek, case_id = _two_officers(laptops)
    asha.edit_case(case_id, {"summary": "Asha's summary"})
    bartek.edit_case(case_id, {"summary": "Bartek's summary", "location": "Tower Court"})

    asha.sync()
    outcome = bartek.sync()
    assert outcome.open_conflicts == 1
    asha.sync()

    # The conflict is kept on both laptops, each with its own view of mine and theirs.
    [on_asha] = open_conflicts(asha.store)
    [on_bartek] = open_conflicts(bartek.store)
    assert on_asha.id == on_bartek.id
    assert on_asha.field == on_bartek.field == "summary"
    assert (on_asha.mine, on_asha.theirs) == ("Asha's summary", "Bartek's summary")
    assert (on_bartek.mine, on_bartek.theirs) == ("Bartek's summary", "Asha's summary")
    assert sync_overview(bartek.store).open_conflicts == 1
    # The field that did not conflict merged everywhere.
    assert asha.held_case(case_id).location == bartek.held_case(case_id).location == "Tower Court"

    chooser, other = (bartek, asha) if resolver == "bartek" else (asha, bartek)
    value = expected if choice == "edit" else None
    queued = resolve_conflict_locally(chooser.store, on_asha.id, choice, value)
    assert queued.status == "resolving"
    done = chooser.sync()
    assert done.resolutions_sent == 1
    assert done.open_conflicts == 0
    assert other.sync().open_conflicts == 0

    for laptop in (asha, bartek):
        assert laptop.held_case(case_id).summary == expected
        assert laptop.open_conflicts() == []
    assert comparable(asha.snapshot()) == comparable(bartek.snapshot())
