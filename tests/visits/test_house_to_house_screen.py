"""A 20-address house-to-house run worked with the outcome keys."""

from __future__ import annotations

from case_testkit import Host
from sqlmodel import select
from textual import events
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.widgets import TextArea
from textual_testkit import settle

from asb_tui.screens.house_to_house import HouseToHouseScreen
from asb_tui.store.commands import house_to_house
from asb_tui.store.core.models import CaseParty, Note, Person
from asb_tui.store.core.store import Store


async def _type(pilot: Pilot[int], text: str) -> None:
    for character in text:
        key = character if character.isalnum() else _character_to_key(character)
        pilot.app.post_message(events.Key(key, character))
    await pilot.pause()


async def _settle(pilot: Pilot[int]) -> None:
    await settle(pilot)


async def test_twenty_doors_with_outcome_keys(store: Store, case_id: str, host: Host) -> None:
    addresses = [f"{n} Acacia Avenue" for n in range(1, 21)]
    # Pasted with a blank line and a repeat, which are dropped.
    pasted = "\n".join(addresses[:10]) + "\n\n3 acacia avenue\n" + "\n".join(addresses[10:])
    screen = HouseToHouseScreen(case_id)
    app = host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        assert app.focused is not None and app.focused.id == "h2h-area"
        await _type(pilot, "Acacia Avenue [north]")
        screen.query_one("#h2h-addresses", TextArea).text = pasted
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


async def test_outcome_keys_typed_ahead_of_their_saves_land_on_the_right_doors(
    store: Store, case_id: str, host: Host
) -> None:
    from datetime import date

    from typing_kit import post_keys

    run = house_to_house.create_run(
        store,
        case_id,
        area="Elm Row",
        run_on=date(2026, 11, 20),
        addresses="\n".join(f"{n} Elm Row" for n in range(1, 13)),
    )
    screen = HouseToHouseScreen(case_id, run.id)
    app = host(screen)
    keys = [
        "1",  # door 1 no answer
        "2",  # door 2 spoke, no information
        "3",  # door 3 gave information: a witness and what they said, typed at once
        *"Dee Witness",
        "tab",
        "tab",
        *"Saw the van at 2am",
        "enter",
        "4",  # door 4 refused
        "up",  # back to door 4: a card left after all
        "5",
        "1",  # door 5
        "down",  # door 6 skipped
        "2",  # door 7
        "5",  # door 8
        "home",  # back to door 1, which now
        "2",  # spoke, no information
    ]
    async with app.run_test(size=(80, 24)) as pilot:
        # All of it typed before the run sheet has even loaded.
        post_keys(app, keys)
        await settle(pilot, rounds=4)
        progress = str(screen.query_one("#progress").render())
        assert progress.startswith("Done 7 / 12")
    [sheet] = house_to_house.runs_for_case(store, case_id)
    outcomes = {door.position: door.outcome for door in sheet.doors}
    assert outcomes == {
        1: "no-information",
        2: "no-information",
        3: "information-given",
        4: "call-back",
        5: "no-answer",
        6: None,
        7: "no-information",
        8: "call-back",
        9: None,
        10: None,
        11: None,
        12: None,
    }
    with store.read() as session:
        witness = session.exec(select(Person).where(Person.name == "Dee Witness")).one()
        assert witness.address == "3 Elm Row"
        note = session.exec(select(Note.body).where(Note.kind == "intelligence")).one()
        assert note.endswith("3 Elm Row:\nSaw the van at 2am")


async def test_a_run_typed_ahead_field_by_field_is_created_as_typed(
    store: Store, case_id: str, host: Host
) -> None:
    from typing_kit import post_keys

    screen = HouseToHouseScreen(case_id)
    app = host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        # The area, Tab past the date (today is offered), the addresses one per line, ctrl+s,
        # and the first door's outcome: all typed before the screen has loaded.
        post_keys(app, [*"Elm Row (north)", "tab", "tab"])
        post_keys(app, [*"1 Elm Row", "enter", *"2 Elm Row", "enter", *"3 Elm Row", "ctrl+s"])
        await settle(pilot, rounds=3)
        post_keys(app, ["4"])
        await settle(pilot, rounds=3)
    [sheet] = house_to_house.runs_for_case(store, case_id)
    assert sheet.run.area == "Elm Row (north)"
    assert [door.address for door in sheet.doors] == ["1 Elm Row", "2 Elm Row", "3 Elm Row"]
    assert [door.outcome for door in sheet.doors] == ["refused", None, None]


async def test_a_half_typed_door_form_comes_back_after_a_lock(
    store: Store, case_id: str, host: Host
) -> None:
    from datetime import date

    from typing_kit import post_keys

    run = house_to_house.create_run(
        store, case_id, area="Elm Row", run_on=date(2026, 11, 20), addresses="1 Elm Row\n2 Elm Row"
    )
    screen = HouseToHouseScreen(case_id, run.id)
    app = host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        post_keys(app, ["3", *"Dee", "tab", "tab", *"Saw a van"])
        await settle(pilot)
        # What the app does on a lock and after the unlock, in its order.
        state = screen.draft_state()
        screen.hide_for_lock()
        assert screen.doors.doors == [] and screen.doors.form is None
        screen.restore_draft(state)
        screen.reload()
        await settle(pilot, rounds=2)
        form = screen.doors.form
        assert form is not None and form.values()["name"] == "Dee"
        post_keys(app, [*" at 2am", "enter"])  # the caret is at the end of what was typed
        await settle(pilot, rounds=2)
    with store.read() as session:
        note = session.exec(select(Note.body).where(Note.kind == "intelligence")).one()
    assert note.endswith("1 Elm Row:\nSaw a van at 2am")
