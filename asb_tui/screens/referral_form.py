"""New referral: category, summary, victim, location, source and date."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Label, Select

from asb_tui.domain.types import Category
from asb_tui.screens.base import NO_SELECTION, FormScreen, WorkDone
from asb_tui.screens.person_match import PersonMatchScreen
from asb_tui.store.queries.people import MatchCandidate
from asb_tui.store.queries.screen_reads import read_person_matches
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


class VictimMatches(WorkDone[list[MatchCandidate]]):
    """The people already known who may be the victim being referred."""


class ReferralFormScreen(FormScreen):
    title_text = "New referral"
    _pending: tuple[str, str, date, str] | None = None
    _other_cases = 0

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
        victim = self.query_one("#victim-name", Input).value
        self._pending = (summary, str(category), referred_on, victim)
        if not victim.strip():
            self._refer(None)
            return
        # Is the victim someone already known? Asked before the case is made.
        self.run_work(
            lambda store: read_person_matches(
                store, name=victim, date_of_birth=None, line1="", postcode=""
            ),
            VictimMatches,
            group="matches",
            latest_only=True,
        )

    @on(VictimMatches)
    def _victim_matches(self, message: VictimMatches) -> None:
        if self._pending is None:
            return
        candidates = message.result
        if not candidates:
            self._refer(None)
            return

        def chosen(choice: str | None) -> None:
            if choice is None:
                return  # back to the form, nothing lost
            known = next((c for c in candidates if c.identity_id == choice), None)
            self._refer(choice or None, len(known.cases) if known else 0)

        self.app.push_screen(PersonMatchScreen(self._pending[3], candidates), chosen)

    def _refer(self, victim_same_as: str | None, other_cases: int = 0) -> None:
        from asb_tui.store.commands.cases import refer_case

        assert self._pending is not None
        summary, category, referred_on, victim = self._pending
        config = self.asb.config
        rules = self.asb.deadline_rules()
        location = self.query_one("#location", Input).value
        source = self.query_one("#source", Input).value
        self._other_cases = other_cases

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
                victim_same_as=victim_same_as,
                rules=rules,
            )
            return new_case.id, new_case.ref

        self.save_work(job, Referred)

    @on(Referred)
    def _referred(self, message: Referred) -> None:
        case_id, ref = message.result
        known = (
            f" The victim is known in {self._other_cases} other case(s): linked."
            if self._other_cases
            else ""
        )
        self.notify(f"Referral {ref} recorded.{known}", markup=False)
        self.dismiss(case_id)
