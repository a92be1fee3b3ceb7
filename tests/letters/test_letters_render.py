"""Letters and diary sheets typeset from a real case in a real encrypted store: every template
with hostile names, the diary sheet's rows and columns, the log and the tasks, a council's own
template, the tagged PDF/UA-1 structure and the document language."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest
from laptop_testkit import OFFICER, PASSPHRASE
from letters_testkit import (
    COUNCIL,
    PERPETRATOR,
    TODAY,
    VICTIM,
    LetterCase,
    accepted_case,
    letters_config,
    pdf_text,
)

from asb_tui.config import Config, ConfigError, load_config
from asb_tui.domain.diary_columns import DIARY_COLUMNS
from asb_tui.domain.letters import DIARY_HEADINGS_CY, LETTERS, LetterKind
from asb_tui.domain.letters import PERPETRATOR as TO_PERPETRATOR
from asb_tui.domain.types import ActionKind, ClosureReason
from asb_tui.export import letters
from asb_tui.export.json_export import export_cases
from asb_tui.store.commands import cases
from asb_tui.store.commands.communications import communications
from asb_tui.store.core.store import Store, create_store
from asb_tui.store.queries.case_queries import case_detail
from asb_tui.store.queries.deadline_facts import deadline_rules

Made = tuple[Store, Config, LetterCase]


@pytest.fixture
def made(tmp_path: Path) -> Iterator[Made]:
    data_dir = tmp_path / "data"
    store, _recovery = create_store(data_dir, PASSPHRASE, actor=OFFICER)
    config = letters_config(data_dir)
    try:
        yield store, config, accepted_case(store, config)
    finally:
        store.close()


def _to(kind_recipient: str, case: LetterCase) -> tuple[str, str]:
    if kind_recipient == TO_PERPETRATOR:
        return case.perpetrator_id, PERPETRATOR
    return case.victim_id, VICTIM


@pytest.mark.parametrize("kind", LETTERS, ids=lambda k: k.name)
def test_every_letter_prints_the_reference_the_name_as_typed_and_the_council(
    made: Made, kind: LetterKind
) -> None:
    store, config, case = made
    person_id, name = _to(kind.recipient, case)
    pdf, version = letters.letter_pdf(store, config, case.ref, kind.name, person_id, today=TODAY)
    text = pdf_text(pdf)
    assert case.ref in text
    assert COUNCIL in text
    assert "2 December 2026" in text
    assert version == str(kind.version)
    if name == VICTIM:
        assert f"Dear {VICTIM}," in text
        assert "Dewi [Jones] #strong" in text
    else:
        # Arabic comes back from the PDF in logical order word by word; each word as typed.
        for word in PERPETRATOR.split():
            assert word in text


def test_a_letter_to_the_wrong_party_is_refused_in_one_line(made: Made) -> None:
    store, config, case = made
    with pytest.raises(letters.LetterRefused, match="goes to the alleged perpetrator"):
        letters.letter_pdf(store, config, case.ref, "written-warning", case.victim_id, today=TODAY)


def test_the_diary_sheet_has_the_rows_asked_and_the_grids_columns_in_order(made: Made) -> None:
    store, config, case = made
    for large_print in (False, True):
        pdf, _version, victim = letters.diary_sheets_pdf(
            store, config, case.ref, rows=13, large_print=large_print
        )
        assert victim is not None and victim.name == VICTIM
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            rows = _struct_elements(doc, "/TR")
            headers = _struct_elements(doc, "/TH")
        assert len(rows) == 13 + 1  # the numbered rows and the heading row
        assert len(headers) == 1 + len(DIARY_COLUMNS)
        text = pdf_text(pdf)
        assert case.ref in text and VICTIM in text and "01824 706000" in text
        at = [text.index(column.heading) for column in DIARY_COLUMNS]
        assert at == sorted(at), "the headings print in the grid's order"
        numbers = text.split(DIARY_COLUMNS[-1].heading)[-1].split()
        assert [n for n in numbers if n.isdigit()][-1] == "13"


def test_making_the_process_letter_completes_its_task_and_shows_in_timeline_and_export(
    made: Made, tmp_path: Path
) -> None:
    store, config, case = made
    out = tmp_path / "letter.pdf"
    made_letter = letters.make_letter(
        store, config, case.ref, "process", case.victim_id, out, today=TODAY
    )
    assert out.read_bytes()[:5] == b"%PDF-"
    assert made_letter.logged.completed_task is not None
    rules = deadline_rules(config, TODAY)
    with store.read() as session:
        detail = case_detail(session, case.case_id, today=TODAY, rules=rules)
    assert detail is not None
    task = next(a for a in detail.actions if a.kind == ActionKind.DIARY_SHEETS.value)
    assert task.done_on == TODAY
    shown = [e for e in detail.timeline if e.table == "communication"]
    assert len(shown) == 1
    assert shown[0].what == "Letter: Our process, with diary sheets"
    assert made_letter.sha256 in shown[0].detail and VICTIM in shown[0].detail
    exported = export_cases(store, [case.ref])
    rows = exported["cases"][0]["communication"]
    assert [(r["template"], r["pdf_sha256"], r["recipient"]) for r in rows] == [
        ("process", made_letter.sha256, VICTIM)
    ]
    assert hashlib.sha256(out.read_bytes()).hexdigest() == made_letter.sha256


def test_the_closure_letter_gives_the_reason_and_completes_telling_the_victim(
    made: Made, tmp_path: Path
) -> None:
    store, config, case = made
    cases.close_case(store, case.case_id, reason=ClosureReason.ASB_CEASED, on=TODAY)
    pdf, _version = letters.letter_pdf(
        store, config, case.ref, "closure", case.victim_id, today=TODAY
    )
    assert "The anti-social behaviour you reported has stopped." in pdf_text(pdf)
    made_letter = letters.make_letter(
        store, config, case.ref, "closure", case.victim_id, tmp_path / "c.pdf", today=TODAY
    )
    assert made_letter.logged.completed_task == "Tell the victim the case is closed, and why"
    rules = deadline_rules(config, TODAY)
    with store.read() as session:
        detail = case_detail(session, case.case_id, today=TODAY, rules=rules)
    assert detail is not None
    closure_tasks = [a for a in detail.actions if a.kind == ActionKind.INFORM_VICTIM_CLOSURE.value]
    assert closure_tasks and all(a.done_on == TODAY for a in closure_tasks)


def test_the_diary_sheets_are_logged_like_a_letter(made: Made, tmp_path: Path) -> None:
    store, config, case = made
    made_sheets = letters.make_diary_sheets(
        store, config, case.ref, tmp_path / "sheets.pdf", today=TODAY, rows=4
    )
    logged = communications(store, case.case_id)
    assert [(r.template, r.recipient, r.pdf_sha256) for r in logged] == [
        ("diary-sheets", VICTIM, made_sheets.sha256)
    ]


def test_a_councils_own_template_replaces_the_shipped_one(made: Made, tmp_path: Path) -> None:
    store, _config, case = made
    own = tmp_path / "council-templates"
    own.mkdir()
    (own / "letter_closure.typ").write_text(
        '#letter(title: (en: "Case closed (Denbighshire wording)"), body: (en: [Our own words '
        "for #name about #ref.]))\n",
        encoding="utf-8",
    )
    toml = tmp_path / "data" / "config.toml"
    toml.write_text(
        f'council = "Denbighshire County Council"\nletter_templates = "{own}"\n', encoding="utf-8"
    )
    config = load_config(tmp_path / "data")
    assert config.letter_templates == own
    cases.close_case(store, case.case_id, reason=ClosureReason.ASB_CEASED, on=TODAY)
    made_letter = letters.make_letter(
        store, config, case.ref, "closure", case.victim_id, tmp_path / "own.pdf", today=TODAY
    )
    text = pdf_text((tmp_path / "own.pdf").read_bytes())
    assert f"Our own words for {VICTIM} about {case.ref}." in text
    assert "Case closed (Denbighshire wording)" in text
    assert "If it starts again" not in text
    assert made_letter.logged.template_version.startswith("council:")
    # A file in the folder that overrides nothing is refused at load, naming it.
    (own / "letter_closur.typ").write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"letter_closur\.typ is not the name of a shipped"):
        load_config(tmp_path / "data")


def _struct_elements(doc: pikepdf.Pdf, kind: str) -> list[pikepdf.Dictionary]:
    found: list[pikepdf.Dictionary] = []
    todo: list[object] = [doc.Root.StructTreeRoot]
    while todo:
        node = todo.pop()
        if isinstance(node, pikepdf.Array):
            todo.extend(node)
        elif isinstance(node, pikepdf.Dictionary):
            if node.get("/S") == kind:
                found.append(node)
            if "/K" in node:
                todo.append(node.K)
    return found


@pytest.mark.parametrize(
    ("language", "lang"), [("en", "en-GB"), ("cy", "cy-GB"), ("en+cy", "cy-GB")]
)
def test_letters_are_tagged_pdf_ua_with_the_document_language(
    made: Made, language: str, lang: str
) -> None:
    store, config, case = made
    config = letters_config(config.data_dir, language=language)
    pdf, _version = letters.letter_pdf(
        store, config, case.ref, "process", case.victim_id, today=TODAY
    )
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert str(doc.Root.Lang) == lang
        assert bool(doc.Root.MarkInfo.Marked)
        assert _struct_elements(doc, "/H1"), "the letter's heading is in the structure tree"
        assert _struct_elements(doc, "/P")
        tagged = {
            str(e.Lang)
            for kind in ("/P", "/H1")
            for e in _struct_elements(doc, kind)
            if "/Lang" in e
        }
        if language == "en+cy":
            assert "en-GB" in tagged, "the English part of a bilingual letter is tagged English"
        with doc.open_metadata() as meta:
            assert meta.get("pdfuaid:part") == "1"
            assert case.ref in str(meta.get("dc:title"))
    text = pdf_text(pdf)
    if language == "en":
        assert "what happens next" in text and "Annwyl" not in text
    elif language == "cy":
        assert f"Annwyl {VICTIM}," in text and "2 Rhagfyr 2026" in text and "Dear" not in text
    else:
        assert text.index("Annwyl") < text.index("Dear"), "Welsh first, then English"


def test_the_council_details_in_config_are_checked_at_load(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    toml = data_dir / "config.toml"
    for line, problem in (
        ('language = "fr"', 'it must be "en", "cy" or "en\\+cy"'),
        ('council_email = "not an address"', "write an email address"),
        ('officer_phone = "call me"', "write a phone number"),
        ('council_logo = "missing.png"', "there is no file"),
        ('council_logo = "logo.gif"', "PNG, JPEG or SVG"),
        ('letters_dir = "nowhere"', "there is no folder"),
    ):
        toml.write_text(line + "\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=problem):
            load_config(data_dir)
    toml.write_text(
        'council_address = ["1 High Street", "Ruthin"]\nlanguage = "en+cy"\n', encoding="utf-8"
    )
    config = load_config(data_dir)
    assert config.council_address == ("1 High Street", "Ruthin")
    assert config.language == "en+cy"


def test_the_logo_prints_with_its_alternative_text(made: Made, tmp_path: Path) -> None:
    store, config, case = made
    logo = tmp_path / "crest.svg"
    logo.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40">'
        '<rect width="40" height="40" fill="#336"/></svg>',
        encoding="utf-8",
    )
    config = letters_config(config.data_dir, council_logo=logo)
    pdf, _version = letters.letter_pdf(
        store, config, case.ref, "acknowledgement", case.victim_id, today=TODAY
    )
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        figures = _struct_elements(doc, "/Figure")
        assert [str(f.get("/Alt")) for f in figures] == [f"Logo of {COUNCIL}"]


def test_printing_sends_the_pdf_to_lp_and_logs_it(
    made: Made, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, config, case = made
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    received = tmp_path / "printed.pdf"
    lp = bin_dir / "lp"
    lp.write_text(
        f'#!/bin/sh\n/bin/cat > "{received}"\necho "request id is office-7 (1 file(s))"\n'
    )
    lp.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    logged, said = letters.print_letter(
        store, config, case.ref, "acknowledgement", case.victim_id, today=TODAY
    )
    assert said == "request id is office-7 (1 file(s))"
    printed = received.read_bytes()
    assert case.ref in pdf_text(printed)
    assert logged.pdf_sha256 == hashlib.sha256(printed).hexdigest()
    assert [r.template for r in communications(store, case.case_id)] == ["acknowledgement"]
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    with pytest.raises(letters.NoPrintSystem, match="no print system"):
        letters.print_letter(store, config, case.ref, "closure", case.victim_id, today=TODAY)
    assert len(communications(store, case.case_id)) == 1


def test_the_case_review_letter_meets_telling_the_victim(made: Made, tmp_path: Path) -> None:
    store, config, case = made
    made_letter = letters.make_letter(
        store,
        config,
        case.ref,
        "case-review-info",
        case.victim_id,
        tmp_path / "cr.pdf",
        today=TODAY,
    )
    assert made_letter.logged.completed_task == "Tell the victim about the ASB Case Review"
    again = letters.make_letter(
        store,
        config,
        case.ref,
        "case-review-info",
        case.victim_id,
        tmp_path / "cr2.pdf",
        today=TODAY,
    )
    assert again.logged.completed_task is None  # already met: no second task
    with pytest.raises(letters.LetterRefused, match="already exists"):
        letters.make_letter(
            store, config, case.ref, "closure", case.victim_id, tmp_path / "cr.pdf", today=TODAY
        )


def test_a_welsh_diary_sheet_has_a_welsh_heading_for_every_grid_column(made: Made) -> None:
    assert list(DIARY_HEADINGS_CY) == [column.key for column in DIARY_COLUMNS]
    store, config, case = made
    for language in ("cy", "en+cy"):
        config = letters_config(config.data_dir, language=language)
        pdf, _version, _victim = letters.diary_sheets_pdf(store, config, case.ref, rows=3)
        text = pdf_text(pdf)
        at = [text.index(DIARY_HEADINGS_CY[column.key]) for column in DIARY_COLUMNS]
        assert at == sorted(at)
        assert ("Diary sheet: case" in text) == (language == "en+cy")
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            assert str(doc.Root.Lang) == "cy-GB"
            assert len(_struct_elements(doc, "/TR")) == 3 + 1
