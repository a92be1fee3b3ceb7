"""Sync on a weak mobile link: a real `asb-sync-server` (SQLite) behind a proxy on loopback that
adds 75 ms each way and caps each direction at 2 Mbit/s (benchmarks/weak_link.py), as an
officer's laptop meets it from a car on one bar of 4G.

Each figure is the wall time of a sync over its floor on that link, both measured in the same
run: the bytes that crossed the proxy over the bandwidth, plus one round trip (the least any
sync can take). Figures: a sync with nothing to do, an officer's day (200 changes up and a
colleague's 100 down), and a new laptop's first pull of a team's cases (a snapshot of their
current rows in the columnar coding, sync/server/snapshot.py, sync/snapshot_columns.py).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from benchmarks._report import Figure
from benchmarks.weak_link import Link, weak_link

TESTS_SYNC = Path(__file__).resolve().parents[1] / "tests" / "sync"
if str(TESTS_SYNC) not in sys.path:
    sys.path.insert(0, str(TESTS_SYNC))

from sync.client import SyncClient  # noqa: E402

LINK = Link(latency=0.075, bits_per_second=2_000_000)
#: a team as the issue measured it: ~2,000 cases, ~45 rows each (quick: a tenth)
TEAM_CASES = 2_000
ROWS_PER_CASE = 45

#: the words of the synthetic incident texts (a small vocabulary: gzip finds them as it finds
#: an officer's repeated phrases)
_VOCABULARY = (
    "loud music shouting door slammed stairs neighbour flat above below garden bins car parked "
    "across drive threatened victim daughter school window broken egg thrown dog barking night "
    "morning police called officer visited diary sheet returned witness saw heard group youths "
    "bench park smoking drinking abuse racial comments letter warning tenancy housing landlord "
    "camera footage ring doorbell recorded noise meter installed again every weekend since march "
    "scared afraid not sleeping children upset mother father elderly disabled carer support"
)
WORDS = tuple(_VOCABULARY.split())


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _device(server_url: str, db_url: str, directory: Path, team: str) -> SyncClient:
    from replica_for_tests import TestReplica
    from sync_server_testkit import add_officer

    token = add_officer(db_url, f"bench-{uuid.uuid4().hex[:6]}", team=team)
    replica = TestReplica(directory / f"{uuid.uuid4().hex[:8]}.sqlite3")
    client = SyncClient(replica, server_url, batch_size=1000, page_size=1000)
    client.enrol(token, "bench laptop")
    return client


def _write_cases(client: SyncClient, team: str, cases: int, rows: int, seed: int) -> int:
    from replica_for_tests import TestReplica

    replica = client.replica
    assert isinstance(replica, TestReplica)
    rng = random.Random(seed)
    written = 0
    for _ in range(cases):
        case_id = replica.new_case(team, summary=_text(rng, 8), status="open")
        replica.insert_many(
            [
                ("incident", case_id, {"description": _text(rng, 70)})
                for _ in range(max(0, rows - 1))
            ]
        )
        written += rows
    return written


def run(quick: bool = False) -> list[Figure]:
    from sync_server_testkit import fresh_database, running_server

    quick = quick or os.environ.get("ASB_BENCH_QUICK") == "1"
    team_cases = TEAM_CASES // 10 if quick else TEAM_CASES
    figures: list[Figure] = []
    with (
        tempfile.TemporaryDirectory(prefix="bench-weak-link-") as tmp,
        fresh_database("sqlite", Path(tmp)) as db_url,
        running_server(db_url, Path(tmp)) as server,
        weak_link(server.port, LINK) as (port, link),
    ):
        directory = Path(tmp)
        team = f"bench-{uuid.uuid4().hex[:6]}"
        weak = f"http://127.0.0.1:{port}"
        # The team's history, pushed on loopback at full speed (not what is measured).
        colleague = _device(server.url, db_url, directory, team)
        changes = _write_cases(colleague, team, team_cases, ROWS_PER_CASE, seed=1)
        assert colleague.sync().pushed == changes

        # A new laptop of the team: its first pull, on the weak link.
        newcomer = _device(weak, db_url, directory, team)
        link.reset()
        started = time.perf_counter()
        assert newcomer.sync().pulled == changes
        seconds = time.perf_counter() - started
        floor = LINK.floor(link.up, link.down, 1)
        figures.append(
            Figure(
                f"weak link: new laptop's first pull, {team_cases:,} cases / floor",
                seconds / floor,
                "x",
                target=2.0,
                detail=(
                    f"{seconds:.1f} s, floor {floor:.1f} s; {changes:,} rows as a snapshot "
                    f"(columnar, word-coded), {link.down / 1e6:.2f} MB down "
                    f"({link.down / changes:.1f} B a row; plain rows were ~148), "
                    f"{link.up / 1e3:.0f} kB up; 30 s needs under 7.5 MB"
                ),
            )
        )

        # An officer's day: 200 changes up, a colleague's 100 to come down.
        officer = newcomer
        _write_cases(officer, team, 4, 50, seed=2)
        _write_cases(colleague, team, 2, 50, seed=3)
        assert colleague.sync().pushed == 100
        link.reset()
        started = time.perf_counter()
        result = officer.sync()
        seconds = time.perf_counter() - started
        assert (result.pushed, result.pulled) == (200, 100), result
        floor = LINK.floor(link.up, link.down, 1)
        figures.append(
            Figure(
                "weak link: an officer's day (200 up, 100 down) / floor",
                seconds / floor,
                "x",
                target=1.5,
                detail=(
                    f"{seconds * 1000:.0f} ms, floor {floor * 1000:.0f} ms; "
                    f"{link.up / 1e3:.1f} kB up, {link.down / 1e3:.1f} kB down"
                ),
            )
        )

        # A sync with nothing to do, on the same (kept-alive) connection.
        idle: list[float] = []
        floors: list[float] = []
        for _ in range(5):
            link.reset()
            started = time.perf_counter()
            officer.sync()
            idle.append(time.perf_counter() - started)
            floors.append(LINK.floor(link.up, link.down, 1))
        figures.append(
            Figure(
                "weak link: a sync with nothing to do / floor (median of 5)",
                statistics.median(idle) / statistics.median(floors),
                "x",
                target=1.5,
                detail=(
                    f"{statistics.median(idle) * 1000:.0f} ms, "
                    f"floor {statistics.median(floors) * 1000:.0f} ms"
                ),
            )
        )
        for client in (colleague, newcomer):
            client.close()
    return figures


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
