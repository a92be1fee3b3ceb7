"""A small modal form: a few labelled fields, Enter to accept, Escape to cancel.

Used by field-work screens for quick questions (the date sheets came back, a witness's name and
address at a door, a new stage of a legal remedy). Dismisses with the values by field id (dates
parsed), or None when cancelled.
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
from asb_tui.widgets.literal import literal


@dataclass(frozen=True)
class PromptField:
    id: str
    label: str
    value: str | date | None = None
    kind: str = "text"  # text / date
    required: bool = False
    placeholder: str = ""


class FormPrompt(ModalScreen[dict[str, Any] | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]
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

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(literal(self._title), classes="prompt-title")
            for spec in self._fields:
                yield Label(literal(spec.label))
                if spec.kind == "date":
                    yield DateField(
                        spec.value, today=self._today, required=spec.required, id=spec.id
                    )
                else:
                    yield Input(
                        value=str(spec.value or ""), placeholder=spec.placeholder, id=spec.id
                    )
            yield Static("Enter to accept, Escape to cancel", classes="hint")
            yield Static("", id="prompt-error", classes="prompt-error")

    @on(Input.Submitted)
    def _accept(self, event: Input.Submitted) -> None:
        event.stop()
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
        self.dismiss(None)
