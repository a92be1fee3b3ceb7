"""The test side of cli_fork_server.py: one server per test process, started at the first CLI
call and stopped when the process exits; each call answered as `subprocess.run(...,
capture_output=True, text=True)` answers (the same CompletedProcess, the same TimeoutExpired)."""

from __future__ import annotations

import atexit
import json
import locale
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO

SERVER = Path(__file__).with_name("cli_fork_server.py")
HEADER = 8  # as cli_fork_server.HEADER


class _Server:
    def __init__(self) -> None:
        self.directory = tempfile.mkdtemp(prefix="asb-cli-")
        self.socket_path = os.path.join(self.directory, "cli.sock")
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASB_")}
        self.process = subprocess.Popen(
            [sys.executable, str(SERVER), self.socket_path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        assert self.process.stdout is not None
        ready = self.process.stdout.readline()
        if ready != b"ready\n":
            self.process.kill()
            raise RuntimeError(f"the CLI fork server did not start: {ready!r}")

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()  # EOF: the server exits
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.directory, ignore_errors=True)


#: the CPU seconds of each call made (user + system), for the suite's timing notes
CPU_SECONDS: list[float] = []

_server: _Server | None = None
_server_pid = 0  # a forked test process (none today) must start its own server
_lock = threading.Lock()


def _running() -> _Server:
    global _server, _server_pid
    with _lock:
        if _server is None or _server_pid != os.getpid() or _server.process.poll() is not None:
            _server, _server_pid = _Server(), os.getpid()
            atexit.register(_server.stop)
        return _server


def _text(handle: IO[bytes]) -> str:
    """What subprocess's text mode makes of the bytes: the locale's encoding, universal
    newlines."""
    handle.seek(0)
    encoding = "utf-8" if sys.flags.utf8_mode else locale.getencoding()
    return handle.read().decode(encoding).replace("\r\n", "\n").replace("\r", "\n")


class _Lines:
    """The server's answers, a line each (a socket file object is unusable after a timeout)."""

    def __init__(self, conn: socket.socket) -> None:
        self.conn = conn
        self.buffer = b""

    def next(self) -> bytes:
        while b"\n" not in self.buffer:
            more = self.conn.recv(64)
            if not more:
                return b""
            self.buffer += more
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line


def fork_server_run(
    command: list[str], args: list[str], *, env: dict[str, str], input_text: str, timeout: float
) -> subprocess.CompletedProcess[str]:
    """`asb-tui ARGS` forked from the server; `command` is what the result reports as run."""
    server = _running()
    payload = json.dumps({"argv": args, "env": env, "cwd": os.getcwd()}).encode()
    with (
        tempfile.TemporaryFile() as stdin,
        tempfile.TemporaryFile() as stdout,
        tempfile.TemporaryFile() as stderr,
        socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn,
    ):
        stdin.write(input_text.encode())
        stdin.seek(0)
        deadline = time.monotonic() + timeout
        conn.settimeout(60)  # connecting and the fork: the call's own time starts after
        conn.connect(server.socket_path)
        socket.send_fds(
            conn,
            [len(payload).to_bytes(HEADER, "big") + payload],
            [stdin.fileno(), stdout.fileno(), stderr.fileno()],
        )
        answers = _Lines(conn)
        pid = int(answers.next())
        conn.settimeout(max(deadline - time.monotonic(), 0.001))
        try:
            status = answers.next()
        except TimeoutError:
            os.kill(pid, signal.SIGKILL)
            conn.settimeout(30)
            answers.next()  # reaped by its handler
            raise subprocess.TimeoutExpired(
                command, timeout, output=_text(stdout), stderr=_text(stderr)
            ) from None
        if not status:
            raise RuntimeError(f"the CLI fork server lost the call {args!r}")
        code, cpu = status.split()
        CPU_SECONDS.append(float(cpu))
        return subprocess.CompletedProcess(
            command, int(code), stdout=_text(stdout), stderr=_text(stderr)
        )
