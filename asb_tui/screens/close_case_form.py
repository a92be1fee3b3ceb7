"""Close a case: a reason is required (one of the procedure's three).

Open work (a safeguarding referral, a VVC referral not yet heard, a notice not served) is named
and the officer asked first."""

from __future__ import annotations

from textual.widgets import Input, Label, Select

from asb_tui.domain.types import ClosureReason
from asb_tui.screens.base import NO_SELECTION, FormScreen
from asb_tui.widgets.date_field import DateField

OPEN_REASONS = [
    ("The ASB has ceased", ClosureReason.ASB_CEASED.value),
    ("No further progress can be made", ClosureReason.NO_FURTHER_PROGRESS.value),
    ("The victim is no longer in contact", ClosureReason.VICTIM_NO_CONTACT.value),
]
REFERRAL_REASONS = [("Referral not accepted", ClosureReason.NOT_ACCEPTED.value)]
CLOSE_ANYWAY = "Close the case anyway?"


class CloseCaseFormScreen(FormScreen):
    title_text = "Close the case"

    def __init__(self, case_id: str, status: str) -> None:
        super().__init__(case_id)
        self.status = status

    def form_fields(self):
        reasons = REFERRAL_REASONS if self.status == "referred" else OPEN_REASONS
        yield Label("Reason for closing (required)", classes="field-label")
        yield Select(reasons, prompt="Choose a reason", id="reason")
        yield Label("Closed on", classes="field-label")
        yield DateField(self.today(), today=self.today(), id="closed-on", required=True)
        yield Label("Note (optional)", classes="field-label")
        yield Input(id="note")
        yield Label("A task to tell the victim is created for today.", classes="field-label")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#reason", Select).focus()

    def save(self) -> None:
        from asb_tui.store.commands.cases import close_case

        reason = self.query_one("#reason", Select).value
        date_field = self.query_one("#closed-on", DateField)
        closed_on = date_field.parse()
        if reason is NO_SELECTION:
            self.show_error("Choose a reason for closing the case.")
            return
        if closed_on is None:
            self.show_error(date_field.error or "Give the closing date.")
            return
        store = self.store
        case_id = self.case_id or ""
        note = self.query_one("#note", Input).value

        def close() -> None:
            self.write(
                lambda: close_case(store, case_id, reason=str(reason), on=closed_on, note=note),
                lambda _: self.dismiss("Case closed. Remember to tell the victim."),
            )

        def checked(warnings: tuple[str, ...]) -> None:
            self.saving = False
            if not warnings:
                close()
                return
            from asb_tui.screens.confirm import ConfirmScreen

            def answered(yes: bool | None) -> None:
                if yes:
                    close()

            self.app.push_screen(ConfirmScreen(CLOSE_ANYWAY, "\n".join(warnings)), answered)

        def load() -> tuple[str, ...]:
            from asb_tui.domain.lifecycle import closure_warnings
            from asb_tui.store.queries.closing_checks import open_work

            with store.read() as session:
                return closure_warnings(open_work(session, case_id))

        self.saving = True  # a second ctrl+s while the check runs does nothing
        self.run_db(load, checked, group="save", failed=self.show_error)
