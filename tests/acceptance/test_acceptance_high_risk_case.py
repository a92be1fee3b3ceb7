"""The council's procedure for one high-risk case, from referral to closure and reopening, as two
officers of one team do it: Asha Begum takes the case on her laptop, Ben Okafor covers for her on
his, and both sync with the service on PostgreSQL.

Everything is done at the keyboard of the real app (Pilot) or with the real commands (the CLI in
a subprocess). At the end both audit chains verify, nothing waits in either outbox, both laptops
export the case alike, and the VVC pack and the subject access exports hold what was typed.

A step the journey cannot go on without is asserted where it happens. A step it can go on
without (a warning shown, a record in the pack) is an expectation: each one that fails is named,
and the test fails at its end with the whole list.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from acceptance_kit import COUNCIL, Desk, Expectations, Laptop, at_once, pdf_text
from sqlmodel import select
from textual_testkit import settle
from typing_kit import diary_sheet, sheet_keys, wait_until_saved

from asb_tui.store.core.models import (
    Case,
    ChangeRecord,
    Incident,
    LegalRemedy,
    ManagerReview,
    SharingRecord,
)
from asb_tui.widgets.diary_grid import RowState

pytestmark = pytest.mark.postgres

VICTIM = "Siobhán Ó Súilleabháin"
PERPETRATOR = "Gary Pratt"
SUMMARY = "Shouting and banging at her door most nights; eggs thrown at the window"
MONDAY = date(2026, 11, 16)  # referral and acceptance
WEDNESDAY = date(2026, 11, 18)  # the home visit, inside its 3 working days
FRIDAY = date(2026, 11, 20)  # Ben covers
VVC_DAY = date(2026, 12, 8)  # the second Tuesday of December
VICTIM_UPDATE = "Called her: no eggs since the warning; she feels a little safer"
BEN_NOTE = "Covered for Asha; victim asked for a call on Monday"
CASE_MANAGER = "Tom Hughes"
VVC_DECISION = "Refer to Children's Services; fit a panic alarm"
PACK_PASSWORD = "vvc meeting december"
REOPEN_REASON = "The eggs and shouting started again"
EVIDENCE_WORDS = "Photos of egg on the front window"
EVIDENCE = f"{EVIDENCE_WORDS}; a recording of the shouting on her phone"
WITNESS_LINES = ["Bob Neighbour; 10 Mill Lane; 07700 900123", "Zofia Wójcik; 16 Mill Lane"]
NEEDS = "Hearing impaired: contact by text; anxious since the incidents began"
CONSENT_SCOPE = "Police, landlord"
CRIME_REF = "CR/2026/1187"
H2H_DOORS = ["9 Mill Lane", "10 Mill Lane", "11 Mill Lane", "13 Mill Lane", "15 Mill Lane"]
H2H_WITNESS = "Maureen Hill"
H2H_SAID = "Saw a man in a grey hoodie throw eggs at number 12"
COUNTER_ALLEGATION = "Says her music is too loud"
REMEDY_SUPPORT = "Statement taken with Victim Support present"
SAFEGUARDING = "Her son (9) is frightened to sleep in his room"
REVIEW_NOTES = "Risk still high; warning served; keep weekly calls"


async def open_case(desk: Desk) -> None:
    """From the dashboard: the case is the first row (on a colleague's laptop after `a`, all
    cases); Enter opens it."""
    await settle(desk.pilot)
    if desk.screen.query_one("#cases").row_count == 0:
        await desk.press("a")
    await desk.until(lambda: desk.screen.query_one("#cases").row_count >= 1, "the case list")
    await desk.press("enter")
    await desk.on_screen("CaseDetailScreen")
    await desk.until(lambda: desk.screen.detail is not None, "the case")


async def back_to_dashboard(desk: Desk) -> None:
    """Escape, screen by screen, back to the dashboard."""
    for _ in range(3):
        if type(desk.screen).__name__ == "DashboardScreen":
            break
        leaving = desk.screen
        await desk.press("escape")

        def gone(leaving: object = leaving) -> bool:
            return desk.screen is not leaving

        await desk.until(gone, "the previous screen")
    await desk.on_screen("DashboardScreen")


async def sync_in_app(desk: Desk) -> None:
    """S on the dashboard, s to sync now; wait for the result."""
    await desk.press("S")
    await desk.on_screen("SyncScreen")
    await desk.press("s")
    await desk.until(
        lambda: desk.status("#sync-status").startswith(("Sync done", "Sync failed")), "sync"
    )
    assert desk.status("#sync-status").startswith("Sync done"), desk.status("#sync-error")
    assert "0 conflicts waiting" in desk.status("#sync-status")
    await desk.press("escape")
    await desk.on_screen("DashboardScreen")


async def test_high_risk_case_from_referral_to_reopening(
    asha: Laptop, ben: Laptop, tmp_path: Path
) -> None:
    expect = Expectations()
    # --- Monday: the referral, accepted with the risk questionnaire ---------------------------
    async with asha.app(MONDAY).run_test(size=(120, 40)) as pilot:
        desk = Desk(pilot)
        await desk.unlock()
        await desk.press("n")
        await desk.on_screen("ReferralFormScreen")
        await desk.type(SUMMARY)
        await desk.choose("#category", "personal")
        await desk.field("#victim-name", VICTIM)
        await desk.field("#location", "12 Mill Lane, Calderbrook")
        await desk.field("#source", "self")
        await desk.press("ctrl+s")
        await desk.on_screen("CaseDetailScreen")
        await desk.sees("· Referred ·")
        await desk.until(lambda: desk.screen.detail is not None, "the case")
        first_sight = desk.seen()

        await desk.press("a")
        await desk.on_screen("AcceptFormScreen")
        await desk.until(lambda: desk.screen.questionnaire is not None, "the questionnaire")
        # The victim's answers: the highest-scoring answer to each question (its last number).
        await desk.keys(*[str(len(q.answers)) for q in desk.screen.questionnaire.questions])
        assert "high risk" in desk.status("#assessment-status")
        assert "First home visit due 19/11/2026" in desk.status("#assessment-status")
        await desk.press("ctrl+s")
        await desk.on_screen("CaseDetailScreen")
        await desk.sees("· Accepted ·")

        # The alleged perpetrator, named by the victim.
        await desk.press("w")
        await desk.on_screen("PersonFormScreen")
        await desk.type(PERPETRATOR)
        await desk.choose("#role", "alleged-perpetrator")
        await desk.field("#address", "14 Mill Lane, Calderbrook")
        await desk.press("ctrl+s")
        await desk.on_screen("CaseDetailScreen")

        # The diary sheets go out with the letter (ctrl+n), come back, and are typed in ahead
        # of their saves, as fast as the keys come.
        await desk.press("d")
        await desk.on_screen("DiarySheetScreen")
        await desk.press("ctrl+n")
        await desk.on_screen("FormPrompt")
        await desk.press("enter")
        await desk.on_screen("DiarySheetScreen")
        await desk.status_is("Sheets sent recorded.")
        sheet = diary_sheet(16)
        await desk.keys(*sheet_keys(sheet))
        await wait_until_saved(pilot, desk.screen.grid, len(sheet))
        assert desk.screen.grid.count(RowState.REFUSED) == 0
        await desk.press("escape")
        await desk.on_screen("CaseDetailScreen")

    with asha.store() as store, store.read() as session:
        case = session.exec(select(Case)).one()
        incidents = session.exec(select(Incident).where(Incident.diary_sheet_id != None)).all()  # noqa: E711
    ref = case.ref
    assert ref in first_sight
    assert (case.status, case.risk_level) == ("accepted", "high")
    typed_rows = {row.stored for row in sheet}
    stored = {
        (
            i.occurred_on,
            i.occurred_time,
            i.description,
            i.who_involved,
            i.impact,
            i.reported_to_police,
            i.police_ref,
        )
        for i in incidents
    }
    assert stored == typed_rows and len(incidents) == len(sheet)

    # --- Wednesday: the home visit, then the contacts and enquiries it leads to ---------------
    async with asha.app(WEDNESDAY).run_test(size=(120, 40)) as pilot:
        desk = Desk(pilot)
        await desk.unlock()
        await open_case(desk)
        await desk.press("v")
        await desk.on_screen("HomeVisitScreen")
        await desk.type(f"{VICTIM} and her son Cian")  # the cursor starts on who was present
        await desk.field("#hv-evidence", EVIDENCE)
        await desk.field("#hv-perpetrator", f"{PERPETRATOR}, 14 Mill Lane")
        await desk.lines("#hv-witnesses", WITNESS_LINES)
        await desk.field("#hv-needs", NEEDS)
        desk.screen.query_one("#hv-signposting").focus()
        await desk.press("space", "down", "down", "space")  # Victim Support, Mediation service
        await desk.lines("#hv-actions", ["Ask police for CAD logs; +2wd"])
        await desk.tick("#hv-share")
        await desk.tick("#hv-signed")
        await desk.field("#hv-scope", CONSENT_SCOPE)
        await desk.tick("#hv-perp-agreed")
        await desk.field("#hv-frequency", "weekly")
        await desk.field("#hv-means", "phone")
        await desk.field("#hv-safe-times", "after 6pm")
        await desk.press("ctrl+o")
        await desk.status_is("Home visit of 18/11/2026 saved. Next victim update due 25/11/2026.")
        await desk.press("escape")
        await desk.on_screen("CaseDetailScreen")
        # Issue 11: a completed visit is shown in full, and its witnesses once each.
        await desk.press("2")
        people = desk.seen()
        expect(people.count("Bob Neighbour") == 1, "a witness of the visit is listed once")
        expect(people.count("Zofia Wójcik") == 1, "a witness of the visit is listed once")
        await desk.press("v")
        await desk.on_screen("RecordScreen")
        expect(
            EVIDENCE_WORDS in desk.seen(),
            "issue 11: v shows the completed home visit (it opens a blank new one)",
        )
        await desk.press("escape")
        await desk.on_screen("CaseDetailScreen")

        await desk.press("c")
        await desk.on_screen("AgencyContactScreen")
        await desk.choose("#ac-agency", "Police")
        await desk.field("#ac-name", "PC Dave Jones")
        await desk.choose("#ac-ref-kind", "crime reference")
        await desk.field("#ac-ref", CRIME_REF)
        await desk.field("#ac-summary", "Two call-outs logged; officers will patrol Mill Lane")
        await desk.press("ctrl+s")
        await desk.status_is("Contact")
        assert "saved" in desk.status()
        await desk.press("escape")
        await desk.on_screen("CaseDetailScreen")

        await desk.press("h")
        await desk.on_screen("HouseToHouseScreen")
        await desk.type("Mill Lane, odd and even")
        await desk.lines("#h2h-addresses", H2H_DOORS)
        await desk.press("ctrl+s")
        await desk.until(lambda: desk.screen.showing_sheet, "the run sheet")
        await desk.keys("1", "3")  # no answer; information given
        await desk.type(H2H_WITNESS)
        await desk.keys("tab", "tab")
        await desk.type(H2H_SAID)
        await desk.keys("enter", "2", "4", "5")
        await desk.until(
            lambda: desk.status("#progress").startswith("Done 5 / 5"), "every door done"
        )
        await desk.press("escape")
        await desk.on_screen("CaseDetailScreen")

        # The victim agreed at the visit: the perpetrator visit is allowed.
        await desk.press("p")
        await desk.on_screen("PerpetratorVisitScreen")
        await desk.until(lambda: "has not agreed" not in desk.status("#agreement"), "agreement")
        await desk.field("#pv-present", PERPETRATOR)
        await desk.field("#pv-outcome", "Warned about his behaviour; he denied throwing eggs")
        await desk.tick("#pv-denial")
        await desk.field("#pv-counter", COUNTER_ALLEGATION)
        await desk.press("ctrl+s")
        await desk.status_is("Visit of 18/11/2026 saved.")
        await desk.press("escape")
        await desk.on_screen("CaseDetailScreen")

        await desk.press("g")
        await desk.on_screen("LegalRemedyScreen")
        await desk.choose("#lr-kind", "community-protection-warning")
        await desk.field("#lr-start", "18/11/2026")
        await desk.field("#lr-stage", "served")
        await desk.tick("#lr-statement")
        await desk.field("#lr-support", REMEDY_SUPPORT)
        await desk.field("#lr-notes", "Served by hand at 14 Mill Lane")
        await desk.press("ctrl+s")
        await desk.status_is("Community Protection Warning saved.")
        # Issue 11: saving again must not make a second warning out of the values left behind.
        await desk.press("ctrl+s")
        await settle(pilot)
        await desk.press("escape")
        await desk.on_screen("CaseDetailScreen")

        await desk.press("f")
        await desk.on_screen("SafeguardingScreen")
        await desk.choose("#sg-about", "child")
        await desk.field("#sg-ref", "CS-55120")
        await desk.field("#sg-details", SAFEGUARDING)
        await desk.press("ctrl+s")
        await desk.status_is("Referral saved")
        await desk.press("escape")
        await desk.on_screen("CaseDetailScreen")

        await desk.press("s")
        await desk.on_screen("ShareCaseScreen")
        await desk.until(lambda: desk.screen.consent is not None, "the consent status")
        assert "Consent: given" in desk.status("#consent-status")
        await desk.choose("#agency", "Police")
        await desk.choose("#what", "Incident log")
        await desk.choose("#basis", "s115-crime-and-disorder-act-1998")
        await desk.press("ctrl+s")
        await desk.on_screen("CaseDetailScreen")

        # Asha's manager reviews the high-risk case with her.
        await desk.press("m")
        await desk.on_screen("RecordReviewScreen")
        await desk.type(REVIEW_NOTES)
        await desk.field("#actions", "Chase police CAD logs")
        await desk.press("ctrl+s")
        await desk.on_screen("CaseDetailScreen")

        # Back in signal: sync from the dashboard.
        await desk.press("escape")
        await desk.on_screen("DashboardScreen")
        await sync_in_app(desk)

    with asha.store() as store, store.read() as session:
        remedies = session.exec(select(LegalRemedy)).all()
        shares = session.exec(select(SharingRecord)).all()
        reviews = session.exec(select(ManagerReview)).all()
        unsent = session.exec(select(ChangeRecord).where(ChangeRecord.sent_at == None)).all()  # noqa: E711
    assert ("community-protection-warning", WEDNESDAY) in [(r.kind, r.started_on) for r in remedies]
    expect(len(remedies) == 1, "issue 11: a second ctrl+s on the remedy form saves a duplicate")
    assert [(s.agency, s.what, s.legal_basis) for s in shares] == [
        ("Police", "Incident log", "s115-crime-and-disorder-act-1998")
    ]
    assert [r.notes for r in reviews] == [REVIEW_NOTES]
    assert unsent == []

    # --- Friday: Ben covers; his laptop fetches the case and he calls the victim --------------
    synced = ben.cli("sync")
    assert synced.stdout.rstrip().endswith("conflicts 0"), synced.stdout
    # Ben's laptop is a small one: 80 columns by 24 lines.
    async with ben.app(FRIDAY).run_test(size=(80, 24)) as pilot:
        desk = Desk(pilot)
        await desk.unlock()
        await settle(pilot)
        if desk.screen.query_one("#cases").row_count == 0:
            await desk.press("a")  # every case of the team, not only his own
        await desk.until(lambda: desk.screen.query_one("#cases").row_count >= 1, "the cases")
        dashboard = desk.seen()
        expect(
            "High" in dashboard and VICTIM.split()[0] in dashboard,
            "issue 11: at 80x24 the dashboard shows the case's risk in full and its victim",
        )
        # He looks her up by name, typed without the accents (issue 11: search finds people).
        await desk.press("slash")
        await desk.on_screen("CaseListScreen")
        await desk.type("Suilleabhain")
        await desk.press("enter")
        await settle(pilot)
        opened = type(desk.screen).__name__ == "CaseDetailScreen"
        expect(opened, "issue 11: the victim's name without accents, then Enter, opens her case")
        if not opened:
            await desk.press("escape")
            await desk.on_screen("DashboardScreen")
            await open_case(desk)
        await desk.until(lambda: desk.screen.detail is not None, "the case")
        assert ref in desk.seen()

        await desk.press("u")
        await desk.on_screen("VictimUpdateScreen")
        await desk.status_is("Next update due 25/11/2026.", "#next-due")
        await desk.field("#vu-means", "phone")
        await desk.field("#vu-summary", VICTIM_UPDATE)
        await desk.choose("#vu-safer", "a little")
        await desk.press("ctrl+s")
        await desk.status_is("Update of 20/11/2026 saved. Next update due 27/11/2026.")
        await desk.press("escape")
        await desk.on_screen("CaseDetailScreen")
        await desk.press("n")
        await desk.on_screen("NoteFormScreen")
        await desk.type(BEN_NOTE)
        await desk.press("ctrl+s")
        await desk.on_screen("CaseDetailScreen")
        await back_to_dashboard(desk)  # by way of the search he came from
        await sync_in_app(desk)

    # --- The VVC meets on Tuesday 08/12/2026; Asha takes the case and prints the pack --------
    pack = tmp_path / "vvc-pack.pdf"
    async with asha.app(VVC_DAY).run_test(size=(120, 40)) as pilot:
        desk = Desk(pilot)
        await desk.unlock()
        await sync_in_app(desk)  # Ben's call and note arrive
        await desk.press("V")
        await desk.on_screen("VvcScreen")
        await desk.until(lambda: desk.screen.query_one("#agenda").row_count >= 1, "the agenda")
        assert desk.screen.selected_meeting() == VVC_DAY
        agenda = desk.screen.query_one("#agenda")
        assert ref in [str(cell) for cell in agenda.get_row_at(0)]
        await desk.press("d")
        await desk.on_screen("VvcDecisionScreen")
        await desk.field("#case-officer", "Asha Begum")
        await desk.field("#case-manager", CASE_MANAGER)
        await desk.field("#decision", VVC_DECISION)
        await desk.field("#vvc-actions", "Fit a door chain | Landlord / housing provider | +10d")
        await desk.press("ctrl+s")
        await desk.on_screen("VvcScreen")
        await desk.press("e")
        await desk.on_screen("PackPasswordScreen")
        desk.screen.query_one("#pack-out").clear()
        await desk.field("#pack-out", str(pack))
        await desk.field("#pack-password", PACK_PASSWORD)
        await desk.field("#pack-password-again", PACK_PASSWORD)
        await desk.press("ctrl+s")
        await desk.until(pack.exists, "the pack to be written", timeout=60)
        await desk.on_screen("VvcScreen")

        # --- Thursday 10/12: the ASB has ceased; the case is closed, then reopened -------------
        await desk.press("escape")
        await desk.on_screen("DashboardScreen")
        await open_case(desk)
        await desk.press("C")
        await desk.on_screen("CloseCaseFormScreen")
        warned = desk.seen()
        await desk.choose("#reason", "asb-ceased")
        await desk.field("#note", "No incidents since the warning was served")
        await desk.press("ctrl+s")
        await desk.until(
            lambda: type(desk.screen).__name__ != "CloseCaseFormScreen", "the case to close"
        )
        if type(desk.screen).__name__ == "ConfirmScreen":  # open work named: close anyway
            warned += desk.seen()
            await desk.press("y")
        await desk.on_screen("CaseDetailScreen")
        expect(
            "safeguarding" in warned.lower(),
            "issue 11: closing with an open safeguarding referral warns about it",
        )
        await desk.sees("· Closed ·")
        await desk.press("O")
        await desk.on_screen("ReopenFormScreen")
        await desk.type(REOPEN_REASON)
        await desk.press("ctrl+s")
        await desk.on_screen("CaseDetailScreen")
        await desk.sees("· Reopened ·")
        reopened = [m for m in desk.notified() if m.startswith("Case reopened")]
        assert reopened, desk.notified()
        expect(
            "First home visit due" not in reopened[-1],
            f"issue 11: reopening says a first home visit is due after it was done: "
            f"{reopened[-1]!r}",
        )
        expect(
            "Tell the victim the case is closed" not in desk.seen(),
            "issue 11: after reopening, 'tell the victim the case is closed' is still due",
        )
        await desk.press("escape")
        await desk.on_screen("DashboardScreen")
        await sync_in_app(desk)
    ben.cli("sync")

    # --- What the procedure leaves behind ---------------------------------------------------
    verified = at_once(lambda: asha.cli("audit", "verify"), lambda: ben.cli("audit", "verify"))
    for laptop, verify in zip((asha, ben), verified, strict=True):
        assert verify.stdout.startswith("audit chain ok"), verify.stdout
        assert laptop.unsent() == [], f"{laptop.officer}'s outbox still holds changes"
    mine, theirs = at_once(
        lambda: asha.export_json(tmp_path / "asha.json", ref),
        lambda: ben.export_json(tmp_path / "ben.json", ref),
    )
    assert mine["cases"] == theirs["cases"]
    [exported] = mine["cases"]
    assert exported["case"]["status"] == "reopened" and exported["case"]["risk_level"] == "high"
    assert VICTIM_UPDATE in [u["summary"] for u in exported["victim_update"]]
    assert BEN_NOTE in [n["body"] for n in exported["note"]]

    # The pack, as the meeting reads it.
    text = pdf_text(pack, PACK_PASSWORD)
    assert ref in text and VICTIM in text
    assert VVC_DECISION in text
    for typed, what in [
        (NEEDS, "the needs and vulnerabilities typed at the visit"),
        ("Bob Neighbour", "a witness named at the visit"),
        (H2H_WITNESS, "the witness found house to house"),
        ("Community Protection Warning", "the legal remedy"),
        (CONSENT_SCOPE, "the consent as recorded (its scope)"),
        (CASE_MANAGER, "the case manager the VVC appointed"),
        (COUNCIL, "the council's name"),
    ]:
        expect(typed in text, f"issue 11: the VVC pack holds {what}: {typed!r}")
    expect(
        re.search(r"Visit to the alleged perpetrator agreed:? Yes", text),
        "issue 11: the VVC pack says the perpetrator visit was agreed",
    )

    # The victim asks for everything held about her, and so does the man she complained about
    # (subject access): each gets their own records, the other people's names redacted.
    def subject_access(name: str) -> str:
        [person] = [p for p in exported["person"] if p["name"] == name]
        out = tmp_path / f"sar-{person['id']}"
        asha.cli("export", "sar", "--person", person["id"], "--out", str(out))
        [pdf] = out.glob("*.pdf")
        return pdf_text(pdf)

    hers, his = at_once(lambda: subject_access(VICTIM), lambda: subject_access(PERPETRATOR))
    assert VICTIM in hers and ref in hers
    for typed, what in [
        (NEEDS, "her needs and vulnerabilities"),
        (CONSENT_SCOPE, "her consent as recorded"),
        (VICTIM_UPDATE, "Ben's update call"),
    ]:
        expect(typed in hers, f"the victim's subject access export holds {what}: {typed!r}")
    for name in ("Bob Neighbour", "Zofia Wójcik", H2H_WITNESS, PERPETRATOR):
        assert name not in hers, f"the victim's subject access export names {name}"
    assert PERPETRATOR in his
    for typed, what in [
        ("Community Protection Warning", "the legal remedy against him"),
        (COUNTER_ALLEGATION, "what he said at the visit"),
    ]:
        expect(typed in his, f"the perpetrator's subject access export holds {what}: {typed!r}")
    assert VICTIM not in his, "the perpetrator's subject access export names the victim"
    expect.all_held()
