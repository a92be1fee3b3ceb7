"""The service scaled out (docs/performance.md): 30 devices syncing at once on PostgreSQL, through
nginx in front of 1 and then 3 `asb-sync-server` instances (the shipped proxy settings).

Each device pushes 100 changes, and then 500 as issue 19 measured the service (push p99 held to
the same target at both). Figures: push latency p99 (from nginx's own request times, 3
instances), throughput of each set-up (changes pushed and pulled per second of the crowd's
wall time), and whether 3 instances carry more than 1. On a 2-core machine the crowd's own 30
clients share the cores with the service, so wall time says little about scale-out; so, for
each set-up, also the CPU the service spent in the crowd (its instances and their PostgreSQL
backends, from /proc), the changes per CPU-second, the busiest instance's share of one core,
and how many PostgreSQL backends were waiting on a lock (sampled every 10 ms): pushes that queue
behind one another show there.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import crowd
from benchmarks._report import Figure

TESTS_SYNC = Path(__file__).resolve().parents[1] / "tests" / "sync"
if str(TESTS_SYNC) not in sys.path:
    sys.path.insert(0, str(TESTS_SYNC))

DEVICES = 30
#: the changes each device pushed when issue 19 measured the service
ISSUE_CHANGES = 500


#: the requests that carry a batch of changes
PUSHING_PATHS = frozenset({"/v1/push", "/v1/exchange"})


def _p50(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a live process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


@dataclass
class _Service:
    """The service's side of one crowd: CPU spent (instances and their PostgreSQL backends),
    the busiest instance's CPU, and the backends waiting on a lock, sampled."""

    cpu: float = 0.0
    busiest: float = 0.0
    lock_waits: float = 0.0
    instances_cpu: float = 0.0  # of `cpu`, the instances' own
    #: connections the instances opened to PostgreSQL in the crowd (pg_stat_database.sessions:
    #: each one a backend forked and authenticated; a backend that lived between two samples is
    #: missed by the CPU figure, not by this count)
    sessions: int = 0


def _sessions(connection: Any) -> int:
    row = connection.execute(
        "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
    ).fetchone()
    return int(row[0])


def _backends(connection: Any) -> dict[int, str]:
    rows = connection.execute(
        "SELECT pid, coalesce(wait_event_type, '') FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
    ).fetchall()
    return {int(pid): str(wait) for pid, wait in rows}


@contextmanager
def _watching(url: str, instance_pids: list[int]) -> Iterator[_Service]:
    import psycopg
    from sync_server_testkit import _psycopg_url

    service = _Service()
    stop = threading.Event()
    seen: dict[int, float] = {}  # backend pid: its CPU when first seen
    waits: list[int] = []
    with psycopg.connect(_psycopg_url(url), autocommit=True) as connection:
        for pid in _backends(connection):
            seen[pid] = _cpu_seconds(pid)
        last: dict[int, float] = dict(seen)

        def sample() -> None:
            while not stop.is_set():
                backends = _backends(connection)
                for pid in backends:
                    if pid not in seen:
                        seen[pid] = 0.0  # born in the crowd
                    last[pid] = max(last.get(pid, 0.0), _cpu_seconds(pid))
                waits.append(sum(1 for wait in backends.values() if wait == "Lock"))
                stop.wait(0.01)

        before = {pid: _cpu_seconds(pid) for pid in instance_pids}
        sessions = _sessions(connection)
        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            yield service
        finally:
            stop.set()
            sampler.join()
            spent = {pid: _cpu_seconds(pid) - before[pid] for pid in instance_pids}
            for pid in seen:
                last[pid] = max(last.get(pid, 0.0), _cpu_seconds(pid))
            connection.execute("SELECT pg_stat_clear_snapshot()")
            service.sessions = _sessions(connection) - sessions
            service.instances_cpu = sum(spent.values())
            service.cpu = sum(spent.values()) + sum(last[pid] - seen[pid] for pid in seen)
            service.busiest = max(spent.values())
            service.lock_waits = sum(waits) / max(1, len(waits))


@dataclass(frozen=True)
class _Result:
    """One crowd against one set-up."""

    throughput: float  # changes pushed and pulled per second of the crowd's wall time
    pushes: list[float]  # each exchange's time as nginx saw it (s)
    errors: int  # 5xx answers
    received: crowd.Received
    service: _Service
    generator_cpu: float  # the load generator's CPU-seconds in the crowd
    seconds: float

    @property
    def moved(self) -> int:
        return self.received.applied + self.received.pulled


def _generator_core() -> int | None:
    """The core the load generator is pinned to (the service's processes are not pinned): the
    first this process may use, when it may use two or more."""
    cores = sorted(os.sched_getaffinity(0))
    return cores[0] if len(cores) >= 2 else None


def _crowd(instances: int, changes: int, directory: Path) -> _Result:
    """Every laptop's sync at once through nginx in front of `instances` instances: the
    exchange (its whole batch, the first page) and the pages after it (`benchmarks.crowd`).

    A refused change is counted apart, as a failure, not as moved."""
    from nginx_cluster import running_cluster
    from sync_server_testkit import fresh_database, make_device

    with (
        fresh_database("postgres", directory) as url,
        running_cluster(url, directory / f"cluster-{instances}", instances) as cluster,
    ):
        team = f"bench-{uuid.uuid4().hex[:6]}"
        # Laptops in use pushing a day's work and pulling each other's (the stream), as the
        # figures before the snapshot measured; a new laptop's snapshot is bench_weak_link's.
        laptops = []
        for n in range(DEVICES):
            device = make_device(cluster, directory, team=team, snapshot=False)
            case_id = device.replica.new_case(team, summary=f"case {n}")
            device.replica.insert_many(
                [
                    ("incident", case_id, {"description": f"incident {i}"})
                    for i in range(changes - 1)
                ]
            )
            laptops.append(crowd.prepare(device.replica))
            device.client.close()
            device.replica.close()
        pids = [s.process.pid for s in cluster.servers if s.process is not None]
        with _watching(url, pids) as service:
            sent = crowd.run(cluster.url, laptops, directory, _generator_core())
        received = crowd.check(cluster.url, laptops, sent)
        requests = cluster.requests()
        # A sync's first batch goes up in the exchange (push and first page in one request).
        pushes = [r.seconds for r in requests if r.method == "POST" and r.path in PUSHING_PATHS]
        errors = sum(1 for r in requests if r.status >= 500)
    service.busiest /= sent.seconds  # the busiest instance's share of one core
    return _Result(
        throughput=(received.applied + received.pulled) / sent.seconds,
        pushes=pushes,
        errors=errors,
        received=received,
        service=service,
        generator_cpu=sent.cpu,
        seconds=sent.seconds,
    )


def run(quick: bool = False) -> list[Figure]:
    from nginx_cluster import nginx_binary
    from sync_server_testkit import postgres_unavailable_reason

    reason = postgres_unavailable_reason()
    if reason is None and nginx_binary() is None:
        reason = "nginx is not installed (scripts/system-deps.sh)"
    if reason is not None:
        return [Figure(f"scale-out skipped: {reason}", 0, "", target=None)]
    changes = 20 if quick else 100
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        one = _crowd(1, changes, Path(tmp) / "one")
        three = _crowd(3, changes, Path(tmp) / "three")
        # The load issue 19 measured the service at: each device pushing 500 changes. Held to
        # the same push target (the 100-change figures below are the ones earlier runs quote).
        heavy = (
            None
            if quick
            else (
                _crowd(1, ISSUE_CHANGES, Path(tmp) / "one-heavy"),
                _crowd(3, ISSUE_CHANGES, Path(tmp) / "three-heavy"),
            )
        )
    label = f"{DEVICES} devices x {changes} changes, PostgreSQL, nginx"
    core = _generator_core()
    pinned = f"pinned to core {core}" if core is not None else "not pinned (one core)"
    per_cpu = [
        Figure(
            f"service changes per CPU-second, {n}",
            result.moved / max(result.service.cpu, 1e-9),
            "ch/s",
            target=None,
            detail=f"{result.service.cpu:.1f} CPU-s (instances {result.service.instances_cpu:.1f}"
            f" + PostgreSQL backends) in {result.seconds:.1f} s; "
            f"{result.service.sessions} connections opened; busiest instance "
            f"{result.service.busiest:.0%} of a core; "
            f"backends waiting on a lock: {result.service.lock_waits:.1f} on average; load "
            f"generator {result.generator_cpu:.1f} CPU-s ({pinned})",
        )
        for n, result in (("1 instance", one), ("3 instances", three))
    ]
    heavy_figures = []
    if heavy is not None:
        heavy_one, heavy_three = heavy
        heavy_label = f"{DEVICES} devices x {ISSUE_CHANGES} changes, PostgreSQL, nginx"
        heavy_figures = [
            Figure(
                f"service push p99, {heavy_label}, 3 instances",
                _p99(heavy_three.pushes) * 1000,
                "ms",
                target=1000,
                detail=f"{len(heavy_three.pushes)} pushes; p50 "
                f"{_p50(heavy_three.pushes) * 1000:.0f} ms; 1 instance p99 "
                f"{_p99(heavy_one.pushes) * 1000:.0f} ms",
            ),
            Figure(
                f"3 instances against 1, {heavy_label} (throughput ratio, info)",
                heavy_three.throughput / heavy_one.throughput,
                "x",
                target=None,
                detail=f"{heavy_one.throughput:,.0f} and {heavy_three.throughput:,.0f} ch/s",
            ),
            Figure(
                f"service 5xx answers and changes refused, {heavy_label}",
                heavy_one.errors
                + heavy_three.errors
                + heavy_one.received.refused
                + heavy_three.received.refused,
                "",
                target=0.5,
            ),
        ]
    return [
        *heavy_figures,
        Figure(
            f"service push p99, {label}, 3 instances",
            _p99(three.pushes) * 1000,
            "ms",
            target=1000,
            detail=f"{len(three.pushes)} pushes; p50 {_p50(three.pushes) * 1000:.0f} ms",
        ),
        Figure(f"service throughput, {label}, 1 instance", one.throughput, "ch/s", target=None),
        Figure(f"service throughput, {label}, 3 instances", three.throughput, "ch/s", target=None),
        Figure(
            "3 instances carry more than 1 (throughput ratio)",
            three.throughput / one.throughput,
            "x",
            target=1.0,
            lower_is_better=False,
        ),
        *per_cpu,
        Figure("service 5xx answers in both runs", one.errors + three.errors, "", target=0.5),
        Figure(
            "changes refused in both runs",
            one.received.refused + three.received.refused,
            "",
            target=0.5,
        ),
    ]


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
