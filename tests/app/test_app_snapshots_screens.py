"""A snapshot of every other screen at 80x24, the smallest terminal the app supports, each opened
in the real app by its own key on the store of snapshot_kit (fixed date, fixed references)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from app_testkit import TODAY, wait_for, wait_for_screen
from snapshot_kit import Filled, keys_from_dashboard, keys_on_case, open_case, settled, snap_screen
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from asb_tui.app import AsbApp
from asb_tui.store.commands import cases

Compare = Callable[..., bool]
SMALL = (80, 24)


def test_case_list_snapshot(snap_compare: Compare) -> None:
    """All cases: the search field, the filters (open cases by default) and the two open cases."""
    steps = keys_from_dashboard("CaseListScreen", "l")
    assert snap_screen(snap_compare, "case-list", SMALL, steps)


def test_help_snapshot(snap_compare: Compare) -> None:
    """Help opened from the dashboard: the dashboard's keys first, then every screen's."""
    steps = keys_from_dashboard("HelpScreen", "f1")
    assert snap_screen(snap_compare, "help", SMALL, steps)


def test_referral_form_snapshot(snap_compare: Compare) -> None:
    """A new referral: category, summary, victim and dates, empty and ready to type."""
    steps = keys_from_dashboard("ReferralFormScreen", "n")
    assert snap_screen(snap_compare, "referral-form", SMALL, steps)


def test_review_queue_snapshot(snap_compare: Compare, monkeypatch: pytest.MonkeyPatch) -> None:
    """The manager's review queue: no high-risk case due yet (accepted today), the standard case
    drawn as this period's sample, and the draw's seed (fixed here: it is random, and shown)."""
    monkeypatch.setattr("asb_tui.store.commands.reviews.new_sample_seed", lambda: 20261120)
    steps = keys_from_dashboard("ReviewQueueScreen", "R")
    assert snap_screen(snap_compare, "review-queue", SMALL, steps)


def test_reports_snapshot(snap_compare: Compare) -> None:
    """The Reports screen: the period, the caseload's figures and sparklines, the first bars."""

    async def steps(pilot: Pilot[Any], app: AsbApp, filled: Filled) -> None:
        await keys_from_dashboard("ReportsScreen", "P")(pilot, app, filled)
        await wait_for(pilot, lambda: app.screen.query("#bars-officer"))

    assert snap_screen(snap_compare, "reports", SMALL, steps)


def test_vvc_decision_snapshot(snap_compare: Compare) -> None:
    """Recording the VVC's decision on the high-risk case at the next meeting."""

    async def steps(pilot: Pilot[Any], app: AsbApp, filled: Filled) -> None:
        await keys_from_dashboard("VvcScreen", "V")(pilot, app, filled)
        await settled(pilot)
        app.screen.query_one("#agenda", DataTable).focus()
        await pilot.press("d")
        await wait_for_screen(pilot, "VvcDecisionScreen")

    assert snap_screen(snap_compare, "vvc-decision", SMALL, steps)


def test_vvc_add_referral_snapshot(snap_compare: Compare) -> None:
    """Referring a case to the VVC by hand: the case reference, date and reason."""

    async def steps(pilot: Pilot[Any], app: AsbApp, filled: Filled) -> None:
        await keys_from_dashboard("VvcScreen", "V")(pilot, app, filled)
        await settled(pilot)
        await pilot.press("a")
        await wait_for_screen(pilot, "VvcAddReferralScreen")

    assert snap_screen(snap_compare, "vvc-add-referral", SMALL, steps)


def test_vvc_pack_password_snapshot(snap_compare: Compare) -> None:
    """Exporting the meeting's pack: where to write it and the password, typed twice."""

    async def steps(pilot: Pilot[Any], app: AsbApp, filled: Filled) -> None:
        await keys_from_dashboard("VvcScreen", "V")(pilot, app, filled)
        await settled(pilot)
        await pilot.press("e")
        await wait_for_screen(pilot, "PackPasswordScreen")
        # The default file name is under the data directory, which differs per size and run.
        app.screen.query_one("#pack-out", Input).value = "/tmp/vvc-pack.pdf"

    assert snap_screen(snap_compare, "vvc-pack-password", SMALL, steps)


def test_accept_form_snapshot(snap_compare: Compare) -> None:
    """Accepting the new referral: the risk questionnaire, its score and the level it gives."""
    steps = keys_on_case("new", "AcceptFormScreen", "a")
    assert snap_screen(snap_compare, "accept-form", SMALL, steps)


def test_person_form_snapshot(snap_compare: Compare) -> None:
    """Adding a person to the high-risk case: name, role, address and vulnerabilities."""
    steps = keys_on_case("high", "PersonFormScreen", "w")
    assert snap_screen(snap_compare, "person-form", SMALL, steps)


def test_action_form_snapshot(snap_compare: Compare) -> None:
    """Adding an action to the plan: what, who owns it and when it is due."""
    steps = keys_on_case("standard", "ActionFormScreen", "t")
    assert snap_screen(snap_compare, "action-form", SMALL, steps)


def test_confirm_action_done_snapshot(snap_compare: Compare) -> None:
    """The question before the first open action of the standard case's plan (chosen on its
    Actions tab) is marked done today."""
    steps = keys_on_case("standard", "ConfirmScreen", "x", tab=("5", "actions"))
    assert snap_screen(snap_compare, "confirm-action-done", SMALL, steps)


def test_reassess_risk_form_snapshot(snap_compare: Compare) -> None:
    """Reassessing the standard case's risk: the victim assessed, any other level, a reason."""
    steps = keys_on_case("standard", "ReassessRiskFormScreen", "r")
    assert snap_screen(snap_compare, "reassess-risk-form", SMALL, steps)


def test_note_form_snapshot(snap_compare: Compare) -> None:
    """Adding a note to the high-risk case."""
    steps = keys_on_case("high", "NoteFormScreen", "n")
    assert snap_screen(snap_compare, "note-form", SMALL, steps)


def test_close_case_form_snapshot(snap_compare: Compare) -> None:
    """Closing the high-risk case: the reason, the date and the closing checks."""
    steps = keys_on_case("high", "CloseCaseFormScreen", "C")
    assert snap_screen(snap_compare, "close-case-form", SMALL, steps)


def test_reopen_form_snapshot(snap_compare: Compare) -> None:
    """Reopening the standard case, closed today because the behaviour ceased: the reason and
    the date."""

    async def steps(pilot: Pilot[Any], app: AsbApp, filled: Filled) -> None:
        cases.close_case(filled.store, filled.standard, reason="asb-ceased", on=TODAY)
        await keys_on_case("standard", "ReopenFormScreen", "O")(pilot, app, filled)

    assert snap_screen(snap_compare, "reopen-form", SMALL, steps)


def test_record_view_snapshot(snap_compare: Compare) -> None:
    """An incident opened in full from the Incidents tab: every field, with the diary sheet."""
    steps = keys_on_case("high", "RecordScreen", "enter", tab=("3", "incidents"))
    assert snap_screen(snap_compare, "record-view", SMALL, steps)


def test_home_visit_snapshot(snap_compare: Compare) -> None:
    """The home visit form of the high-risk case, with the visit's due date."""
    steps = keys_on_case("high", "HomeVisitScreen", "v")
    assert snap_screen(snap_compare, "home-visit", SMALL, steps)


def test_house_to_house_snapshot(snap_compare: Compare) -> None:
    """A house-to-house enquiry: the run's area and the doors knocked, none yet."""
    steps = keys_on_case("high", "HouseToHouseScreen", "h")
    assert snap_screen(snap_compare, "house-to-house", SMALL, steps)


def test_agency_contact_snapshot(snap_compare: Compare) -> None:
    """An agency contact: the agency, who was spoken to, the reference, the summary."""
    steps = keys_on_case("high", "AgencyContactScreen", "c")
    assert snap_screen(snap_compare, "agency-contact", SMALL, steps)


def test_victim_update_snapshot(snap_compare: Compare) -> None:
    """Updating the victim: how they were contacted and what they were told."""
    steps = keys_on_case("high", "VictimUpdateScreen", "u")
    assert snap_screen(snap_compare, "victim-update", SMALL, steps)


def test_perpetrator_visit_snapshot(snap_compare: Compare) -> None:
    """A visit to the alleged perpetrator: who, when, what was said and any warning given."""
    steps = keys_on_case("high", "PerpetratorVisitScreen", "p")
    assert snap_screen(snap_compare, "perpetrator-visit", SMALL, steps)


def test_legal_remedy_snapshot(snap_compare: Compare) -> None:
    """Legal remedies: none yet on the case, the form to start one."""
    steps = keys_on_case("high", "LegalRemedyScreen", "g")
    assert snap_screen(snap_compare, "legal-remedy", SMALL, steps)


def test_safeguarding_snapshot(snap_compare: Compare) -> None:
    """A safeguarding concern raised on the high-risk case."""
    steps = keys_on_case("high", "SafeguardingScreen", "f")
    assert snap_screen(snap_compare, "safeguarding", SMALL, steps)


def test_share_case_snapshot(snap_compare: Compare) -> None:
    """Sharing with an agency: the victim's consent (none recorded) and the lawful basis."""
    steps = keys_on_case("high", "ShareCaseScreen", "s")
    assert snap_screen(snap_compare, "share-case", SMALL, steps)


def test_record_review_snapshot(snap_compare: Compare) -> None:
    """A manager's review recorded on the high-risk case."""
    steps = keys_on_case("high", "RecordReviewScreen", "m")
    assert snap_screen(snap_compare, "record-review", SMALL, steps)


def test_sheets_sent_prompt_snapshot(snap_compare: Compare) -> None:
    """The diary sheet's "sheets sent" prompt (ctrl+n), offering today's date."""
    steps = keys_on_case("high", "FormPrompt", "d", "ctrl+n")
    assert snap_screen(snap_compare, "sheets-sent-prompt", SMALL, steps)


def test_discard_prompt_snapshot(snap_compare: Compare) -> None:
    """Escape on a note with text typed: the question before what was typed is lost."""

    async def steps(pilot: Pilot[Any], app: AsbApp, filled: Filled) -> None:
        await open_case(pilot, app, filled.high)
        await pilot.press("n")
        await wait_for_screen(pilot, "NoteFormScreen")
        await settled(pilot)
        await pilot.press(*"Rang twice", "escape")
        await wait_for_screen(pilot, "DiscardPrompt")

    assert snap_screen(snap_compare, "discard-prompt", SMALL, steps)


def test_lock_snapshot(snap_compare: Compare) -> None:
    """Locked by the officer (ctrl+l) from the case detail: the unlock screen says so."""

    async def steps(pilot: Pilot[Any], app: AsbApp, filled: Filled) -> None:
        await open_case(pilot, app, filled.high)
        await pilot.press("ctrl+l")
        await wait_for_screen(pilot, "UnlockScreen")
        await wait_for(pilot, lambda: app.screen.query_one("#passphrase").has_focus)

    assert snap_screen(snap_compare, "lock", SMALL, steps)


def test_case_review_snapshot(snap_compare: Compare) -> None:
    """The ASB Case Review of the high-risk case: its one reported incident, no application."""
    steps = keys_on_case("high", "CaseReviewScreen", "T")
    assert snap_screen(snap_compare, "case-review", SMALL, steps)


def test_letters_snapshot(snap_compare: Compare, monkeypatch: pytest.MonkeyPatch) -> None:
    """The letters of the high-risk case: the process letter to its victim, typeset and shown as
    it will print, the folder (the Documents folder, fixed here: it is the machine's)."""
    monkeypatch.setattr(
        "asb_tui.export.letters.user_documents_dir", lambda: "/home/officer/Documents"
    )
    steps = keys_on_case("high", "LettersScreen", "l")
    assert snap_screen(snap_compare, "letters", SMALL, steps)
