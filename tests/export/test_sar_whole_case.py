"""The subject access export of a case made through the app's own commands."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from pathlib import Path

import pypdf
from laptop_testkit import OFFICER, PASSPHRASE

from asb_tui.config import Config
from asb_tui.export.subject_access import export_subject
from asb_tui.store.core.store import create_store
from asb_tui.store.demo.demo_walkthrough import walk_case

TODAY = date(2026, 12, 1)


def _pdf_text(path: Path) -> str:
    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
    text = " ".join(page.extract_text() for page in reader.pages).replace("\u200b", "")
    return re.sub(r"\s+", " ", text)


def test_the_sar_holds_what_was_typed_in_plain_words(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    store, _recovery = create_store(data_dir, PASSPHRASE, actor=OFFICER)
    try:
        config = Config(data_dir=data_dir, officer="Jo Bloggs", council="Leeds City Council")
        case = walk_case(store, config, TODAY, close_and_reopen=False)
        victim = export_subject(store, case.victim_id, tmp_path / "v", config=config)
        perpetrator = export_subject(store, case.perpetrator_id, tmp_path / "p", config=config)
    finally:
        store.close()
    text = _pdf_text(victim.pdf_path)
    for expected in (
        "Leeds City Council",
        "hearing loss in one ear",  # the needs typed at the home visit
        "Phone video of the shouting",  # the evidence gathered at the visit
        "Vulnerable Victims Conference",  # the referral, by its label
        "Home visit",
        "Weekly",
    ):
        assert expected in text, expected
    for raw in ("vulnerable-victims-conference", "victim-support-officer"):
        assert raw not in text
    # The other parties are out, or redacted where free text names them.
    assert "Dariusz" not in text and "Marcia Gayle" not in text
    stored = json.loads(victim.json_path.read_text(encoding="utf-8"))
    kinds = {r["kind"] for r in stored["cases"][0]["referrals"]}
    assert kinds == {"vulnerable-victims-conference", "victim-support-officer"}
    against = _pdf_text(perpetrator.pdf_path)
    assert "Community Protection Warning" in against
    assert "Served by hand at flat 3" in against
