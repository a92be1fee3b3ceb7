"""Several `asb-sync-server` instances on one database behind a real nginx, on loopback.

nginx runs as its own process from a small nginx.conf written here (paths, ports, a log of each
request's status, instance and time) that includes the project's own proxy settings,
`deploy/nginx/asb-sync-proxy.conf`, verbatim: what is tested is what is shipped.
Used by the scale-out test and `make bench`.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
from sync_server_testkit import REPO_ROOT, ServerProcess, free_port

PROXY_SNIPPET = REPO_ROOT / "deploy" / "nginx" / "asb-sync-proxy.conf"


def nginx_binary() -> str | None:
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None


@dataclass(frozen=True)
class Request:
    status: int
    method: str
    path: str
    upstream: str
    seconds: float


@dataclass
class Cluster:
    db_url: str
    port: int
    servers: list[ServerProcess]
    access_log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def upstream_connections(self) -> int:
        """Open TCP connections to the instances (nginx's, kept alive between requests): read
        from the kernel's table, the instances' side (local port an instance's)."""
        ports = {s.port for s in self.servers}
        count = 0
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with suppress(OSError):
                for line in Path(table).read_text().splitlines()[1:]:
                    fields = line.split()
                    local_port = int(fields[1].rsplit(":", 1)[1], 16)
                    if local_port in ports and fields[3] == "01":  # ESTABLISHED
                        count += 1
        return count

    def requests(self) -> list[Request]:
        """Every request nginx answered: status, method, path, instance, seconds."""
        out = []
        for line in self.access_log.read_text().splitlines():
            status, method, path, upstream, seconds = line.split(" ")
            out.append(Request(int(status), method, path, upstream, float(seconds)))
        return out


def _config(
    directory: Path, port: int, upstreams: list[int], keepalive_timeout: str | None = None
) -> str:
    temp = directory / "temp"
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in upstreams)
    # As root, nginx's workers would run as "nobody" and could not use the private temp folder
    # (request bodies over 16 KiB are buffered there): they run as the current user instead.
    user = f"user {pwd.getpwuid(os.getuid()).pw_name};" if os.getuid() == 0 else ""
    idle = f"keepalive_timeout {keepalive_timeout};" if keepalive_timeout else ""
    return f"""
{user}
worker_processes 2;
daemon off;
pid {directory / "nginx.pid"};
error_log {directory / "error.log"} warn;
events {{ worker_connections 512; }}
http {{
    client_body_temp_path {temp / "body"};
    proxy_temp_path {temp / "proxy"};
    fastcgi_temp_path {temp / "fastcgi"};
    uwsgi_temp_path {temp / "uwsgi"};
    scgi_temp_path {temp / "scgi"};
    log_format asb '$status $request_method $uri $upstream_addr $request_time';
    access_log {directory / "access.log"} asb;
    upstream asb_sync {{
        least_conn;
{servers}
        keepalive 32;
        {idle}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            include {PROXY_SNIPPET};
        }}
    }}
}}
"""


@contextmanager
def running_cluster(
    db_url: str,
    directory: Path,
    instances: int = 3,
    *,
    keep_alive: int | None = None,
    upstream_keepalive_timeout: str | None = None,
) -> Iterator[Cluster]:
    """`keep_alive`: the instances' `--keep-alive` (default the service's own);
    `upstream_keepalive_timeout`: nginx's idle timeout for its connections to them (default
    nginx's 60 s; the shipped config's is below the service's default)."""
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed: run scripts/system-deps.sh (make test does)")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "temp").mkdir(exist_ok=True)
    extra = ("--keep-alive", str(keep_alive)) if keep_alive is not None else ()
    servers = [
        ServerProcess(db_url, directory / f"instance-{n}.log", extra) for n in range(instances)
    ]
    with ExitStack() as stack:
        starters = [threading.Thread(target=s.start) for s in servers]
        for s in servers:
            stack.callback(s.stop)
        for t in starters:
            t.start()
        for t in starters:
            t.join()
        for s in servers:
            assert s.process is not None and s.process.poll() is None, "an instance did not start"
        port = free_port()
        conf = directory / "nginx.conf"
        conf.write_text(
            _config(directory, port, [s.port for s in servers], upstream_keepalive_timeout)
        )
        (directory / "access.log").touch()
        nginx = subprocess.Popen(
            [binary, "-p", str(directory), "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=open(directory / "nginx.stderr", "wb"),  # noqa: SIM115 - the child keeps it
        )

        def stop_nginx() -> None:
            if nginx.poll() is None:
                nginx.send_signal(signal.SIGQUIT)
                try:
                    nginx.wait(10)
                except subprocess.TimeoutExpired:
                    nginx.kill()
                    nginx.wait(10)

        stack.callback(stop_nginx)
        cluster = Cluster(db_url, port, servers, directory / "access.log")
        deadline = time.monotonic() + 20
        while True:
            if nginx.poll() is not None:
                raise RuntimeError(f"nginx stopped: {(directory / 'error.log').read_text()}")
            with suppress(httpx.HTTPError):
                if httpx.get(f"{cluster.url}/v1/status", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("nginx did not answer within 20 s")
            time.sleep(0.05)
        yield cluster
