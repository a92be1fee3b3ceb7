"""Close a case: a reason is required (one of the procedure's three).

Open work (a safeguarding referral, a VVC referral not yet heard, a notice not served) is named
and the officer asked first."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Label, Select

from asb_tui.domain.types import ClosureReason
from asb_tui.screens.base import NO_SELECTION, FormScreen, SavedThenClose, WorkDone
from asb_tui.widgets.date_field import DateField

if TYPE_CHECKING:
    from asb_tui.store.core.store import Store

OPEN_REASONS = [
    ("The ASB has ceased", ClosureReason.ASB_CEASED.value),
    ("No further progress can be made", ClosureReason.NO_FURTHER_PROGRESS.value),
    ("The victim is no longer in contact", ClosureReason.VICTIM_NO_CONTACT.value),
]
REFERRAL_REASONS = [("Referral not accepted", ClosureReason.NOT_ACCEPTED.value)]
CLOSE_ANYWAY = "Close the case anyway?"


class Checked(WorkDone["tuple[str, ...]"]):
    """What is still open on the case (warnings shown before closing it)."""


class CloseCaseFormScreen(FormScreen):
    title_text = "Close the case"

    def __init__(self, case_id: str, status: str) -> None:
        super().__init__(case_id)
        self.status = status
        self._to_close: tuple[str, date, str] | None = None  # reason, day, note: once checked

    def form_fields(self) -> ComposeResult:
        reasons = REFERRAL_REASONS if self.status == "referred" else OPEN_REASONS
        yield Label("Reason for closing (required)", classes="field-label")
        yield Select(reasons, prompt="Choose a reason", id="reason")
        yield Label("Closed on", classes="field-label")
        yield DateField(self.today(), today=self.today(), id="closed-on", required=True)
        yield Label("Note (optional)", classes="field-label")
        yield Input(id="note")
        yield Label("A task to tell the victim is created for today.", classes="field-label")

    def on_mount(self) -> None:
        self.query_one("#reason", Select).focus()

    def save(self) -> None:
        reason = self.query_one("#reason", Select).value
        date_field = self.query_one("#closed-on", DateField)
        closed_on = date_field.parse()
        if reason is NO_SELECTION:
            self.show_error("Choose a reason for closing the case.")
            return
        if closed_on is None:
            self.show_error(date_field.error or "Give the closing date.")
            return
        from asb_tui.store.queries.screen_reads import read_closure_warnings

        case_id = self.case_id or ""
        self._to_close = (str(reason), closed_on, self.query_one("#note", Input).value)
        self.saving = True  # a second ctrl+s while the check runs does nothing
        self.run_work(lambda store: read_closure_warnings(store, case_id), Checked, group="check")

    @on(Checked)
    def _checked(self, message: Checked) -> None:
        self.saving = False
        warnings = message.result
        if not warnings:
            self._close()
            return
        from asb_tui.screens.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self._close()

        self.app.push_screen(ConfirmScreen(CLOSE_ANYWAY, "\n".join(warnings)), answered)

    def _close(self) -> None:
        from asb_tui.store.commands.cases import close_case

        if self._to_close is None:
            return
        case_id = self.case_id or ""
        reason, closed_on, note = self._to_close

        def close(store: Store) -> str:
            close_case(store, case_id, reason=reason, on=closed_on, note=note)
            return "Case closed. Remember to tell the victim."

        self.save_work(close, SavedThenClose)
