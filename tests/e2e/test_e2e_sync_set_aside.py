"""A local change that cannot be sent (it does not fit the sync schema, or cannot be encoded) is
set aside visibly, by the real `asb-tui sync`, and everything after it is still sent: the outbox
never blocks; the sync screen lists it with what to do. (The laptop's side: SQLite is enough for
the service here.)"""

# ruff: noqa: F811  (the fixtures imported from sync_e2e_support are test arguments)

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select
from sync_e2e_support import (  # noqa: F401  (fixtures)
    Laptop,
    LaptopFactory,
    assert_no_traceback,
    central,
    laptops,
    run_cli,
    sqlite_central_db,
    unique_team,
)
from sync_server_testkit import ServerProcess
from tamper_kit import tampering
from textual.app import App
from textual.widgets import Static

from asb_tui.config import Config
from asb_tui.screens.sync import SyncScreen
from asb_tui.store.core.models import ChangeRecord, Note


@pytest.fixture(scope="module")
def central_db(sqlite_central_db: str) -> str:
    return sqlite_central_db


def test_a_local_change_that_cannot_be_sent_is_set_aside_and_the_rest_sent(
    central: ServerProcess, laptops: LaptopFactory, tmp_path: Path
) -> None:
    team = unique_team()
    ann, bob = laptops(team=team, name="Ann"), laptops(team=team, name="Bob")
    case_id = ann.new_case("Dog barking", victim_name="Lee")
    with ann.store.write() as uow:
        bad = [uow.add(Note(case_id=case_id, body=f"bad {n}"), action="note.add") for n in (1, 2)]
        uow.add(Note(case_id=case_id, body="after the bad ones"), action="note.add")
    # Change records a laptop cannot send (written by an older release, or damaged): a lone
    # surrogate, and a text over the sync limit.
    with tampering(ann.store) as session:
        for note, body in zip(bad, ["lone \ud800", "y" * 100_001], strict=True):
            record = session.exec(select(ChangeRecord).where(ChangeRecord.row_id == note.id)).one()
            record.fields = {**record.fields, "body": body}
            session.add(record)
    ann.store.close()
    done = run_cli("sync", data_dir=ann.data_dir)
    assert_no_traceback(done)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("not sent")]
    assert len(lines) == 2, done.stdout
    assert "lone surrogate" in done.stdout and "100,001 characters" in done.stdout
    assert "what to do: It stays on this laptop as saved" in done.stdout
    bob.sync()
    with bob.store.read() as session:
        bodies = {n.body for n in session.exec(select(Note).where(Note.case_id == case_id))}
    assert bodies == {"after the bad ones"}
    assert bob.case(case_id) is not None


class _Host(App[None]):
    """A tiny app with what the sync screen needs (`store`, `config`)."""

    def __init__(self, laptop: Laptop) -> None:
        super().__init__()
        self.store = laptop.store
        self.config = Config(data_dir=laptop.data_dir, officer=laptop.name, team=laptop.team)

    def on_mount(self) -> None:
        self.push_screen(SyncScreen())


async def test_the_sync_screen_shows_what_was_set_aside_and_what_to_do(
    laptops: LaptopFactory,
) -> None:
    laptop = laptops(team=unique_team(), name="Screen Officer")
    case_id = laptop.new_case("Fly-tipping", victim_name="Kim")
    with laptop.store.write() as uow:
        note = uow.add(Note(case_id=case_id, body="typed"), action="note.add")
    with tampering(laptop.store) as session:
        record = session.exec(select(ChangeRecord).where(ChangeRecord.row_id == note.id)).one()
        record.fields = {**record.fields, "body": "z" * 100_001}
        session.add(record)
    assert len(laptop.sync().result.refused) == 1
    app = _Host(laptop)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = app.screen
        shown = screen.query_one("#sync-refused", Static)
        for _ in range(600):
            if "not sent" in str(shown.render()):
                break
            await pilot.pause(0.05)
        text = str(shown.render())
    assert "1 changes did not go through" in text, text
    assert "not sent: note of case ASB-" in text and "100,001 characters" in text
    assert "It stays on this laptop as saved" in text
