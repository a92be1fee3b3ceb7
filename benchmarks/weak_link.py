"""A weak mobile link on loopback: a TCP proxy that delays every byte by a fixed one-way latency
and caps each direction's bandwidth (one cap for all its connections), counting the bytes that
cross it.

An officer syncs from a car on one bar of 4G. The proxy stands between the client and a real
`asb-sync-server`, so a benchmark can time a sync as that officer would see it and compare it
with the floor the link allows: the bytes over the bandwidth, plus one round trip per exchange
that cannot overlap another. Each direction is a queue: a chunk read at time t leaves no sooner
than t + latency, and no sooner than the previous chunk finished leaving at the capped rate.

The proxy runs in a process of its own (`python -m benchmarks.weak_link`), as a real link is
outside the laptop: in the laptop's process its event loop waited for the GIL while the laptop
decoded and applied a page, and the link idled 0.1-0.4 s at a time for it (the measurement's
own cost, not the sync's). The benchmark reads and resets its counters over the child's stdin
and stdout.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

READ_SIZE = 16 * 1024


@dataclass
class LinkCounters:
    up: int = 0  # bytes from the client to the service
    down: int = 0  # bytes from the service to the client
    connections: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, *, up: int = 0, down: int = 0) -> None:
        with self._lock:
            self.up += up
            self.down += down

    def reset(self) -> None:
        with self._lock:
            self.up = self.down = 0


@dataclass(frozen=True)
class Link:
    latency: float  # one way, seconds
    bits_per_second: float

    @property
    def rtt(self) -> float:
        return 2 * self.latency

    def floor(self, up: int, down: int, round_trips: int) -> float:
        """The least time `up` and `down` bytes in `round_trips` exchanges can take on it."""
        return (up + down) * 8 / self.bits_per_second + round_trips * self.rtt


@dataclass
class _Wire:
    """One direction of the link, shared by every connection across it (a laptop with two
    requests in flight shares its one radio link between them)."""

    free_at: float = 0.0  # when the link has finished sending the last chunk given it


async def _pump(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    link: Link,
    count: LinkCounters,
    upward: bool,
    wire: _Wire,
) -> None:
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def read() -> None:
        while True:
            data = await reader.read(READ_SIZE)
            await queue.put((time.monotonic(), data))
            if not data:
                return

    async def write() -> None:
        while True:
            arrived, data = await queue.get()
            if not data:
                writer.close()
                return
            start = max(arrived + link.latency, wire.free_at)
            wire.free_at = start + len(data) * 8 / link.bits_per_second
            wait = wire.free_at - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()
            if upward:
                count.add(up=len(data))
            else:
                count.add(down=len(data))

    try:
        await asyncio.gather(read(), write())
    except (ConnectionError, asyncio.IncompleteReadError):
        writer.close()
    except asyncio.CancelledError:
        writer.close()
        raise


async def _proxy(target_port: int, link: Link) -> None:
    """Serve on a free loopback port (printed first), then answer the commands read from stdin:
    `count` (prints up, down and connections), `reset`, `stop` (or the end of stdin)."""
    count = LinkCounters()
    up, down = _Wire(), _Wire()

    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        count.connections += 1
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", target_port)
            await asyncio.gather(
                _pump(client_r, server_w, link, count, upward=True, wire=up),
                _pump(server_r, client_w, link, count, upward=False, wire=down),
                return_exceptions=True,
            )
        except (asyncio.CancelledError, OSError):
            client_w.close()  # the proxy is closing (or the service is gone): end quietly

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    loop = asyncio.get_running_loop()
    while (command := (await loop.run_in_executor(None, sys.stdin.readline)).strip()) not in {
        "",
        "stop",
    }:
        if command == "reset":
            count.reset()
        print(count.up, count.down, count.connections, flush=True)
    server.close()
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


class RemoteCounters:
    """`LinkCounters` of the proxy's process, read over its stdin and stdout."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self._process = process
        self._lock = threading.Lock()

    def _ask(self, command: str) -> tuple[int, int, int]:
        stdin, stdout = self._pipes()
        with self._lock:
            stdin.write(command + "\n")
            stdin.flush()
            up, down, connections = (int(n) for n in stdout.readline().split())
        return up, down, connections

    def _pipes(self) -> tuple[IO[str], IO[str]]:
        assert self._process.stdin is not None and self._process.stdout is not None
        return self._process.stdin, self._process.stdout

    @property
    def up(self) -> int:
        return self._ask("count")[0]

    @property
    def down(self) -> int:
        return self._ask("count")[1]

    @property
    def connections(self) -> int:
        return self._ask("count")[2]

    def reset(self) -> None:
        self._ask("reset")


@contextmanager
def weak_link(target_port: int, link: Link) -> Iterator[tuple[int, RemoteCounters]]:
    """A proxy on a free loopback port forwarding to `target_port` through `link`, in a process
    of its own."""
    root = str(Path(__file__).resolve().parents[1])
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH")))),
    }
    command = [sys.executable, "-m", "benchmarks.weak_link", str(target_port)]
    command += [repr(link.latency), repr(link.bits_per_second)]
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=root, env=env
    )
    counters = RemoteCounters(process)
    try:
        stdout = counters._pipes()[1]
        port = int(stdout.readline())
        yield port, counters
    finally:
        with suppress(OSError, ValueError):
            counters._pipes()[0].close()  # the end of stdin: the proxy stops
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


if __name__ == "__main__":
    target, latency, bits_per_second = sys.argv[1:4]
    asyncio.run(_proxy(int(target), Link(float(latency), float(bits_per_second))))
