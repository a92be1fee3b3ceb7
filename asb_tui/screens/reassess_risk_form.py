"""Reassess a named victim's risk: the level can go up or down, always with a reason. A lowered
level waits in the manager's review queue; a level raised to high starts the protocol."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Input, Label, Select

from asb_tui.domain.types import RiskLevel
from asb_tui.screens.base import NO_SELECTION, FormScreen, SavedThenClose

if TYPE_CHECKING:
    from asb_tui.store.core.store import Store


class ReassessRiskFormScreen(FormScreen):
    title_text = "Reassess the risk level"

    def __init__(self, case_id: str, current: str | None, victims: list[tuple[str, str]]) -> None:
        """`victims`: (name, person id) of the case's victims, the one assessed first."""
        super().__init__(case_id)
        self.current = current
        self.victims = victims

    def form_fields(self) -> ComposeResult:
        others = [
            (level.value.capitalize(), level.value)
            for level in RiskLevel
            if level.value != self.current
        ]
        yield Label(f"Current level: {self.current or 'not assessed'}", classes="field-label")
        yield Label("Victim assessed", classes="field-label")
        yield Select(
            self.victims,
            prompt="Choose the victim",
            id="victim",
            value=self.victims[0][1] if self.victims else NO_SELECTION,
        )
        yield Label("New level (a lower one goes to the manager to confirm)", classes="field-label")
        yield Select(others, prompt="Choose a level", id="level")
        yield Label("Why (required)", classes="field-label")
        yield Input(id="reason", placeholder="what has changed")

    def on_mount(self) -> None:
        self.query_one("#level", Select).focus()

    def save(self) -> None:
        from asb_tui.store.commands.people import reassess_risk

        victim = self.query_one("#victim", Select).value
        level = self.query_one("#level", Select).value
        reason = self.query_one("#reason", Input).value
        if victim is NO_SELECTION:
            self.show_error("Choose the victim whose risk is reassessed.")
            return
        if level is NO_SELECTION:
            self.show_error("Choose the new level.")
            return
        if not reason.strip():
            self.show_error("Give the reason the risk level changed.")
            return
        case_id = self.case_id or ""
        today = self.today()
        rules = self.asb.deadline_rules()

        def job(store: Store) -> str:
            change = reassess_risk(
                store,
                case_id,
                person_id=str(victim),
                level=RiskLevel(str(level)),
                reason=reason,
                on=today,
                rules=rules,
            )
            if change.lowered:
                return f"Risk lowered to {change.level.value}: the manager is asked to confirm it."
            return f"Risk raised to {change.level.value}."

        self.save_work(job, SavedThenClose)
