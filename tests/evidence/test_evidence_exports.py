"""Everywhere a case goes, its exhibits go as records: the VVC pack lists them (reference, date,
description, hash), the subject access export writes the person's own files (byte-identical),
and the JSON export never carries a content key."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pikepdf
from built_case_testkit import Cli, MakeCase, ReadPdf
from evidence_testkit import canary_file, new_canary

from asb_tui.config import Config
from asb_tui.domain.dates import format_uk
from asb_tui.domain.vvc import vvc_meetings
from asb_tui.store.commands.evidence import attach_evidence
from asb_tui.store.commands.vvc import vvc_rule
from asb_tui.store.core.store import Store

TODAY = date.today()
PASSWORD = "pack password 2026"


def test_the_vvc_pack_lists_the_exhibits_with_their_hashes(
    store: Store, make_case: MakeCase, cli: Cli, read_pdf: ReadPdf, data_dir: Path, tmp_path: Path
) -> None:
    rule = vvc_rule(Config(data_dir=data_dir))
    first = [m for m in vvc_meetings(TODAY - timedelta(days=80), TODAY, rule) if m < TODAY][-1]
    built = make_case(
        "ASB-EXH-1", risk_level="high", people=[("Ann Lee", "victim")],
        incidents=[(first - timedelta(days=20), "Eggs thrown")],
        vvc_referred_on=first - timedelta(days=12),
    )  # fmt: skip
    photo = canary_file(tmp_path / "damage.jpg", 4000, new_canary())
    item = attach_evidence(
        store, built.case_id, photo, officer="Gwen Davies", description="Door kicked in",
        obtained_on=first - timedelta(days=15),
    ).item  # fmt: skip
    out = tmp_path / "pack.pdf"
    (tmp_path / "pw").write_text(PASSWORD + "\n")
    result = cli(
        "export", "vvc", "--meeting", format_uk(first), "--out", str(out),
        "--password-file", str(tmp_path / "pw"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    text = read_pdf(out, PASSWORD)
    assert "Evidence held" in text and "GD/1" in text and "Door kicked in" in text
    # The hash wraps in its narrow column (the template lets it break at any character).
    squeezed = "".join(text.replace("\u200b", "").split())
    assert item.sha256 in squeezed
    assert format_uk(first - timedelta(days=15)) in text
    if shutil.which("pdftoppm"):  # a picture of the page to look at, when poppler is here
        plain = tmp_path / "plain.pdf"
        with pikepdf.open(out, password=PASSWORD) as pdf:
            pdf.save(plain)
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(plain), str(tmp_path / "page")],
                       check=True, timeout=60)  # fmt: skip
        assert list(tmp_path.glob("page*.png"))


def test_the_subject_access_export_holds_the_persons_own_files_and_no_key(
    store: Store, make_case: MakeCase, cli: Cli, tmp_path: Path
) -> None:
    built = make_case("ASB-SAR-1", people=[("Ann Lee", "victim"), ("Bob Stone", "witness")])
    hers = canary_file(tmp_path / "her recording.mp3", 300_000, new_canary())
    his = canary_file(tmp_path / "his photo.jpg", 3000, new_canary())
    officers = canary_file(tmp_path / "officer note.txt", 100, new_canary())
    attach_evidence(store, built.case_id, hers, officer="Gwen Davies", source="victim")
    attach_evidence(
        store, built.case_id, his, officer="Gwen Davies", source="witness",
        person_id=built.people["Bob Stone"],
    )  # fmt: skip
    attach_evidence(store, built.case_id, officers, officer="Gwen Davies")
    store.close()
    out = tmp_path / "sar"
    result = cli("export", "sar", "--person", built.people["Ann Lee"], "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "1 evidence file(s)" in result.stdout
    [written] = list((out / "files").iterdir())
    assert written.name == "GD-1-her_recording.mp3"
    assert written.read_bytes() == hers.read_bytes()
    document = (out / f"sar-{built.people['Ann Lee']}.json").read_text(encoding="utf-8")
    [case] = json.loads(document)["cases"]
    assert [f["exhibit"] for f in case["your_files"]] == ["GD/1"]
    assert case["your_files"][0]["sha256"] == hashlib.sha256(hers.read_bytes()).hexdigest()
    assert "content_key" not in document

    exported = tmp_path / "cases.json"
    result = cli("export", "json", "--out", str(exported))
    assert result.returncode == 0, result.stderr
    rows = json.loads(exported.read_text(encoding="utf-8"))["cases"][0]["evidence_item"]
    assert sorted(r["exhibit_ref"] for r in rows) == ["GD/1", "GD/2", "GD/3"]
    assert all("content_key" not in r for r in rows)
