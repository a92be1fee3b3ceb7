"""Unlock: the passphrase opens the store in a worker (Argon2id takes a moment), with a progress
indicator; a wrong passphrase says so and the officer tries again. Also the auto-lock screen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.widgets import Button, Input, Label, LoadingIndicator, Static

from asb_tui.screens.base import AsbScreen, WorkDone, WorkFailed
from asb_tui.widgets.literal import literal
from asb_tui.widgets.steady_footer import SteadyFooter

if TYPE_CHECKING:
    from asb_tui.store.commands.officer import Officer
    from asb_tui.store.core.store import Store


class Opened(WorkDone["tuple[Store, Officer | None]"]):
    """The store is open: it, and the officer it names."""


class UnlockScreen(AsbScreen):
    """`locked=True` when the app is locked (idle, or ctrl+l when `by_officer`): no way past but
    the passphrase."""

    BINDINGS = [
        Binding("enter", "unlock", "Unlock", show=True, id="unlock.unlock"),
        Binding("ctrl+q", "app.quit", "Quit", id="unlock.quit"),
    ]
    DEFAULT_CSS = """
    UnlockScreen { align: center middle; }
    UnlockScreen #unlock-box {
        width: 60; max-width: 100%; height: auto; border: round $primary; padding: 1 2;
    }
    UnlockScreen #unlock-title { text-style: bold; width: 1fr; content-align: center middle; }
    UnlockScreen #unlock-error { color: $error; height: auto; }
    UnlockScreen #unlock-progress { height: 1; display: none; }
    UnlockScreen.-busy #unlock-progress { display: block; }
    UnlockScreen #unlock-where { color: $text-muted; }
    UnlockScreen Input { width: 100%; }
    """

    def __init__(self, *, locked: bool = False, by_officer: bool = False) -> None:
        super().__init__()
        self.locked = locked
        self.by_officer = by_officer
        self.busy = False

    def compose(self) -> ComposeResult:
        where = str(self.asb.data_dir)
        with Center(), Vertical(id="unlock-box"):
            title = "Locked" if self.locked else "Unlock your case store"
            yield Static(title, id="unlock-title")
            if self.locked:
                who = "You locked the app" if self.by_officer else "The app locked itself"
                yield Static(
                    f"{who}; what you were typing is kept, encrypted. "
                    "Type your passphrase to carry on.",
                    id="unlock-why",
                )
            yield Static(literal(where), id="unlock-where")
            yield Label("Passphrase")
            yield Input(password=True, id="passphrase", placeholder="passphrase")
            yield LoadingIndicator(id="unlock-progress")
            yield Static("", id="unlock-error")
            yield Button("Unlock", id="unlock-button", variant="primary")
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.query_one("#passphrase", Input).focus()

    @on(Input.Submitted, "#passphrase")
    @on(Button.Pressed, "#unlock-button")
    def _submit(self) -> None:
        self.action_unlock()

    def action_unlock(self) -> None:
        if self.busy:
            return
        field = self.query_one("#passphrase", Input)
        error = self.query_one("#unlock-error", Static)
        if not field.value:
            error.update("Type your passphrase.")
            return
        # Only a buffer that is overwritten once the store is open (or refused) keeps the
        # passphrase; the field lets go of its text at once.
        secret = bytearray(field.value.encode("utf-8"))
        field.value = ""
        error.update("")
        self.busy = True
        self.add_class("-busy")
        data_dir = self.asb.data_dir
        officer = self.asb.config.officer

        def open_it() -> tuple[Store, Officer | None]:
            from asb_tui.store.commands.officer import load_officer
            from asb_tui.store.core.store import open_store

            try:
                store = open_store(data_dir, secret, actor=officer)
            finally:
                secret[:] = bytes(len(secret))
            try:
                return store, load_officer(store)
            except BaseException:
                store.close()
                raise

        self.run_without_store(open_it, Opened, group="unlock")

    @on(Opened)
    def _opened(self, message: Opened) -> None:
        self.busy = False
        self.remove_class("-busy")
        store, officer = message.result
        self.asb.store_opened(store, officer)

    def show_failure(self, failure: WorkFailed) -> None:
        message = failure.text
        self.busy = False
        self.remove_class("-busy")
        if message == "wrong passphrase":
            text = "Wrong passphrase. Try again."
        else:  # the store's one-line reason: busy, damaged, a full disk, a foreign file
            text = message[:1].upper() + message[1:]
        self.query_one("#unlock-error", Static).update(literal(text))
        field = self.query_one("#passphrase", Input)
        field.value = ""
        field.focus()
