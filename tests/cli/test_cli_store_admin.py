"""`asb-tui init`, `passphrase`, `rekey`, `audit verify` through the real CLI: every user error is
one line on stderr, exit status 2 and no traceback; `init` on a terminal asks twice and shows the
recovery key once."""

from __future__ import annotations

import argparse
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import laptop_testkit as _helpers
import pytest

from asb_tui.cli import build_parser
from asb_tui.store.core.store import create_store, open_store

run_cli = _helpers.run_cli
cli_env = _helpers.cli_env
assert_no_traceback = _helpers.assert_no_traceback
PASSPHRASE: str = _helpers.PASSPHRASE
NEW_PASSPHRASE = "a brand new passphrase 2026"

# Every store command of this module, with what it needs besides the passphrase.
STORE_COMMANDS: dict[str, tuple[list[str], dict[str, str]]] = {
    "audit verify": (["audit", "verify"], {}),
    "passphrase change": (["passphrase", "change"], {"ASB_NEW_PASSPHRASE": NEW_PASSPHRASE}),
    "passphrase reset": (
        ["passphrase", "reset", "--recovery-key"],
        {"ASB_NEW_PASSPHRASE": NEW_PASSPHRASE, "ASB_RECOVERY_KEY": "AAAA-BBBB"},
    ),
    "rekey": (["rekey"], {}),
}


def _assert_user_error(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert_no_traceback(result)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return str(lines[0])


def _without_passphrase(data_dir: Path, **extra: str) -> dict[str, str]:
    env = cli_env(data_dir, **extra)
    del env["ASB_PASSPHRASE"]
    return env


@pytest.fixture
def closed_store(data_dir: Path) -> Path:
    store, _recovery = create_store(data_dir, PASSPHRASE, actor="Officer")
    store.close()
    return data_dir


# --- no store -------------------------------------------------------------------------------


@pytest.mark.parametrize("command", sorted(STORE_COMMANDS))
@pytest.mark.parametrize("with_passphrase", [True, False], ids=["passphrase set", "no passphrase"])
def test_every_command_without_a_store_says_how_to_create_one(
    tmp_path: Path, command: str, with_passphrase: bool
) -> None:
    data_dir = tmp_path / "nothing-here"
    argv, extra = STORE_COMMANDS[command]
    # Without a passphrase too: nobody should be asked for one when there is nothing to open.
    env = cli_env(data_dir, **extra) if with_passphrase else _without_passphrase(data_dir, **extra)
    result = run_cli(*argv, data_dir=data_dir, env=env)
    _assert_user_error(result, f"no store in {data_dir}", "create one with `asb-tui init`")
    assert not data_dir.exists()


def test_global_data_dir_option_comes_before_the_command(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    result = run_cli("--data-dir", str(elsewhere), "audit", "verify", data_dir=tmp_path / "env-dir")
    _assert_user_error(result, f"no store in {elsewhere}")


# --- where the passphrase comes from ---------------------------------------------------------


@pytest.mark.parametrize("command", sorted(STORE_COMMANDS))
def test_no_passphrase_and_no_terminal_is_a_clear_error(closed_store: Path, command: str) -> None:
    argv, extra = STORE_COMMANDS[command]
    if command == "passphrase reset":
        extra = {"ASB_NEW_PASSPHRASE": NEW_PASSPHRASE}  # the recovery key is what is missing
    result = run_cli(*argv, data_dir=closed_store, env=_without_passphrase(closed_store, **extra))
    line = _assert_user_error(result)
    assert "no terminal" in line or "no recovery key" in line, line
    assert "ASB_" in line


def test_init_without_passphrase_and_no_terminal_is_a_clear_error(data_dir: Path) -> None:
    result = run_cli("init", data_dir=data_dir, env=_without_passphrase(data_dir))
    _assert_user_error(result, "no passphrase", "ASB_PASSPHRASE", "--passphrase-file")
    assert not data_dir.exists()


def test_passphrase_file_is_read(closed_store: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    env = _without_passphrase(closed_store)
    result = run_cli(
        "audit", "verify", "--passphrase-file", str(secret), data_dir=closed_store, env=env
    )
    assert result.returncode == 0, result.stderr
    assert "audit chain ok" in result.stdout
    # The hidden global form: `asb-tui --passphrase-file F audit verify`.
    result = run_cli(
        "--passphrase-file", str(secret), "audit", "verify", data_dir=closed_store, env=env
    )
    assert result.returncode == 0, result.stderr


def test_passphrase_file_wins_over_the_environment(closed_store: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("not the passphrase at all\n", encoding="utf-8")
    result = run_cli("audit", "verify", "--passphrase-file", str(secret), data_dir=closed_store)
    _assert_user_error(result, "wrong passphrase")


@pytest.mark.parametrize(
    "problem", ["missing", "a directory", "not UTF-8", "empty", "newline only"]
)
def test_bad_passphrase_file_is_a_clear_error(
    closed_store: Path, tmp_path: Path, problem: str
) -> None:
    path = tmp_path / "secret"
    if problem == "a directory":
        path.mkdir()
    elif problem == "not UTF-8":
        path.write_bytes(b"\xff\xfe correct horse \x80")
    elif problem == "empty":
        path.write_text("", encoding="utf-8")
    elif problem == "newline only":
        path.write_text("\n", encoding="utf-8")
    result = run_cli(
        "audit",
        "verify",
        "--passphrase-file",
        str(path),
        data_dir=closed_store,
        env=_without_passphrase(closed_store),
    )
    expected = (
        "is empty" if problem in {"empty", "newline only"} else "cannot read the passphrase file"
    )
    _assert_user_error(result, expected, str(path))


def _all_options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    actions = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                actions.extend(_all_options(sub))
        elif action.option_strings:
            actions.append(action)
    return actions


def test_no_option_takes_a_secret_on_the_command_line() -> None:
    for action in _all_options(build_parser()):
        for option in action.option_strings:
            if "passphrase" in option or "recovery" in option or "key" in option:
                # Either a file name, or a flag that takes no value at all.
                assert option.endswith("-file") or action.nargs == 0, option


@pytest.mark.parametrize(
    "argv",
    [
        ["init", "--passphrase", PASSPHRASE],
        ["audit", "verify", "--passphrase", PASSPHRASE],
        ["rekey", "--pass", PASSPHRASE],
        ["passphrase", "change", "--new-passphrase", NEW_PASSPHRASE],
        ["passphrase", "reset", "--recovery-key", "--new-passphrase", NEW_PASSPHRASE],
    ],
    ids=lambda argv: " ".join(argv[:-1]),
)
def test_a_secret_on_the_command_line_is_rejected(closed_store: Path, argv: list[str]) -> None:
    """Not even as an abbreviation of `--passphrase-file` (argparse's allow_abbrev)."""
    result = run_cli(*argv, data_dir=closed_store)
    assert result.returncode == 2
    assert_no_traceback(result)
    assert "unrecognized arguments" in result.stderr, result.stderr
    assert "cannot read" not in result.stderr


# --- init -----------------------------------------------------------------------------------


def test_init_refuses_a_short_passphrase_with_the_reason(data_dir: Path) -> None:
    result = run_cli("init", data_dir=data_dir, env=cli_env(data_dir, ASB_PASSPHRASE="tiny"))
    _assert_user_error(result, "too short", "at least 12 characters")
    assert not data_dir.exists() or list(data_dir.iterdir()) == []


def test_init_creates_a_store_and_shows_the_recovery_key_once(data_dir: Path) -> None:
    result = run_cli("init", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert_no_traceback(result)
    keys = re.findall(r"[A-Z2-7]{4}(?:-[A-Z2-7]{4}){7}", result.stdout)
    assert len(keys) == 1, result.stdout
    assert result.stdout.count("shown only now") == 1
    assert sorted(p.name for p in data_dir.iterdir()) == ["asb.db", "asb.lock", "keys.json"]
    store = open_store(data_dir, PASSPHRASE, actor="Officer")
    store.close()


def test_init_on_an_existing_store_is_refused_and_touches_nothing(closed_store: Path) -> None:
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in closed_store.iterdir()}
    result = run_cli(
        "init",
        data_dir=closed_store,
        env=cli_env(closed_store, ASB_PASSPHRASE="another long passphrase"),
    )
    _assert_user_error(result, "already exists")
    after = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in closed_store.iterdir()}
    assert after == before


# --- init on a terminal ---------------------------------------------------------------------


class Terminal:
    """The CLI on a pseudo-terminal: stdin, stdout and stderr are the pty's slave side, in a new
    session, so getpass reads the pty (never the terminal that runs the tests)."""

    def __init__(self, data_dir: Path, *argv: str) -> None:
        master, slave = os.openpty()
        env = _without_passphrase(data_dir)
        env["TERM"] = "dumb"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "asb_tui.cli", *argv],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.master = master
        self.output = b""

    def expect(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while text.encode() not in self.output:
            if not self._read(deadline - time.monotonic()):
                raise AssertionError(f"never saw {text!r}; got {self.output!r}")

    def send(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\r")

    def finish(self, timeout: float = 60) -> tuple[int, str]:
        deadline = time.monotonic() + timeout
        while self._read(deadline - time.monotonic()):
            pass
        code = self.process.wait(timeout=max(1.0, deadline - time.monotonic()))
        os.close(self.master)
        return code, self.output.decode("utf-8", "replace").replace("\r\n", "\n")

    def _read(self, remaining: float) -> bool:
        if remaining <= 0:
            return False
        ready, _, _ = select.select([self.master], [], [], remaining)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 4096)
        except OSError:  # EIO: the child closed its side
            return False
        self.output += chunk
        return bool(chunk)

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@pytest.fixture
def terminal(data_dir: Path) -> Any:
    opened: list[Terminal] = []

    def start(*argv: str) -> Terminal:
        term = Terminal(data_dir, *argv)
        opened.append(term)
        return term

    yield start
    for term in opened:
        term.kill()


def test_init_on_a_terminal_refuses_two_different_entries(data_dir: Path, terminal: Any) -> None:
    term = terminal("init")
    term.expect("Passphrase: ")
    term.send(PASSPHRASE)
    term.expect("Again: ")
    term.send(PASSPHRASE + " but different")
    code, output = term.finish()
    assert code == 2, output
    assert "the two passphrases differ" in output
    assert "Traceback" not in output
    assert PASSPHRASE not in output  # echo was off
    assert not (data_dir / "keys.json").exists()


def test_init_on_a_terminal_refuses_a_short_passphrase(data_dir: Path, terminal: Any) -> None:
    term = terminal("init")
    term.expect("Passphrase: ")
    term.send("short")
    term.expect("Again: ")
    term.send("short")
    code, output = term.finish()
    assert code == 2, output
    assert "too short" in output
    assert not (data_dir / "keys.json").exists()


def test_init_on_a_terminal_asks_twice_and_shows_the_recovery_key_once(
    data_dir: Path, terminal: Any
) -> None:
    term = terminal("init")
    term.expect("Passphrase: ")
    term.send(PASSPHRASE)
    term.expect("Again: ")
    term.send(PASSPHRASE)
    code, output = term.finish()
    assert code == 0, output
    assert PASSPHRASE not in output  # echo was off
    assert output.count("shown only now") == 1
    keys = re.findall(r"[A-Z2-7]{4}(?:-[A-Z2-7]{4}){7}", output)
    assert len(keys) == 1, output
    store = open_store(data_dir, PASSPHRASE, actor="Officer")
    store.close()


def test_passphrase_file_is_read_up_to_its_first_line_end(
    closed_store: Path, tmp_path: Path
) -> None:
    path = tmp_path / "secret"
    path.write_text(f"{PASSPHRASE}\r\nnotes about this file\n", encoding="utf-8")
    result = run_cli(
        "audit",
        "verify",
        "--passphrase-file",
        str(path),
        data_dir=closed_store,
        env=_without_passphrase(closed_store),
    )
    assert result.returncode == 0, result.stderr
    assert "audit chain ok" in result.stdout
