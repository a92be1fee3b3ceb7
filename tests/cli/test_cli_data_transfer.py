"""`asb-tui export json`, `import` and `demo` through the real CLI: happy paths, and every user
error as one line on stderr with exit status 2 and no traceback."""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path

import laptop_testkit as _helpers
import pytest

run_cli = _helpers.run_cli
cli_env = _helpers.cli_env
assert_no_traceback = _helpers.assert_no_traceback


def assert_user_error(result: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert_no_traceback(result)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert fragment in lines[0], lines[0]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store made by `asb-tui demo` (created with the passphrase from ASB_PASSPHRASE)."""
    data_dir = tmp_path_factory.mktemp("demo") / "data"
    # 4 seeded cases, and the 2 that every default demo takes through the whole procedure.
    result = run_cli("demo", "--cases", "4", "--seed", "3", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert_no_traceback(result)
    assert "Recovery key (shown only now" in result.stdout
    assert "Added 4 demo cases" in result.stdout
    return data_dir


@pytest.fixture(scope="module")
def exported(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out") / "cases.json"
    result = run_cli("export", "json", "--out", str(out), data_dir=demo_dir)
    assert result.returncode == 0, result.stderr
    assert "Exported 6 cases" in result.stdout
    assert "personal data" in result.stdout
    return out


def _refs(path: Path) -> list[str]:
    return [entry["case"]["ref"] for entry in json.loads(path.read_text("utf-8"))["cases"]]


def test_export_writes_a_private_file(exported: Path) -> None:
    assert stat.S_IMODE(exported.stat().st_mode) == 0o600
    assert len(_refs(exported)) == 6


def test_export_named_cases(demo_dir: Path, exported: Path, tmp_path: Path) -> None:
    wanted = _refs(exported)[1:3]
    out = tmp_path / "two.json"
    args = ["export", "json", "--out", str(out), "--case", wanted[0], "--case", wanted[1]]
    result = run_cli(*args, data_dir=demo_dir)
    assert result.returncode == 0, result.stderr
    assert "Exported 2 cases" in result.stdout
    assert _refs(out) == wanted


def test_import_into_a_new_store_then_again_is_refused(exported: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert run_cli("init", data_dir=data_dir).returncode == 0
    result = run_cli("import", str(exported), data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert "Imported 6 cases" in result.stdout
    assert all(ref in result.stdout for ref in _refs(exported))
    again = run_cli("import", str(exported), data_dir=data_dir)
    assert_user_error(again, "is already in this store")
    assert "nothing was imported" in again.stderr
    # The imported store exports the same cases.
    out = tmp_path / "again.json"
    assert run_cli("export", "json", "--out", str(out), data_dir=data_dir).returncode == 0
    assert (
        json.loads(out.read_text("utf-8"))["cases"]
        == json.loads(exported.read_text("utf-8"))["cases"]
    )


def test_demo_fills_an_existing_store(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert run_cli("init", data_dir=data_dir).returncode == 0
    result = run_cli("demo", "--cases", "2", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert "Added 2 demo cases" in result.stdout
    assert "Recovery key" not in result.stdout


def test_export_unknown_case_is_a_user_error(demo_dir: Path, tmp_path: Path) -> None:
    args = ["export", "json", "--out", str(tmp_path / "x.json"), "--case", "ASB-2026-NOP-00001"]
    result = run_cli(*args, data_dir=demo_dir)
    assert_user_error(result, "There is no case ASB-2026-NOP-00001 on this laptop")
    assert not (tmp_path / "x.json").exists()


def test_export_to_a_missing_directory_is_a_user_error(demo_dir: Path, tmp_path: Path) -> None:
    result = run_cli("export", "json", "--out", str(tmp_path / "no" / "x.json"), data_dir=demo_dir)
    assert_user_error(result, "cannot write")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "cannot read"),
        (b'{"format": "asb-tui-export", "version": 1, "cases": [', "not valid JSON"),
        (b'{"format": "asb-tui-export", "version": 9, "cases": []}', "newer asb-tui"),
    ],
    ids=["missing", "truncated", "newer"],
)
def test_import_of_a_bad_file_is_a_user_error(
    demo_dir: Path, tmp_path: Path, content: bytes | None, fragment: str
) -> None:
    path = tmp_path / "in.json"
    if content is not None:
        path.write_bytes(content)
    result = run_cli("import", str(path), data_dir=demo_dir)
    assert_user_error(result, fragment)


def test_import_wrong_passphrase_is_a_user_error(demo_dir: Path, exported: Path) -> None:
    env = cli_env(demo_dir, ASB_PASSPHRASE="not the right passphrase at all")
    result = run_cli("import", str(exported), data_dir=demo_dir, env=env)
    assert result.returncode == 2
    assert_no_traceback(result)


@pytest.mark.parametrize(
    ("args", "env_extra", "fragment"),
    [
        (["demo", "--cases", "0"], {}, "between 1 and"),
        (["demo", "--cases", "many"], {}, "not a whole number"),
        (["demo"], {"ASB_PASSPHRASE": "short"}, "12"),
    ],
    ids=["zero-cases", "not-a-number", "weak-passphrase"],
)
def test_demo_user_errors(
    tmp_path: Path, args: list[str], env_extra: dict[str, str], fragment: str
) -> None:
    data_dir = tmp_path / "data"
    result = run_cli(*args, data_dir=data_dir, env=cli_env(data_dir, **env_extra))
    assert result.returncode == 2
    assert_no_traceback(result)
    assert fragment in result.stderr
    assert not (data_dir / "keys.json").exists()


def test_demo_without_a_passphrase_is_a_user_error(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = {k: v for k, v in cli_env(data_dir).items() if k != "ASB_PASSPHRASE"}
    result = run_cli("demo", data_dir=data_dir, env=env)
    assert_user_error(result, "no passphrase")
    assert not data_dir.exists() or not any(data_dir.iterdir())


def test_export_sar_warns_that_its_files_are_not_encrypted(demo_dir: Path, tmp_path: Path) -> None:
    """`export sar` writes personal data in clear, as `export json` does, with the same
    warning (the fixture `exported` checks export json's)."""
    from sqlmodel import select

    from asb_tui.store.core.models import Person
    from asb_tui.store.core.store import open_store

    with open_store(demo_dir, _helpers.PASSPHRASE, actor="Test") as store, store.read() as s:
        person_id = s.exec(select(Person.id)).first()
    assert person_id is not None
    out = tmp_path / "sar"
    result = run_cli("export", "sar", "--person", person_id, "--out", str(out), data_dir=demo_dir)
    assert result.returncode == 0, result.stderr
    assert "personal data" in result.stdout and "NOT encrypted" in result.stdout
    assert "encrypted drive" in result.stdout
