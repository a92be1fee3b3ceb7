"""The subject access export PDF: generic sections, marking, page numbers, optional password."""

from __future__ import annotations

import datetime as dt
import enum
import stat
import uuid
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from export_testkit import ExtractPages, Norm

from asb_tui.export.sar_pdf import render_sar_pdf


class Role(enum.Enum):
    VICTIM = "victim"


def _subject(**extra: Any) -> dict[str, Any]:
    subject: dict[str, Any] = {
        "person": {
            "name": "Siobhán Ó Súilleabháin",
            "date_of_birth": dt.date(1961, 3, 14),
            "address": "12 Acacia Road, Leeds LS6 2AB",
            "email": None,
            "vulnerabilities": ["Learning disability", "COPD"],
            "preferred_contact": {"means": "phone", "how_often": "weekly"},
        },
        "generated_at": "24/11/2026 14:05",
        "generated_by": "Priya Natarajan",
        "council": "Leeds City Council",
        "request_ref": "SAR-2026-0012",
        "cases": [
            {
                "ref": "ASB-2026-00042",
                "role": Role.VICTIM,
                "status": "accepted",
                "incidents": [
                    {"date": "01/10/2026", "description": "Shouting at the door"},
                    {"date": "03/10/2026", "description": "Eggs thrown at the windows"},
                ],
                "notes": [
                    {"written_on": dt.datetime(2026, 10, 5, 10, 30), "text": "Home visit done"}
                ],
                "visits": [],
                "consents": [{"record_and_share": True, "withdrawn_on": None}],
                "sharing": [
                    {
                        "agency": "West Yorkshire Police",
                        "legal_basis": "s115 Crime and Disorder Act 1998",
                        "id": uuid.UUID(int=7),
                    }
                ],
            },
            {"ref": "ASB-2025-00311", "role": "witness", "statements": [{"text": "Saw it"}]},
        ],
    }
    subject.update(extra)
    return subject


def test_everything_about_the_person_is_printed_generically(
    tmp_path: Path, extract_pages: ExtractPages, norm: Norm
) -> None:
    subject = _subject(
        contacts_outside_cases=[{"date": "01/09/2026", "summary": "Asked about bins"}]
    )
    subject["cases"][0]["incidents"][0]["newly_added_field"] = "Appears without template change"

    out = render_sar_pdf(subject, tmp_path / "sar.pdf")

    pages = extract_pages(out)
    text = norm(" ".join(pages))
    for expected in (
        "Information held about Siobhán Ó Súilleabháin",
        "Date of birth 14/03/1961",
        "Email Not recorded",
        "Learning disability",
        "Preferred contact Means phone How often weekly",
        "Case ASB-2026-00042 — victim",
        "Incidents Record 1 of 2",
        "Description Shouting at the door",
        "Newly added field Appears without template change",
        "Description Eggs thrown at the windows",
        "Written on 05/10/2026 10:30",
        "Visits None recorded",
        "Record and share Yes",
        "Legal basis s115 Crime and Disorder Act 1998",
        str(uuid.UUID(int=7)),
        "Case ASB-2025-00311 — witness",
        "Statements Record 1 of 1 Text Saw it",
        "Contacts outside cases",
        "Summary Asked about bins",
        "Request reference SAR-2026-0012",
    ):
        assert expected in text, expected

    assert len(pages) >= 4
    for number, page in enumerate(pages, start=1):
        assert page.count("OFFICIAL-SENSITIVE") >= 2
        assert f"Page {number} of {len(pages)}" in page
    assert "ASB-2026-00042" in pages[1].splitlines()[0]


def test_not_encrypted_by_default_and_private_on_disk(tmp_path: Path) -> None:
    out = render_sar_pdf(_subject(), tmp_path / "sar.pdf")

    with pikepdf.open(out) as pdf:
        assert not pdf.is_encrypted
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_a_password_encrypts_it_like_the_pack(tmp_path: Path, extract_pages: ExtractPages) -> None:
    out = render_sar_pdf(_subject(), tmp_path / "sar.pdf", password="subject pw")

    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(out)
    with pikepdf.open(out, password="subject pw") as pdf:
        assert pdf.encryption.R == 6 and pdf.encryption.bits == 256
    assert "Súilleabháin" in " ".join(extract_pages(out, "subject pw"))
    with pytest.raises(ValueError):
        render_sar_pdf(_subject(), tmp_path / "other.pdf", password=" ")


def test_hostile_values_and_keys_print_literally(
    tmp_path: Path, extract_pages: ExtractPages, norm: Norm
) -> None:
    subject = _subject()
    subject["person"]["name"] = "#set text(red) *bold* [x] $x^2$ <lbl> @ref \\ // c"
    subject["person"]["= heading"] = '#import "x"'
    subject["person"][""] = "blank key"
    text = norm(" ".join(extract_pages(render_sar_pdf(subject, tmp_path / "sar.pdf"))))

    assert "Name #set text(red) *bold* [x] $x^2$ <lbl> @ref \\ // c" in text
    assert '= heading #import "x"' in text
    assert "(unnamed field) blank key" in text


def test_a_subject_with_no_cases_renders_and_bad_input_is_refused(
    tmp_path: Path, extract_pages: ExtractPages
) -> None:
    out = render_sar_pdf({"person": {"name": "A Person"}, "cases": []}, tmp_path / "sar.pdf")
    assert "Page 1 of 1" in extract_pages(out)[0]

    with pytest.raises(ValueError, match="person"):
        render_sar_pdf({"cases": []}, tmp_path / "x.pdf")
    with pytest.raises(ValueError, match="cases"):
        render_sar_pdf({"person": {}, "cases": {"ref": "x"}}, tmp_path / "x.pdf")
