"""A weak mobile link on loopback: a TCP proxy that delays every byte by a fixed one-way latency
and caps each direction's bandwidth, counting the bytes that cross it.

An officer syncs from a car on one bar of 4G. The proxy stands between the client and a real
`asb-sync-server`, so a benchmark can time a sync as that officer would see it and compare it
with the floor the link allows: the bytes over the bandwidth, plus one round trip per exchange
that cannot overlap another. Each direction is a queue: a chunk read at time t leaves no sooner
than t + latency, and no sooner than the previous chunk finished leaving at the capped rate.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

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


async def _pump(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    link: Link,
    count: LinkCounters,
    upward: bool,
) -> None:
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def read() -> None:
        while True:
            data = await reader.read(READ_SIZE)
            await queue.put((time.monotonic(), data))
            if not data:
                return

    async def write() -> None:
        free_at = 0.0  # when the link has finished sending the previous chunk
        while True:
            arrived, data = await queue.get()
            if not data:
                writer.close()
                return
            start = max(arrived + link.latency, free_at)
            free_at = start + len(data) * 8 / link.bits_per_second
            wait = free_at - time.monotonic()
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


@contextmanager
def weak_link(target_port: int, link: Link) -> Iterator[tuple[int, LinkCounters]]:
    """A proxy on a free loopback port forwarding to `target_port` through `link`."""
    count = LinkCounters()
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    port: list[int] = []

    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        count.connections += 1
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", target_port)
            await asyncio.gather(
                _pump(client_r, server_w, link, count, upward=True),
                _pump(server_r, client_w, link, count, upward=False),
                return_exceptions=True,
            )
        except (asyncio.CancelledError, OSError):
            client_w.close()  # the proxy is closing (or the service is gone): end quietly

    async def serve() -> asyncio.Server:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port.append(server.sockets[0].getsockname()[1])
        ready.set()
        return server

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(serve())
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True, name="weak-link")
    thread.start()
    ready.wait(10)

    async def shutdown() -> None:
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    try:
        yield port[0], count
    finally:
        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
