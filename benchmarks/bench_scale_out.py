"""The service scaled out (docs/performance.md): 30 devices syncing at once on PostgreSQL, through
nginx in front of 1 and then 3 `asb-sync-server` instances (the shipped proxy settings).

Figures: push latency p99 (from nginx's own request times, 3 instances), throughput of each
set-up (changes pushed and pulled per second of the crowd's wall time), and whether 3 instances
carry more than 1.
"""

from __future__ import annotations

import math
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from benchmarks._report import Figure

TESTS_SYNC = Path(__file__).resolve().parents[1] / "tests" / "sync"
if str(TESTS_SYNC) not in sys.path:
    sys.path.insert(0, str(TESTS_SYNC))

DEVICES = 30


#: the requests that carry a batch of changes
PUSHING_PATHS = frozenset({"/v1/push", "/v1/exchange"})


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]


def _crowd(instances: int, changes: int, directory: Path) -> tuple[float, list[float], int, int]:
    """Throughput (changes/s), push latencies (s), 5xx count and refused changes of one crowd.

    A refused push also empties a device's outbox, so only the changes the service accepted
    count as moved; the refused ones are counted apart, as failures."""
    from nginx_cluster import running_cluster
    from sync_server_testkit import Device, fresh_database, make_device

    with (
        fresh_database("postgres", directory) as url,
        running_cluster(url, directory / f"cluster-{instances}", instances) as cluster,
    ):
        team = f"bench-{uuid.uuid4().hex[:6]}"
        devices = [make_device(cluster, directory, team=team) for _ in range(DEVICES)]
        for n, device in enumerate(devices):
            case_id = device.replica.new_case(team, summary=f"case {n}")
            device.replica.insert_many(
                [
                    ("incident", case_id, {"description": f"incident {i}"})
                    for i in range(changes - 1)
                ]
            )
        failures: list[BaseException] = []
        start = threading.Barrier(DEVICES)

        def one(device: Device) -> None:
            try:
                start.wait()
                device.sync()
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=one, args=(d,)) for d in devices]
        began = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - began
        if failures:
            raise RuntimeError(f"{len(failures)} devices failed; first: {failures[0]}")
        requests = cluster.requests()
        # A sync's first batch goes up in the exchange (push and first page in one request).
        pushes = [r.seconds for r in requests if r.method == "POST" and r.path in PUSHING_PATHS]
        errors = sum(1 for r in requests if r.status >= 500)
        refused = sum(len(d.replica.refused_changes()) for d in devices)
        moved = sum(
            changes - len(d.replica.refused_changes())
            for d in devices
            if d.replica.pending_count() == 0
        )
        pulled = sum(len(d.replica.pull_log()) for d in devices)
        for device in devices:
            device.client.close()
            device.replica.close()
    return (moved + pulled) / seconds, pushes, errors, refused


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
        one, _pushes_one, errors_one, refused_one = _crowd(1, changes, Path(tmp) / "one")
        three, pushes, errors_three, refused_three = _crowd(3, changes, Path(tmp) / "three")
    label = f"{DEVICES} devices x {changes} changes, PostgreSQL, nginx"
    return [
        Figure(
            f"service push p99, {label}, 3 instances",
            _p99(pushes) * 1000,
            "ms",
            target=1000,
            detail=f"{len(pushes)} pushes",
        ),
        Figure(f"service throughput, {label}, 1 instance", one, "ch/s", target=None),
        Figure(f"service throughput, {label}, 3 instances", three, "ch/s", target=None),
        Figure(
            "3 instances carry more than 1 (throughput ratio)",
            three / one,
            "x",
            target=1.0,
            lower_is_better=False,
        ),
        Figure("service 5xx answers in both runs", errors_one + errors_three, "", target=0.5),
        Figure("changes refused in both runs", refused_one + refused_three, "", target=0.5),
    ]


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
