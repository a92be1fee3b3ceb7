"""New referral: category, summary, victim, location, source and date."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Label, Select

from asb_tui.domain.types import Category
from asb_tui.screens.base import NO_SELECTION, FormScreen, WorkDone
from asb_tui.widgets.date_field import DateField

if TYPE_CHECKING:
    from asb_tui.store.core.store import Store

CATEGORIES = [
    ("Personal (targeted at a person or household)", Category.PERSONAL.value),
    ("Nuisance (a community or neighbourhood)", Category.NUISANCE.value),
    ("Environmental (the surroundings)", Category.ENVIRONMENTAL.value),
]


class Referred(WorkDone["tuple[str, str]"]):
    """The referral is recorded: the new case's id and reference."""


class ReferralFormScreen(FormScreen):
    title_text = "New referral"

    def form_fields(self) -> ComposeResult:
        yield Label("What happened (summary)", classes="field-label")
        yield Input(id="summary", placeholder="e.g. loud music and shouting most nights")
        yield Label("Category", classes="field-label")
        yield Select(CATEGORIES, prompt="Choose a category", id="category")
        yield Label("Victim's name", classes="field-label")
        yield Input(id="victim-name")
        yield Label("Location", classes="field-label")
        yield Input(id="location")
        yield Label("Referred by", classes="field-label")
        yield Input(id="source", placeholder="e.g. self, police, housing provider")
        yield Label("Referred on", classes="field-label")
        yield DateField(self.today(), today=self.today(), id="referred-on", required=True)

    def on_mount(self) -> None:
        self.query_one("#summary", Input).focus()

    def save(self) -> None:
        from asb_tui.store.commands.cases import refer_case

        summary = self.query_one("#summary", Input).value
        category = self.query_one("#category", Select).value
        date_field = self.query_one("#referred-on", DateField)
        referred_on = date_field.parse()
        if not summary.strip():
            self.show_error("Describe the problem in the summary.")
            return
        if category is NO_SELECTION:
            self.show_error("Choose a category.")
            return
        if referred_on is None:
            self.show_error(date_field.error or "Give the referral date.")
            return
        config = self.asb.config
        victim = self.query_one("#victim-name", Input).value
        location = self.query_one("#location", Input).value
        source = self.query_one("#source", Input).value

        def job(store: Store) -> tuple[str, str]:
            new_case = refer_case(
                store,
                category=str(category),
                summary=summary,
                referred_on=referred_on,
                location=location,
                referral_source=source,
                officer=config.officer,
                team=config.team,
                region=config.region,
                victim_name=victim,
            )
            return new_case.id, new_case.ref

        self.save_work(job, Referred)

    @on(Referred)
    def _referred(self, message: Referred) -> None:
        case_id, ref = message.result
        self.notify(f"Referral {ref} recorded.")
        self.dismiss(case_id)
