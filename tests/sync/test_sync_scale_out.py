"""The service is stateless, shown: three instances on one PostgreSQL behind nginx (the shipped
proxy settings), twenty devices pushing and pulling at once. Every device ends with every
change (receiving every other device's, none of its own, none twice), no 5xx, and every
instance took part. The devices then stay idle past both idle timeouts (short ones for the
test: the service's keep-alive 2 s, nginx's upstream keep-alive 1 s below it, as shipped) and
sync again: no 502 from a connection the service had closed."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from nginx_cluster import running_cluster
from sync_server_testkit import Device, fresh_database, make_device, unique_team

DEVICES = 20
ROWS_PER_DEVICE = 6  # a case and five incidents
SERVICE_KEEP_ALIVE = 2  # seconds; the shipped default is 75
NGINX_KEEPALIVE_TIMEOUT = 1  # below the service's, as the shipped deploy/nginx/asb-sync.conf


@pytest.mark.slow
@pytest.mark.postgres
def test_twenty_devices_through_three_instances_behind_nginx(tmp_path: Path) -> None:
    with (
        fresh_database("postgres", tmp_path) as url,
        running_cluster(
            url,
            tmp_path / "cluster",
            keep_alive=SERVICE_KEEP_ALIVE,
            upstream_keepalive_timeout=f"{NGINX_KEEPALIVE_TIMEOUT}s",
        ) as cluster,
    ):
        team = unique_team()
        # The stream's pages are what is checked (each change delivered once, none skipped
        # while pushes commit in parallel), so the devices pull the stream: a fresh laptop of a
        # team past the first exchange's 100 changes would take its rows as a snapshot instead,
        # which carries no stream positions (tests/sync/test_sync_snapshot*.py cover that way).
        devices = [
            make_device(cluster, tmp_path, team=team, snapshot=False) for _ in range(DEVICES)
        ]
        for n, device in enumerate(devices):
            case_id = device.replica.new_case(team, summary=f"case of device {n}")
            for i in range(ROWS_PER_DEVICE - 1):
                text = f"d{n} incident {i}"
                device.replica.insert("incident", {"description": text}, case_id=case_id)

        failures: list[BaseException] = []

        def sync_all() -> None:
            start = threading.Barrier(DEVICES)

            def one(device: Device) -> None:
                try:
                    start.wait()
                    device.sync()
                except BaseException as exc:
                    failures.append(exc)

            threads = [threading.Thread(target=one, args=(d,)) for d in devices]
            for t in threads:
                t.start()
            for t in threads:
                t.join()

        sync_all()  # every push is in once this round ends...
        sync_all()  # ...so this round's pulls bring every device everything
        assert failures == []

        expected = devices[0].replica.snapshot()
        assert len(expected) == DEVICES * ROWS_PER_DEVICE
        every_row = {row_id for _table, row_id in expected}
        delivered: dict[int, int] = {}  # seq -> how many devices it reached
        for device in devices:
            assert device.replica.snapshot() == expected
            assert device.replica.pending_count() == 0
            log = device.replica.pull_log()  # a change delivered twice fails its page loudly
            # every other device's change, and none of its own (it holds them)
            own = {c.row_id for c in device.replica.outbox(0, 10 * ROWS_PER_DEVICE)}
            assert len(own) == ROWS_PER_DEVICE
            assert sorted(r for _s, _t, r in log) == sorted(every_row - own)
            for seq, _t, _r in log:
                delivered[seq] = delivered.get(seq, 0) + 1
        # every change of the stream reached every device but the one that pushed it
        assert len(delivered) == DEVICES * ROWS_PER_DEVICE
        assert set(delivered.values()) == {DEVICES - 1}
        requests = cluster.requests()
        assert requests and all(r.status < 500 for r in requests), [
            r for r in requests if r.status >= 500
        ]
        assert len({r.upstream for r in requests}) == 3

        # Idle past both timeouts: nginx drops its kept connections first (the condition
        # awaited), and the service's own timeout passes too; then every device syncs again.
        idle_since = time.monotonic()
        assert cluster.upstream_connections() > 0  # nginx keeps connections to the instances
        _await(lambda: cluster.upstream_connections() == 0, timeout=30)
        _await(lambda: time.monotonic() - idle_since > SERVICE_KEEP_ALIVE + 0.5, timeout=30)
        for n, device in enumerate(devices):
            device.replica.new_case(team, summary=f"after the idle time {n}")
        sync_all()
        sync_all()
        assert failures == []
        after_idle = cluster.requests()[len(requests) :]
        assert len(after_idle) >= 2 * DEVICES
        assert all(r.status < 500 for r in after_idle), [r for r in after_idle if r.status >= 500]
        assert all(len(d.replica.snapshot()) == DEVICES * (ROWS_PER_DEVICE + 1) for d in devices)
        for device in devices:
            device.client.close()
            device.replica.close()


def _await(condition: Callable[[], bool], timeout: float) -> None:
    """Poll `condition` (a few times a second) until it holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition did not come true in time"
        time.sleep(0.1)
