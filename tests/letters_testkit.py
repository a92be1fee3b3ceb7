"""Test kit of the letters tests (imported by name): a case in a real encrypted store, accepted
through the store's commands, with a victim and an alleged perpetrator of hostile names."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pypdf

from asb_tui.config import Config
from asb_tui.domain.risk import load_questionnaire
from asb_tui.domain.types import Category, PartyRole
from asb_tui.store.commands import cases
from asb_tui.store.core.store import Store
from asb_tui.store.queries.deadline_facts import deadline_rules

TODAY = date(2026, 12, 2)
VICTIM = "[bold]Siobhán Ó Súilleabháin #set text(red)"
PERPETRATOR = "نور الهدى الحربي"
COUNCIL = "Cyngor *Sir* Ddinbych #let x = 1"


@dataclass(frozen=True)
class LetterCase:
    case_id: str
    ref: str
    victim_id: str
    perpetrator_id: str


def letters_config(data_dir: Path, **changes: object) -> Config:
    values: dict[str, object] = {
        "officer": "Dewi [Jones] #strong",
        "council": COUNCIL,
        "council_address": ("Wynnstay Road", "Ruthin LL15 1YN"),
        "council_phone": "01824 706000",
        "council_email": "asb@example.gov.uk",
    }
    values.update(changes)
    return Config(data_dir=data_dir, **values)  # type: ignore[arg-type]


def accepted_case(store: Store, config: Config) -> LetterCase:
    """A case referred and accepted (its diary-sheets task open), with both parties."""
    rules = deadline_rules(config, TODAY)
    questionnaire = load_questionnaire(config.questionnaire)
    made = cases.refer_case(
        store,
        category=Category.PERSONAL.value,
        summary="Banging and shouting at night",
        referred_on=date(2026, 11, 23),
        location="Flat 2, 9 Well Street",
        officer=config.officer,
        victim_name=VICTIM,
    )
    with store.read() as session:
        from asb_tui.store.queries.case_records import load_case_records

        records = load_case_records(session, made.id)
    assert records is not None
    victim_id = str(records.parties(PartyRole.VICTIM.value)[0][1].id)
    perpetrator_id = cases.add_person(
        store,
        made.id,
        name=PERPETRATOR,
        role=PartyRole.ALLEGED_PERPETRATOR.value,
        address="Flat 3, 9 Well Street, Ruthin",
    )
    answers = {q.id: min(q.answers, key=lambda a: a.score).id for q in questionnaire.questions}
    cases.accept_case(
        store,
        made.id,
        on=date(2026, 11, 24),
        questionnaire=questionnaire,
        answers=answers,
        rules=rules,
        person_id=victim_id,
    )
    return LetterCase(made.id, made.ref, victim_id, perpetrator_id)


def pdf_text(pdf: bytes) -> str:
    """The PDF's text, one space for any run of white space."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"\s+", " ", text.replace("\u200b", "")).strip()
