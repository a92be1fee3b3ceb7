"""The VVC pack: real Typst, real pikepdf encryption, text read back with pypdf."""

from __future__ import annotations

import io
import re
import stat
import unicodedata
from pathlib import Path
from typing import Any

import pikepdf
import pypdf
import pytest
from export_testkit import ExtractPages, MakeCase, MakePack, Norm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pikepdf.models.encryption import EncryptionMethod  # type: ignore[attr-defined]

from asb_tui.export import pdf_render
from asb_tui.export.pdf_render import (
    PdfRenderError,
    compile_typst,
    encrypt_pdf,
    write_pdf_atomically,
)
from asb_tui.export.vvc_pack import render_vvc_pack

PASSWORD = "pack password 2026"
MARKING = "OFFICIAL-SENSITIVE"

HOSTILE_NAMES = [
    "#set text(red)",
    "*bold*",
    "[x]",
    "$x^2$",
    "<lbl>",
    "@ref",
    "\\",
    "// not a comment",
    "= Heading",
    "]",
    '#import "x"',
    "_under_ `raw` ~ -- --- ... 'single' \"double\"",
    "/* open comment",
    "#{ panic() }",
    '#eval("1")',
]


_fixture_settings = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _case_pages(pages: list[str], ref: str) -> list[int]:
    return [i for i, text in enumerate(pages) if ref in text.splitlines()[0]]


# Encryption ---------------------------------------------------------------------------------------


def test_encrypted_pack_needs_its_password_and_is_aes_256(
    tmp_path: Path, make_case: MakeCase, make_pack: MakePack
) -> None:
    out = render_vvc_pack(make_pack(make_case("ASB-2026-00042")), tmp_path / "pack.pdf", PASSWORD)

    assert out == tmp_path / "pack.pdf"
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(out)
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(out, password="wrong password")
    with pikepdf.open(out, password=PASSWORD) as pdf:
        assert pdf.is_encrypted
        info = pdf.encryption
        assert info.R == 6
        assert info.V == 5
        assert info.bits == 256
        assert info.stream_method == EncryptionMethod.aesv3
        assert info.string_method == EncryptionMethod.aesv3
        assert pdf.allow.print_highres
        assert not pdf.allow.extract
        assert not pdf.allow.modify_other
        assert len(pdf.pages) >= 2


def test_the_plain_pdf_never_reaches_the_disk_and_the_file_is_private(
    tmp_path: Path, make_case: MakeCase, make_pack: MakePack
) -> None:
    out = render_vvc_pack(make_pack(make_case("ASB-2026-00042")), tmp_path / "pack.pdf", PASSWORD)

    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pack.pdf"]
    raw = out.read_bytes()
    assert b"ASB-2026-00042" not in raw
    assert "Súilleabháin".encode() not in raw


def test_encrypt_without_a_password_is_refused(
    tmp_path: Path, make_case: MakeCase, make_pack: MakePack
) -> None:
    pack = make_pack(make_case("ASB-2026-00042"))
    for password in (None, "", "   "):
        with pytest.raises(ValueError, match="password"):
            render_vvc_pack(pack, tmp_path / "pack.pdf", password)
    with pytest.raises(ValueError, match="password"):
        render_vvc_pack(pack, tmp_path / "pack.pdf", "secret", encrypt=False)
    assert not list(tmp_path.iterdir())


def test_no_encrypt_writes_a_plain_pdf(
    tmp_path: Path, make_case: MakeCase, make_pack: MakePack, extract_pages: ExtractPages
) -> None:
    out = render_vvc_pack(
        make_pack(make_case("ASB-2026-00042")), tmp_path / "pack.pdf", None, encrypt=False
    )

    with pikepdf.open(out) as pdf:
        assert not pdf.is_encrypted
    assert "ASB-2026-00042" in "".join(extract_pages(out))


def test_encrypt_pdf_refuses_an_empty_password() -> None:
    with pytest.raises(ValueError):
        encrypt_pdf(b"%PDF-1.7", "")


# Content and layout ------------------------------------------------------------------------------


def test_every_page_is_marked_and_numbered_and_headed_with_its_case(
    tmp_path: Path, make_case: MakeCase, make_pack: MakePack, extract_pages: ExtractPages
) -> None:
    pack = make_pack(make_case("ASB-2026-00042", incidents=30), make_case("ASB-2026-00057"))
    out = render_vvc_pack(pack, tmp_path / "pack.pdf", PASSWORD)

    pages = extract_pages(out, PASSWORD)
    total = len(pages)
    assert total >= 5
    for number, text in enumerate(pages, start=1):
        assert text.count(MARKING) >= 2, f"page {number} lacks the marking in header and footer"
        assert f"Page {number} of {total}" in text
        assert "VVC 08/12/2026" in text

    cover = pages[0]
    assert "Vulnerable Victims Conference" in cover
    assert "Meeting of 08/12/2026" in cover
    assert "ASB-2026-00042" in cover and "ASB-2026-00057" in cover

    first, second = _case_pages(pages, "ASB-2026-00042"), _case_pages(pages, "ASB-2026-00057")
    assert len(first) >= 2, "the long first case spans pages, each headed with its reference"
    assert first == list(range(1, 1 + len(first)))
    assert second == list(range(first[-1] + 1, total))
    # Each case starts on a new page, with its heading at the top.
    assert "Case ASB-2026-00042" in pages[first[0]]
    assert "Case ASB-2026-00057" in pages[second[0]]
    assert "Case ASB-2026-00042" not in pages[second[0]]


def test_sections_come_in_the_agreed_order(
    make_case: MakeCase, make_pack: MakePack, extract_pages: ExtractPages, norm: Norm
) -> None:
    text = norm(" ".join(extract_pages(compile_typst("vvc_pack.typ", make_pack(make_case("R-1"))))))
    sections = [
        "Case summary",
        "Risk assessment",
        "Victims and vulnerabilities",
        "Alleged perpetrators",
        "Incident timeline",
        "Actions taken and due",
        "Agencies involved",
        "Consent and legal basis for sharing",
        "Proposed decisions",
        "Decisions of the conference",
    ]
    positions = [text.find(s) for s in sections]
    assert -1 not in positions
    assert positions == sorted(positions)
    for expected in ("23", "High", "Lives alone with a learning disability", "s115 Crime"):
        assert expected in text


def test_incidents_print_in_the_order_given(
    make_case: MakeCase, make_pack: MakePack, extract_pages: ExtractPages, norm: Norm
) -> None:
    case = make_case("ASB-2026-00042", incidents=0)
    # Date order, with descriptions that a sort by text would reorder.
    case["incidents"] = [
        {"date": "03/09/2025", "time": "", "description": "Zebra crossing blocked"},
        {"date": "11/09/2025", "time": "08:15", "description": "Mail set on fire"},
        {"date": "02/10/2025", "time": "23:59", "description": "Abusive graffiti"},
    ]
    text = norm(" ".join(extract_pages(compile_typst("vvc_pack.typ", make_pack(case)))))

    order = [text.find(s) for s in ("Zebra crossing", "Mail set on fire", "Abusive graffiti")]
    assert -1 not in order and order == sorted(order)
    dates = [text.find(s) for s in ("03/09/2025", "11/09/2025", "02/10/2025")]
    assert -1 not in dates and dates == sorted(dates)


def test_hostile_names_print_exactly_as_typed(
    make_case: MakeCase, make_pack: MakePack, extract_pages: ExtractPages, norm: Norm
) -> None:
    case = make_case("ASB-2026-00042")
    case["victims"] = [{"name": name, "needs": name} for name in HOSTILE_NAMES]
    case["incidents"][0]["description"] = " | ".join(HOSTILE_NAMES)
    case["summary"] = "\n".join(HOSTILE_NAMES)
    pack = make_pack(case)
    pack["meeting_date"] = '#set page(paper: "a5")'

    text = norm(" ".join(extract_pages(compile_typst("vvc_pack.typ", pack))))

    for name in HOSTILE_NAMES:
        assert f"Name {norm(name)} " in text, name
    assert norm(" | ".join(HOSTILE_NAMES)) in text
    assert 'VVC #set page(paper: "a5")' in text


def test_polish_irish_and_arabic_names_render_with_real_glyphs(
    make_case: MakeCase, make_pack: MakePack, extract_pages: ExtractPages
) -> None:
    case = make_case("ASB-2026-00042", victim="Siobhán Ó Súilleabháin")
    case["victims"].append({"name": "محمد الأحمد"})
    pdf = compile_typst("vvc_pack.typ", make_pack(case))
    text = " ".join(extract_pages(pdf))

    assert "Żółć Łukasz Wiśniewski" in text
    assert "Siobhán Ó Súilleabháin" in text
    # pypdf gives right-to-left text in visual order, so the two words may come out swapped.
    assert "محمد" in text and "الأحمد" in text
    # A glyph missing from every font is drawn as .notdef, which extracts as U+0000.
    assert "\x00" not in text
    fonts = _font_names(pdf)
    assert any("NotoNaskhArabic" in f for f in fonts), fonts


def test_the_missing_glyph_check_can_fail(make_pack: MakePack, make_case: MakeCase) -> None:
    # An unassigned code point has no glyph anywhere: it must show up as U+0000 for the check above
    # to mean anything.
    case = make_case("ASB-2026-00042", victim="x\u0378y")
    text = "".join(
        page.extract_text()
        for page in pypdf.PdfReader(
            io.BytesIO(compile_typst("vvc_pack.typ", make_pack(case)))
        ).pages
    )
    if "\x00" not in text:
        pytest.skip("a font on this machine has a glyph for U+0378")
    assert "\x00" in text


def test_an_empty_case_and_an_empty_pack_still_render(
    make_pack: MakePack, extract_pages: ExtractPages, norm: Norm
) -> None:
    empty: dict[str, Any] = {
        "ref": "ASB-2026-00099",
        "risk": None,
        "consent": None,
        "victims": [],
        "incidents": [],
    }
    text = norm(
        " ".join(extract_pages(compile_typst("vvc_pack.typ", make_pack(empty, meeting_date=None))))
    )

    assert "Case ASB-2026-00099" in text
    assert "No risk assessment recorded" in text
    assert "No victims recorded" in text
    assert "No consent recorded" in text
    assert "None recorded" in text
    assert "Case pack" in text

    assert "Page 1 of 1" in norm(" ".join(extract_pages(compile_typst("vvc_pack.typ", {}))))


def test_a_word_longer_than_its_column_wraps_instead_of_leaving_the_page(
    make_case: MakeCase, make_pack: MakePack, extract_pages: ExtractPages, norm: Norm
) -> None:
    long_word = "WY" + "0123456789" * 20
    case = make_case("ASB-2026-00042")
    case["incidents"][0]["police_ref"] = long_word
    case["summary"] = long_word
    pdf = compile_typst("vvc_pack.typ", make_pack(case))

    assert f"Summary{long_word}" in re.sub(r"\s", "", norm(" ".join(extract_pages(pdf))))
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        width = float(doc.pages[1].mediabox[2])
    # Every piece of text starts inside the page (before the long word wrapped, it ran off it).
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    xs: list[float] = []
    reader.pages[1].extract_text(
        visitor_text=lambda t, cm, tm, fd, fs: xs.append(tm[4] * cm[0] + cm[4])
    )
    assert xs and max(xs) < width


# Errors -------------------------------------------------------------------------------------------


def test_typst_failures_become_pdf_render_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_render, "_template_source", lambda name: b"#let x = (1, 2).at(5)")
    with pytest.raises(PdfRenderError, match="out of bounds"):
        compile_typst("vvc_pack.typ", {})


def test_unknown_templates_and_unexportable_data_are_refused() -> None:
    with pytest.raises(PdfRenderError, match="No such template"):
        compile_typst("nope.typ", {})
    with pytest.raises(PdfRenderError, match="Not a template name"):
        compile_typst("../pdf_render.py", {})
    with pytest.raises(PdfRenderError, match="cannot be typeset"):
        compile_typst("vvc_pack.typ", {"cases": [object()]})
    with pytest.raises(PdfRenderError, match="cannot be typeset"):
        compile_typst("vvc_pack.typ", {"x": float("nan")})


def test_write_pdf_atomically_replaces_the_file_and_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "pack.pdf"
    target.write_bytes(b"old")
    target.chmod(0o644)

    write_pdf_atomically(target, b"new")

    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["pack.pdf"]
    with pytest.raises(FileNotFoundError):
        write_pdf_atomically(tmp_path / "missing" / "pack.pdf", b"x")


# Property: any text prints -----------------------------------------------------------------------

_RTL = {"R", "AL", "AN", "RLE", "RLO", "RLI", "LRE", "LRO", "LRI", "FSI", "PDF", "PDI"}


_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\xad]")


def _ascii_islands(text: str) -> list[str]:
    """The runs of printable ASCII in ``text`` that must come out of the PDF unchanged.

    White space is left out (the PDF breaks lines where it likes). An ASCII character next to a
    non-ASCII one is left out too: it may share a cluster with it (a combining mark, a joiner, a
    prepended sign) that is drawn precomposed or as one missing glyph. Control characters and soft
    hyphens are dropped first, as the template drops them.
    """
    text = _CONTROLS.sub("", text)
    islands, current = [], []
    for i, ch in enumerate(text):
        if ch.isascii() and ch.isspace():
            continue
        before = text[i - 1] if i > 0 else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        if ch.isascii() and ch.isprintable() and before.isascii() and after.isascii():
            current.append(ch)
        elif current:
            islands.append("".join(current))
            current = []
    if current:
        islands.append("".join(current))
    return islands


def _assert_reads_back(value: str, extracted: str) -> None:
    haystack = re.sub(r"[\s\x00\u200b]", "", extracted)
    position = 0
    for island in _ascii_islands(value):
        found = haystack.find(island, position)
        assert found >= 0, f"{island!r} of {value!r} is missing from the PDF text"
        position = found + len(island)


@_fixture_settings
@given(
    name=st.text(st.characters(exclude_categories=["Cs"]), max_size=60),
    description=st.text(st.characters(exclude_categories=["Cs"]), max_size=200),
)
def test_any_text_compiles_and_reads_back(
    name: str, description: str, make_case: MakeCase, make_pack: MakePack
) -> None:
    case = make_case("ASB-2026-00042", incidents=1, victim=name)
    case["incidents"][0]["description"] = description
    pdf = compile_typst("vvc_pack.typ", make_pack(case))

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "ASB-2026-00042" in text
    for value in (name, description):
        if any(unicodedata.bidirectional(ch) in _RTL for ch in value):
            continue  # right-to-left runs are extracted in visual order
        _assert_reads_back(value, text)


def _font_names(pdf: bytes) -> set[str]:
    names: set[str] = set()
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            fonts: Any = page.Resources.get("/Font", {})
            for font in fonts.values():
                names.add(str(font.get("/BaseFont", "")))
    return names
