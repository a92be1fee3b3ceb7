"""Test kit (not a test module) of the PDF export tests, handed to them by tests/export/conftest.py:
sample VVC cases and packs as the renderers take them, and the text of a PDF read back with pypdf.
The fixtures' types are here too, for the tests' signatures."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import pypdf
import pytest


class MakeCase(Protocol):
    """The `make_case` fixture: one case of a VVC pack (JSON-like, as the renderer takes it)."""

    def __call__(self, ref: str, incidents: int = 3, victim: str = ...) -> dict[str, Any]: ...


class MakePack(Protocol):
    """The `make_pack` fixture: a VVC pack holding the cases given."""

    def __call__(
        self, *cases: dict[str, Any], meeting_date: str | None = ...
    ) -> dict[str, Any]: ...


class ExtractPages(Protocol):
    """The `extract_pages` fixture: each page's text, from a file or the PDF's bytes."""

    def __call__(self, source: Path | bytes, password: str | None = None) -> list[str]: ...


Norm = Callable[[str], str]


def sample_case(
    ref: str, incidents: int = 3, victim: str = "Siobhán Ó Súilleabháin"
) -> dict[str, Any]:
    return {
        "ref": ref,
        "category": "personal",
        "status": "accepted",
        "region": "england-and-wales",
        "summary": "Verbal abuse and damage to the victim's car by neighbours at no. 14.",
        "referred_on": "02/10/2026",
        "accepted_on": "03/10/2026",
        "officer": "Priya Natarajan",
        "case_manager": "Tom Hughes",
        "risk": {
            "score": 23,
            "level": "high",
            "override": {"level": "high", "reason": "Lives alone with a learning disability"},
            "assessed_on": "03/10/2026",
            "answers": [
                {"question": "Targeted because of who they are?", "answer": "Yes", "score": 3},
                {"question": "Is the victim's health affected?", "answer": "Anxious", "score": 2},
            ],
        },
        "victims": [
            {
                "name": victim,
                "address": "12 Acacia Road, Leeds LS6 2AB",
                "date_of_birth": "14/03/1961",
                "vulnerabilities": "Learning disability",
                "needs": "Large print letters",
            }
        ],
        "perpetrators": [
            {"name": "Żółć Łukasz Wiśniewski", "address": "14 Acacia Road", "notes": ""}
        ],
        "incidents": [
            {
                "date": f"{day:02d}/10/2026",
                "time": "21:40",
                "location": "Outside 12 Acacia Road",
                "description": f"Incident number {n} at the front door",
                "who": "Two adults from no. 14",
                "impact": "Could not sleep",
                "police_ref": f"WY-{1000 + n}",
            }
            for n, day in enumerate(range(1, 1 + 2 * incidents, 2), start=1)
        ],
        "actions_taken": [{"date": "05/10/2026", "what": "Home visit", "by": "P. Natarajan"}],
        "actions_due": [
            {
                "due": "20/11/2026",
                "what": "Update the victim",
                "owner": "P. Natarajan",
                "state": "overdue",
            }
        ],
        "agencies": [
            {
                "agency": "West Yorkshire Police",
                "contact": "PC Ann Jones",
                "reference": "WY-1001",
                "summary": "",
            }
        ],
        "consent": {
            "record_and_share": True,
            "signed_on": "05/10/2026",
            "scope": "Police, landlord",
            "perpetrator_visit_agreed": False,
            "withdrawn_on": None,
        },
        "sharing": [
            {
                "agency": "West Yorkshire Police",
                "what": "Incident diary",
                "legal_basis": "s115 Crime and Disorder Act 1998",
                "date": "06/10/2026",
            }
        ],
        "proposed_decisions": ["Refer to Adult Social Care"],
        "vvc_decisions": [],
    }


def sample_pack(*cases: dict[str, Any], meeting_date: str | None = "08/12/2026") -> dict[str, Any]:
    return {
        "title": "Vulnerable Victims Conference",
        "meeting_date": meeting_date,
        "generated_at": "24/11/2026 14:05",
        "generated_by": "Priya Natarajan",
        "council": "Leeds City Council",
        "cases": list(cases),
    }


def pages_text(source: Path | bytes, password: str | None = None) -> list[str]:
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    reader = pypdf.PdfReader(stream, password=password)
    return [page.extract_text() for page in reader.pages]


def normalise(text: str) -> str:
    """One space for any run of white space; zero-width spaces (break points) removed."""
    return re.sub(r"\s+", " ", text.replace("\u200b", "")).strip()


@pytest.fixture
def make_case() -> MakeCase:
    return sample_case


@pytest.fixture
def make_pack() -> MakePack:
    return sample_pack


@pytest.fixture
def extract_pages() -> ExtractPages:
    return pages_text


@pytest.fixture
def norm() -> Norm:
    return normalise
