"""The Argon2id cost a new store's passphrase slot records: the real one for every store the app or
CLI makes, the suite's light one only for the tests' own stores (laptop_testkit.LIGHT_ARGON2), and
a store keeps its own cost whoever opens it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from laptop_testkit import LIGHT_ARGON2, OFFICER, PASSPHRASE, REAL_ARGON2, cli_env, run_cli

from asb_tui.store.core import keyslots
from asb_tui.store.core.store import StorePaths, create_store, open_store


def _cost(data_dir: Path) -> dict[str, int]:
    slot = keyslots.read_key_file(StorePaths(data_dir).key_file).slot(keyslots.PASSPHRASE)
    return {name: int(slot.kdf[name]) for name in ("memory_kib", "iterations", "lanes")}


@pytest.mark.real_kdf
def test_a_new_store_records_the_real_cost(tmp_path: Path) -> None:
    assert REAL_ARGON2 == {"memory_kib": 65536, "iterations": 3, "lanes": 4}
    store, _recovery = create_store(tmp_path / "data", PASSPHRASE, actor=OFFICER)
    store.close()
    assert _cost(tmp_path / "data") == REAL_ARGON2


def _real_cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    """`python -m asb_tui.cli` itself, not the suite's light launcher."""
    return subprocess.run(
        [sys.executable, "-m", "asb_tui.cli", *args],
        env=cli_env(data_dir), input="", capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_the_suite_makes_light_stores_that_the_real_cli_opens(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    store, _recovery = create_store(data_dir, PASSPHRASE, actor=OFFICER)
    store.close()
    assert _cost(data_dir) == LIGHT_ARGON2
    result = _real_cli("audit", "verify", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    open_store(data_dir, PASSPHRASE, actor=OFFICER).close()
    assert _cost(data_dir) == LIGHT_ARGON2  # opening never rewrites the slot's cost


def test_only_the_suites_launcher_is_light(tmp_path: Path) -> None:
    light = run_cli("init", data_dir=tmp_path / "light")
    assert light.returncode == 0, light.stderr
    assert _cost(tmp_path / "light") == LIGHT_ARGON2
    real = _real_cli("init", data_dir=tmp_path / "real")
    assert real.returncode == 0, real.stderr
    assert _cost(tmp_path / "real") == REAL_ARGON2
