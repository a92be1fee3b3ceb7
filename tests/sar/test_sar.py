"""Subject access export: the person's own records, and nobody else's name."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from built_case_testkit import Built, Cli, MakeCase, ReadPdf
from sqlmodel import select

from asb_tui.export.subject_access import REDACTED, make_redactor
from asb_tui.store.commands import people
from asb_tui.store.core.models import AuditEvent
from asb_tui.store.core.store import Store

TODAY = date.today()
VICTIM = "Siobhán O'Neill"
PERPETRATOR = "Zebedee Quarrington"
WITNESS = "[bold]Wanda[/] Xylostrom"


def _case(make_case: MakeCase, ref: str = "ASB-SAR-1", **extra: Any) -> Built:
    return make_case(
        ref,
        people=[(VICTIM, "victim"), (PERPETRATOR, "alleged-perpetrator"), (WITNESS, "witness")],
        incidents=[
            (TODAY - timedelta(days=9), f"{PERPETRATOR} kicked the door; Quarrington laughed"),
            (TODAY - timedelta(days=3), "Music until 3am, seen by Xylostrom"),
        ],
        summary=f"Harassment of {VICTIM} by {PERPETRATOR}",
        consent="given",
        **extra,
    )


def test_sar_holds_the_victims_incidents_and_no_other_name(
    store: Store,
    make_case: MakeCase,
    cli: Cli,
    tmp_path: Path,
    read_pdf: ReadPdf,
) -> None:
    case = _case(make_case)
    elsewhere = _case(make_case, ref="ASB-SAR-OTHER")  # the same victim, in another case
    # Gathered by identity, never by name: confirmed as the same person, the case is theirs.
    people.merge_people(store, case.people[VICTIM], elsewhere.people[VICTIM], reason="Same person")
    _case(make_case, ref="ASB-SAR-NAMESAKE")  # the same name and date of birth, not confirmed
    make_case("ASB-UNRELATED", people=[("Unrelated Ursula", "victim")])
    out = tmp_path / "sar"
    result = cli("export", "sar", "--person", case.people[VICTIM], "--out", str(out))
    assert result.returncode == 0, result.stderr

    json_file = out / f"sar-{case.people[VICTIM]}.json"
    pdf_file = out / f"sar-{case.people[VICTIM]}.pdf"
    data = json.loads(json_file.read_text(encoding="utf-8"))
    text = read_pdf(pdf_file)
    raw_json = json_file.read_text(encoding="utf-8")
    assert data["person"]["name"] == VICTIM and VICTIM in text
    assert sorted(c["ref"] for c in data["cases"]) == ["ASB-SAR-1", "ASB-SAR-OTHER"]
    first = next(c for c in data["cases"] if c["ref"] == "ASB-SAR-1")
    descriptions = [i["description"] for i in first["incidents"]]
    assert descriptions == [
        f"{REDACTED} kicked the door; {REDACTED} laughed",
        f"Music until 3am, seen by {REDACTED}",
    ]
    assert first["incidents"][0]["date"] == (TODAY - timedelta(days=9)).isoformat()
    assert first["summary"] == f"Harassment of {VICTIM} by {REDACTED}"
    assert first["consents"] and first["risk_assessments"] and first["diary_sheets"]
    assert "kicked the door" in text
    for name in (PERPETRATOR, "Zebedee", "Quarrington", "Xylostrom", "Wanda", "Unrelated Ursula"):
        assert name not in raw_json, name
        assert name not in text, name
    assert (json_file.stat().st_mode & 0o777) == 0o600

    with store.read() as session:
        (event,) = session.exec(select(AuditEvent).where(AuditEvent.action == "export.sar")).all()
    assert event.entity_id == case.people[VICTIM] and event.details["cases"] == 2
    assert str(json_file) in event.details["files"]
    assert VICTIM not in str(event.details)


def test_perpetrators_sar_leaves_out_the_victims_diary(
    store: Store, make_case: MakeCase, cli: Cli, tmp_path: Path
) -> None:
    case = _case(make_case)
    out = tmp_path / "perp"
    result = cli("export", "sar", "--person", case.people[PERPETRATOR], "--out", str(out))
    assert result.returncode == 0, result.stderr
    data = json.loads((out / f"sar-{case.people[PERPETRATOR]}.json").read_text(encoding="utf-8"))
    (record,) = data["cases"]
    assert record["role"] == "alleged-perpetrator"
    assert "incidents" not in record and record["consents"] == []
    raw = json.dumps(data, ensure_ascii=False)
    assert "O'Neill" not in raw and "Siobhán" not in raw and PERPETRATOR in raw


def test_unknown_person_is_a_user_error(store: Store, cli: Cli, tmp_path: Path) -> None:
    result = cli("export", "sar", "--person", "no-such-id", "--out", str(tmp_path / "x"))
    assert result.returncode == 2 and "no person" in result.stderr


def test_redactor_keeps_the_subjects_shared_family_name() -> None:
    redact = make_redactor(["Anna Smith"], ["John Smith", "[x] Nowak"])
    assert redact("John Smith and Anna Smith met Nowak") == (
        f"{REDACTED} and Anna Smith met {REDACTED}"
    )
    assert redact("Johnson") == "Johnson"  # whole words only
