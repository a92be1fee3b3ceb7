"""Record the VVC's decision on one case: the appointed Case Officer and Case Manager, the
decision, actions (one per line: what | agency | due date) and the next review."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Label, TextArea

from asb_tui.domain.dates import format_uk
from asb_tui.screens.base import FormScreen, SavedThenClose, WorkDone
from asb_tui.store.commands.vvc import DecisionView
from asb_tui.widgets.date_field import DateField

if TYPE_CHECKING:
    from asb_tui.store.core.store import Store


class DecisionRead(WorkDone[DecisionView | None]):
    """What was recorded of this decision already (None: nothing yet)."""


class VvcDecisionScreen(FormScreen):
    title_text = "VVC decision"
    DEFAULT_CSS = """
    VvcDecisionScreen #decision { height: 5; }
    VvcDecisionScreen #vvc-actions { height: 5; }
    """

    def __init__(self, case_id: str, meeting_on: date, *, ref: str = "") -> None:
        super().__init__(case_id)
        self.meeting_on = meeting_on
        self.title_text = f"VVC of {format_uk(meeting_on)}: decision on {ref or 'the case'}"

    def draft_key(self) -> str:
        return f"{type(self).__name__}:{self.case_id}:{self.meeting_on.isoformat()}"

    def form_fields(self) -> ComposeResult:
        today = self.today()
        yield Label("Case Officer appointed", classes="field-label")
        yield Input(id="case-officer")
        yield Label("Case Manager appointed", classes="field-label")
        yield Input(id="case-manager")
        yield Label("Decision", classes="field-label")
        yield TextArea(id="decision", soft_wrap=True)
        yield Label("Actions, one per line: what | agency | due date", classes="field-label")
        yield TextArea(id="vvc-actions", soft_wrap=True)
        yield Label("Next review", classes="field-label")
        yield DateField(None, today=today, id="next-review", warn_closed_days=True)

    def on_mount(self) -> None:
        self.query_one("#case-officer", Input).focus()
        from asb_tui.store.commands.vvc import decision_for

        case_id, meeting = self.case_id or "", self.meeting_on
        self.run_work(lambda store: decision_for(store, case_id, meeting), DecisionRead)

    @on(DecisionRead)
    def _fill(self, message: DecisionRead) -> None:
        decision = message.result
        if decision is None:
            return
        self.query_one("#case-officer", Input).value = decision.case_officer
        self.query_one("#case-manager", Input).value = decision.case_manager
        self.query_one("#decision", TextArea).text = decision.decision
        lines = []
        for action in decision.actions:
            due = action.get("due_on") or ""
            if due:
                year, month, day = due.split("-")
                due = f"{day}/{month}/{year}"
            lines.append(" | ".join([action.get("what", ""), action.get("agency", ""), due]))
        self.query_one("#vvc-actions", TextArea).text = "\n".join(lines)
        if decision.next_review_on:
            self.query_one("#next-review", DateField).value = format_uk(decision.next_review_on)

    def save(self) -> None:
        from asb_tui.store.commands.oversight_errors import OversightRefused
        from asb_tui.store.commands.vvc import parse_vvc_actions, record_vvc_decision

        try:
            actions = parse_vvc_actions(self.query_one("#vvc-actions", TextArea).text, self.today())
        except OversightRefused as exc:
            self.show_error(str(exc))
            return
        review_field = self.query_one("#next-review", DateField)
        next_review_on = review_field.parse()
        if review_field.error:
            self.show_error(review_field.error)
            return
        officer = self.query_one("#case-officer", Input).value
        manager = self.query_one("#case-manager", Input).value
        decision = self.query_one("#decision", TextArea).text
        config, case_id, meeting = self.asb.config, self.case_id or "", self.meeting_on

        def record(store: Store) -> str:
            record_vvc_decision(
                store,
                config,
                case_id,
                meeting,
                case_officer=officer,
                case_manager=manager,
                decision=decision,
                actions=actions,
                next_review_on=next_review_on,
            )
            return "VVC decision recorded."

        self.save_work(record, SavedThenClose)
