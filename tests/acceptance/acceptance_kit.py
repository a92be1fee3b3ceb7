"""The acceptance suite's kit (not a test module): two officers' laptops of one team, enrolled
with a real sync service on PostgreSQL, and an officer at the keyboard of the real app.

A laptop is a real encrypted store in a temp dir with a `config.toml` beside it, so the real
`asb-tui` CLI (run in a subprocess) and the real `AsbApp` (driven with Pilot) see the same
officer, team and service. `Desk` is one sitting at the app: it types as a terminal sends keys
(every key posted at once, type-ahead), picks from dropdowns with the keyboard, ticks boxes with
space, and waits for screens and status lines instead of sleeping.

The suite's fixtures are here too (tests/acceptance/conftest.py hands them to the tests): one
service per module, one team, and the two officers' laptops.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import laptop_testkit
import pytest

# The sync tests' server helpers: fresh databases, server processes, officers.
import sync_server_testkit as servers
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Select
from textual_testkit import settle
from typing_kit import post_keys

from asb_tui.app import AsbApp
from asb_tui.config import Config
from asb_tui.services.sync_run import enrol
from asb_tui.store.core.models import ChangeRecord
from asb_tui.store.core.store import Store, create_store, open_store

PASSPHRASE = laptop_testkit.PASSPHRASE
T = TypeVar("T")
COUNCIL = "Calderbrook Metropolitan Borough Council"


@dataclass
class Laptop:
    """One officer's laptop: its data dir (store, key slots, config.toml) and the open store."""

    officer: str
    team: str
    server_url: str
    data_dir: Path

    def config(self) -> Config:
        return Config(
            data_dir=self.data_dir,
            officer=self.officer,
            team=self.team,
            server_url=self.server_url,
            council=COUNCIL,
            auto_lock_minutes=0.0,  # no idle lock while Pilot types
        )

    def app(self, today: date) -> AsbApp:
        """The app as the officer starts it: it opens on the unlock screen."""
        return AsbApp(self.config(), self.data_dir, today=today)

    @contextmanager
    def store(self) -> Iterator[Store]:
        """The store opened with the passphrase, for a look at what it holds."""
        opened = open_store(self.data_dir, PASSPHRASE, actor=self.officer)
        try:
            yield opened
        finally:
            opened.close()

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """The real `asb-tui` in a subprocess, on this laptop's data dir and config."""
        done = laptop_testkit.run_cli(*args, data_dir=self.data_dir)
        laptop_testkit.assert_no_traceback(done)
        if check:
            assert done.returncode == 0, (args, done.returncode, done.stdout, done.stderr)
        return done

    def export_json(self, out: Path, *refs: str) -> dict[str, Any]:
        case_args = [arg for ref in refs for arg in ("--case", ref)]
        self.cli("export", "json", "--out", str(out), *case_args)
        loaded: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        return loaded

    def unsent(self) -> list[ChangeRecord]:
        with self.store() as store, store.read() as session:
            return list(session.exec(select(ChangeRecord).where(ChangeRecord.sent_at == None)))  # noqa: E711


def at_once(*calls: Callable[[], T]) -> list[T]:
    """Commands run on several laptops at the same time (they are separate machines); the
    results in the order given."""
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return [future.result() for future in [pool.submit(call) for call in calls]]


def make_laptop(server: servers.Service, directory: Path, officer: str, team: str) -> Laptop:
    """The administrator adds the officer on the service; the laptop makes its store, writes
    its config and enrols with the one-time token."""
    token = servers.add_officer(server.db_url, officer, team=team)
    data_dir = directory / f"laptop-{uuid.uuid4().hex[:6]}"
    store, _recovery = create_store(data_dir, PASSPHRASE, actor=officer)
    (data_dir / "config.toml").write_text(
        f'officer = "{officer}"\nteam = "{team}"\ncouncil = "{COUNCIL}"\n'
        f'server_url = "{server.url}"\n',
        encoding="utf-8",
    )
    try:
        enrol(store, server.url, token, device_name=f"{officer}'s laptop")
    finally:
        store.close()
    return Laptop(officer, team, server.url, data_dir)


def screen_text(app: AsbApp) -> str:
    """What the officer sees: the rendered lines of the current screen."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


class Desk:
    """An officer at the keyboard of a running app."""

    def __init__(self, pilot: Pilot[Any]) -> None:
        assert isinstance(pilot.app, AsbApp), "a desk sits at the officer's app"
        self.pilot = pilot
        self.app = pilot.app

    @property
    def screen(self) -> Any:
        return self.app.screen

    def seen(self) -> str:
        return screen_text(self.app)

    async def until(self, condition: Callable[[], object], what: str, timeout: float = 30) -> None:
        """Let the app run until `condition()` holds (workers finish in their own time)."""
        waited = 0.0
        while not condition():
            if waited >= timeout:
                raise AssertionError(
                    f"timed out waiting for {what}; the screen shows:\n{self.seen()}"
                )
            await self.pilot.pause(0.05)
            waited += 0.05

    async def unlock(self) -> None:
        """Type the passphrase on the unlock screen; wait for the dashboard."""
        await self.on_screen("UnlockScreen")
        await self.type(PASSPHRASE)
        await self.press("enter")
        await self.on_screen("DashboardScreen")

    async def on_screen(self, name: str) -> None:
        await self.until(lambda: type(self.screen).__name__ == name, f"the {name}")
        await settle(self.pilot)

    async def sees(self, text: str, timeout: float = 30) -> None:
        await self.until(lambda: text in self.seen(), repr(text), timeout)

    async def keys(self, *keys: str) -> None:
        """Keys as typed ahead: all posted at once, then the app catches up."""
        post_keys(self.app, keys)
        await settle(self.pilot)

    async def type(self, text: str) -> None:
        await self.keys(*text)

    async def press(self, *keys: str) -> None:
        """Keys pressed one after another, each handled before the next."""
        await self.pilot.press(*keys)
        await settle(self.pilot)

    async def field(self, selector: str, text: str) -> None:
        """Move to a field (as a click or a few tabs would) and type into it."""
        self.screen.query_one(selector).focus()
        await settle(self.pilot)
        await self.type(text)

    async def lines(self, selector: str, lines: Iterable[str]) -> None:
        """Type lines into a text area, Enter between them."""
        self.screen.query_one(selector).focus()
        await settle(self.pilot)
        for number, line in enumerate(lines):
            if number:
                await self.press("enter")
            await self.type(line)

    async def tick(self, selector: str) -> None:
        box = self.screen.query_one(selector)
        box.focus()
        await settle(self.pilot)
        before = box.value
        await self.press("space")
        assert box.value is not before and box.value, f"{selector} did not tick"

    async def choose(self, selector: str, value: str) -> None:
        """Pick from a dropdown with the keyboard: open it, arrow down to the option, Enter."""
        widget = self.screen.query_one(selector, Select)
        values = [option_value for _label, option_value in widget._options]
        assert value in values, f"{value!r} is not offered by {selector}: {values}"
        widget.focus()
        await settle(self.pilot)
        await self.press("enter")
        await self.until(lambda: widget.expanded, f"{selector} to open")
        target = values.index(value)
        current = values.index(widget.value) if widget.value in values else 0
        step = "down" if target >= current else "up"
        await self.press(*[step] * abs(target - current), "enter")
        assert widget.value == value, f"{selector} holds {widget.value!r}, not {value!r}"

    def notified(self) -> list[str]:
        """The messages the app has shown in toasts, oldest first."""
        return [str(note.message) for note in self.app._notifications]

    def status(self, selector: str = "#status") -> str:
        return str(self.screen.query_one(selector).render())

    async def status_is(self, starts: str, selector: str = "#status") -> str:
        await self.until(lambda: self.status(selector).startswith(starts), repr(starts))
        return self.status(selector)


class Expectations:
    """What the procedure requires of a step that the journey can go on without. Each one that
    does not hold is written down, and the test fails at its end with the whole list: one run
    shows every broken step, not only the first."""

    def __init__(self) -> None:
        self.broken: list[str] = []

    def __call__(self, holds: object, what: str) -> None:
        if not holds:
            self.broken.append(what)

    def all_held(self) -> None:
        assert not self.broken, "steps of the procedure that failed:\n- " + "\n- ".join(self.broken)


def pdf_text(path: Path, password: str | None = None) -> str:
    """The text of a PDF as pdftotext reads it, white space made single."""
    args = ["pdftotext"]
    if password is not None:
        args += ["-upw", password]
    done = subprocess.run(
        [*args, str(path), "-"], capture_output=True, text=True, check=True, timeout=60
    )
    return " ".join(done.stdout.replace("\u200b", "").split())


# --- fixtures: one service per module, two officers of one team ------------------------------


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.ServerProcess]:
    """`asb-sync-server serve` on loopback over a fresh PostgreSQL database."""
    with (
        servers.fresh_database("postgres", tmp_path_factory.mktemp("central")) as url,
        servers.running_server(url, tmp_path_factory.mktemp("service-log")) as process,
    ):
        yield process


@pytest.fixture(scope="module")
def team() -> str:
    return f"north-{uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="module")
def asha(
    service: servers.ServerProcess, team: str, tmp_path_factory: pytest.TempPathFactory
) -> Laptop:
    """Asha Begum's laptop: she takes the case."""
    return make_laptop(service, tmp_path_factory.mktemp("asha"), "Asha Begum", team)


@pytest.fixture(scope="module")
def ben(
    service: servers.ServerProcess, team: str, tmp_path_factory: pytest.TempPathFactory
) -> Laptop:
    """Ben Okafor's laptop: a colleague in the same team who covers for her."""
    return make_laptop(service, tmp_path_factory.mktemp("ben"), "Ben Okafor", team)
