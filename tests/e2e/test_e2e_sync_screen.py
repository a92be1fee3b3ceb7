"""The sync screen in the real app, against a real server: the sync
key runs a sync in a worker and shows progress and the result; a conflict is listed (user text
shown literally) and resolved from the screen, after which both laptops hold the same rows."""

# ruff: noqa: F811  (the fixtures imported from sync_e2e_support are test arguments)

from __future__ import annotations

from typing import Any

import pytest
from app_testkit import app_on_screen
from rich.text import Text
from sync_e2e_support import (  # noqa: F401  (fixtures)
    Laptop,
    LaptopFactory,
    central,
    comparable,
    laptops,
    sqlite_central_db,
    unique_team,
)
from textual.message import Message
from textual.widgets import DataTable, Input, ProgressBar, Static

from asb_tui.app import AsbApp
from asb_tui.screens.sync import SyncScreen, SyncStep
from asb_tui.store.core.models import Note
from asb_tui.store.replica.sync_state import sync_overview
from sync.client import SyncProgress


@pytest.fixture(scope="module")
def central_db(sqlite_central_db: str) -> str:
    return sqlite_central_db


def _app(laptop: Laptop) -> AsbApp:
    """The real app over the laptop's store, showing the sync screen."""
    return app_on_screen(
        SyncScreen(), laptop.data_dir, laptop.store, officer=laptop.name, team=laptop.team
    )


async def _until(pilot: Any, done: Any, what: str) -> None:
    for _ in range(600):
        await pilot.pause(0.05)
        if done():
            return
    raise AssertionError(f"gave up waiting for {what}")


def _text(screen: SyncScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_sync_key_shows_progress_and_the_result(laptops: LaptopFactory) -> None:
    laptop = laptops(team=unique_team(), name="Screen Officer")
    laptop.new_case("Fly-tipping behind the shops")
    app = _app(laptop)
    progress_seen: list[str] = []

    def seen(message: Message) -> None:  # every message the app dispatches, the progress too
        if isinstance(message, SyncStep):
            progress_seen.append(message.step.phase)

    async with app.run_test(size=(80, 24), message_hook=seen) as pilot:
        screen = app.screen
        assert isinstance(screen, SyncScreen)
        await _until(pilot, lambda: "3 changes waiting" in _text(screen, "#sync-summary"),
                     "the overview")  # fmt: skip
        await pilot.press("s")
        await _until(pilot, lambda: not screen.syncing, "the sync")
        await _until(pilot, lambda: "0 changes waiting" in _text(screen, "#sync-summary"),
                     "the reload")  # fmt: skip
        # its own 3 changes are not sent back to it (docs/sync-wire.md)
        assert "Sync done: sent 3, received 0, 0 conflicts waiting" in _text(screen, "#sync-status")
        assert "push" in progress_seen and "pull" in progress_seen
        assert screen.query_one("#sync-progress", ProgressBar).percentage == 1.0
        assert "ok, sent 3, received 0" in _text(screen, "#sync-summary")
    assert sync_overview(laptop.store).last_sync_ok is True


async def test_the_screen_names_a_case_removed_by_a_withdrawn_share(
    laptops: LaptopFactory,
) -> None:
    from datetime import date

    from asb_tui.store.commands.sharing import share_case, withdraw_agency_shares

    police = f"Police {unique_team()}"
    owner = laptops(team=unique_team(), agency="Council", name="Owner")
    partner = laptops(team=unique_team(), agency=police, name="Partner Officer")
    case_id = owner.new_case("Cuckooing at a flat")
    share_case(owner.store, case_id, agency=police, what="Whole case",
               legal_basis="s115-crime-and-disorder-act-1998", shared_on=date(2026, 1, 6),
               today=date(2026, 1, 6))  # fmt: skip
    assert owner.sync().result.ok and partner.sync().result.ok
    held = partner.case(case_id)
    assert held is not None
    withdraw_agency_shares(owner.store, case_id, police, reason="operation over")
    assert owner.sync().result.ok
    app = _app(partner)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, SyncScreen)
        await pilot.press("s")
        await _until(pilot, lambda: not screen.syncing, "the sync")
        status = _text(screen, "#sync-status")
        assert (
            f"Removed from this laptop: case {held.ref}: "
            "the case's share with your agency was withdrawn"
        ) in status.replace("\n", " ")
    assert partner.case(case_id) is None


@pytest.mark.parametrize("how", ["keep-theirs", "edit"])
async def test_a_conflict_is_listed_and_resolved_from_the_screen(
    laptops: LaptopFactory, how: str
) -> None:
    team = unique_team()
    asha = laptops(team=team, name="Asha")
    bartek = laptops(team=team, name="Bartek")
    case_id = asha.new_case("Shouting")
    asha.sync()
    bartek.sync()
    asha.edit_case(case_id, {"summary": "[bold]Smith[/] shouts"})
    bartek.edit_case(case_id, {"summary": "Shouting [/ at night"})
    asha.sync()
    assert bartek.sync().open_conflicts == 1

    app = _app(bartek)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, SyncScreen)
        table = screen.query_one("#sync-conflicts", DataTable)
        await _until(pilot, lambda: table.row_count == 1, "the conflict list")
        row = table.get_row_at(0)
        assert [cell.plain for cell in row[1:3]] == ["open", "case summary"]
        assert isinstance(row[3], Text) and row[3].plain.startswith("Shouting [/")  # mine
        assert isinstance(row[4], Text) and row[4].plain.startswith("[bold]Smith[/]")  # theirs
        detail = _text(screen, "#sync-detail")  # the highlighted conflict in full, literally
        assert "Mine:   Shouting [/ at night" in detail
        assert "Theirs: [bold]Smith[/] shouts" in detail

        if how == "keep-theirs":
            await pilot.press("t")
            expected = "[bold]Smith[/] shouts"
        else:
            await pilot.press("e")
            await _until(pilot, lambda: isinstance(app.screen.focused, Input), "the prompt")
            field = app.screen.query_one("#value", Input)
            assert field.value == "Shouting [/ at night"
            field.value = "Agreed: [[x]] shouting"
            await pilot.press("enter")
            expected = "Agreed: [[x]] shouting"
        await _until(pilot, lambda: table.row_count == 0 and not screen.syncing, "resolution")
        assert "Sync done" in _text(screen, "#sync-status")

    asha.sync()
    for laptop in (asha, bartek):
        assert laptop.held_case(case_id).summary == expected
        assert laptop.open_conflicts() == []
    assert comparable(asha.snapshot()) == comparable(bartek.snapshot())


async def test_a_new_laptops_first_sync_shows_the_snapshot_rows_bytes_and_time_left(
    laptops: LaptopFactory,
) -> None:
    team = unique_team()
    ann, bob = laptops(team=team, name="Ann"), laptops(team=team, name="Bob")
    case_id = ann.new_case("Noise every night")
    ann.add_notes(case_id, 600)  # more than the exchange's one page: a snapshot
    assert ann.sync().result.ok
    app = _app(bob)
    steps: list[SyncProgress] = []

    def seen(message: Message) -> None:
        if isinstance(message, SyncStep) and message.step.total is not None:
            steps.append(message.step)

    async with app.run_test(size=(100, 24), message_hook=seen) as pilot:
        screen = app.screen
        assert isinstance(screen, SyncScreen)
        await pilot.press("s")
        await _until(pilot, lambda: not screen.syncing, "the sync")
        assert steps, "no snapshot progress was shown"
        assert "first pull (snapshot)" in steps[-1].message and "MB" in steps[-1].message
        assert steps[-1].bytes_done > 0 and steps[-1].total == steps[-1].done
        # how the screen shows one step of it: the rows, the bytes and the time left
        step = SyncProgress(
            "pull", 300, "first pull (snapshot): 300 of 600 rows, 0.1 MB, about 4 s left",
            total=600, bytes_done=100_000, seconds_left=4.0,
        )  # fmt: skip
        screen.post_message(SyncStep(step, 0))
        await _until(pilot, lambda: "about 4 s left" in _text(screen, "#sync-status"), "the step")
        assert "300 of 600 rows, 0.1 MB" in _text(screen, "#sync-status")
        assert screen.query_one("#sync-progress", ProgressBar).percentage == 0.5
    assert bob.count(Note) == 600
