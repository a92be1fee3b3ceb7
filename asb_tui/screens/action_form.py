"""Add an action to the case's action plan."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Input, Label

from asb_tui.screens.base import FormScreen, SavedThenClose
from asb_tui.widgets.date_field import DateField

if TYPE_CHECKING:
    from asb_tui.store.core.store import Store


class ActionFormScreen(FormScreen):
    title_text = "Add an action"

    def form_fields(self) -> ComposeResult:
        yield Label("What is to be done", classes="field-label")
        yield Input(id="title")
        yield Label("Due on", classes="field-label")
        yield DateField(today=self.today(), id="due-on", placeholder="dd/mm/yyyy, +5wd, …")
        yield Label("Who does it", classes="field-label")
        yield Input(id="owner", value=self.asb.config.officer)
        yield Label("Agency (if another agency does it)", classes="field-label")
        yield Input(id="agency")
        yield Label("Notes", classes="field-label")
        yield Input(id="notes")

    def on_mount(self) -> None:
        self.query_one("#title", Input).focus()

    def save(self) -> None:
        from asb_tui.store.commands.cases import add_action

        title = self.query_one("#title", Input).value
        due_field = self.query_one("#due-on", DateField)
        due_on = due_field.parse()
        if not title.strip():
            self.show_error("Say what the action is.")
            return
        if due_field.error:
            self.show_error(due_field.error)
            return
        case_id = self.case_id or ""
        owner = self.query_one("#owner", Input).value
        agency = self.query_one("#agency", Input).value
        notes = self.query_one("#notes", Input).value

        def job(store: Store) -> str:
            add_action(
                store, case_id, title=title, due_on=due_on, owner=owner, agency=agency, notes=notes
            )
            return "Action added."

        self.save_work(job, SavedThenClose)
