"""First run: who the officer is (name, as cases are assigned, and team), then a new store
(passphrase twice, with strength feedback; then the recovery key, shown once, with an "I have
written it down" confirmation) or demo data. The officer is kept in the store (store/officer.py)."""

from __future__ import annotations

import getpass
import importlib.util
from dataclasses import replace
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.message import Message
from textual.widgets import (
    Button,
    Checkbox,
    ContentSwitcher,
    Input,
    Label,
    ProgressBar,
    Static,
)

from asb_tui.screens.base import AsbScreen, WorkDone, WorkFailed
from asb_tui.widgets.literal import literal
from asb_tui.widgets.steady_footer import SteadyFooter
from asb_tui.widgets.tick_box import TickBox

if TYPE_CHECKING:
    from asb_tui.store.commands.officer import Officer
    from asb_tui.store.core.store import Store

DEMO_CASES = 60
DEMO_SEED = 1


def demo_available() -> bool:
    return importlib.util.find_spec("asb_tui.store.demo.demo") is not None


def configured_officer(configured: str) -> str:
    """The name to offer: the config's officer, unless it is only the operating system's user."""
    try:
        system_user = getpass.getuser()
    except (KeyError, OSError):
        system_user = ""
    return "" if configured in {system_user, "officer", "root"} else configured


def passphrase_feedback(passphrase: str) -> tuple[str, bool]:
    """(what to tell the officer, whether the store will accept it)."""
    from asb_tui.store.core.errors import WeakPassphrase
    from asb_tui.store.core.keyslots import check_passphrase_strength

    if not passphrase:
        return ("Use a few unrelated words: easy to remember, hard to guess.", False)
    try:
        check_passphrase_strength(passphrase)
    except WeakPassphrase as exc:
        return (f"Too weak: {exc}.", False)
    words = len(passphrase.split())
    kinds = sum(
        1
        for test in (str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum())
        if any(test(c) for c in passphrase)
    )
    if len(passphrase) >= 20 or words >= 4 or (len(passphrase) >= 14 and kinds >= 3):
        return ("Strong.", True)
    return ("Fair: longer is better (four or more words).", True)


class StoreCreated(WorkDone["tuple[Store, str]"]):
    """The store is created (and the demo loaded): the open store and its recovery key."""


class DemoProgress(Message, bubble=False):
    """Demo cases written so far, of how many."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done, self.total = done, total


class FirstRunScreen(AsbScreen):
    BINDINGS = [
        Binding("n", "new_store", "New store", id="first-run.new"),
        Binding("D", "demo", "Demo data", id="first-run.demo"),
        Binding("ctrl+q", "app.quit", "Quit", id="first-run.quit"),
    ]
    DEFAULT_CSS = """
    FirstRunScreen { align: center middle; }
    FirstRunScreen #first-run-box {
        width: 72; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; padding: 0 2;
    }
    FirstRunScreen ContentSwitcher { height: auto; }
    FirstRunScreen ContentSwitcher > Vertical { height: auto; }
    FirstRunScreen .title { text-style: bold; padding: 0 0 1 0; }
    FirstRunScreen #strength { height: auto; color: $text-muted; }
    FirstRunScreen #strength.-weak { color: $error; }
    FirstRunScreen #strength.-ok { color: $success; }
    FirstRunScreen #create-error, FirstRunScreen #who-error { color: $error; height: auto; }
    FirstRunScreen #recovery-key { text-style: bold; color: $accent; padding: 1 0; }
    FirstRunScreen Button { margin: 1 1 0 0; }
    FirstRunScreen Input { width: 100%; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.with_demo = False
        self.busy = False
        self.recovery_key = ""
        self._store: Store | None = None
        self.officer: Officer | None = None

    def compose(self) -> ComposeResult:
        demo = demo_available()
        with Center(), Vertical(id="first-run-box"), ContentSwitcher(initial="choose"):
            with Vertical(id="choose"):
                yield Static("Welcome to asb-tui", classes="title")
                yield Label(
                    "There is no case store on this laptop yet. Everything you record is "
                    "kept in an encrypted store that only your passphrase opens."
                )
                yield Button("Create a new store (n)", id="choose-new", variant="primary")
                if demo:
                    yield Button("Load demo data (D)", id="choose-demo")
            with Vertical(id="who"):
                yield Static("Who are you?", classes="title")
                yield Label("Your name, as cases are assigned to you")
                yield Input(
                    configured_officer(self.asb.config.officer),
                    id="officer-name",
                    placeholder="e.g. Priya Shah",
                )
                yield Label("Your team (optional)")
                team = self.asb.config.team
                yield Input("" if team == "default" else team, id="officer-team")
                yield Static("", id="who-error")
                yield Button("Next", id="who-next", variant="primary")
            with Vertical(id="passphrase-step"):
                yield Static("Choose a passphrase", classes="title", id="passphrase-title")
                yield Label("Passphrase")
                yield Input(password=True, id="pass1")
                yield Label("The same again")
                yield Input(password=True, id="pass2")
                yield Static("", id="strength")
                yield Static("", id="create-error")
                yield Button("Create the store", id="create", variant="primary")
            with Vertical(id="working"):
                yield Static("Creating the store…", classes="title", id="working-title")
                yield ProgressBar(id="progress", show_eta=False)
            with Vertical(id="recovery"):
                yield Static("Your recovery key", classes="title")
                yield Label(
                    "If you forget your passphrase, this key is the only way back in. "
                    "It is shown now and never again: write it down and keep it safe, "
                    "away from this laptop."
                )
                yield Static("", id="recovery-key")
                yield TickBox("I have written it down", id="written-down")
                yield Button("Continue", id="continue", variant="primary", disabled=True)
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.query_one("#choose-new", Button).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"new_store", "demo"}:
            on_choice = self.query_one(ContentSwitcher).current == "choose"
            if action == "demo" and not demo_available():
                return False
            return on_choice
        return True

    def _step(self, name: str) -> None:
        self.query_one(ContentSwitcher).current = name
        self.refresh_bindings()

    def action_new_store(self) -> None:
        self.with_demo = False
        self._ask_who()

    def action_demo(self) -> None:
        self.with_demo = True
        self._ask_who()

    def _ask_who(self) -> None:
        self._step("who")
        self.query_one("#officer-name", Input).focus()

    @on(Input.Submitted, "#officer-name")
    @on(Input.Submitted, "#officer-team")
    @on(Button.Pressed, "#who-next")
    def _who_given(self) -> None:
        from asb_tui.store.commands.officer import OfficerRefused, checked_officer

        name = self.query_one("#officer-name", Input).value
        team = self.query_one("#officer-team", Input).value
        try:
            self.officer = checked_officer(name, team)
        except OfficerRefused as refused:
            self.query_one("#who-error", Static).update(literal(str(refused)))
            self.query_one("#officer-name", Input).focus()
            return
        self.query_one("#who-error", Static).update("")
        title = (
            "Choose a passphrase for the demo store" if self.with_demo else "Choose a passphrase"
        )
        self._ask_passphrase(title)

    def _ask_passphrase(self, title: str) -> None:
        self.query_one("#passphrase-title", Static).update(title)
        self._step("passphrase-step")
        self.query_one("#pass1", Input).focus()
        self._update_strength()

    @on(Button.Pressed, "#choose-new")
    def _new(self) -> None:
        self.action_new_store()

    @on(Button.Pressed, "#choose-demo")
    def _demo(self) -> None:
        self.action_demo()

    @on(Input.Changed, "#pass1")
    @on(Input.Changed, "#pass2")
    def _update_strength(self) -> None:
        first = self.query_one("#pass1", Input).value
        second = self.query_one("#pass2", Input).value
        message, acceptable = passphrase_feedback(first)
        if acceptable and second and second != first:
            message += " The two passphrases differ."
        strength = self.query_one("#strength", Static)
        # The last refusal was about what was typed then; it never stands under new feedback.
        self.query_one("#create-error", Static).update("")
        strength.update(literal(message))
        strength.set_class(not acceptable, "-weak")
        strength.set_class(acceptable, "-ok")

    @on(Input.Submitted, "#pass1")
    def _next_field(self) -> None:
        self.query_one("#pass2", Input).focus()

    @on(Input.Submitted, "#pass2")
    @on(Button.Pressed, "#create")
    def _create(self) -> None:
        if self.busy:
            return
        first = self.query_one("#pass1", Input).value
        second = self.query_one("#pass2", Input).value
        error = self.query_one("#create-error", Static)
        _message, acceptable = passphrase_feedback(first)
        if not acceptable:
            error.update("Choose a stronger passphrase (see above).")
            return
        if first != second:
            error.update("The two passphrases differ: type the same one twice.")
            return
        error.update("")
        self.busy = True
        self.query_one("#working-title", Static).update(
            "Creating the store and loading demo cases…"
            if self.with_demo
            else "Creating the store…"
        )
        self._step("working")
        data_dir = self.asb.data_dir
        officer = self.officer
        if officer is None:  # pragma: no cover - the passphrase step comes after the name
            self._ask_who()
            return
        with_demo = self.with_demo
        today = self.today()
        # The demo's worked cases are assigned to the officer just named, so "mine" on the
        # dashboard has cases in it from the start.
        team = officer.team or self.asb.config.team
        demo_config = replace(self.asb.config, officer=officer.name, team=team)

        def create() -> tuple[Store, str]:
            from asb_tui.store.commands.officer import save_officer
            from asb_tui.store.core.store import create_store

            store, recovery = create_store(data_dir, first, actor=officer.name)
            save_officer(store, officer)
            if with_demo:
                from asb_tui.store.demo.demo import fill_demo

                def progress(done: int, total: int) -> None:
                    self.post_message(DemoProgress(done, total))  # thread-safe

                fill_demo(
                    store,
                    cases=DEMO_CASES,
                    seed=DEMO_SEED,
                    today=today,
                    progress=progress,
                    config=demo_config,
                )
            return store, recovery

        self.run_without_store(create, StoreCreated, group="create")

    @on(DemoProgress)
    def _demo_progress(self, message: DemoProgress) -> None:
        self.query_one("#progress", ProgressBar).update(total=message.total, progress=message.done)

    def show_failure(self, failure: WorkFailed) -> None:
        self.busy = False
        self._step("passphrase-step")
        self.query_one("#create-error", Static).update(literal(failure.text))

    @on(StoreCreated)
    def _created(self, message: StoreCreated) -> None:
        self.busy = False
        self._store, self.recovery_key = message.result
        self.query_one("#recovery-key", Static).update(literal(self.recovery_key))
        for field in ("#pass1", "#pass2"):
            self.query_one(field, Input).value = ""
        self._step("recovery")
        self.query_one("#written-down", Checkbox).focus()

    @on(Checkbox.Changed, "#written-down")
    def _confirmed(self, event: Checkbox.Changed) -> None:
        self.query_one("#continue", Button).disabled = not event.value

    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        if self._store is None or not self.query_one("#written-down", Checkbox).value:
            return
        store, self._store = self._store, None
        self.recovery_key = ""
        self.asb.store_opened(store, self.officer)
