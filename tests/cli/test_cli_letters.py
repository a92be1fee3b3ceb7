"""`asb-tui letter list|make|log` and `asb-tui diary-sheets` through the real CLI in a
subprocess, on a case accepted through the store's commands."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pikepdf
import pytest
from laptop_testkit import OFFICER, PASSPHRASE, assert_no_traceback, cli_env, run_cli
from letters_testkit import COUNCIL, VICTIM, LetterCase, accepted_case, letters_config, pdf_text

from asb_tui.domain.diary_columns import DIARY_COLUMNS
from asb_tui.domain.letters import LETTERS
from asb_tui.store.core.store import create_store


@pytest.fixture
def laptop(tmp_path: Path) -> tuple[Path, LetterCase]:
    data_dir = tmp_path / "data"
    store, _recovery = create_store(data_dir, PASSPHRASE, actor=OFFICER)
    try:
        case = accepted_case(store, letters_config(data_dir))
    finally:
        store.close()
    (data_dir / "config.toml").write_text(
        f'council = {json.dumps(COUNCIL)}\ncouncil_phone = "01824 706000"\n', encoding="utf-8"
    )
    return data_dir, case


def test_letter_list_names_every_letter(tmp_path: Path) -> None:
    result = run_cli("letter", "list", "--json", data_dir=tmp_path / "data")
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert [item["name"] for item in listed] == [kind.name for kind in LETTERS]
    assert {item["name"]: item["completes"] for item in listed}["closure"] == (
        "inform-victim-closure"
    )


def test_letter_make_writes_the_pdf_logs_it_and_completes_the_task(
    laptop: tuple[Path, LetterCase], tmp_path: Path
) -> None:
    data_dir, case = laptop
    out = tmp_path / "process.pdf"
    result = run_cli(
        "letter", "make", case.ref, "--template", "process", "--to", case.victim_id,
        "--out", str(out), "--text", "*Not bold* #set page(width: 1cm)",
        data_dir=data_dir,
    )  # fmt: skip
    assert_no_traceback(result)
    assert result.returncode == 0, result.stderr
    assert "Task done: Send diary sheets and the explanatory letter" in result.stdout
    pdf = out.read_bytes()
    sha = hashlib.sha256(pdf).hexdigest()
    assert f"SHA-256 {sha}" in result.stdout
    text = pdf_text(pdf)
    assert case.ref in text and f"Dear {VICTIM}," in text and COUNCIL in text
    assert "*Not bold* #set page(width: 1cm)" in text
    assert out.stat().st_mode & 0o777 == 0o600
    log = run_cli("letter", "log", case.ref, "--json", data_dir=data_dir)
    assert log.returncode == 0, log.stderr
    assert [(r["template"], r["pdf_sha256"], r["recipient"]) for r in json.loads(log.stdout)] == [
        ("process", sha, VICTIM)
    ]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--template", "nosuch"], "There is no letter 'nosuch'"),
        (["--template", "written-warning"], "goes to the alleged perpetrator"),
        (["--template", "process", "--to", "x"], "--to: x is not a person of case"),
    ],
)
def test_letter_make_refuses_in_one_line(
    laptop: tuple[Path, LetterCase], tmp_path: Path, args: list[str], said: str
) -> None:
    data_dir, case = laptop
    to = [] if "--to" in args else ["--to", case.victim_id]
    result = run_cli(
        "letter", "make", case.ref, *args, *to, "--out", str(tmp_path / "x.pdf"), data_dir=data_dir
    )
    assert_no_traceback(result)
    assert result.returncode == 2
    assert said in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.pdf").exists()


def test_diary_sheets_have_the_rows_asked(laptop: tuple[Path, LetterCase], tmp_path: Path) -> None:
    data_dir, case = laptop
    out = tmp_path / "sheets.pdf"
    result = run_cli(
        "diary-sheets", case.ref, "--out", str(out), "--rows", "7", "--large-print",
        data_dir=data_dir,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"7 rows for {VICTIM}" in result.stdout
    with pikepdf.open(io.BytesIO(out.read_bytes())) as doc:
        assert doc.Root.StructTreeRoot is not None
    text = pdf_text(out.read_bytes())
    at = [text.index(c.heading) for c in DIARY_COLUMNS]
    assert at == sorted(at)
    refused = run_cli(
        "diary-sheets", case.ref, "--out", str(tmp_path / "no.pdf"), "--rows", "0",
        data_dir=data_dir,
    )  # fmt: skip
    assert refused.returncode == 2
    assert "A diary sheet has 1 to 200 rows, not 0." in refused.stderr


def test_print_without_a_print_system_says_so_and_keeps_the_letter(
    laptop: tuple[Path, LetterCase], tmp_path: Path
) -> None:
    data_dir, case = laptop
    out = tmp_path / "ack.pdf"
    env = cli_env(data_dir, PATH=str(tmp_path / "no-bin"))
    result = run_cli(
        "letter", "make", case.ref, "--template", "acknowledgement", "--to", case.victim_id,
        "--out", str(out), "--print", data_dir=data_dir, env=env,
    )  # fmt: skip
    assert_no_traceback(result)
    assert result.returncode == 0, result.stderr
    assert "there is no print system on this computer" in result.stderr
    assert out.exists()


def test_a_letter_is_never_written_into_the_data_folder(laptop: tuple[Path, LetterCase]) -> None:
    data_dir, case = laptop
    result = run_cli(
        "letter", "make", case.ref, "--template", "acknowledgement", "--to", case.victim_id,
        "--out", str(data_dir / "ack.pdf"), data_dir=data_dir,
    )  # fmt: skip
    assert result.returncode == 2
    assert "not written into the data folder" in result.stderr
    assert not (data_dir / "ack.pdf").exists()
