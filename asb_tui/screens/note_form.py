"""Add a note to a case (notes are kept as written: they are never edited)."""

from __future__ import annotations

from textual.widgets import Label, TextArea

from asb_tui.screens.base import FormScreen


class NoteFormScreen(FormScreen):
    title_text = "Add a note"
    DEFAULT_CSS = """
    NoteFormScreen #body { height: 10; }
    """

    def form_fields(self):
        yield Label("Note", classes="field-label")
        yield TextArea(id="body", soft_wrap=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#body", TextArea).focus()

    def save(self) -> None:
        from asb_tui.store.commands.cases import add_note

        body = self.query_one("#body", TextArea).text
        if not body.strip():
            self.show_error("The note is empty.")
            return
        store = self.store
        case_id = self.case_id or ""
        self.write(
            lambda: add_note(store, case_id, body=body), lambda _: self.dismiss("Note added.")
        )
