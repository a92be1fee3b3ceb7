"""Sync between REAL encrypted stores over loopback: 10,000 changes written through the unit of
work on one laptop, pushed to a real `asb-sync-server` process, then pulled by a second laptop;
and a sync with nothing to do. Targets (docs/performance.md): over 2,000 changes/s each way, a
no-change sync under 100 ms. SQLite central database; PostgreSQL too when one is reachable.

The workload mixes the two kinds of rows: versioned ones (people, inserted then edited) and
append-only ones (incidents), all in one case, as an officer's busy week would.

Each sync goes through `run_sync` (a new client per sync, as the CLI and the app do).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks._report import Figure

# The sync tests' server helpers (fresh databases, server processes, officers), imported by name
# as the tests do.
TESTS_SYNC = Path(__file__).resolve().parents[1] / "tests" / "sync"
if str(TESTS_SYNC) not in sys.path:
    sys.path.insert(0, str(TESTS_SYNC))

if TYPE_CHECKING:
    from sync_server_testkit import Service

    from asb_tui.store.core.store import Store

CHANGES = 10_000
PEOPLE = 2_000
EDITS = 999
INCIDENTS = CHANGES - 1 - PEOPLE - EDITS
PER_TRANSACTION = 500
PASSPHRASE = "benchmark passphrase, long enough"  # noqa: S105  (a throwaway store)
PAGE = 1000  # changes a request carries, each way


def _laptop(server: Service, directory: Path, team: str, name: str) -> Store:
    from sync_server_testkit import add_officer

    from asb_tui.services.sync_run import enrol
    from asb_tui.store.core.store import create_store

    token = add_officer(server.db_url, name, team=team)
    store, _recovery = create_store(directory / name, PASSPHRASE, actor=name)
    enrol(store, server.url, token, device_name=f"{name}'s laptop")
    return store


def write_workload(store: Store, team: str) -> None:
    """CHANGES change records through the real unit of work, PER_TRANSACTION per transaction."""
    from asb_tui.store.core.models import Case, Incident, Person

    with store.write() as uow:
        case = uow.add(
            Case(ref="ASB-2026-BEN-00001", category="nuisance", status="accepted",
                 referred_on=date(2026, 1, 5), summary="benchmark case", team=team),
            action="case.refer",
        )  # fmt: skip
    people: list[Person] = []
    for start in range(0, PEOPLE, PER_TRANSACTION):
        with store.write() as uow:
            for n in range(start, min(PEOPLE, start + PER_TRANSACTION)):
                people.append(
                    uow.add(Person(case_id=case.id, name=f"Person {n}"), action="person.add")
                )
    for start in range(0, INCIDENTS, PER_TRANSACTION):
        with store.write() as uow:
            for n in range(start, min(INCIDENTS, start + PER_TRANSACTION)):
                uow.add(
                    Incident(case_id=case.id, occurred_on=date(2026, 2, 1 + n % 28),
                             description=f"Incident {n}: shouting and banging", location="Flat 3"),
                    action="incident.add",
                )  # fmt: skip
    for start in range(0, EDITS, PER_TRANSACTION):
        with store.write() as uow:
            for person in people[start : min(EDITS, start + PER_TRANSACTION)]:
                uow.update(person, {"phone": "01632 960000"}, action="person.edit")


def _bench_backend(kind: str, directory: Path) -> list[Figure]:
    from sync_server_testkit import fresh_database, running_server

    from asb_tui.services.sync_run import run_sync
    from asb_tui.store.replica.sync_state import changes_waiting
    from sync.client import SyncProgress

    figures: list[Figure] = []
    with (
        fresh_database(kind, directory) as url,
        running_server(url, directory) as server,
    ):
        team = f"bench-{uuid.uuid4().hex[:6]}"
        writer = _laptop(server, directory, team, f"writer-{kind}")
        reader = _laptop(server, directory, team, f"reader-{kind}")
        try:
            write_workload(writer, team)
            assert changes_waiting(writer) == CHANGES

            push_done: list[float] = []

            def on_progress(progress: SyncProgress) -> None:
                if progress.phase != "push" and not push_done:
                    push_done.append(time.perf_counter())

            started = time.perf_counter()
            outcome = run_sync(
                writer, progress=on_progress, batch_size=PAGE, page_size=PAGE, snapshot=False
            )
            finished = time.perf_counter()
            assert outcome.result.pushed == CHANGES, outcome.result
            push_seconds = (push_done[0] if push_done else finished) - started
            figures.append(
                Figure(
                    f"store sync push {CHANGES:,} changes, encrypted store ({kind})",
                    CHANGES / push_seconds,
                    "ch/s",
                    target=2000,
                    lower_is_better=False,
                    detail=f"{push_seconds:.2f} s; the whole sync (its own changes not sent back) "
                    f"{finished - started:.2f} s",
                )
            )

            # The stream's pull (what a laptop in use does after a day's changes elsewhere): a
            # laptop that has pulled nothing would take the rows as a snapshot instead (below).
            started = time.perf_counter()
            outcome = run_sync(reader, batch_size=PAGE, page_size=PAGE, snapshot=False)
            pull_seconds = time.perf_counter() - started
            assert outcome.result.pulled == CHANGES, outcome.result
            figures.append(
                Figure(
                    f"store sync pull {CHANGES:,} changes, encrypted store ({kind})",
                    CHANGES / pull_seconds,
                    "ch/s",
                    target=2000,
                    lower_is_better=False,
                    detail=f"{pull_seconds:.2f} s",
                )
            )

            newcomer = _laptop(server, directory, team, f"newcomer-{kind}")
            try:
                started = time.perf_counter()
                outcome = run_sync(newcomer, batch_size=PAGE, page_size=PAGE)
                snapshot_seconds = time.perf_counter() - started
            finally:
                newcomer.close()
            figures.append(
                Figure(
                    f"store first pull as a snapshot, encrypted store ({kind}, info)",
                    outcome.result.pulled / snapshot_seconds,
                    "rows/s",
                    detail=f"{outcome.result.pulled:,} rows (the {CHANGES:,} changes' current "
                    f"rows) in {snapshot_seconds:.2f} s",
                )
            )

            idle: list[float] = []
            for _ in range(7):
                started = time.perf_counter()
                run_sync(reader, batch_size=PAGE, page_size=PAGE)
                idle.append(time.perf_counter() - started)
            figures.append(
                Figure(
                    f"store sync with nothing to do ({kind}, median of 7)",
                    statistics.median(idle) * 1000,
                    "ms",
                    target=100,
                    detail=f"max {max(idle) * 1000:.0f} ms",
                )
            )
        finally:
            writer.close()
            reader.close()
    return figures


def run(quick: bool = False) -> list[Figure]:
    from sync_server_testkit import postgres_unavailable_reason

    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="bench-sync-store-") as tmp:
        figures += _bench_backend("sqlite", Path(tmp))
        if quick or os.environ.get("ASB_BENCH_QUICK") == "1":
            return figures
        reason = postgres_unavailable_reason()
        if reason is None:
            figures += _bench_backend("postgres", Path(tmp))
        else:
            figures.append(Figure(f"store sync on PostgreSQL skipped: {reason}", 0, "", None))
    return figures


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
