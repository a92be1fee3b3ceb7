"""Add a note to a case (notes are kept as written: they are never edited)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Label, TextArea

from asb_tui.screens.base import FormScreen, SavedThenClose

if TYPE_CHECKING:
    from asb_tui.store.core.store import Store


class NoteFormScreen(FormScreen):
    title_text = "Add a note"
    DEFAULT_CSS = """
    NoteFormScreen #body { height: 10; }
    """

    def form_fields(self) -> ComposeResult:
        yield Label("Note", classes="field-label")
        yield TextArea(id="body", soft_wrap=True)

    def on_mount(self) -> None:
        self.query_one("#body", TextArea).focus()

    def save(self) -> None:
        from asb_tui.store.commands.cases import add_note

        body = self.query_one("#body", TextArea).text
        if not body.strip():
            self.show_error("The note is empty.")
            return
        case_id = self.case_id or ""

        def job(store: Store) -> str:
            add_note(store, case_id, body=body)
            return "Note added."

        self.save_work(job, SavedThenClose)
