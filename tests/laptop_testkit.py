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
from cli_fork_client import fork_server_run

from asb_tui.store.core import keyslots
from asb_tui.store.core.store import Store, create_store

PASSPHRASE = "correct horse battery staple"
OFFICER = "Test Officer"

#: Argon2id at the lowest cost the key file accepts (ARGON2_BOUNDS): a store's passphrase slot
#: records its own parameters, so a store made under it unlocks in ~20 ms instead of ~350 ms,
#: in this process and in every CLI subprocess that opens it. The suite unlocks stores
#: thousands of times; the real cost is kept by tests marked `real_kdf` and measured by the
#: unlock benchmark. Nothing in the app reads this: only the tests' own stores are lighter.
LIGHT_ARGON2 = {"memory_kib": keyslots.ARGON2_BOUNDS["memory_kib"][0], "iterations": 1, "lanes": 4}
REAL_ARGON2 = dict(keyslots.DEFAULT_ARGON2)
#: the CLI launched with LIGHT_ARGON2 (for commands that create a store: init, demo, import)
LIGHT_CLI = Path(__file__).with_name("light_kdf_cli.py")


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
    """Run the real `asb-tui` CLI in a process of its own (no terminal on stdin): forked from
    the suite's CLI server, which has paid the imports once (cli_fork_server.py), or with
    ASB_TEST_FRESH_CLI=1 in a new interpreter each time."""
    command = [sys.executable, str(LIGHT_CLI), *args]
    env = env if env is not None else cli_env(data_dir)
    stdin = input_text if input_text is not None else ""
    if os.environ.get("ASB_TEST_FRESH_CLI") != "1":
        return fork_server_run(command, list(args), env=env, input_text=stdin, timeout=timeout)
    return subprocess.run(
        command,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert "Traceback" not in result.stdout, result.stdout


@pytest.fixture(autouse=True)
def light_key_derivation(request: pytest.FixtureRequest) -> Iterator[None]:
    """Stores made by a test use LIGHT_ARGON2, unless the test is marked `real_kdf`."""
    wanted = REAL_ARGON2 if request.node.get_closest_marker("real_kdf") else LIGHT_ARGON2
    saved = dict(keyslots.DEFAULT_ARGON2)
    keyslots.DEFAULT_ARGON2.update(wanted)
    try:
        yield
    finally:
        keyslots.DEFAULT_ARGON2.update(saved)


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
