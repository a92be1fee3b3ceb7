"""Shared fixtures: real encrypted stores in temp dirs (the CLI helpers are in laptop_testkit)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from laptop_testkit import OFFICER, PASSPHRASE, assert_no_traceback, cli_env, run_cli

from asb_tui.store.core.store import Store, create_store

__all__ = ["OFFICER", "PASSPHRASE", "assert_no_traceback", "cli_env", "run_cli"]


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
