"""`asb-tui --help` and a usage error answer without loading the store: the parser is built from
every command module, so a module that imports SQLAlchemy or the models at its top makes every
command, and every CLI call of this suite, pay ~0.7 s for it (docs/performance.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

# Runs the CLI's own main() in a fresh interpreter, then names the heavy modules it loaded.
PROBE = """
import sys
from asb_tui.cli import main
try:
    status = main(sys.argv[1:])
except SystemExit as exc:
    status = exc.code
heavy = ("sqlalchemy", "sqlmodel", "asb_tui.store.core.models", "asb_tui.store.core.store",
         "textual", "httpx", "typst", "pikepdf")
loaded = sorted(m for m in heavy if m in sys.modules)
print("status", status)
print("loaded", ",".join(loaded) or "-")
"""

FAST_PATHS = [
    ["--help"],
    ["sar", "--help"],
    ["export", "vvc", "--help"],
    ["case", "show"],  # REF missing: argparse's usage error
    ["sar", "extend", "SAR-2026-0001", "--months", "two", "--reason", "r"],  # refused before open
]


@pytest.mark.parametrize("argv", FAST_PATHS, ids=" ".join)
def test_help_and_usage_errors_load_no_store(argv: list[str], tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": "/usr/bin:/bin", "ASB_DATA_DIR": str(tmp_path)},
    )
    assert "Traceback" not in result.stderr, result.stderr
    status, loaded = result.stdout.strip().splitlines()[-2:]
    assert status in ("status 0", "status 2"), result.stdout + result.stderr
    assert loaded == "loaded -", (argv, loaded)


def test_a_command_that_opens_the_store_still_finds_it(tmp_path: Path) -> None:
    """The other side: the lazy imports are really made (the store is loaded when needed)."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, "sar", "list"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": "/usr/bin:/bin", "ASB_DATA_DIR": str(tmp_path)},
    )
    assert "no store in" in result.stderr, result.stderr
    assert "status 2" in result.stdout, result.stdout
    assert "asb_tui.store.core.store" in result.stdout, result.stdout
