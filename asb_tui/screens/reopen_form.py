"""Reopen a closed case (history kept; the process starts again)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Input, Label

from asb_tui.screens.base import FormScreen, SavedThenClose
from asb_tui.widgets.date_field import DateField

if TYPE_CHECKING:
    from asb_tui.store.core.store import Store


class ReopenFormScreen(FormScreen):
    title_text = "Reopen the case"

    def form_fields(self) -> ComposeResult:
        yield Label("Why is it being reopened (required)", classes="field-label")
        yield Input(id="reason")
        yield Label("Reopened on", classes="field-label")
        yield DateField(self.today(), today=self.today(), id="reopened-on", required=True)

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def save(self) -> None:
        from asb_tui.domain.lifecycle import reopening_message
        from asb_tui.store.commands.cases import reopen_case
        from asb_tui.store.queries.screen_reads import read_last_home_visit_on

        reason = self.query_one("#reason", Input).value
        date_field = self.query_one("#reopened-on", DateField)
        on = date_field.parse()
        if not reason.strip():
            self.show_error("Give a reason for reopening the case.")
            return
        if on is None:
            self.show_error(date_field.error or "Give the date.")
            return
        case_id = self.case_id or ""
        rules = self.asb.deadline_rules()

        def reopen(store: Store) -> str:
            due = reopen_case(store, case_id, reason=reason, on=on, rules=rules)
            return reopening_message(due, read_last_home_visit_on(store, case_id))

        self.save_work(reopen, SavedThenClose)
