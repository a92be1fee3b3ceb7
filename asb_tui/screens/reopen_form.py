"""Reopen a closed case (history kept; the process starts again)."""

from __future__ import annotations

from textual.widgets import Input, Label

from asb_tui.screens.base import FormScreen
from asb_tui.widgets.date_field import DateField


class ReopenFormScreen(FormScreen):
    title_text = "Reopen the case"

    def form_fields(self):
        yield Label("Why is it being reopened (required)", classes="field-label")
        yield Input(id="reason")
        yield Label("Reopened on", classes="field-label")
        yield DateField(self.today(), today=self.today(), id="reopened-on", required=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#reason", Input).focus()

    def save(self) -> None:
        from asb_tui.domain.lifecycle import reopening_message
        from asb_tui.store.commands.cases import reopen_case
        from asb_tui.store.queries.closing_checks import last_home_visit_on

        reason = self.query_one("#reason", Input).value
        date_field = self.query_one("#reopened-on", DateField)
        on = date_field.parse()
        if not reason.strip():
            self.show_error("Give a reason for reopening the case.")
            return
        if on is None:
            self.show_error(date_field.error or "Give the date.")
            return
        store = self.store
        case_id = self.case_id or ""
        rules = self.asb.deadline_rules()

        def reopen() -> str:
            due = reopen_case(store, case_id, reason=reason, on=on, rules=rules)
            with store.read() as session:
                return reopening_message(due, last_home_visit_on(session, case_id))

        self.write(reopen, self.dismiss)
