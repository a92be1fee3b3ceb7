"""The suite's `asb-tui` launcher with its imports paid once: a server, started once per test
process by laptop_testkit, that imports the CLI and the store (~0.7 s, most of a command's run,
docs/performance.md) and then forks one process per CLI call.

Usage: python cli_fork_server.py SOCKET   (prints "ready" once it listens; exits at EOF on stdin)

Each call is still a real process of its own: the test sends its argv, environment and working
directory with three open files (stdin, stdout, stderr) over the Unix socket; a fork of this
server takes those as its fds 0-2, sets the environment and runs `python -m asb_tui.cli` at this
script's top level, so it exits as a fresh interpreter would (status, traceback, atexit, stdio
flushed, the store's connections closed). What it skips is only the start: the modules are
already imported, with the suite's light Argon2id cost set as light_kdf_cli.py sets it. The start
itself is tested apart (tests/cli/test_cli_start_imports.py, the `python -m asb_tui.cli` tests),
and ASB_TEST_FRESH_CLI=1 runs every call through light_kdf_cli.py in a new interpreter instead.

Between the server and a call sits a small handler (one more fork): it sends the call's pid
back, waits for it and sends its exit status (as subprocess reports it: -N for signal N) and
the CPU seconds it used (for the suite's timing notes).
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import pkgutil
import runpy
import select
import signal
import socket
import sys
import time

HEADER = 8  # bytes of the request's length, big-endian, before its JSON


def _preload() -> None:
    """Every module a command may load, except the app's (Textual) and the migration scripts
    (Alembic runs those; importing one runs it). `asb_tui.cli` itself is left out of
    sys.modules, so that each call runs it as `__main__` exactly as `python -m` does."""
    from asb_tui.store.core import keyslots

    keyslots.DEFAULT_ARGON2.update(  # as light_kdf_cli.py (laptop_testkit.LIGHT_ARGON2)
        {"memory_kib": keyslots.ARGON2_BOUNDS["memory_kib"][0], "iterations": 1, "lanes": 4}
    )
    for package_name in (
        "asb_tui.cli_commands",
        "asb_tui.domain",
        "asb_tui.store",
        "asb_tui.export",
        "asb_tui.services",
    ):
        package = importlib.import_module(package_name)
        for info in pkgutil.walk_packages(package.__path__, package_name + "."):
            if ".migrations" not in info.name:
                importlib.import_module(info.name)
    sys.modules.pop("asb_tui.cli", None)
    # What is imported lives as long as the server: kept out of the collector's sight, a call's
    # collections neither walk it nor copy its pages on write (the forks share them).
    gc.collect()
    gc.freeze()


def _read_request(conn: socket.socket) -> tuple[dict[str, object], list[int]]:
    data, fds, _flags, _addr = socket.recv_fds(conn, 1 << 16, 3)
    while len(data) < HEADER or len(data) < HEADER + int.from_bytes(data[:HEADER], "big"):
        more = conn.recv(1 << 16)
        if not more:
            raise EOFError("the request was cut short")
        data += more
    return json.loads(data[HEADER:]), fds


def _serve(path: str) -> socket.socket:
    """Accept calls until stdin closes; return only in a handler (a fork), with its connection.
    No try/finally here: a handler leaves through this frame."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # handlers are reaped by the kernel
    print("ready", flush=True)
    while True:
        readable, _, _ = select.select([listener, sys.stdin], [], [])
        if sys.stdin in readable:
            os._exit(0)  # the test process is gone or done
        conn, _ = listener.accept()
        if os.fork() == 0:
            listener.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            return conn
        conn.close()


if __name__ == "__main__":
    _preload()
    connection = _serve(sys.argv[1])
    request, fds = _read_request(connection)
    pid = os.fork()
    if pid != 0:  # the handler: the call's pid, then its exit status
        connection.sendall(f"{pid}\n".encode())
        _, status, usage = os.wait4(pid, 0)
        cpu = usage.ru_utime + usage.ru_stime
        connection.sendall(f"{os.waitstatus_to_exitcode(status)} {cpu:.3f}\n".encode())
        os._exit(0)
    connection.close()
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    env = request["env"]
    assert isinstance(env, dict)
    os.environ.clear()
    os.environ.update(env)
    time.tzset()  # a new interpreter reads TZ at its start
    os.chdir(str(request["cwd"]))
    argv = request["argv"]
    assert isinstance(argv, list)
    sys.argv = [sys.argv[0], *argv]
    del connection, request, fds, env, argv
    runpy.run_module("asb_tui.cli", run_name="__main__", alter_sys=True)
