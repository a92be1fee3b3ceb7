"""Record a manager review of one case: date, notes, actions, next review date."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Label, TextArea

from asb_tui.screens.base import FormScreen, SavedThenClose
from asb_tui.widgets.date_field import DateField

if TYPE_CHECKING:
    from asb_tui.store.core.store import Store


class RecordReviewScreen(FormScreen):
    title_text = "Record a manager review"
    DEFAULT_CSS = """
    RecordReviewScreen #notes { height: 6; }
    RecordReviewScreen #actions { height: 4; }
    """

    def __init__(self, case_id: str, *, ref: str = "", reason: str = "ad-hoc") -> None:
        super().__init__(case_id)
        self.reason = reason
        if ref:
            self.title_text = f"Manager review of {ref}"

    def form_fields(self) -> ComposeResult:
        today = self.today()
        days = int(getattr(self.asb.config, "manager_review_days", 14))
        yield Label("Date of the review", classes="field-label")
        yield DateField(today, today=today, required=True, id="reviewed-on")
        yield Label("Notes", classes="field-label")
        yield TextArea(id="notes", soft_wrap=True)
        yield Label("Actions agreed (one per line)", classes="field-label")
        yield TextArea(id="actions", soft_wrap=True)
        yield Label("Next review", classes="field-label")
        yield DateField(
            today + timedelta(days=days), today=today, id="next-review", warn_closed_days=True
        )

    def on_mount(self) -> None:
        self.query_one("#notes", TextArea).focus()

    def save(self) -> None:
        from asb_tui.store.commands.reviews import record_review

        reviewed_field = self.query_one("#reviewed-on", DateField)
        next_field = self.query_one("#next-review", DateField)
        reviewed_on, next_review_on = reviewed_field.parse(), next_field.parse()
        error = reviewed_field.error or next_field.error
        if error or reviewed_on is None:
            self.show_error(error or "Give the date of the review.")
            return
        notes = self.query_one("#notes", TextArea).text
        actions = self.query_one("#actions", TextArea).text
        case_id, reason, today = self.case_id or "", self.reason, self.today()

        def review(store: Store) -> str:
            record_review(
                store,
                case_id,
                reviewed_on=reviewed_on,
                notes=notes,
                actions=actions,
                next_review_on=next_review_on,
                reason=reason,
                today=today,
            )
            return "Review recorded."

        self.save_work(review, SavedThenClose)
