"""The rapid-entry save queue (widgets/save_queue.py) in the real app: a save the lock refuses
waits at the front of the queue and is made once after unlock, however the unlock falls against
the refusal, and the outcomes reach the screen as typed messages in the order typed."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from app_testkit import make_app, screen_as, wait_for, wait_for_screen
from laptop_testkit import PASSPHRASE
from sqlmodel import col, select
from typing_kit import post_keys

from asb_tui.domain.types import DoorOutcome
from asb_tui.screens.house_to_house import DoorSaved, HouseToHouseScreen
from asb_tui.store.commands import house_to_house
from asb_tui.store.core.errors import StoreLocked
from asb_tui.store.core.models import AuditEvent, DoorEnquiry
from asb_tui.store.core.store import Store

WAIT = 15.0  # the longest a save is held back waiting for the app (never reached when it works)


async def test_a_door_save_refused_by_the_lock_is_made_once_after_an_unlock_that_overtakes_it(
    store: Store, data_dir: Path, case_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first save starts, the app locks under it and the store refuses it; the unlock (and
    the screen's `resume()`, which finds the worker still busy) comes before the worker has
    looked again. The worker must go on in the new store: nothing waits for ever, nothing is
    saved twice, and the three doors are recorded in the order their keys were typed."""
    run = house_to_house.create_run(
        store, case_id, area="Elm Row", run_on=date(2026, 11, 20), addresses="1\n2\n3"
    )
    door_ids = [door.id for door in house_to_house.run_sheet(store, run.id).doors]
    record = house_to_house.record_door_outcome
    started, go_on, refused, resumed = (threading.Event() for _ in range(4))

    def record_held_across_the_lock(target: Store, door_id: str, *args: Any, **kw: Any) -> Any:
        if started.is_set():
            return record(target, door_id, *args, **kw)
        started.set()
        go_on.wait(WAIT)  # the first save is under way as the app locks
        try:
            return record(target, door_id, *args, **kw)
        except StoreLocked:
            refused.set()
            resumed.wait(WAIT)  # the unlock has come and gone before the worker looks again
            raise

    monkeypatch.setattr(house_to_house, "record_door_outcome", record_held_across_the_lock)
    app = make_app(data_dir, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "DashboardScreen")
        app.push_screen(HouseToHouseScreen(case_id, run.id))
        await wait_for_screen(pilot, "HouseToHouseScreen")
        screen = screen_as(app, HouseToHouseScreen)
        await wait_for(pilot, lambda: len(screen.doors.doors) == 3)
        reported: list[str] = []
        screen_reload = screen.reload

        def reload_then_say_so() -> None:
            screen_reload()
            resumed.set()

        screen.reload = reload_then_say_so  # type: ignore[method-assign]
        original_handler = screen.post_message

        def note_outcomes(message: Any) -> bool:
            if isinstance(message, DoorSaved):
                reported.append(message.item.door_id)
            return original_handler(message)

        screen.post_message = note_outcomes  # type: ignore[method-assign]

        post_keys(app, ["1", "2", "4"])
        await wait_for(pilot, lambda: started.is_set())
        post_keys(app, ["ctrl+l"])
        await wait_for_screen(pilot, "UnlockScreen")
        await wait_for(pilot, lambda: not store.is_open)
        go_on.set()
        await wait_for(pilot, lambda: refused.is_set())
        post_keys(app, [*PASSPHRASE, "enter"])
        await wait_for_screen(pilot, "HouseToHouseScreen", timeout=20)
        await wait_for(pilot, lambda: resumed.is_set())
        await wait_for(pilot, lambda: len(reported) == 3)
        await wait_for(pilot, lambda: not screen.doors.saving)
        reopened = app.store
        assert reopened is not None and reopened is not store
        with reopened.read() as session:
            outcomes = dict(session.exec(select(DoorEnquiry.id, DoorEnquiry.outcome)).all())
            recorded = session.exec(
                select(AuditEvent.entity_id)
                .where(AuditEvent.action == "door_enquiry.outcome")
                .order_by(col(AuditEvent.seq))
            ).all()
    assert reported == door_ids
    assert list(recorded) == door_ids  # each once, in the order typed
    assert [outcomes[door_id] for door_id in door_ids] == [
        DoorOutcome.NO_ANSWER.value,
        DoorOutcome.NO_INFORMATION.value,
        DoorOutcome.REFUSED.value,
    ]
