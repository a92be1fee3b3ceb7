"""The scale-out benchmark's crowd (benchmarks/bench_scale_out.py): many laptops syncing at once,
sent by one lean process so that the load generator is not what limits the service.

Each laptop is a real enrolled replica; what it sends is what `SyncClient.sync` would send first
(its exchange: the outbox's batch, its audit head, the first page after its cursor), built from
the replica and gzip-compressed before the timed part (`prepare`). In the timed part one process
(`python -m benchmarks.crowd IN OUT`, pinned to one core when asked) sends every laptop's
exchange at once and follows each with `GET /pull` pages until the service says no more,
reading only each page's cursor from the end of its body: no model validation, no local
database. Every body is kept, and checked afterwards in full (`check`): the exchange applied the
whole batch, pages are valid `PullPage`s in stream order, and, once each laptop has pulled up to
the head, every other laptop's change reached it exactly once.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import os
import re
import resource
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from sync.protocol import (
    API_PREFIX,
    DEFAULT_PULL_LIMIT,
    MAX_BATCH,
    ExchangeReply,
    ExchangeRequest,
    PullPage,
    PushRequest,
)

#: a page's cursor and whether more follow: the last keys of a `PullPage` as the service writes it
#: (a field's text cannot hold the pattern: its quotes are escaped)
_TAIL = re.compile(rb'"next_cursor":(\d+),"more":(true|false)\}')


@dataclass(frozen=True)
class Laptop:
    """What one laptop sends in the crowd, made before it."""

    device_id: str
    token: str
    after: int  # its pull cursor
    changes: int  # the changes its exchange carries
    body: bytes  # the exchange request, gzip-compressed JSON

    def as_json(self) -> dict[str, Any]:
        return {**self.__dict__, "body": base64.b64encode(self.body).decode()}


def prepare(replica: Any, page_size: int = DEFAULT_PULL_LIMIT) -> Laptop:
    """The laptop's first request of a sync, as `SyncClient._first_trip` builds it."""
    settings = replica.sync_settings()
    assert settings is not None and settings.device_token, "the laptop is enrolled"
    batch = replica.outbox(replica.pushed_up_to(), MAX_BATCH)
    after = replica.pull_cursor()
    request = ExchangeRequest(
        push=PushRequest(
            device_id=replica.device_id(), batch=batch, audit_head=replica.audit_head()
        ),
        after=after,
        limit=page_size,
    )
    body = gzip.compress(request.model_dump_json().encode(), compresslevel=6, mtime=0)
    return Laptop(replica.device_id(), settings.device_token, after, len(batch), body)


@dataclass(frozen=True)
class Crowd:
    """What the crowd measured: its wall time, the generator's own CPU in it, and each
    laptop's push time (the exchange's) and bodies (the exchange's reply, then each page)."""

    seconds: float
    cpu: float
    push_seconds: list[float]
    bodies: list[list[bytes]]


def run(url: str, laptops: list[Laptop], directory: Path, cpu: int | None) -> Crowd:
    """Send the crowd from a fresh process (pinned to `cpu`), and read what it measured."""
    source, out = directory / "crowd-in.json", directory / "crowd-out.json"
    source.write_text(
        json.dumps({"url": url, "cpu": cpu, "laptops": [p.as_json() for p in laptops]})
    )
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.crowd", str(source), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=Path(__file__).resolve().parents[1],
    )
    if done.returncode != 0:
        raise RuntimeError(f"the crowd failed: {done.stderr[-2000:]}")
    got = json.loads(out.read_text())
    return Crowd(
        seconds=got["seconds"],
        cpu=got["cpu"],
        push_seconds=got["push_seconds"],
        bodies=[[base64.b64decode(b) for b in bodies] for bodies in got["bodies"]],
    )


def _tail(body: bytes) -> tuple[int, bool]:
    # the page's own are the last (a push reply before it, the blind index's bit after it)
    found = None
    for match in _TAIL.finditer(body, max(0, len(body) - 200)):
        found = match
    if found is None:
        raise RuntimeError(f"an answer without a page's cursor: {body[-200:]!r}")
    return int(found.group(1)), found.group(2) == b"true"


async def _sync(
    client: httpx.AsyncClient, laptop: Laptop, go: asyncio.Event, page_size: int
) -> tuple[float, list[bytes]]:
    headers = {"Authorization": f"Bearer {laptop.token}", "Content-Type": "application/json"}
    await go.wait()
    began = time.perf_counter()
    reply = await client.post(
        f"{API_PREFIX}/exchange",
        content=laptop.body,
        headers={**headers, "Content-Encoding": "gzip"},
    )
    pushed = time.perf_counter() - began
    if reply.status_code != 200:
        raise RuntimeError(f"exchange answered {reply.status_code}: {reply.text[:300]}")
    bodies = [reply.content]
    cursor, more = _tail(reply.content)
    while more:
        page = await client.get(
            f"{API_PREFIX}/pull", params={"after": cursor, "limit": page_size}, headers=headers
        )
        if page.status_code != 200:
            raise RuntimeError(f"pull answered {page.status_code}: {page.text[:300]}")
        bodies.append(page.content)
        cursor, more = _tail(page.content)
    return pushed, bodies


async def _crowd(url: str, laptops: list[Laptop]) -> tuple[float, float, list[Any]]:
    limits = httpx.Limits(max_connections=len(laptops), max_keepalive_connections=len(laptops))
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as client:
        go = asyncio.Event()
        tasks = [
            asyncio.create_task(_sync(client, laptop, go, DEFAULT_PULL_LIMIT)) for laptop in laptops
        ]
        await asyncio.sleep(0)  # every task is waiting on `go`
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        began = time.perf_counter()
        go.set()
        results = await asyncio.gather(*tasks)
        seconds = time.perf_counter() - began
        used = resource.getrusage(resource.RUSAGE_SELF)
    spent = used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime
    return seconds, spent, results


def _main(source: Path, out: Path) -> None:
    given = json.loads(source.read_text())
    if given["cpu"] is not None:
        os.sched_setaffinity(0, {int(given["cpu"])})
    laptops = [Laptop(**{**p, "body": base64.b64decode(p["body"])}) for p in given["laptops"]]
    seconds, cpu, results = asyncio.run(_crowd(given["url"], laptops))
    out.write_text(
        json.dumps(
            {
                "seconds": seconds,
                "cpu": cpu,
                "push_seconds": [pushed for pushed, _ in results],
                "bodies": [[base64.b64encode(b).decode() for b in bodies] for _, bodies in results],
            }
        )
    )


# --- the check, after the timed part ---------------------------------------------------------


@dataclass(frozen=True)
class Received:
    """What the crowd moved: changes the service applied, and changes pulled in the crowd."""

    applied: int
    refused: int
    pulled: int


def check(url: str, laptops: list[Laptop], crowd: Crowd) -> Received:
    """Validate every body in full; pull each laptop up to the head; every other laptop's
    change must have reached each laptop exactly once (none skipped, none twice)."""
    applied = refused = pulled = 0
    origins: dict[str, Counter[tuple[str, int]]] = {}
    with httpx.Client(base_url=url, timeout=120) as client:
        for laptop, bodies in zip(laptops, crowd.bodies, strict=True):
            exchange = ExchangeReply.model_validate_json(bodies[0])
            applied += exchange.push.applied_up_to - len(exchange.push.refused)
            refused += len(exchange.push.refused)
            if exchange.push.applied_up_to < laptop.changes:
                raise AssertionError(f"{laptop.device_id}: the exchange applied too little")
            pages = [exchange.page] + [PullPage.model_validate_json(b) for b in bodies[1:]]
            pulled += sum(len(p.changes) for p in pages)
            got: Counter[tuple[str, int]] = Counter()
            cursor = laptop.after
            headers = {"Authorization": f"Bearer {laptop.token}"}
            fetched = False
            while True:
                for page in pages:
                    if page.after != cursor:
                        raise AssertionError(f"{laptop.device_id}: a page for another cursor")
                    got.update(
                        (str(c.origin_device_id), c.origin_counter or 0) for c in page.changes
                    )
                    cursor = page.next_cursor
                if fetched and not pages[-1].more and not pages[-1].changes:
                    break  # caught up with the head
                # what committed after the crowd's last page, up to the head
                answer = client.get(
                    f"{API_PREFIX}/pull",
                    params={"after": cursor, "limit": DEFAULT_PULL_LIMIT},
                    headers=headers,
                )
                answer.raise_for_status()
                pages = [PullPage.model_validate_json(answer.content)]
                fetched = True
            origins[laptop.device_id] = got
    for laptop in laptops:
        expected = Counter(
            (other.device_id, n)
            for other in laptops
            if other is not laptop
            for n in range(1, other.changes + 1)
        )
        if origins[laptop.device_id] != expected:
            missing = sum((expected - origins[laptop.device_id]).values())
            twice = sum((origins[laptop.device_id] - expected).values())
            raise AssertionError(
                f"{laptop.device_id}: {missing} changes never arrived, {twice} arrived twice"
            )
    return Received(applied=applied, refused=refused, pulled=pulled)


if __name__ == "__main__":
    _main(Path(sys.argv[1]), Path(sys.argv[2]))
