"""Raise the victim's risk level, with a reason (the level is never lowered)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Input, Label, Select

from asb_tui.domain.types import RiskLevel
from asb_tui.screens.base import NO_SELECTION, FormScreen, SavedThenClose

if TYPE_CHECKING:
    from asb_tui.store.core.store import Store


class RaiseRiskFormScreen(FormScreen):
    title_text = "Raise the risk level"

    def __init__(self, case_id: str, current: str | None) -> None:
        super().__init__(case_id)
        self.current = current

    def form_fields(self) -> ComposeResult:
        rank = RiskLevel(self.current).rank if self.current else -1
        higher = [
            (level.value.capitalize(), level.value) for level in RiskLevel if level.rank > rank
        ]
        yield Label(f"Current level: {self.current or 'not assessed'}", classes="field-label")
        yield Label("New level (it can only go up)", classes="field-label")
        yield Select(
            higher,
            prompt="Choose a level",
            id="level",
            value=higher[-1][1] if higher else NO_SELECTION,
        )
        yield Label("Why (required)", classes="field-label")
        yield Input(id="reason", placeholder="what has changed")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def save(self) -> None:
        from asb_tui.store.commands.cases import raise_risk

        level = self.query_one("#level", Select).value
        reason = self.query_one("#reason", Input).value
        if level is NO_SELECTION:
            self.show_error("Choose the new level.")
            return
        if not reason.strip():
            self.show_error("Give a reason for raising the risk level.")
            return
        case_id = self.case_id or ""
        today = self.today()
        rules = self.asb.deadline_rules()

        def job(store: Store) -> str:
            from asb_tui.domain.dates import format_uk

            change = raise_risk(
                store, case_id, level=RiskLevel(str(level)), reason=reason, on=today, rules=rules
            )
            message = f"Risk raised to {change.level.value}."
            if change.home_visit_due:
                message += f" First home visit now due {format_uk(change.home_visit_due)}."
            return message

        self.save_work(job, SavedThenClose)
