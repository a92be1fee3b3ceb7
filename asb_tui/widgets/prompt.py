"""A small modal form: a few labelled fields, Enter to accept, Escape to cancel.

Used by field-work screens for quick questions (the date sheets came back, a new stage of a legal
remedy, the victim's agreement to a perpetrator visit). Dismisses with the values by field id
(dates parsed), or None when cancelled.

Typed straight after the key that opened it, nothing is lost: keys are held until the first field
has focus, every key is applied as it is routed (widgets/routed_input.py), and Enter, Tab and
Escape act the moment they are typed, so keys after Enter go back to the screen beneath. Escape
with something typed asks before discarding it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from asb_tui.widgets.date_field import DateField
from asb_tui.widgets.discard_prompt import close_or_ask
from asb_tui.widgets.early_keys import KeepsEarlyKeys
from asb_tui.widgets.literal import literal
from asb_tui.widgets.routed_input import RoutedDateField, RoutedInput


@dataclass(frozen=True)
class PromptField:
    id: str
    label: str
    value: str | date | None = None
    kind: str = "text"  # text / date
    required: bool = False
    placeholder: str = ""


class FormPrompt(KeepsEarlyKeys, ModalScreen[dict[str, Any] | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="prompt.cancel", priority=True),
        Binding("enter", "accept", "Accept", id="prompt.accept", priority=True),
        Binding("tab,down", "next_field", "Next field", show=False, priority=True),
        Binding("shift+tab,up", "previous_field", "Previous field", show=False, priority=True),
    ]
    DEFAULT_CSS = """
    FormPrompt { align: center middle; }
    FormPrompt > Vertical { width: 70; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1; }
    FormPrompt .prompt-title { text-style: bold; }
    FormPrompt .prompt-error { color: $error; height: auto; }
    FormPrompt Label { margin: 1 0 0 0; }
    """

    def __init__(self, title: str, fields: list[PromptField], *, today: date | None = None) -> None:
        super().__init__()
        self._title = title
        self._fields = fields
        self._today = today
        self._initial: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(literal(self._title), classes="prompt-title")
            for spec in self._fields:
                yield Label(literal(spec.label))
                field: Input
                if spec.kind == "date":
                    field = RoutedDateField(
                        spec.value, today=self._today, required=spec.required, id=spec.id
                    )
                else:
                    field = RoutedInput(
                        value=str(spec.value or ""), placeholder=spec.placeholder, id=spec.id
                    )
                self._initial[spec.id] = field.value
                yield field
            yield Static("Enter to accept, Escape to cancel", classes="hint")
            yield Static("", id="prompt-error", classes="prompt-error")

    def _texts(self) -> dict[str, str]:
        return {spec.id: self.query_one(f"#{spec.id}", Input).value for spec in self._fields}

    def action_next_field(self) -> None:
        self.focus_next()

    def action_previous_field(self) -> None:
        self.focus_previous()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_accept()

    def action_accept(self) -> None:
        values: dict[str, Any] = {}
        for spec in self._fields:
            widget = self.query_one(f"#{spec.id}", Input)
            if isinstance(widget, DateField):
                values[spec.id] = widget.parse()
                if widget.error:
                    return self._refuse(widget, widget.error)
            else:
                values[spec.id] = widget.value
                if spec.required and not widget.value.strip():
                    return self._refuse(widget, f"{spec.label} is needed.")
        self.dismiss(values)

    def _refuse(self, widget: Input, message: str) -> None:
        self.query_one("#prompt-error", Static).update(literal(message))
        widget.focus()

    def action_cancel(self) -> None:
        typed = self._texts() != self._initial
        close_or_ask(self, typed, lambda: self.dismiss(None))
