"""Refer a case to the VVC by hand (the high-risk protocol refers most cases by itself)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Input, Label

from asb_tui.screens.base import FormScreen, SavedThenClose
from asb_tui.widgets.date_field import DateField

if TYPE_CHECKING:
    from asb_tui.store.core.store import Store


class VvcAddReferralScreen(FormScreen):
    title_text = "Refer a case to the VVC"

    def form_fields(self) -> ComposeResult:
        today = self.today()
        yield Label("Case reference", classes="field-label")
        yield Input(id="case-ref", placeholder="ASB-2026-…")
        yield Label("Referred on", classes="field-label")
        yield DateField(today, today=today, required=True, id="referred-on")
        yield Label("Reason", classes="field-label")
        yield Input(id="reason", placeholder="e.g. high risk, repeat victim, hate incident")

    def on_mount(self) -> None:
        self.query_one("#case-ref", Input).focus()

    def save(self) -> None:
        from asb_tui.store.commands.vvc import add_vvc_referral, find_case_id

        ref = self.query_one("#case-ref", Input).value.strip()
        if not ref:
            self.show_error("Give the case reference.")
            return
        date_field = self.query_one("#referred-on", DateField)
        referred_on = date_field.parse()
        if referred_on is None:
            self.show_error(date_field.error or "Give the referral date.")
            return
        reason = self.query_one("#reason", Input).value
        config, today = self.asb.config, self.today()

        def refer(store: Store) -> str:
            referral = add_vvc_referral(
                store,
                config,
                find_case_id(store, ref),
                referred_on=referred_on,
                reason=reason,
                today=today,
            )
            return f"Referred to the VVC for {referral.meeting_on:%d/%m/%Y}."

        self.save_work(refer, SavedThenClose)
