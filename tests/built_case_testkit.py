"""Test kit (not a test module) of the reviews, sharing, VVC, subject access and retention tests,
imported by each folder's conftest: cases written straight through the unit of work (so these
tests do not depend on the officer's app commands), a store file's decrypted bytes, PDF text."""

from __future__ import annotations

import io
import re
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Protocol

import pypdf
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from asb_tui.store.core import keyslots
from asb_tui.store.core.models import (
    Case,
    CaseParty,
    Consent,
    DiarySheet,
    Incident,
    Person,
    Referral,
    RiskAssessment,
)
from asb_tui.store.core.store import Store

PASSPHRASE = "correct horse battery staple"


@dataclass
class Built:
    case_id: str
    ref: str
    people: dict[str, str] = field(default_factory=dict)  # name -> person id


def build_case(
    store: Store,
    ref: str,
    *,
    status: str = "accepted",
    risk_level: str | None = "standard",
    accepted_on: date | None = None,
    closed_on: date | None = None,
    summary: str = "Noise and abuse from a neighbour",
    people: Sequence[tuple[str, str]] = (),
    incidents: Sequence[tuple[date, str]] = (),
    consent: str | None = None,  # None, "given", "withdrawn"
    vvc_referred_on: date | None = None,
    officer: str = "Test Officer",
) -> Built:
    """A case with people (name, role) and incidents (date, description) in the victim's diary."""
    today = date.today()
    with store.write() as uow:
        case = uow.add(
            Case(
                ref=ref,
                category="personal",
                status=status,
                summary=summary,
                referred_on=(accepted_on or today) - timedelta(days=1),
                accepted_on=accepted_on or today - timedelta(days=30),
                closed_on=closed_on,
                closure_reason="asb-ceased" if closed_on else None,
                risk_level=risk_level,
                officer=officer,
            ),
            action="case.refer",
        )
        built = Built(case.id, ref)
        victim_id: str | None = None
        for name, role in people:
            person = uow.add(
                Person(case_id=case.id, name=name, date_of_birth=date(1970, 5, 17)),
                action="person.add",
            )
            uow.add(
                CaseParty(
                    case_id=case.id, person_id=person.id, role=role, vulnerabilities="Lives alone"
                ),
                action="party.add",
            )
            built.people[name] = person.id
            if role == "victim" and victim_id is None:
                victim_id = person.id
        sheet_id = None
        if incidents:
            sheet = uow.add(
                DiarySheet(
                    case_id=case.id, person_id=victim_id, sent_on=today - timedelta(days=40)
                ),
                action="diary.sent",
            )
            sheet_id = sheet.id
        for occurred_on, description in incidents:
            uow.add(
                Incident(
                    case_id=case.id,
                    diary_sheet_id=sheet_id,
                    occurred_on=occurred_on,
                    occurred_time="21:40",
                    description=description,
                    location="Outside the flat",
                ),
                action="incident.add",
            )
        if risk_level:
            uow.add(
                RiskAssessment(
                    case_id=case.id,
                    person_id=victim_id,
                    questionnaire_version="2026.1",
                    answers={"hate": "yes", "repeat-incidents": "weekly"},
                    score=7,
                    computed_level=risk_level,
                    level=risk_level,
                    assessed_on=today - timedelta(days=29),
                ),
                action="risk.assess",
            )
        if consent:
            uow.add(
                Consent(
                    case_id=case.id,
                    person_id=victim_id,
                    record_and_share=True,
                    signed=True,
                    given_on=today - timedelta(days=28),
                    withdrawn_on=today - timedelta(days=2) if consent == "withdrawn" else None,
                    scope="Police, landlord",
                ),
                action="consent.record",
            )
        if vvc_referred_on:
            uow.add(
                Referral(
                    case_id=case.id,
                    kind="vulnerable-victims-conference",
                    referred_on=vvc_referred_on,
                    reason="high risk",
                ),
                action="referral.add",
            )
    return built


class MakeCase(Protocol):
    """The `make_case` fixture: `build_case` on the test's store."""

    def __call__(
        self,
        ref: str,
        *,
        status: str = ...,
        risk_level: str | None = ...,
        accepted_on: date | None = ...,
        closed_on: date | None = ...,
        summary: str = ...,
        people: Sequence[tuple[str, str]] = ...,
        incidents: Sequence[tuple[date, str]] = ...,
        consent: str | None = ...,
        vvc_referred_on: date | None = ...,
        officer: str = ...,
    ) -> Built: ...


class Cli(Protocol):
    """The `cli` fixture: the real `asb-tui` in a subprocess on the test's store."""

    def __call__(
        self, *args: str, env_extra: dict[str, str] | None = None, drop_env: Sequence[str] = ()
    ) -> subprocess.CompletedProcess[str]: ...


class ReadPdf(Protocol):
    """The `read_pdf` fixture: a PDF's text, white space runs made one space."""

    def __call__(self, path: Path, password: str | None = None) -> str: ...


@pytest.fixture
def make_case(store: Store) -> MakeCase:
    def make(ref: str, **kwargs: Any) -> Built:
        return build_case(store, ref, **kwargs)

    return make


def decrypted_file(database: Path, data_dir: Path, page: int = 4096, reserve: int = 80) -> bytes:
    """Every page of the SQLCipher file decrypted (free pages included): what a thief with the
    key would find, not just the live rows."""
    key = keyslots.open_slot(
        keyslots.read_key_file(data_dir / "keys.json").slot(keyslots.PASSPHRASE), PASSPHRASE
    )
    raw = database.read_bytes()
    out = bytearray()
    for offset in range(0, len(raw) // page * page, page):
        chunk = raw[offset : offset + page]
        start = 16 if offset == 0 else 0  # page 1 starts with the salt
        iv = chunk[page - reserve : page - reserve + 16]
        decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        out += decryptor.update(chunk[start : page - reserve]) + decryptor.finalize()
    return bytes(out)


def pdf_text(path: Path, password: str | None = None) -> str:
    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()), password=password)
    text = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", text.replace("\u200b", ""))


import laptop_testkit as _ROOT  # noqa: E402


@pytest.fixture
def cli(data_dir: Path) -> Cli:
    """Run the real CLI in a subprocess against the test store; checks for tracebacks."""

    def run(
        *args: str, env_extra: dict[str, str] | None = None, drop_env: Sequence[str] = ()
    ) -> subprocess.CompletedProcess[str]:
        env = _ROOT.cli_env(data_dir, **(env_extra or {}))
        for name in drop_env:
            env.pop(name, None)
        result = _ROOT.run_cli(*args, data_dir=data_dir, env=env)
        _ROOT.assert_no_traceback(result)
        return result

    return run


@pytest.fixture
def decrypt(data_dir: Path) -> Callable[[], bytes]:
    return lambda: decrypted_file(data_dir / "asb.db", data_dir)


@pytest.fixture
def read_pdf() -> ReadPdf:
    return pdf_text
