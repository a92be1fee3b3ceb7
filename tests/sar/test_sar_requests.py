"""The subject access request log through the real CLI: logged, extended, answered, listed; the
export linked to its request with the SHA-256 of its files; kept on this laptop only; bad input
refused in one line."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from built_case_testkit import Cli, MakeCase, ReadPdf
from sqlmodel import col, select

from asb_tui.domain.subject_access import RequestFacts, clock
from asb_tui.domain.types import Region
from asb_tui.domain.working_days import is_working_day
from asb_tui.store.core.models import AuditEvent, ChangeRecord, SubjectAccessRequest
from asb_tui.store.core.store import Store

TODAY = date.today()
REQUESTER = "Siobhán [bold]O'Neill[/]"
REASON = "Complex: five cases over three years, with Quarrington named throughout"


def _uk(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def _requests(cli: Cli) -> list[dict[str, Any]]:
    result = cli("sar", "list", "--json")
    assert result.returncode == 0, result.stderr
    data: list[dict[str, Any]] = json.loads(result.stdout)
    return data


def _one_line_refusal(result: Any, *words: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("asb-tui: "), result.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_a_request_logged_extended_and_answered(cli: Cli, store: Store) -> None:
    received = TODAY - timedelta(days=10)
    logged = cli(
        "sar", "log", "--received", _uk(received), "--requester", REQUESTER,
        "--identity-checked", _uk(received), "--identity-how", "known to the officer",
    )  # fmt: skip
    assert logged.returncode == 0, logged.stderr
    ref = f"SAR-{received.year}-0001"
    assert logged.stdout.startswith(f"Logged {ref} (received {_uk(received)}): reply due ")

    (request,) = _requests(cli)
    assert request["requester"] == REQUESTER  # as typed
    assert request["clock"]["starts_on"] == received.isoformat()
    first_due = date.fromisoformat(request["clock"]["due_on"])
    assert received + timedelta(days=28) <= first_due <= received + timedelta(days=35)

    extended = cli("sar", "extend", ref, "--months", "2", "--reason", REASON)
    assert extended.returncode == 0, extended.stderr
    (request,) = _requests(cli)
    assert request["extension"] == {
        "months": 2,
        "reason": REASON,
        "decided_on": TODAY.isoformat(),
    }
    due = date.fromisoformat(request["clock"]["due_on"])
    assert received + timedelta(days=89) <= due <= received + timedelta(days=96)
    assert request["clock"]["first_month_due_on"] == first_due.isoformat()

    done = cli("sar", "complete", ref.lower())
    assert done.returncode == 0 and f"answered on {_uk(TODAY)}" in done.stdout, done.stderr
    assert _requests(cli)[0]["clock"]["state"] == "done"
    assert cli("sar", "list", "--open").stdout.startswith("No subject access request")
    refused = cli("sar", "extend", ref, "--months", "1", "--reason", "again")
    _one_line_refusal(refused, ref, "was answered on")

    with store.read() as session:
        events = session.exec(
            select(AuditEvent).where(col(AuditEvent.action).startswith("sar."))
        ).all()
        records = session.exec(
            select(ChangeRecord).where(ChangeRecord.table_name == "subject_access_request")
        ).all()
    assert [e.action for e in events] == ["sar.log", "sar.extend", "sar.complete"]
    assert all(e.entity == "subject_access_request" and e.case_id is None for e in events)
    assert events[1].details["months"] == 2 and events[1].details["ref"] == ref
    for event in events:  # the request's reference and field names, never what was typed
        assert "Siobh" not in json.dumps(event.details, ensure_ascii=False)
        assert "Quarrington" not in json.dumps(event.details)
    assert records == []  # never synced: the laptop keeps the log (docs/subject-access.md)


def test_identity_asked_for_holds_the_clock_until_it_is_confirmed(cli: Cli, store: Store) -> None:
    received = TODAY - timedelta(days=20)
    logged = cli("sar", "log", "--received", _uk(received), "--requester", "A", "--identity-asked")
    assert "the clock waits for proof of identity" in logged.stdout, logged.stderr
    assert _requests(cli)[0]["clock"]["due_on"] is None
    confirmed_on = TODAY - timedelta(days=2)
    ref = f"SAR-{received.year}-0001"
    confirmed = cli("sar", "identity", ref, "--on", _uk(confirmed_on), "--how", "passport seen")
    assert confirmed.returncode == 0, confirmed.stderr
    (request,) = _requests(cli)
    assert request["clock"]["starts_on"] == confirmed_on.isoformat()
    assert request["identity"] == {
        "asked": True,
        "confirmed_on": confirmed_on.isoformat(),
        "how": "passport seen",
    }


def test_the_export_is_linked_to_its_request_with_its_hashes(
    cli: Cli, store: Store, make_case: MakeCase, tmp_path: Path, read_pdf: ReadPdf
) -> None:
    case = make_case("ASB-SAR-LINK", people=[("Siobhán O'Neill", "victim")])
    person = case.people["Siobhán O'Neill"]
    received = TODAY - timedelta(days=3)
    logged = cli("sar", "log", "--received", _uk(received), "--requester", "Siobhán O'Neill")
    assert logged.returncode == 0, logged.stderr
    ref = f"SAR-{received.year}-0001"
    out = tmp_path / "sar"

    exported = cli("export", "sar", "--person", person, "--out", str(out), "--request", ref)
    assert exported.returncode == 0, exported.stderr
    json_file, pdf_file = out / f"sar-{person}.json", out / f"sar-{person}.pdf"
    pdf_hash = hashlib.sha256(pdf_file.read_bytes()).hexdigest()
    json_hash = hashlib.sha256(json_file.read_bytes()).hexdigest()
    assert f"Linked to {ref}: {pdf_file.name} sha256 {pdf_hash}" in exported.stdout

    (request,) = _requests(cli)
    assert request["person_id"] == person
    assert request["export"]["pdf"] == {"file": pdf_file.name, "sha256": pdf_hash}
    assert request["export"]["json"] == {"file": json_file.name, "sha256": json_hash}
    assert request["export"]["at"] is not None
    assert json.loads(json_file.read_text(encoding="utf-8"))["request_ref"] == ref
    assert ref in read_pdf(pdf_file)
    with store.read() as session:
        (event,) = session.exec(select(AuditEvent).where(AuditEvent.action == "export.sar")).all()
        (link,) = session.exec(
            select(AuditEvent).where(AuditEvent.action == "sar.export.link")
        ).all()
    assert event.details["request"] == ref
    assert link.details["ref"] == ref and "export_pdf_sha256" in link.details["fields"]


def test_an_export_for_an_unknown_or_another_persons_request_writes_nothing(
    cli: Cli, store: Store, make_case: MakeCase, tmp_path: Path
) -> None:
    case = make_case("ASB-SAR-TWO", people=[("Ann Able", "victim"), ("Bob Baker", "witness")])
    out = tmp_path / "sar"
    unknown = cli(
        "export", "sar", "--person", case.people["Ann Able"], "--out", str(out),
        "--request", "SAR-2026-0999",
    )  # fmt: skip
    _one_line_refusal(unknown, "no subject access request 'SAR-2026-0999'")
    assert not out.exists()

    received = _uk(TODAY - timedelta(days=1))
    cli(
        "sar",
        "log",
        "--received",
        received,
        "--requester",
        "Ann",
        "--person",
        case.people["Ann Able"],
    )
    ref = f"SAR-{(TODAY - timedelta(days=1)).year}-0001"
    other = cli(
        "export", "sar", "--person", case.people["Bob Baker"], "--out", str(out), "--request", ref
    )
    _one_line_refusal(other, ref, "is about another person")
    assert not out.exists()
    with store.read() as session:
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "export.sar")).all() == []
        (row,) = session.exec(select(SubjectAccessRequest)).all()
    assert row.export_pdf_sha256 == "" and row.exported_at is None


BAD_INPUT: list[tuple[list[str], list[str]]] = [
    (["log", "--received", "31/02/2026", "--requester", "A"], ["--received", "not a real date"]),
    (["log", "--received", "someday", "--requester", "A"], ["--received"]),
    (["log", "--received", "+40d", "--requester", "A"], ["in the future"]),
    (["log", "--received", "today", "--requester", "  "], ["requester's name is required"]),
    (
        ["log", "--received", "today", "--requester", "A", "--identity-how", "seen"],
        ["on which day the identity was checked"],
    ),
    (["log", "--received", "today", "--requester", "A", "--person", "nobody"], ["no person"]),
    (["extend", "SAR-2020-0042", "--reason", "r"], ["no subject access request 'SAR-2020-0042'"]),
    (["complete", "SAR-2020-0042"], ["no subject access request"]),
    (["complete", "SAR-2020-0042", "--on", "32/01/2026"], ["--on"]),
    (["extend", "SAR-2020-0042", "--months", "two", "--reason", "r"], ["--months", "1 or 2"]),
    (["identity", "SAR-2020-0042", "--how", "passport"], ["no subject access request"]),
    (["clarify", "SAR-2020-0042"], ["--asked, --answered"]),
]


def test_bad_input_is_refused_in_one_line(cli: Cli, store: Store) -> None:
    for args, words in BAD_INPUT:
        _one_line_refusal(cli("sar", *args), *words)
    assert _requests(cli) == []


def test_an_extension_of_three_months_is_refused(cli: Cli, store: Store) -> None:
    received = TODAY - timedelta(days=1)
    cli("sar", "log", "--received", _uk(received), "--requester", "A")
    ref = f"SAR-{received.year}-0001"
    _one_line_refusal(cli("sar", "extend", ref, "--months", "3", "--reason", "r"), ref, "never 3")
    assert _requests(cli)[0]["extension"]["months"] == 0


def test_answered_requests_go_under_the_retention_rule(cli: Cli, store: Store) -> None:
    old = TODAY.replace(year=TODAY.year - 6, day=1)
    cli("sar", "log", "--received", _uk(old), "--requester", "Old Olive")
    old_ref = f"SAR-{old.year}-0001"
    assert cli("sar", "complete", old_ref, "--on", _uk(old)).returncode == 0
    recent = TODAY - timedelta(days=2)
    cli("sar", "log", "--received", _uk(recent), "--requester", "New Nora")
    cli("sar", "complete", f"SAR-{recent.year}-0001")

    dry = cli("retention")
    assert dry.returncode == 0, dry.stderr
    assert f"Dry run: 1 subject access request(s) are due for destruction: {old_ref}" in dry.stdout
    assert len(_requests(cli)) == 2

    applied = cli("retention", "--apply")
    assert applied.returncode == 0, applied.stderr
    assert f"Destroyed 1 subject access request(s): {old_ref}" in applied.stdout
    assert [r["requester"] for r in _requests(cli)] == ["New Nora"]
    with store.read() as session:
        (event,) = session.exec(select(AuditEvent).where(AuditEvent.action == "sar.destroy")).all()
    assert event.details == {"ref": old_ref, "reason": "retention"}


def test_a_clarification_stops_the_clock_and_a_fee_starts_it(cli: Cli, store: Store) -> None:
    received = TODAY - timedelta(days=12)
    cli("sar", "log", "--received", _uk(received), "--requester", "A", "--fee-asked")
    ref = f"SAR-{received.year}-0001"
    assert _requests(cli)[0]["clock"]["waiting_for"] == "the fee"
    paid_on = TODAY - timedelta(days=10)
    paid = cli("sar", "fee", ref, "--received", _uk(paid_on))
    assert paid.returncode == 0, paid.stderr
    before = date.fromisoformat(_requests(cli)[0]["clock"]["due_on"])
    assert _requests(cli)[0]["clock"]["starts_on"] == paid_on.isoformat()

    asked_on, answered_on = TODAY - timedelta(days=8), TODAY - timedelta(days=5)
    stopped = cli("sar", "clarify", ref, "--asked", _uk(asked_on))
    assert "the clock waits for the clarification" in stopped.stdout, stopped.stderr
    resumed = cli("sar", "clarify", ref, "--answered", _uk(answered_on))
    assert resumed.returncode == 0, resumed.stderr
    (request,) = _requests(cli)
    assert request["clarification"] == {
        "asked_on": asked_on.isoformat(),
        "received_on": answered_on.isoformat(),
    }
    assert request["clock"]["stopped_days"] == 4
    # the four days stopped are added to the month from the fee, then off a weekend or holiday
    facts = RequestFacts(
        received, fee_asked=True, fee_received_on=paid_on,
        clarification_asked_on=asked_on, clarification_received_on=answered_on,
    )  # fmt: skip
    expected = clock(facts, lambda day: is_working_day(day, Region.ENGLAND_AND_WALES))
    assert expected.due_on is not None
    assert request["clock"]["due_on"] == expected.due_on.isoformat()
    assert before <= date.fromisoformat(request["clock"]["due_on"])
