"""JSON export/import round trip: export, import into a fresh store, export again: identical."""

from __future__ import annotations

import json
import stat
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from asb_tui.export.json_export import (
    ExportError,
    dumps,
    export_cases,
    import_file,
    parse_document,
    write_export,
)
from asb_tui.store.core.audit import verify_chain
from asb_tui.store.core.case_refs import next_case_ref
from asb_tui.store.core.models import (
    AuditEvent,
    Case,
    CaseParty,
    ChangeRecord,
    Incident,
    Person,
    Visit,
)
from asb_tui.store.core.store import Store, create_store

PASSPHRASE = "correct horse battery staple"

# Any Unicode except surrogates (which UTF-8 cannot carry) and NUL (which the sync schema refuses:
# PostgreSQL cannot keep it), with control characters and markup-like text mixed in on purpose.
MARKUP = st.sampled_from(["[bold]", "[/]", "[/", "[0]", "[[x]]", "\x1b[31m", "\x07", "O'Brien [/]"])
TEXT = st.lists(
    st.one_of(
        st.text(
            alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
            max_size=20,
        ),
        MARKUP,
    ),
    max_size=4,
).map("".join)


def _strip_envelope(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k not in ("exported_at", "device_id")}


@pytest.fixture(scope="module")
def two_stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Store]]:
    """Created once for the hypothesis test: each example uses its own new case ids."""
    source, _ = create_store(tmp_path_factory.mktemp("src") / "d", PASSPHRASE, actor="Officer A")
    target, _ = create_store(tmp_path_factory.mktemp("dst") / "d", PASSPHRASE, actor="Officer B")
    try:
        yield source, target
    finally:
        source.close()
        target.close()


def _add_case(store: Store, *, name: str, summary: str, description: str, notes: str) -> str:
    with store.write() as uow:
        case = Case(
            ref=next_case_ref(uow, 2026),
            category="personal",
            status="accepted",
            referred_on=date(2026, 3, 2),
            accepted_on=date(2026, 3, 3),
            summary=summary,
            risk_level="high",
            created_at=datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC),
        )
        uow.add(case, action="case.refer")
        person = uow.add(Person(case_id=case.id, name=name, notes=notes), action="person.add")
        uow.add(
            CaseParty(case_id=case.id, person_id=person.id, role="victim", notes=notes),
            action="party.add",
        )
        uow.add(
            Incident(
                case_id=case.id,
                occurred_on=date(2026, 3, 1),
                description=description,
                who_involved=name,
            ),
            action="incident.add",
        )
        uow.add(
            Visit(
                case_id=case.id,
                kind="home",
                due_on=date(2026, 3, 6),
                signposting=[name, "Victim Support"],
                form_state={"draft": {name: [summary, 1, True, None]}},
            ),
            action="visit.plan",
        )
        return case.ref


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(name=TEXT, summary=TEXT, description=TEXT, notes=TEXT)
def test_round_trip_any_text_is_identical(
    two_stores: tuple[Store, Store],
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    summary: str,
    description: str,
    notes: str,
) -> None:
    source, target = two_stores
    ref = _add_case(source, name=name, summary=summary, description=description, notes=notes)
    path = tmp_path_factory.mktemp("x") / "case.json"
    write_export(source, path, [ref])
    summary_in = import_file(target, path)
    assert summary_in.refs == (ref,)
    first = export_cases(source, [ref])
    again = export_cases(target, [ref])
    assert _strip_envelope(again) == _strip_envelope(first)
    # The file form, not only the parsed one, is byte-identical apart from the envelope.
    assert dumps({**again, "exported_at": "", "device_id": ""}) == dumps(
        {**first, "exported_at": "", "device_id": ""}
    )
    stored = first["cases"][0]
    assert stored["person"][0]["name"] == name
    assert stored["incident"][0]["description"] == description


def test_every_column_of_every_row_survives(store: Store, tmp_path: Path) -> None:
    ref = _add_case(store, name="Łukasz [bold]", summary="s\x07s", description="d", notes="n")
    path = tmp_path / "out.json"
    result = write_export(store, path, [ref])
    assert result.cases == 1
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["format"] == "asb-tui-export"
    assert document["version"] == 3
    assert document["device_id"] == store.device_id
    entry = document["cases"][0]
    assert entry["case"]["created_at"] == "2026-03-02T09:30:15.123456+00:00"
    assert entry["case"]["summary"] == "s\x07s"
    assert set(entry["case"]) == {c.name for c in Case.__table__.columns}  # type: ignore[attr-defined]
    assert entry["visit"][0]["form_state"] == {
        "draft": {"Łukasz [bold]": ["s\x07s", 1, True, None]}
    }
    # The file form parses back to exactly the document.
    assert parse_document(path.read_bytes()) == document

    fresh, _ = create_store(tmp_path / "fresh", PASSPHRASE, actor="Officer B")
    with fresh:
        import_file(fresh, path)
        assert _strip_envelope(export_cases(fresh)) == _strip_envelope(export_cases(store))


def test_import_writes_change_records_and_audit(store: Store, tmp_path: Path) -> None:
    ref = _add_case(store, name="A", summary="B", description="C", notes="D")
    path = tmp_path / "e.json"
    write_export(store, path, [ref])
    fresh, _ = create_store(tmp_path / "fresh", PASSPHRASE, actor="Officer B")
    with fresh:
        result = import_file(fresh, path)
        with fresh.read() as session:
            changes = session.exec(select(ChangeRecord)).all()
            events = session.exec(select(AuditEvent)).all()
            assert verify_chain(session).ok
        assert len(changes) == result.rows == 5
        assert {c.table_name for c in changes} == {
            "asb_case",
            "person",
            "case_party",
            "incident",
            "visit",
        }
        assert all(c.op == "insert" and c.device_id == fresh.device_id for c in changes)
        actions = [e.action for e in events]
        assert actions.count("import.file") == 1
        assert actions.count("import.row") == 5
        assert next(e for e in events if e.action == "import.file").entity_id == "e.json"


def test_export_is_private_atomic_and_audited(store: Store, tmp_path: Path) -> None:
    _add_case(store, name="A", summary="B", description="C", notes="D")
    path = tmp_path / "all.json"
    path.write_text("old contents")
    write_export(store, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text(encoding="utf-8"))["format"] == "asb-tui-export"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
    with store.read() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "export.json")).one()
    assert event.entity == "export"
    assert event.entity_id == "all.json"
    assert event.details == {"cases": 1}


def test_export_of_unknown_reference_is_refused(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="ASB-1999-XXX-00001"):
        write_export(store, tmp_path / "x.json", ["ASB-1999-XXX-00001"])
    assert not (tmp_path / "x.json").exists()


def test_export_into_missing_directory_is_refused(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="cannot write"):
        write_export(store, tmp_path / "no" / "such" / "x.json")


def test_case_refs_count_per_year_and_skip_taken_numbers(store: Store) -> None:
    with store.write() as uow:
        first = next_case_ref(uow, 2026)
        second = next_case_ref(uow, 2026)
        other_year = next_case_ref(uow, 2027)
    prefix = first.rsplit("-", 1)[0]
    assert first.endswith("-00001") and second.endswith("-00002")
    assert other_year.startswith("ASB-2027-") and other_year.endswith("-00001")
    assert prefix.startswith("ASB-2026-") and len(prefix.split("-")[2]) == 3
    # A case imported or pulled with the next number makes the counter skip it.
    with store.write() as uow:
        uow.add(
            Case(
                id=str(uuid.uuid4()),
                ref=f"{prefix}-00003",
                category="nuisance",
                status="referred",
                referred_on=date(2026, 1, 5),
            ),
            action="case.refer",
        )
        assert next_case_ref(uow, 2026) == f"{prefix}-00004"
