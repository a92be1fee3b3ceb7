"""Helpers shared by the laptop-side tests (imported by name: pytest puts tests/ on sys.path, see
pyproject): the test passphrase, the real `asb-tui` CLI run in a subprocess, and the fixtures of
a real encrypted store in a temp dir (tests/conftest.py hands them to every test)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from asb_tui.store.core.store import Store, create_store

PASSPHRASE = "correct horse battery staple"
OFFICER = "Test Officer"


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASB_")}
    env["ASB_DATA_DIR"] = str(data_dir)
    env["ASB_PASSPHRASE"] = PASSPHRASE
    env.update(extra)
    return env


def run_cli(
    *args: str,
    data_dir: Path,
    env: dict[str, str] | None = None,
    input_text: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run the real `asb-tui` CLI in a subprocess (no terminal on stdin)."""
    return subprocess.run(
        [sys.executable, "-m", "asb_tui.cli", *args],
        env=env if env is not None else cli_env(data_dir),
        input=input_text if input_text is not None else "",
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert "Traceback" not in result.stdout, result.stdout


@pytest.fixture
def passphrase() -> str:
    return PASSPHRASE


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path) -> Iterator[Store]:
    """A new, empty, open encrypted store."""
    opened, _recovery = create_store(data_dir, PASSPHRASE, actor=OFFICER)
    try:
        yield opened
    finally:
        opened.close()
