"""Escape on a form with typing in it asks first: keep editing (the default) or discard.

Its keys are priority bindings, so they act the moment they are typed: a fast "escape, d" discards,
and a key typed after "k" goes back to the form, never into this prompt. Escape itself keeps
editing, so pressing Escape twice (once to close a dropdown, once more) never throws work away.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Static

from asb_tui.widgets.literal import literal


class DiscardPrompt(ModalScreen[bool]):
    AUTO_FOCUS = "#discard-keep"
    BINDINGS = [
        Binding("escape,k", "answer(False)", "Keep editing", priority=True, id="discard.keep"),
        Binding("d", "answer(True)", "Discard", priority=True, id="discard.discard"),
    ]
    DEFAULT_CSS = """
    DiscardPrompt { align: center middle; }
    DiscardPrompt > Vertical {
        width: 64; max-width: 100%; height: auto; border: thick $warning; background: $surface;
        padding: 1 2;
    }
    DiscardPrompt #discard-question { text-style: bold; }
    DiscardPrompt Horizontal { height: auto; padding: 1 0 0 0; }
    DiscardPrompt Button { margin: 0 1 0 0; }
    """

    def __init__(self, what: str = "what you typed") -> None:
        super().__init__()
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(literal(f"Discard {self.what}?"), id="discard-question")
            yield Static("It has not been saved.")
            with Horizontal():
                yield Button("Keep editing (k, esc)", id="discard-keep", variant="primary")
                yield Button("Discard (d)", id="discard-discard", variant="error")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "discard-discard")

    def action_answer(self, discard: bool) -> None:
        self.dismiss(discard)


def close_or_ask(
    screen: Screen[Any],
    typed: bool,
    close: Callable[[], object],
    *,
    what: str = "what you typed",
) -> None:
    """Run `close` now when nothing was typed; else ask, and run it only on "discard"."""
    if not typed:
        close()
        return
    if isinstance(screen.app.screen, DiscardPrompt):
        return  # already asking

    def answered(discard: bool | None) -> None:
        if discard:
            close()

    screen.app.push_screen(DiscardPrompt(what), answered)
