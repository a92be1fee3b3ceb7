"""The suite's CLI fork server (tests/cli_fork_server.py) answers as a new interpreter does: the
same status, stdout and stderr for a success, a refusal and a usage error; the call's own
environment; calls at once from two threads; a timeout that kills the call."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import cli_fork_client
import pytest
from laptop_testkit import LIGHT_CLI, cli_env

from asb_tui.store.core.store import Store

CALLS = [
    ["--help"],
    ["sar", "list", "--json"],
    ["case", "show", "ASB-NOT-THERE"],  # refused once the store is open: status 2
    ["case", "show"],  # argparse's usage error: status 2, usage on stderr
    ["deadlines", "--today", "31/02/2026"],
]


def _forked(
    args: list[str], env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(LIGHT_CLI), *args]
    return cli_fork_client.fork_server_run(command, args, env=env, input_text="", timeout=timeout)


def _fresh(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(LIGHT_CLI), *args],
        env=env,
        input="",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("args", CALLS, ids=" ".join)
def test_a_call_answers_as_a_new_interpreter_does(
    args: list[str], store: Store, data_dir: Path
) -> None:
    store.close()
    env = cli_env(data_dir)
    forked = _forked(args, env)
    fresh = _fresh(args, env)
    assert (forked.returncode, forked.stdout, forked.stderr) == (
        fresh.returncode,
        fresh.stdout,
        fresh.stderr,
    )
    assert forked.returncode in (0, 2) and (forked.stdout or forked.stderr)


def test_each_call_has_its_own_environment(store: Store, data_dir: Path, tmp_path: Path) -> None:
    store.close()
    here = _forked(["sar", "list"], cli_env(data_dir))
    elsewhere = _forked(["sar", "list"], cli_env(tmp_path / "none"))
    assert here.returncode == 0, here.stderr
    assert elsewhere.returncode == 2 and "no store in" in elsewhere.stderr, elsewhere.stderr


def test_calls_at_once_from_two_threads(store: Store, data_dir: Path) -> None:
    store.close()
    results: list[subprocess.CompletedProcess[str]] = []
    threads = [
        threading.Thread(target=lambda: results.append(_forked(["sar", "list"], cli_env(data_dir))))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]


def test_a_call_past_its_timeout_is_killed(store: Store, data_dir: Path) -> None:
    store.close()
    with pytest.raises(subprocess.TimeoutExpired):
        # `audit verify` on a store: more than a millisecond, the call's own time
        _forked(["audit", "verify"], cli_env(data_dir), timeout=0.001)
    after = _forked(["sar", "list"], cli_env(data_dir))  # the server still answers
    assert after.returncode == 0, after.stderr
