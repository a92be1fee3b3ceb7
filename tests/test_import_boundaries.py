"""The layers hold at run time, not only on paper: every headless module imports without Textual
(as Harlequin checks), and the import-linter contracts in pyproject.toml pass."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Imports every module under each package in a fresh interpreter, then reports whether Textual
# came along. Migration scripts are skipped: Alembic runs them, importing one runs a migration.
PROBE = """
import importlib, pkgutil, sys
imported = []
for package_name in sys.argv[1:]:
    package = importlib.import_module(package_name)
    imported.append(package_name)
    for info in pkgutil.walk_packages(package.__path__, package_name + "."):
        if ".migrations" in info.name:
            continue
        importlib.import_module(info.name)
        imported.append(info.name)
print(len(imported), "modules")
loaded = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
if loaded:
    print("textual loaded:", ", ".join(loaded[:5]))
    sys.exit(1)
"""

HEADLESS = ["asb_tui.domain", "asb_tui.store", "asb_tui.export", "sync"]


@pytest.mark.parametrize("package", HEADLESS)
def test_headless_package_never_loads_textual(package: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, package],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "modules" in result.stdout


def test_import_linter_contracts_pass() -> None:
    # lint-imports has no `python -m` entry point: call its console script's function, so the
    # test uses the interpreter that runs it (no PATH or venv layout assumed).
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports_command; "
            "sys.exit(lint_imports_command())",
            "--no-cache",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout
