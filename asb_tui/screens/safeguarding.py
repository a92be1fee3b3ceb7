"""Safeguarding concerns about a child or an adult: the referral to the relevant team with its
date and reference, kept as an action that shows until it is marked done."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Input, Label, Select, Static, TextArea

from asb_tui.domain.dates import format_uk
from asb_tui.screens.base import WorkDone
from asb_tui.screens.fieldwork_screen import FieldworkScreen
from asb_tui.store.commands import legal
from asb_tui.widgets.date_field import DateField
from asb_tui.widgets.literal import literal_text
from asb_tui.widgets.steady_footer import SteadyFooter


class ReferralsRead(WorkDone[list[legal.ReferralRow]]):
    """The case's safeguarding referrals, open ones first."""


class ReferralSaved(WorkDone[str]):
    """A referral is saved: its title."""


class ReferralDone(WorkDone[str]):
    """A referral is marked done: its id."""


class SafeguardingScreen(FieldworkScreen):
    BINDINGS = [
        *FieldworkScreen.BINDINGS,
        Binding("ctrl+s", "save", "Save referral", id="safeguarding.save", priority=True),
        Binding("ctrl+t", "mark_done", "Mark done", id="safeguarding.done", priority=True),
    ]
    DEFAULT_CSS = """
    SafeguardingScreen TextArea { height: 4; }
    SafeguardingScreen #referrals { height: 6; }
    """

    def __init__(self, case_id: str) -> None:
        super().__init__(case_id)
        self.referral_ids: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static("Safeguarding concern", classes="title")
        table: DataTable[object] = DataTable(id="referrals", cursor_type="row")
        yield table
        with VerticalScroll():
            yield Label("About a")
            yield Select(
                [("child", "child"), ("adult", "adult")],
                id="sg-about",
                value="child",
                allow_blank=False,
            )
            yield Label("Referred to")
            yield Input(legal.SAFEGUARDING_TEAMS["child"], id="sg-team")
            yield Label("Referred on")
            yield DateField(self.today(), today=self.today(), required=True, id="sg-date")
            yield Label("Their reference")
            yield Input(id="sg-ref")
            yield Label("The concern")
            yield TextArea(id="sg-details")
            yield Label("Follow up by (optional)")
            yield DateField(today=self.today(), id="sg-follow-up")
        yield Static("", id="status")
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.query_one("#referrals", DataTable).add_columns(
            "Referral", "Reference", "Follow up", "Done"
        )
        self.query_one("#sg-about", Select).focus()
        self._load()

    @on(Select.Changed, "#sg-about")
    def _team_for(self, event: Select.Changed) -> None:
        team = self.query_one("#sg-team", Input)
        if team.value in legal.SAFEGUARDING_TEAMS.values():
            team.value = legal.SAFEGUARDING_TEAMS[str(event.value)]

    def _load(self) -> None:
        case_id = self.case_id
        self.run_work(
            lambda store: legal.safeguarding_referrals(store, case_id),
            ReferralsRead,
            group="referrals",
            latest_only=True,
        )

    @on(ReferralsRead)
    def _show_referrals(self, message: ReferralsRead) -> None:
        actions = message.result
        self.referral_ids = [a.id for a in actions]
        table = self.query_one("#referrals", DataTable)
        table.clear()
        for action in actions:
            table.add_row(
                literal_text(action.title),
                literal_text(action.reference),
                literal_text(format_uk(action.due_on) if action.due_on else ""),
                literal_text(format_uk(action.done_on) if action.done_on else "open"),
                key=action.id,
            )

    def action_save(self) -> None:
        dates = {}
        for field_id in ("sg-date", "sg-follow-up"):
            field = self.query_one(f"#{field_id}", DateField)
            dates[field_id] = field.parse()
            if field.error:
                field.focus()
                self.set_status(field.error, error=True)
                return
        values: dict[str, Any] = dict(
            about=str(self.query_one("#sg-about", Select).value),
            team=self.query_one("#sg-team", Input).value,
            referred_on=dates["sg-date"],
            reference=self.query_one("#sg-ref", Input).value,
            details=self.query_one("#sg-details", TextArea).text,
            follow_up_on=dates["sg-follow-up"],
        )

        case_id = self.case_id
        self.run_work(
            lambda store: legal.record_safeguarding_concern(store, case_id, **values).title,
            ReferralSaved,
            group="save",
        )

    @on(ReferralSaved)
    def _referral_saved(self, message: ReferralSaved) -> None:
        self.set_status(f"Referral saved: {message.result}. It shows until marked done.")
        self.mark_clean()  # Escape no longer asks about what is saved
        self.query_one("#sg-ref", Input).value = ""
        self.query_one("#sg-details", TextArea).text = ""
        self._load()

    def action_mark_done(self) -> None:
        if not self.referral_ids:
            self.set_status("No referral to mark done.", error=True)
            return
        row = self.query_one("#referrals", DataTable).cursor_row
        action_id = self.referral_ids[min(row, len(self.referral_ids) - 1)]
        today = self.today()
        self.run_work(
            lambda store: legal.complete_safeguarding_referral(store, action_id, today).id,
            ReferralDone,
            group="save",
        )

    @on(ReferralDone)
    def _referral_done(self, message: ReferralDone) -> None:
        self.set_status("Marked done.")
        self._load()
