"""A 20-address house-to-house run worked with the outcome keys."""

from __future__ import annotations

from sqlmodel import select
from textual import events
from textual.keys import _character_to_key
from textual_testkit import settle

from asb_tui.screens.house_to_house import HouseToHouseScreen
from asb_tui.store import house_to_house
from asb_tui.store.models import CaseParty, Note, Person
from asb_tui.store.store import Store


async def _type(pilot, text: str) -> None:
    for character in text:
        key = character if character.isalnum() else _character_to_key(character)
        pilot.app.post_message(events.Key(key, character))
    await pilot.pause()


async def _settle(pilot) -> None:
    await settle(pilot)


async def test_twenty_doors_with_outcome_keys(store: Store, case_id: str, host):
    addresses = [f"{n} Acacia Avenue" for n in range(1, 21)]
    # Pasted with a blank line and a repeat, which are dropped.
    pasted = "\n".join(addresses[:10]) + "\n\n3 acacia avenue\n" + "\n".join(addresses[10:])
    screen = HouseToHouseScreen(case_id)
    app = host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        assert app.focused.id == "h2h-area"
        await _type(pilot, "Acacia Avenue [north]")
        screen.query_one("#h2h-addresses").text = pasted
        await pilot.press("ctrl+s")
        await _settle(pilot)
        assert str(screen.query_one("#progress").render()) == "Done 0 / 20"

        # Doors 1-20 in order: keys chosen so every outcome is used.
        keys = [
            "1",
            "2",
            "5",
            "1",
            "4",
            "2",
            "5",
            "1",
            "1",
            "2",
            "4",
            "1",
            "5",
            "2",
            "1",
            "1",
            "2",
            "4",
            "1",
        ]  # door 20 is door 3's info
        for index, key in enumerate(keys):
            if index == 2:
                # Door 3 gives information: a witness and what they saw.
                await pilot.press("3")
                await _settle(pilot)
                await _type(pilot, "Dee [Witness]")
                await pilot.press("tab", "tab")
                await _type(pilot, "Saw the van at 2am")
                await pilot.press("enter")
                await _settle(pilot)
            await pilot.press(key)
            await _settle(pilot)
        progress = str(screen.query_one("#progress").render())
        assert progress.startswith("Done 20 / 20")
        call_backs = str(screen.query_one("#call-backs").render())
        assert call_backs == "Call back: 4 Acacia Avenue; 8 Acacia Avenue; 14 Acacia Avenue"

    [sheet] = house_to_house.runs_for_case(store, case_id)
    assert sheet.run.area == "Acacia Avenue [north]"
    outcomes = [door.outcome for door in sheet.doors]
    assert outcomes.count("no-answer") == 8
    assert outcomes.count("no-information") == 5
    assert outcomes.count("information-given") == 1
    assert outcomes.count("refused") == 3
    assert outcomes.count("call-back") == 3
    assert [door.address for door in sheet.call_backs] == [
        "4 Acacia Avenue",
        "8 Acacia Avenue",
        "14 Acacia Avenue",
    ]
    assert sheet.doors[2].outcome == "information-given"
    with store.read() as session:
        witness = session.exec(select(Person).where(Person.name == "Dee [Witness]")).one()
        assert witness.address == "3 Acacia Avenue"
        assert (
            session.exec(select(CaseParty).where(CaseParty.person_id == witness.id)).one().role
            == "witness"
        )
        assert (
            "Saw the van at 2am"
            in session.exec(select(Note.body).where(Note.kind == "intelligence")).one()
        )
