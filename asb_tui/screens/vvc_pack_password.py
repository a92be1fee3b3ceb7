"""Ask for the VVC pack's password (twice) and where to write it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from asb_tui.export.pack_data import MIN_PACK_PASSWORD
from asb_tui.widgets.discard_prompt import close_or_ask
from asb_tui.widgets.literal import literal


@dataclass(frozen=True)
class PackRequest:
    out: Path
    password: str


class PackPasswordScreen(ModalScreen[PackRequest | None]):
    BINDINGS = [
        Binding("ctrl+s", "confirm", "Export", id="pack_password.confirm"),
        Binding("escape", "cancel", "Cancel", id="pack_password.cancel"),
    ]
    DEFAULT_CSS = """
    PackPasswordScreen { align: center middle; }
    PackPasswordScreen > Vertical {
        width: 70; height: auto; border: thick $accent; background: $surface; padding: 1 2;
    }
    PackPasswordScreen #pack-error { color: $error; height: auto; }
    """

    def __init__(self, default_path: str) -> None:
        super().__init__()
        self.default_path = default_path

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Export the VVC pack (AES-256 encrypted PDF)")
            yield Label("Save as")
            yield Input(self.default_path, id="pack-out")
            yield Label(f"Pack password (at least {MIN_PACK_PASSWORD} characters)")
            yield Input(password=True, id="pack-password")
            yield Label("Pack password again")
            yield Input(password=True, id="pack-password-again")
            yield Static("", id="pack-error")
            yield Label("ctrl+s export · esc cancel")

    def on_mount(self) -> None:
        self.query_one("#pack-password", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "pack-password-again":
            self.action_confirm()
        else:
            self.focus_next()

    def _error(self, message: str) -> None:
        self.query_one("#pack-error", Static).update(literal(message))

    def action_confirm(self) -> None:
        out = Path(self.query_one("#pack-out", Input).value.strip()).expanduser()
        password = self.query_one("#pack-password", Input).value
        again = self.query_one("#pack-password-again", Input).value
        if not out.name or out.is_dir():
            self._error("Give the file name of the pack.")
        elif not out.parent.exists():
            self._error(f"The folder {out.parent} does not exist.")
        elif len(password.strip()) < MIN_PACK_PASSWORD:
            self._error(f"The pack password needs at least {MIN_PACK_PASSWORD} characters.")
        elif password != again:
            self._error("The two passwords differ.")
        else:
            self.dismiss(PackRequest(out, password))

    def action_cancel(self) -> None:
        typed = bool(
            self.query_one("#pack-password", Input).value
            or self.query_one("#pack-password-again", Input).value
            or self.query_one("#pack-out", Input).value != self.default_path
        )
        close_or_ask(self, typed, lambda: self.dismiss(None), what="the pack password typed")
