"""The VVC pack of a case made through the app's own commands: what was typed is what is printed."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pypdf
import pytest
from laptop_testkit import OFFICER, PASSPHRASE
from sqlmodel import select

from asb_tui.config import Config
from asb_tui.domain.vvc import vvc_meetings
from asb_tui.export.pack_data import build_vvc_pack, export_vvc_pack
from asb_tui.export.subject_access import export_subject
from asb_tui.store.commands import visits
from asb_tui.store.commands import vvc as vvc_store
from asb_tui.store.commands.cases import refer_case
from asb_tui.store.commands.officer import Officer, save_officer
from asb_tui.store.core.models import Person
from asb_tui.store.core.store import Store, create_store
from asb_tui.store.demo.demo_walkthrough import WalkedCase, walk_case

TODAY = date(2026, 12, 1)
Walked = tuple[Store, Config, WalkedCase]  # the store, its config, the case walked through


@pytest.fixture(scope="module")
def walked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walked]:
    data_dir = tmp_path_factory.mktemp("pack") / "data"
    store, _recovery = create_store(data_dir, PASSPHRASE, actor=OFFICER)
    config = Config(data_dir=data_dir, officer="Jo Bloggs", council="Leeds City Council")
    yield store, config, walk_case(store, config, TODAY)
    store.close()


def _section(store: Store, config: Config, case_id: str) -> dict[str, Any]:
    pack = build_vvc_pack(store, config, [case_id], meeting_on=None, generated_by="t", today=TODAY)
    section: dict[str, Any] = pack["cases"][0]
    return section


def test_needs_typed_at_the_home_visit_are_printed(walked: Walked) -> None:
    store, config, case = walked
    (victim,) = _section(store, config, case.case_id)["victims"]
    assert case.needs in victim["needs"]


def test_witnesses_and_legal_remedies_are_in_the_pack(walked: Walked) -> None:
    store, config, case = walked
    section = _section(store, config, case.case_id)
    assert [w["name"] for w in section["witnesses"]] == [case.witness_name]
    (remedy,) = section["legal_remedies"]
    assert remedy["kind"] == "Community Protection Warning"
    assert remedy["against"] == "Dariusz Wiśniewski"
    assert [s["stage"] for s in remedy["stages"]] == ["Issued", "Served"]


def test_the_appointed_case_manager_and_the_council_are_named(walked: Walked) -> None:
    store, config, case = walked
    section = _section(store, config, case.case_id)
    assert section["case_manager"] == "Priya Natarajan"
    appoint = next(p for p in section["proposed_decisions"] if p.startswith("Appoint"))
    assert "Case Manager Priya Natarajan" in appoint and " / " not in appoint
    pack = build_vvc_pack(store, config, [case.case_id], meeting_on=None, generated_by="t")
    assert pack["council"] == "Leeds City Council"
    unnamed = Config(data_dir=config.data_dir)
    assert build_vvc_pack(store, unnamed, [], meeting_on=None, generated_by="t")["council"] == ""


def test_an_agreement_given_before_the_visit_form_is_printed_as_given(store: Store) -> None:
    """Agreement by phone first, then a home visit whose consent form has no tick for it."""
    config = Config(data_dir=Path("unused"), officer="Jo Bloggs")
    made = refer_case(
        store,
        category="personal",
        summary="Noise",
        referred_on=TODAY - timedelta(20),
        victim_name="Aoife Byrne",
    )
    visits.record_perpetrator_visit_agreement(store, made.id, TODAY - timedelta(10))
    visits.complete_home_visit(
        store,
        made.id,
        visits.HomeVisitRecord(
            visited_on=TODAY - timedelta(8),
            present="Aoife Byrne",
            consent=visits.ConsentRecord(record_and_share=True, signed=True, scope="Police"),
        ),
    )
    consent = _section(store, config, made.id)["consent"]
    assert consent["perpetrator_visit_agreed"].startswith("Yes")
    assert consent["record_and_share"] is True and consent["scope"] == "Police"
    visits.withdraw_perpetrator_visit_agreement(store, made.id, TODAY - timedelta(2))
    consent = _section(store, config, made.id)["consent"]
    assert "withdrawn" in consent["perpetrator_visit_agreed"]


def test_a_waiting_referral_counts_at_one_meeting_only(store: Store, data_dir: Path) -> None:
    config = Config(data_dir=data_dir)
    made = refer_case(store, category="personal", summary="Abuse", referred_on=TODAY)
    vvc_store.add_vvc_referral(store, config, made.id, referred_on=TODAY, reason="repeat victim")
    counted = [m for m in vvc_store.meetings(store, config, TODAY) if m.agenda_size]
    assert len(counted) == 1
    rule = vvc_store.vvc_rule(config)
    assert counted[0].meets_on in vvc_meetings(TODAY, TODAY + timedelta(days=70), rule)


def _pdf_text(path: Path) -> str:
    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_the_printed_pack_holds_what_was_typed(walked: Walked, tmp_path: Path) -> None:
    store, config, case = walked
    out = tmp_path / "pack.pdf"
    export_vvc_pack(
        store,
        config,
        [case.case_id],
        out,
        meeting_on=None,
        password=None,
        encrypt=False,
        today=TODAY,
    )
    text = _pdf_text(out)
    for expected in (
        "Leeds City Council",
        "hearing loss in one ear",
        "Marcia Gayle",
        "Legal remedies",
        "Community Protection Warning",
        "Served by hand at flat 3",
        "Yes (agreed",
        "Priya Natarajan",
    ):
        assert expected in text, expected
    for wrong in ("the Council", "currently", " / )"):
        assert wrong not in text


def test_the_pack_and_the_sar_name_the_officer_not_the_login(
    store: Store, data_dir: Path, tmp_path: Path
) -> None:
    """The command line opens the store under the login name; the officer asked at first run
    and kept in the store is who is named as having generated what is printed."""
    save_officer(store, Officer("Siobhán Kelly", "East Team"))
    store.actor = "root"  # what `asb-tui` opens the store with when the config names no one
    config = Config(data_dir=data_dir, officer="root")
    made = refer_case(
        store, category="personal", summary="Abuse", referred_on=TODAY, victim_name="Ann Lee"
    )
    out = tmp_path / "pack.pdf"
    export_vvc_pack(
        store, config, [made.id], out, meeting_on=None, password=None, encrypt=False, today=TODAY
    )
    pack_text = _pdf_text(out)
    assert "Generated by Siobhán Kelly" in pack_text and "root" not in pack_text
    with store.read() as session:
        victim_id = session.exec(select(Person.id).where(Person.name == "Ann Lee")).one()
    sar = export_subject(store, victim_id, tmp_path / "sar", config=config)
    sar_text = _pdf_text(sar.pdf_path)
    assert "Generated by Siobhán Kelly" in sar_text and "root" not in sar_text
