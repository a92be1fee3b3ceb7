"""VVC: agendas by the referral cut-off, decisions, and the encrypted pack from the CLI."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pikepdf
import pytest
from built_case_testkit import Built, Cli, MakeCase, ReadPdf
from sqlmodel import select

from asb_tui.config import Config
from asb_tui.domain.dates import format_uk
from asb_tui.domain.vvc import vvc_cutoff, vvc_meetings
from asb_tui.store.commands.oversight_errors import OversightRefused
from asb_tui.store.commands.vvc import (
    VvcActionInput,
    add_vvc_referral,
    agenda,
    meetings,
    parse_vvc_actions,
    record_vvc_decision,
    vvc_rule,
)
from asb_tui.store.core.models import Action, AuditEvent, Case, Referral
from asb_tui.store.core.store import Store

TODAY = date.today()
PASSWORD = "pack password 2026"
HOSTILE = [
    "[bold]Smith[/]",
    "#set text(red)",
    "*bold*",
    "Żółć Wiśniewski",
    "Siobhán Ó Súilleabháin",
]


@pytest.fixture
def config(data_dir: Path) -> Config:
    return Config(data_dir=data_dir)


@pytest.fixture
def past_meetings(config: Config) -> list[date]:
    rule = vvc_rule(config)
    return [m for m in vvc_meetings(TODAY - timedelta(days=80), TODAY, rule) if m < TODAY][-2:]


def test_agenda_follows_the_cutoff_and_decisions_mark_referrals_heard(
    store: Store, make_case: MakeCase, config: Config, past_meetings: list[date]
) -> None:
    first, second = past_meetings
    rule = vvc_rule(config)
    early = make_case("ASB-V-1", risk_level="high", vvc_referred_on=vvc_cutoff(first, rule))
    late = make_case(
        "ASB-V-2", risk_level="high", vvc_referred_on=vvc_cutoff(first, rule) + timedelta(days=1)
    )
    assert [i.ref for i in agenda(store, config, first)] == ["ASB-V-1"]
    assert [i.ref for i in agenda(store, config, second)] == ["ASB-V-1", "ASB-V-2"]

    decision = record_vvc_decision(
        store,
        config,
        early.case_id,
        first,
        case_officer="Priya Natarajan",
        case_manager="Tom Hughes",
        decision="Refer to Adult Social Care",
        actions=[VvcActionInput("Target hardening", "Police", first + timedelta(days=14))],
        next_review_on=first + timedelta(days=28),
    )
    (item,) = agenda(store, config, first)
    assert item.decision is not None and item.decision.id == decision.id
    assert [i.ref for i in agenda(store, config, second)] == ["ASB-V-2"]
    with store.read() as session:
        case = session.get(Case, early.case_id)
        referral = session.exec(select(Referral).where(Referral.case_id == early.case_id)).one()
        actions = session.exec(select(Action).where(Action.case_id == early.case_id)).all()
    assert case is not None
    assert (case.officer, case.case_manager) == ("Priya Natarajan", "Tom Hughes")
    assert (referral.status, referral.meeting_on) == ("heard", first)
    assert [(a.agency, a.due_on) for a in actions] == [("Police", first + timedelta(days=14))]

    # Re-recording the same decision adds no duplicate action.
    record_vvc_decision(
        store,
        config,
        early.case_id,
        first,
        case_officer="Priya Natarajan",
        case_manager="Tom Hughes",
        decision="Refer to Adult Social Care and Police",
        actions=[VvcActionInput("Target hardening", "Police", first + timedelta(days=14))],
    )
    with store.read() as session:
        assert len(session.exec(select(Action).where(Action.case_id == early.case_id)).all()) == 1
    summary = {m.meets_on: m for m in meetings(store, config, TODAY)}
    assert (summary[first].agenda_size, summary[first].decided) == (1, 1)
    assert late.case_id


def test_referral_by_hand_goes_to_the_next_meeting_and_not_twice(
    store: Store, make_case: MakeCase, config: Config
) -> None:
    case = make_case("ASB-V-3")
    referral = add_vvc_referral(store, config, case.case_id, referred_on=TODAY, reason="repeat")
    assert referral.meeting_on is not None and vvc_cutoff(referral.meeting_on) >= TODAY
    assert [i.ref for i in agenda(store, config, referral.meeting_on)] == ["ASB-V-3"]
    with pytest.raises(OversightRefused, match="already has a VVC referral"):
        add_vvc_referral(store, config, case.case_id, referred_on=TODAY, reason="again")


def test_decision_needs_appointments_and_a_meeting_date(
    store: Store, make_case: MakeCase, config: Config, past_meetings: list[date]
) -> None:
    case = make_case("ASB-V-4")
    with pytest.raises(OversightRefused, match="Case Officer and a Case Manager"):
        record_vvc_decision(
            store,
            config,
            case.case_id,
            past_meetings[0],
            case_officer="",
            case_manager="Tom",
            decision="x",
        )
    with pytest.raises(OversightRefused, match="not a VVC meeting date"):
        record_vvc_decision(
            store,
            config,
            case.case_id,
            past_meetings[0] + timedelta(days=1),
            case_officer="A",
            case_manager="B",
            decision="x",
        )


def test_action_lines_are_parsed_and_bad_dates_named() -> None:
    actions = parse_vvc_actions("Fit door chain | Housing | 01/12/2026\n\nCall GP", TODAY)
    assert actions == [
        VvcActionInput("Fit door chain", "Housing", date(2026, 12, 1)),
        VvcActionInput("Call GP", "", None),
    ]
    with pytest.raises(OversightRefused, match="line 1"):
        parse_vvc_actions("Fit door | Housing | 31/02/2026", TODAY)


def _incident_case(make_case: MakeCase, first: date) -> Built:
    return make_case(
        "ASB-PACK-1",
        risk_level="high",
        people=[
            (HOSTILE[0], "victim"),
            (HOSTILE[1], "alleged-perpetrator"),
            (HOSTILE[3], "alleged-perpetrator"),
            (HOSTILE[4], "witness"),
        ],
        incidents=[
            (first - timedelta(days=10), "Third incident *shouting*"),
            (first - timedelta(days=30), "First incident [x] eggs thrown"),
            (first - timedelta(days=20), "Second incident #set page"),
        ],
        vvc_referred_on=first - timedelta(days=12),
    )


def test_meeting_pack_is_encrypted_ordered_literal_and_audited(
    store: Store,
    make_case: MakeCase,
    config: Config,
    past_meetings: list[date],
    cli: Cli,
    read_pdf: ReadPdf,
    tmp_path: Path,
) -> None:
    first = past_meetings[0]
    _incident_case(make_case, first)
    out = tmp_path / "pack.pdf"
    password_file = tmp_path / "pw"
    password_file.write_text(PASSWORD + "\n")
    result = cli(
        "export",
        "vvc",
        "--meeting",
        format_uk(first),
        "--out",
        str(out),
        "--password-file",
        str(password_file),
    )
    assert result.returncode == 0, result.stderr
    assert "ASB-PACK-1" in result.stdout and "encrypted" in result.stdout

    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(out)
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(out, password="wrong password")
    with pikepdf.open(out, password=PASSWORD) as pdf:
        assert pdf.is_encrypted and pdf.encryption.R == 6  # AES-256
    text = read_pdf(out, PASSWORD)
    assert "ASB-PACK-1" in text
    positions = [text.index(f"{word} incident") for word in ("First", "Second", "Third")]
    assert positions == sorted(positions)
    for literal in ["[x] eggs thrown", "#set page", "*shouting*", *HOSTILE[:2]]:
        assert literal in text
    assert "Wiśniewski" in text
    assert "targeted because of who they are" in text  # question text from the questionnaire

    with store.read() as session:
        (event,) = session.exec(
            select(AuditEvent).where(AuditEvent.action == "export.vvc-pack")
        ).all()
    assert event.details["file"] == str(out.resolve())
    assert event.details["cases"] == ["ASB-PACK-1"] and event.details["encrypted"] is True
    assert event.details["meeting_on"] == first.isoformat() and event.actor


def test_unencrypted_case_pack_needs_no_encrypt_and_warns(
    store: Store,
    make_case: MakeCase,
    past_meetings: list[date],
    cli: Cli,
    read_pdf: ReadPdf,
    tmp_path: Path,
) -> None:
    _incident_case(make_case, past_meetings[0])
    out = tmp_path / "plain.pdf"
    refused = cli("export", "vvc", "--case", "ASB-PACK-1", "--out", str(out))
    assert refused.returncode == 2 and "pack password" in refused.stderr
    assert not out.exists()

    result = cli("export", "vvc", "--case", "asb-pack-1", "--out", str(out), "--no-encrypt")
    assert result.returncode == 0, result.stderr
    assert "WARNING" in result.stderr and "NOT encrypted" in result.stderr
    with pikepdf.open(out) as pdf:
        assert not pdf.is_encrypted
    assert "ASB-PACK-1" in read_pdf(out)
    with store.read() as session:
        (event,) = session.exec(
            select(AuditEvent).where(AuditEvent.action == "export.vvc-pack")
        ).all()
    assert event.details["encrypted"] is False and event.details["meeting_on"] is None


def test_pack_user_errors_are_one_line(
    store: Store,
    make_case: MakeCase,
    past_meetings: list[date],
    cli: Cli,
    tmp_path: Path,
) -> None:
    out = tmp_path / "x.pdf"
    env = {"ASB_PACK_PASSWORD": PASSWORD}
    unknown = cli("export", "vvc", "--case", "ASB-NOPE", "--out", str(out), env_extra=env)
    assert unknown.returncode == 2 and "ASB-NOPE" in unknown.stderr
    not_meeting = past_meetings[0] + timedelta(days=1)
    wrong_day = cli(
        "export", "vvc", "--meeting", format_uk(not_meeting), "--out", str(out), env_extra=env
    )
    assert wrong_day.returncode == 2 and "not a VVC meeting date" in wrong_day.stderr
    short = cli(
        "export", "vvc", "--case", "X", "--out", str(out), env_extra={"ASB_PACK_PASSWORD": "abc"}
    )
    assert short.returncode == 2 and "at least 8" in short.stderr
    assert not out.exists()


def test_the_pack_prints_recorded_decisions_and_the_blank_form_only_without_them(
    store: Store,
    config: Config,
    cli: Cli,
    read_pdf: ReadPdf,
    tmp_path: Path,
) -> None:
    """Once the VVC's decisions are recorded the pack prints them, not the form to fill in; a
    case still to be heard gets the blank form. A VVC referral task met by the referral is not
    listed as an action due."""
    from asb_tui.store.demo.demo_walkthrough import walk_case

    decided = walk_case(store, config, TODAY, close_and_reopen=False)
    waiting = walk_case(
        store,
        config,
        TODAY,
        victim="Aisha Rahman",
        perpetrator="Gary Barker",
        witness="Ciarán Byrne",
        close_and_reopen=False,
        with_vvc_decision=False,
    )
    assert decided.meeting_on is not None

    def pack(ref: str) -> str:
        out = tmp_path / f"{ref}.pdf"
        result = cli("export", "vvc", "--case", ref, "--out", str(out), "--no-encrypt")
        assert result.returncode == 0, result.stderr
        return " ".join(read_pdf(out).split())

    text = pack(decided.ref)
    assert "Keep high risk; the landlord to start tenancy enforcement" in text
    assert "Tenancy enforcement letter" in text and "Leeds Homes" in text
    assert "To be completed at the conference" not in text
    blank = pack(waiting.ref)
    assert "To be completed at the conference" in blank
    assert "Keep high risk" not in blank
    assert "Refer the case to the VVC of" not in blank  # met by the referral, not overdue
