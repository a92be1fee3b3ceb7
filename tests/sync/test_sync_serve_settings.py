"""`asb-sync-server serve`'s HTTP settings: each checked with a one-line error, the shipped nginx
config dropping idle upstream connections before the service does (else nginx may reuse a
connection the service has just closed: a 502), and a served instance keeping an idle connection
for its --keep-alive rather than uvicorn's 5 s."""

from __future__ import annotations

import re
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sync_server_testkit import REPO_ROOT, free_port, run_cli, server_env

from sync.server import cli

NGINX = REPO_ROOT / "deploy" / "nginx" / "asb-sync.conf"
UVICORN_DEFAULT_KEEP_ALIVE = 5


def _one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--keep-alive", "soon", "--keep-alive takes a whole number"),
        ("--keep-alive", "0", "--keep-alive must be between 1 and 3600"),
        ("--workers", "0", "--workers must be between 1 and 64"),
        ("--workers", "two", "--workers takes a whole number"),
        ("--forwarded-allow-ips", "10.0.0.1,proxy", "'proxy' is not an IP address"),
        ("--root-path", "asb-sync", "--root-path must start with /"),
        ("--root-path", "/asb-sync/", "--root-path must start with /"),
    ],
)
def test_serve_settings_are_checked(tmp_path: Path, option: str, value: str, said: str) -> None:
    done = run_cli("serve", "--db", f"sqlite:///{tmp_path}/x", option, value, check=False)
    assert done.returncode == 2
    assert said in _one_line_error(done.stderr)
    assert not (tmp_path / "x").exists()  # refused before the database is touched


def _seconds(text: str) -> int:
    match = re.fullmatch(r"(\d+)s?", text)
    assert match, text
    return int(match.group(1))


def test_nginx_drops_idle_upstream_connections_before_the_service() -> None:
    config = NGINX.read_text(encoding="utf-8")
    upstream = re.search(r"upstream asb_sync \{(.*?)\}", config, re.S)
    assert upstream, "the shipped config has no upstream block"
    timeout = re.search(r"^\s*keepalive_timeout\s+(\S+);", upstream.group(1), re.M)
    assert timeout, "the upstream block does not set keepalive_timeout (nginx's default is 60 s)"
    nginx_seconds = _seconds(timeout.group(1))
    service_default = int(cli._parser().parse_args(["serve"]).keep_alive)
    assert service_default == cli.KEEP_ALIVE_DEFAULT
    assert nginx_seconds < service_default
    # The start command the config shows, if it names a keep-alive, names one above nginx's.
    shown = [int(s) for s in re.findall(r"--keep-alive (\d+)", config)]
    assert shown and all(nginx_seconds < s for s in shown)
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "--keep-alive" in readme and "keepalive_timeout" in readme


def _serve(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    log = (tmp_path / f"serve-{port}.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "sync.server.cli", "serve", "--db",
         f"sqlite:///{tmp_path}/central-{port}.sqlite3", "--port", str(port),
         "--log-level", "warning", *extra],
        stdout=log, stderr=subprocess.STDOUT, env=server_env(),
    )  # fmt: skip
    log.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, (tmp_path / f"serve-{port}.log").read_text()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, port
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise AssertionError("the service did not start")


def _get_status(connection: socket.socket) -> bytes:
    connection.sendall(b"GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    reply = b""
    while b"\r\n\r\n" not in reply:
        chunk = connection.recv(65536)
        assert chunk, "the service closed the connection"
        reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    length = int(re.search(rb"content-length: (\d+)", head, re.I).group(1))  # type: ignore[union-attr]
    while len(body) < length:
        body += connection.recv(65536)
    return head.split(b"\r\n")[0]


def _closed_within(connection: socket.socket, seconds: float) -> bool:
    """True if the service closes the idle connection within `seconds` (watched, not slept)."""
    readable, _, _ = select.select([connection], [], [], seconds)
    return bool(readable) and connection.recv(1) == b""


def test_an_idle_connection_outlives_uvicorns_default_with_keep_alive(tmp_path: Path) -> None:
    kept, kept_port = _serve(tmp_path, "--keep-alive", "30")
    default, default_port = _serve(tmp_path, "--keep-alive", str(UVICORN_DEFAULT_KEEP_ALIVE))
    try:
        with socket.create_connection(("127.0.0.1", kept_port)) as long_lived, \
                socket.create_connection(("127.0.0.1", default_port)) as short_lived:  # fmt: skip
            assert _get_status(long_lived) == b"HTTP/1.1 200 OK"
            assert _get_status(short_lived) == b"HTTP/1.1 200 OK"
            started = time.monotonic()
            # The 5 s instance drops its idle connection (what the test would see without
            # --keep-alive); the other keeps its own well past that, then answers on it.
            assert _closed_within(short_lived, UVICORN_DEFAULT_KEEP_ALIVE + 5)
            assert not _closed_within(long_lived, max(0.0, 7 - (time.monotonic() - started)))
            assert time.monotonic() - started > UVICORN_DEFAULT_KEEP_ALIVE
            assert _get_status(long_lived) == b"HTTP/1.1 200 OK"
    finally:
        for process in (kept, default):
            process.terminate()
            process.wait(timeout=20)


def test_several_workers_serve(tmp_path: Path) -> None:
    process, port = _serve(tmp_path, "--workers", "2", "--root-path", "/asb-sync",
                           "--no-proxy-headers")  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:  # the workers start after the port is bound
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
                    assert _get_status(connection) == b"HTTP/1.1 200 OK"
                break
            except (AssertionError, OSError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(timeout=20)
