"""No core dumps, whatever the shell allows: every command and the app set their own core limit
to 0 and mark themselves undumpable. The parent here raises the core limit to unlimited first
(as `ulimit -c unlimited` in the officer's shell would), then looks at the process's own limits,
and finally kills the unlocked app with SIGABRT: the kernel reports no core, and none is written,
while a plain Python process started the same way does dump (where the machine writes cores to
files)."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import resource
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path

from laptop_testkit import PASSPHRASE, cli_env

from asb_tui.store.core.store import StorePaths, create_store

LIMITS_PROBE = """
import ctypes, json, resource, sys
before = resource.getrlimit(resource.RLIMIT_CORE)
from asb_tui.cli import main
code = main(sys.argv[1:])
libc = ctypes.CDLL(None)
print(json.dumps({
    "code": code,
    "before": before,
    "after": resource.getrlimit(resource.RLIMIT_CORE),
    "dumpable": libc.prctl(3, 0, 0, 0, 0),  # PR_GET_DUMPABLE
}))
"""


def _allow_cores() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def _closed_store(data_dir: Path) -> None:
    store, _recovery = create_store(data_dir, PASSPHRASE, actor="Officer")
    store.close()


def test_a_command_holding_the_key_forbids_its_own_core_dumps(data_dir: Path) -> None:
    _closed_store(data_dir)
    result = subprocess.run(
        [sys.executable, "-c", LIMITS_PROBE, "audit", "verify"],
        env=cli_env(data_dir),
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_allow_cores,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["code"] == 0
    unlimited = [resource.RLIM_INFINITY, resource.RLIM_INFINITY]
    assert report["before"] == unlimited  # the shell allowed cores
    assert report["after"] == [0, 0]  # soft and hard: nothing later can raise it again
    assert report["dumpable"] == 0


class AppOnATerminal:
    """`asb-tui` (the app) on a pseudo-terminal of 80x24, in its own session."""

    def __init__(self, data_dir: Path, cwd: Path) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        env = cli_env(data_dir)
        del env["ASB_PASSPHRASE"]
        env["TERM"] = "xterm-256color"

        self.process = subprocess.Popen(
            [sys.executable, "-m", "asb_tui.cli"],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=cwd,
            start_new_session=True,
            preexec_fn=_allow_cores,
        )
        os.close(slave)
        self.master = master
        self.output = b""

    def drain(self, seconds: float) -> None:
        """Read what the app drew for up to `seconds` (it must never block on a full pty)."""
        ready, _, _ = select.select([self.master], [], [], seconds)
        if ready:
            with contextlib.suppress(OSError):  # EIO: the app closed its side
                self.output += os.read(self.master, 65536)

    def wait_until(self, condition: Callable[[], bool], what: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert self.process.poll() is None, f"the app ended: {self.output[-2000:]!r}"
            assert time.monotonic() < deadline, f"never saw {what}: {self.output[-2000:]!r}"
            self.drain(0.05)

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        os.close(self.master)


def _holds_the_store_lock(pid: int, lock_file: Path) -> bool:
    """The store is open in `pid` (unlocked): it holds the flock on asb.lock."""
    inode = str(lock_file.stat().st_ino)
    with open("/proc/locks", encoding="ascii") as locks:
        for line in locks:
            fields = line.split()
            if len(fields) >= 6 and fields[4] == str(pid) and fields[5].endswith(":" + inode):
                return True
    return False


def _core_limit(pid: int) -> str:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max core file size"):
            return " ".join(line.split()[4:6])
    raise AssertionError("no core limit line")


def _abort_and_reap(pid: int) -> int:
    os.kill(pid, signal.SIGABRT)
    _pid, status = os.waitpid(pid, 0)
    return status


def test_the_unlocked_app_killed_with_sigabrt_writes_no_core(
    data_dir: Path, tmp_path: Path
) -> None:
    _closed_store(data_dir)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    app = AppOnATerminal(data_dir, cwd)
    try:
        app.wait_until(lambda: b"Passphrase" in app.output, "the unlock screen")
        app.type(PASSPHRASE + "\r")
        lock_file = StorePaths(data_dir).lock_file
        app.wait_until(
            lambda: _holds_the_store_lock(app.process.pid, lock_file), "the store unlocked"
        )
        assert _core_limit(app.process.pid) == "0 0"
        status = _abort_and_reap(app.process.pid)
        app.process.returncode = os.waitstatus_to_exitcode(status)
    finally:
        app.close()
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGABRT
    assert not os.WCOREDUMP(status)
    assert list(cwd.iterdir()) == []

    # The same start, without the app's own protection, does dump where cores go to files.
    control = subprocess.Popen(
        [sys.executable, "-c", "import os; os.abort()"], cwd=cwd, preexec_fn=_allow_cores
    )
    _pid, status = os.waitpid(control.pid, 0)
    control.returncode = os.waitstatus_to_exitcode(status)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGABRT
    core_pattern = Path("/proc/sys/kernel/core_pattern").read_text().strip()
    if not core_pattern.startswith("|"):
        assert os.WCOREDUMP(status), f"no core with core_pattern {core_pattern!r}"
    for core in cwd.iterdir():
        core.unlink()
