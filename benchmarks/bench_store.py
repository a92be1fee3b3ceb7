"""The encrypted store: unlock time, one diary-entry save through the unit of work (p50/p95),
full-text search p95 over 100,000 entries, and SQLCipher against plain SQLite on the same workload.

The big store (5,000 cases, 100,000 incidents, with their audit events and change records) is
built once per run with raw inserts in big transactions: setup is not what is measured. Every
measured write goes through the real unit of work; every search through the store's own `search`.
"""

from __future__ import annotations

import hashlib
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.pool import QueuePool
from sqlcipher3 import dbapi2 as sqlcipher
from sqlmodel import Session

from asb_tui.store.core import settings
from asb_tui.store.core.database import BUSY_TIMEOUT_MS, PAGE_CACHE_KIB
from asb_tui.store.core.models import Incident
from asb_tui.store.core.serialize import canonical_json
from asb_tui.store.core.store import Store, create_store, open_store
from asb_tui.store.core.unit_of_work import unit_of_work
from asb_tui.store.queries.search import match_expression, search
from benchmarks._report import Figure

PASSPHRASE = "benchmark passphrase for the store"  # noqa: S105 (a throwaway store)
ACTOR = "Bench Officer"
UNLOCK_TARGET_S = 0.6
SAVE_TARGET_MS = 15.0
SEARCH_TARGET_MS = 50.0
RATIO_TARGET = 1.25


@dataclass(frozen=True)
class Sizes:
    cases: int
    incidents: int
    saves: int
    searches: int
    workload_saves: int
    workload_searches: int


FULL = Sizes(
    cases=5_000,
    incidents=100_000,
    saves=500,
    searches=200,
    workload_saves=2_000,
    workload_searches=200,
)
QUICK = Sizes(
    cases=500, incidents=10_000, saves=100, searches=60, workload_saves=300, workload_searches=60
)

# Words that diary entries are made of, so that prefix queries hit realistic numbers of rows.
_INCIDENT_TEXT = (
    "shouting swearing banging music loud party door slammed car damaged scratched keyed "
    "window smashed eggs thrown graffiti dog barking fouling rubbish dumped fly-tipping bins "
    "fire lit drugs dealing cannabis smell youths gathering stairwell landing lift threatened "
    "abuse racial verbal intimidation staring followed filmed phone camera drone motorbike "
    "scooter revving football ball garden fence hedge trespass parking blocked driveway noise "
    "night early morning weekend again neighbour visitors upstairs downstairs flat block "
    "police called attended crime reference victim scared anxious children woke cannot sleep"
)
INCIDENT_WORDS = tuple(_INCIDENT_TEXT.split())
_FILLER_TEXT = (
    "the and was at with they were that then we my our he she it on in of to from by for a an "
    "again outside front back house street near about there their this when what all out up "
    "just after before about two three four five man woman men women lad lads group some him "
    "her them said told asked came went saw heard left came round over into still every"
)
FILLER_WORDS = tuple(_FILLER_TEXT.split())
_SURNAMES_TEXT = (
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts "
    "Walker Wright Robinson Thompson Khan Patel Kowalski Nowak O'Brien Murphy"
)
SURNAMES = tuple(_SURNAMES_TEXT.split())
_STREETS_TEXT = (
    "Acacia Avenue, Station Road, Church Lane, Mill Street, Victoria Close, Park Drive, "
    "Queens Road, Orchard Way, Ashfield Court, Meadow View"
)
STREETS = tuple(_STREETS_TEXT.split(", "))
# What an officer types in the search box: one word or two, often half-typed.
QUERIES = (
    "shout",
    "bang",
    "music",
    "graff",
    "smashed",
    "fly-tip",
    "drug",
    "cannabis",
    "motorbike",
    "drone",
    "racial",
    "stairwell",
    "smith",
    "khan",
    "kowal",
    "acacia",
    "church lane",
    "loud music",
    "car scratch",
    "dog bark",
    "eggs thrown",
    "police att",
    "door slam",
    "youths gath",
    "smith music",
    "patel car",
    "night party",
    "mill street",
    "threat",
    "intimid",
)  # fmt: skip


def _progress(message: str) -> None:
    print(f"  [store] {message}", file=sys.stderr, flush=True)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def _sentence(rng: random.Random) -> str:
    """A few words of what happened among everyday words, so a topic word such as "music"
    occurs in a few per cent of entries (as in real diaries), not in every sixth one."""
    words = rng.choices(INCIDENT_WORDS, k=rng.randint(2, 5)) + rng.choices(
        FILLER_WORDS, k=rng.randint(6, 16)
    )
    rng.shuffle(words)
    return " ".join(words).capitalize() + "."


# --- building the big store ---------------------------------------------------------------------


def _event_row(
    seq: int,
    prev: str,
    at: datetime,
    device_id: str,
    action: str,
    entity: str,
    entity_id: str,
    case_id: str,
    fields: list[str],
) -> tuple[Any, ...]:
    """An audit event row whose hash is computed as audit.event_hash computes it (the column
    holds naive UTC text, as SQLAlchemy writes it; the hash covers the zone-aware ISO form)."""
    details = {"fields": fields}
    body = {
        "seq": seq,
        "at": at.isoformat(),
        "actor": ACTOR,
        "device_id": device_id,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "case_id": case_id,
        "details": details,
    }
    digest = hashlib.sha256((prev + canonical_json(body)).encode("utf-8")).hexdigest()
    stored_at = at.replace(tzinfo=None).isoformat(sep=" ")
    return (
        seq,
        stored_at,
        ACTOR,
        device_id,
        action,
        entity,
        entity_id,
        case_id,
        json.dumps(details),
        prev,
        digest,
    )


def _write_engine(store: Store) -> Engine:
    """The store's private write engine: the benchmark bulk-loads through raw connections and
    times the unit of work on this very engine (the app itself only ever calls `store.write()`)."""
    return store._write_engine


def build_store(data_dir: Path, sizes: Sizes, seed: int = 20261124) -> None:
    """A store as a busy officer's laptop would hold it after a few years, bulk-inserted."""
    started = time.perf_counter()
    store, _recovery = create_store(data_dir, PASSPHRASE, actor=ACTOR)
    device_id = store.device_id
    rng = random.Random(seed)
    raw = _write_engine(store).raw_connection()
    try:
        cursor = raw.cursor()
        head_seq, head_hash = cursor.execute(
            "SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        seq, prev, counter = head_seq, head_hash, 0
        at = datetime.now(UTC)
        stamp = at.replace(tzinfo=None).isoformat(sep=" ")
        # Columns added by later revisions are left to their defaults.
        known = {
            "id",
            "case_id",
            "diary_sheet_id",
            "occurred_on",
            "occurred_time",
            "location",
            "description",
            "who_involved",
            "impact",
            "reported_to_police",
            "police_ref",
            "reported_to_council_on",
            "source",
            "recorded_by",
            "created_at",
        }
        table = Incident.__table__  # type: ignore[attr-defined]
        names = [c for c in table.columns.keys() if c in known]  # noqa: SIM118 (a column collection)

        cursor.execute("BEGIN IMMEDIATE")
        case_ids = []
        cases, events, changes = [], [], []
        for number in range(sizes.cases):
            case_id = str(uuid.uuid4())
            case_ids.append(case_id)
            referred = date(2022, 1, 1) + timedelta(days=rng.randint(0, 1400))
            cases.append(
                (
                    case_id,
                    f"ASB-{referred.year}-{number + 1:05d}",
                    rng.choice(("personal", "nuisance", "environmental")),
                    rng.choice(("accepted", "accepted", "closed", "referred")),
                    "england-and-wales",
                    _sentence(rng),
                    f"{rng.randint(1, 200)} {rng.choice(STREETS)}",
                    "police",
                    referred.isoformat(),
                    referred.isoformat(),
                    None,
                    None,
                    0,
                    rng.choice(("standard", "medium", "high")),
                    False,
                    False,
                    ACTOR,
                    "Manager",
                    "team-a",
                    stamp,
                    0,
                )
            )
            seq += 1
            counter += 1
            row = _event_row(
                seq,
                prev,
                at,
                device_id,
                "case.refer",
                "asb_case",
                case_id,
                case_id,
                ["ref", "summary"],
            )
            prev = row[-1]
            events.append(row)
            changes.append(
                (
                    device_id,
                    counter,
                    "asb_case",
                    case_id,
                    case_id,
                    "insert",
                    "{}",
                    None,
                    False,
                    stamp,
                    stamp,
                )
            )
        cursor.executemany(
            "INSERT INTO asb_case (id, ref, category, status, region, summary, location, "
            "referral_source, referred_on, accepted_on, closed_on, closure_reason, reopen_count, "
            "risk_level, repeat_victim, counter_allegation, officer, case_manager, team, "
            "created_at, version) VALUES (" + ",".join("?" * 21) + ")",
            cases,
        )

        incidents = []
        for _ in range(sizes.incidents):
            incident_id = str(uuid.uuid4())
            case_id = rng.choice(case_ids)
            values = {
                "id": incident_id,
                "case_id": case_id,
                "diary_sheet_id": None,
                "occurred_on": (
                    date(2022, 1, 1) + timedelta(days=rng.randint(0, 1500))
                ).isoformat(),
                "occurred_time": f"{rng.randint(0, 23):02d}:{rng.choice(('00', '15', '30'))}",
                "location": f"{rng.randint(1, 200)} {rng.choice(STREETS)}",
                "description": _sentence(rng),
                "who_involved": f"{rng.choice(SURNAMES)} family at no. {rng.randint(1, 99)}",
                "impact": rng.choice(("Could not sleep", "Scared to go out", "Children upset", "")),
                "reported_to_police": rng.random() < 0.3,
                "police_ref": "",
                "reported_to_council_on": None,
                "source": "diary",
                "recorded_by": ACTOR,
                "created_at": stamp,
            }
            incidents.append(tuple(values[c] for c in names))
            seq += 1
            counter += 1
            row = _event_row(
                seq,
                prev,
                at,
                device_id,
                "incident.add",
                "incident",
                incident_id,
                case_id,
                ["description", "occurred_on"],
            )
            prev = row[-1]
            events.append(row)
            changes.append(
                (
                    device_id,
                    counter,
                    "incident",
                    incident_id,
                    case_id,
                    "insert",
                    "{}",
                    None,
                    True,
                    stamp,
                    stamp,
                )
            )
        cursor.executemany(
            f"INSERT INTO incident ({', '.join(names)}) VALUES ({','.join('?' * len(names))})",
            incidents,
        )
        cursor.executemany(
            "INSERT INTO audit_event (seq, at, actor, device_id, action, entity, entity_id, "
            "case_id, details, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            events,
        )
        # Synced long ago: sent_at is set, as on a laptop that syncs every day.
        cursor.executemany(
            "INSERT INTO change_record (device_id, counter, table_name, row_id, case_id, op, "
            "fields, base_version, append_only, created_at, sent_at) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            changes,
        )
        cursor.execute(
            "UPDATE setting SET value = ? WHERE key = ?", (str(counter), settings.DEVICE_COUNTER)
        )
        if cursor.rowcount == 0:
            cursor.execute(
                "INSERT INTO setting (key, value) VALUES (?, ?)",
                (settings.DEVICE_COUNTER, str(counter)),
            )
        cursor.execute("COMMIT")
        cursor.execute("PRAGMA optimize")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
        store.close()
    _progress(
        f"built {sizes.cases:,} cases / {sizes.incidents:,} incidents "
        f"in {time.perf_counter() - started:.1f} s"
    )


# --- the measured parts ---------------------------------------------------------------------------


def unlock_seconds(data_dir: Path, runs: int = 5) -> float:
    """Median time of Argon2id + opening the store (migration check and device id included)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        store = open_store(data_dir, PASSPHRASE, actor=ACTOR)
        times.append(time.perf_counter() - started)
        store.close()
    return statistics.median(times)


def _new_incident(case_id: str, rng: random.Random) -> Incident:
    return Incident(
        case_id=case_id,
        occurred_on=date(2026, 11, 1) + timedelta(days=rng.randint(0, 20)),
        occurred_time="22:30",
        location=f"{rng.randint(1, 200)} {rng.choice(STREETS)}",
        description=_sentence(rng),
        who_involved=rng.choice(SURNAMES),
        impact="Could not sleep",
        recorded_by=ACTOR,
    )


def save_times_ms(
    write_engine: Engine, device_id: str, case_ids: list[str], count: int, rng: random.Random
) -> list[float]:
    """One diary entry per unit of work: the incident, its audit event and change record."""
    times = []
    for _ in range(count):
        incident = _new_incident(rng.choice(case_ids), rng)
        started = time.perf_counter()
        with unit_of_work(write_engine, actor=ACTOR, device_id=device_id) as uow:
            uow.add(incident, action="incident.add")
        times.append((time.perf_counter() - started) * 1000)
    return times


def search_times_ms(read_engine: Engine, count: int, rng: random.Random) -> tuple[list[float], int]:
    times, hits = [], 0
    for _ in range(count):
        typed = rng.choice(QUERIES)
        started = time.perf_counter()
        with Session(read_engine) as session:
            hits += len(search(session, typed))
        times.append((time.perf_counter() - started) * 1000)
    return times, hits


def match_times_ms(read_engine: Engine, count: int, rng: random.Random) -> list[float]:
    """The bare FTS5 lookup (best 50 by rank, ids only): what the index itself costs, without
    the app's snippets, join and per-case grouping."""
    times = []
    with Session(read_engine) as session:
        conn = session.connection()
        for _ in range(count):
            expression = match_expression(rng.choice(QUERIES))
            started = time.perf_counter()
            conn.exec_driver_sql(
                "SELECT row_id, case_id FROM search_index WHERE search_index MATCH ? "
                "ORDER BY rank LIMIT 50",
                (expression,),
            ).all()
            times.append((time.perf_counter() - started) * 1000)
    return times


def range_query(read_engine: Engine, case_ids: list[str], rng: random.Random) -> int:
    """The timeline of 20 cases over a year, and a count of recent incidents per case."""
    found = 0
    with Session(read_engine) as session:
        for case_id in rng.sample(case_ids, min(20, len(case_ids))):
            found += len(
                session.execute(
                    text(
                        "SELECT id, occurred_on, description FROM incident WHERE case_id = :case "
                        "AND occurred_on BETWEEN :start AND :end ORDER BY occurred_on"
                    ),
                    {"case": case_id, "start": "2024-01-01", "end": "2024-12-31"},
                ).all()
            )
        found += len(
            session.execute(
                text(
                    "SELECT case_id, count(*) FROM incident WHERE occurred_on >= :start "
                    "GROUP BY case_id ORDER BY count(*) DESC LIMIT 50"
                ),
                {"start": "2025-06-01"},
            ).all()
        )
    return found


ROUNDS = 4


def workload_seconds(
    read_engine: Engine,
    write_engine: Engine,
    device_id: str,
    case_ids: list[str],
    sizes: Sizes,
    round_number: int,
) -> float:
    """One round (a quarter) of the mixed workload: saves, searches and range queries. The
    same seed per round, so every engine gets exactly the same operations."""
    rng = random.Random(7 + round_number)
    started = time.perf_counter()
    save_times_ms(write_engine, device_id, case_ids, sizes.workload_saves // ROUNDS, rng)
    search_times_ms(read_engine, sizes.workload_searches // ROUNDS, rng)
    range_query(read_engine, case_ids, rng)
    return time.perf_counter() - started


# --- plain SQLite, for the comparison only -----------------------------------------------------


def plain_engines(path: Path, module: Any, synchronous: str = "FULL") -> tuple[Engine, Engine]:
    """database.make_engines without encryption: same pragmas, pools and BEGIN modes."""

    def creator() -> Any:
        conn = module.connect(str(path), check_same_thread=False, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute(f"PRAGMA cache_size = -{PAGE_CACHE_KIB}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(f"PRAGMA synchronous = {synchronous}")
        return conn

    read = create_engine(
        "sqlite://", creator=creator, module=module, poolclass=QueuePool, pool_size=4
    )
    write = create_engine(
        "sqlite://",
        creator=creator,
        module=module,
        poolclass=QueuePool,
        pool_size=1,
        max_overflow=0,
        pool_timeout=60,
    )
    event.listen(read, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
    event.listen(write, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
    return read, write


def export_plain(store: Store, target: Path) -> None:
    """A decrypted copy of the store, page for page (SQLCipher's own sqlcipher_export)."""
    raw = _write_engine(store).raw_connection()
    try:
        raw.execute(f"ATTACH DATABASE '{target}' AS plaintext KEY ''")
        raw.execute("SELECT sqlcipher_export('plaintext')")
        raw.execute("DETACH DATABASE plaintext")
    finally:
        raw.close()


@contextmanager
def synchronous_normal(store: Store) -> Iterator[None]:
    """The store's write connection with synchronous=NORMAL, for the comparison figure only."""
    _write_engine(store).dispose()
    listener: Callable[..., None] = lambda conn, _record: conn.execute(  # noqa: E731
        "PRAGMA synchronous = NORMAL"
    )
    event.listen(_write_engine(store), "connect", listener)
    try:
        yield
    finally:
        event.remove(_write_engine(store), "connect", listener)
        _write_engine(store).dispose()


# --- the figures ----------------------------------------------------------------------------------


def run(quick: bool = False) -> list[Figure]:
    sizes = QUICK if quick else FULL
    scale = f"{sizes.cases:,} cases / {sizes.incidents:,} incidents"
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="asb-bench-store-") as tmp:
        data_dir = Path(tmp) / "store"
        build_store(data_dir, sizes)

        figures.append(
            Figure(
                "unlock (Argon2id + open, median of 5)",
                unlock_seconds(data_dir),
                "s",
                UNLOCK_TARGET_S,
                detail=scale,
            )
        )

        store = open_store(data_dir, PASSPHRASE, actor=ACTOR)
        try:
            with store.read() as session:
                case_ids = list(session.execute(text("SELECT id FROM asb_case")).scalars())
            rng = random.Random(11)

            saves = save_times_ms(_write_engine(store), store.device_id, case_ids, sizes.saves, rng)
            detail = f"{sizes.saves} saves, synchronous=FULL, {scale}"
            p95_full = _percentile(saves, 0.95)
            figures.append(
                Figure(
                    "save one diary entry p50 (synchronous=FULL)",
                    _percentile(saves, 0.50),
                    "ms",
                    SAVE_TARGET_MS,
                    detail=detail,
                )
            )
            figures.append(
                Figure(
                    "save one diary entry p95 (synchronous=FULL)",
                    p95_full,
                    "ms",
                    SAVE_TARGET_MS,
                    detail=detail,
                )
            )
            with synchronous_normal(store):
                normal = save_times_ms(
                    _write_engine(store), store.device_id, case_ids, sizes.saves, rng
                )
            p95_normal = _percentile(normal, 0.95)
            advice = (
                "FULL meets the target: keep it"
                if p95_full < SAVE_TARGET_MS
                else "FULL misses on this disk; NORMAL (WAL) never corrupts but may lose the "
                "last commits on power loss"
            )
            figures.append(
                Figure(
                    "save one diary entry p95 (synchronous=NORMAL, information)",
                    p95_normal,
                    "ms",
                    None,
                    detail=f"p50 {_percentile(normal, 0.5):.2f} ms; {advice}",
                )
            )

            searches, hits = search_times_ms(store.read_engine, sizes.searches, rng)
            figures.append(
                Figure(
                    f"full-text search p95 over {sizes.incidents:,} entries",
                    _percentile(searches, 0.95),
                    "ms",
                    SEARCH_TARGET_MS,
                    detail=f"store.search(), {sizes.searches} one/two-word prefix queries, "
                    f"p50 {_percentile(searches, 0.5):.2f} ms, "
                    f"{hits / sizes.searches:.0f} hits avg",
                )
            )
            bare = match_times_ms(store.read_engine, sizes.searches, rng)
            figures.append(
                Figure(
                    "bare FTS5 MATCH, best 50 by rank, p95 (information)",
                    _percentile(bare, 0.95),
                    "ms",
                    None,
                    detail=f"p50 {_percentile(bare, 0.5):.2f} ms",
                )
            )

            figures.extend(_ratio_figures(store, Path(tmp), case_ids, sizes))
        finally:
            store.close()
    return figures


def _ratio_figures(store: Store, tmp: Path, case_ids: list[str], sizes: Sizes) -> list[Figure]:
    """The same workload on the encrypted store and on decrypted copies of it (same content)."""
    plain_same_library = tmp / "plain-sqlcipher-lib.db"
    plain_stdlib = tmp / "plain-stdlib.db"
    export_plain(store, plain_same_library)
    export_plain(store, plain_stdlib)
    _progress("exported decrypted copies for the comparison")

    import sqlite3

    engines = {
        "encrypted": (store.read_engine, _write_engine(store)),
        "plain": plain_engines(plain_same_library, sqlcipher),
        "stdlib": plain_engines(plain_stdlib, sqlite3),
    }
    totals = dict.fromkeys(engines, 0.0)
    try:
        # Interleaved rounds, in a rotating order: background load on a shared machine then
        # falls on every engine alike instead of on whichever ran last.
        for round_number in range(ROUNDS):
            names = list(engines)
            names = names[round_number % len(names) :] + names[: round_number % len(names)]
            for name in names:
                read, write = engines[name]
                totals[name] += workload_seconds(
                    read, write, store.device_id, case_ids, sizes, round_number
                )
    finally:
        for name in ("plain", "stdlib"):
            for engine in engines[name]:
                engine.dispose()
    encrypted, plain, stdlib = totals["encrypted"], totals["plain"], totals["stdlib"]
    workload = (
        f"{sizes.workload_saves} saves + {sizes.workload_searches} searches + "
        f"range queries: SQLCipher {encrypted:.2f} s"
    )
    return [
        Figure(
            "SQLCipher / plain SQLite, same store workload",
            encrypted / plain,
            "x",
            RATIO_TARGET,
            detail=f"{workload}, plain (same SQLite build, no key) {plain:.2f} s",
        ),
        Figure(
            "SQLCipher / stdlib sqlite3, same store workload (information)",
            encrypted / stdlib,
            "x",
            None,
            detail=f"stdlib sqlite3 {sqlite3.sqlite_version} {stdlib:.2f} s",
        ),
    ]


if __name__ == "__main__":
    for figure in run(quick="--quick" in sys.argv):
        print(figure.line())
