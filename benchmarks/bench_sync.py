"""Sync over loopback: 10,000 changes pushed and pulled, a sync with nothing to do, and 20 devices
syncing at once, against a real `asb-sync-server` process on SQLite and on PostgreSQL.

The laptop side is made by `replica_factory(path, team) -> (replica, write)`, where `write(n)`
records n new changes in the replica's outbox. The default uses the tests' SQLite replica; pass a
factory over the real encrypted store to measure that instead.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks._report import Figure

TESTS_SYNC = Path(__file__).resolve().parents[1] / "tests" / "sync"
if str(TESTS_SYNC) not in sys.path:
    sys.path.insert(0, str(TESTS_SYNC))

from sync.client import LocalReplica, SyncClient, SyncProgress  # noqa: E402

if TYPE_CHECKING:
    from sync_server_testkit import Service

Write = Callable[[int], None]
ReplicaFactory = Callable[[Path, str], tuple[LocalReplica, Write]]

CHANGES = 10_000
DEVICES = 20
CHANGES_PER_DEVICE = 50


def test_replica_factory(path: Path, team: str) -> tuple[LocalReplica, Write]:
    """The tests' SQLite replica: one case, then incidents, written in one transaction."""
    from replica_for_tests import TestReplica

    replica = TestReplica(path)
    state: dict[str, str] = {}

    def write(n: int) -> None:
        if "case" not in state:
            state["case"] = replica.new_case(team, summary="benchmark case")
            n -= 1
        replica.insert_many(
            [("incident", state["case"], {"description": f"incident {i}"}) for i in range(n)]
        )

    return replica, write


def _enrolled(
    server: Service, directory: Path, team: str, factory: ReplicaFactory
) -> tuple[LocalReplica, Write, SyncClient]:
    from sync_server_testkit import add_officer

    token = add_officer(server.db_url, f"bench-{uuid.uuid4().hex[:6]}", team=team)
    replica, write = factory(directory / f"{uuid.uuid4().hex[:8]}.sqlite3", team)
    client = SyncClient(replica, server.url, batch_size=1000, page_size=1000)
    client.enrol(token, "bench laptop")
    return replica, write, client


def _bench_backend(kind: str, factory: ReplicaFactory, directory: Path) -> list[Figure]:
    from sync_server_testkit import fresh_database, running_server

    figures: list[Figure] = []
    with fresh_database(kind, directory) as url, running_server(url, directory) as server:
        team = f"bench-{uuid.uuid4().hex[:6]}"
        _writer_replica, write, writer = _enrolled(server, directory, team, factory)
        _reader_replica, _unused, reader = _enrolled(server, directory, team, factory)
        write(CHANGES)

        push_done: list[float] = []

        def on_progress(progress: SyncProgress) -> None:
            if progress.phase != "push" and not push_done:
                push_done.append(time.perf_counter())

        started = time.perf_counter()
        result = writer.sync(on_progress)
        push_seconds = (push_done[0] if push_done else time.perf_counter()) - started
        assert result.pushed == CHANGES, result
        figures.append(
            Figure(
                f"sync push {CHANGES:,} changes over loopback ({kind})",
                CHANGES / push_seconds,
                "ch/s",
                target=2000,
                lower_is_better=False,
                detail=f"{push_seconds:.2f} s",
            )
        )

        started = time.perf_counter()
        result = reader.sync()
        pull_seconds = time.perf_counter() - started
        assert result.pulled == CHANGES, result
        figures.append(
            Figure(
                f"sync pull {CHANGES:,} changes over loopback ({kind})",
                CHANGES / pull_seconds,
                "ch/s",
                target=2000,
                lower_is_better=False,
                detail=f"{pull_seconds:.2f} s",
            )
        )

        idle = []
        for _ in range(7):
            started = time.perf_counter()
            reader.sync()
            idle.append(time.perf_counter() - started)
        figures.append(
            Figure(
                f"sync with nothing to do ({kind}, median of 7)",
                statistics.median(idle) * 1000,
                "ms",
                target=100,
            )
        )

        crowd = [_enrolled(server, directory, team, factory) for _ in range(DEVICES)]
        for _replica, write_some, _client in crowd:
            write_some(CHANGES_PER_DEVICE)
        failures: list[BaseException] = []

        def run_one(client: SyncClient) -> None:
            try:
                client.sync()
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=run_one, args=(c,)) for _r, _w, c in crowd]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        crowd_seconds = time.perf_counter() - started
        figures.append(
            Figure(
                f"{DEVICES} devices syncing at once: failures ({kind})",
                len(failures),
                "fails",
                target=0.5,
                detail=f"all done in {crowd_seconds:.2f} s"
                + (f"; first: {failures[0]}" if failures else ""),
            )
        )
        for _r, _w, client in [*crowd, (None, None, writer), (None, None, reader)]:
            client.close()
    return figures


def run(replica_factory: ReplicaFactory | None = None) -> list[Figure]:
    from sync_server_testkit import postgres_unavailable_reason

    factory = replica_factory or test_replica_factory
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        figures += _bench_backend("sqlite", factory, Path(tmp))
        reason = postgres_unavailable_reason()
        if reason is None:
            figures += _bench_backend("postgres", factory, Path(tmp))
        else:
            figures.append(Figure(f"sync on PostgreSQL skipped: {reason}", 0, "", target=None))
    return figures


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
