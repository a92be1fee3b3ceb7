"""`asb-tui evidence add|list|export` through the real CLI in a subprocess: the file is kept
encrypted (its canary in no file of the data directory nor /tmp), comes back byte-identical with
its hash checked, and every refusal is one line."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from evidence_testkit import canary_file, files_holding, laptop_with_case, new_canary
from laptop_testkit import assert_no_traceback, run_cli


def _ok(*args: str, data_dir: Path) -> str:
    result = run_cli(*args, data_dir=data_dir)
    assert_no_traceback(result)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _refused(*args: str, data_dir: Path) -> str:
    result = run_cli(*args, data_dir=data_dir)
    assert_no_traceback(result)
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_a_file_attached_is_encrypted_at_rest_and_exports_byte_identical(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    _case_id, ref = laptop_with_case(data_dir)
    canary = new_canary()
    source = canary_file(tmp_path / "noise recording.wav", 3 * 1024 * 1024 + 77, canary)
    # Any copy of the canary is written after its source (a copy that keeps the source's time
    # keeps this one); a second's margin for the file system's coarse clock.
    canary_written = source.stat().st_mtime - 1
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    said = _ok(
        "evidence", "add", ref, str(source), "--description", "Noise at 2am",
        "--source", "victim", data_dir=data_dir,
    )  # fmt: skip
    assert f"SHA-256 {digest}" in said and "Attached TO/1" in said
    source.unlink()  # the only plaintext copy was the officer's own
    assert files_holding(data_dir, canary) == []
    assert files_holding(Path("/tmp"), canary, written_since=canary_written) == []

    listed = json.loads(_ok("evidence", "list", ref, "--json", data_dir=data_dir))
    assert [(r["exhibit_ref"], r["sha256"], r["source"], r["held"]) for r in listed] == [
        ("TO/1", digest, "victim", True)
    ]
    assert "content_key" not in listed[0]

    out = tmp_path / "out" / "exhibit.wav"
    out.parent.mkdir()
    said = _ok("evidence", "export", ref, "TO/1", "--out", str(out), data_dir=data_dir)
    assert hashlib.sha256(out.read_bytes()).hexdigest() == digest
    assert f"SHA-256 {digest}, matches the record" in said
    assert canary in out.read_bytes()
    assert out.stat().st_mode & 0o077 == 0
    # An existing path is refused unless --force.
    line = _refused("evidence", "export", ref, "TO/1", "--out", str(out), data_dir=data_dir)
    assert "already exists" in line
    _ok("evidence", "export", ref, "TO/1", "--out", str(out), "--force", data_dir=data_dir)


def test_the_same_content_twice_is_one_encrypted_copy(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    _case_id, ref = laptop_with_case(data_dir)
    first = canary_file(tmp_path / "a.jpg", 200_000)
    second = tmp_path / "b.jpg"
    second.write_bytes(first.read_bytes())
    _ok("evidence", "add", ref, str(first), data_dir=data_dir)
    said = _ok("evidence", "add", ref, str(second), data_dir=data_dir)
    assert "Attached TO/2" in said and "already held" in said
    folders = [p for p in (data_dir / "evidence").glob("*/*") if p.is_dir()]
    assert len(folders) == 1


def test_refusals_are_one_line(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    _case_id, ref = laptop_with_case(data_dir)
    with open(data_dir / "config.toml", "a", encoding="utf-8") as config:
        config.write("evidence_max_mb = 1\n")
    big = canary_file(tmp_path / "big.mp4", 1_000_001)
    small = canary_file(tmp_path / "small.txt", 10)
    assert "there is no file" in _refused(
        "evidence", "add", ref, str(tmp_path / "absent.png"), data_dir=data_dir
    )
    assert "is a folder" in _refused("evidence", "add", ref, str(tmp_path), data_dir=data_dir)
    assert "larger than the 1 MB" in _refused("evidence", "add", ref, str(big), data_dir=data_dir)
    assert "no case" in _refused("evidence", "add", "ASB/NOPE", str(small), data_dir=data_dir)
    assert "not initials and a number" in _refused(
        "evidence", "add", ref, str(small), "--exhibit", "photo one", data_dir=data_dir
    )
    assert "has no exhibit ZZ/9" in _refused(
        "evidence", "export", ref, "ZZ/9", "--out", str(tmp_path / "x"), data_dir=data_dir
    )
    _ok("evidence", "add", ref, str(small), data_dir=data_dir)
    assert "is a folder" in _refused(
        "evidence", "export", ref, "TO/1", "--out", str(tmp_path), data_dir=data_dir
    )
    assert "there is no folder" in _refused(
        "evidence", "export", ref, "TO/1", "--out", str(tmp_path / "no" / "x"), data_dir=data_dir
    )
    assert list((data_dir / "evidence").glob("*/*")) != []
