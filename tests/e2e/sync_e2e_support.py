"""Real laptops (encrypted stores) against a real sync server, for the end-to-end sync tests.

The server side reuses the sync tests' kit, tests/sync/sync_server_testkit.py: fresh SQLite or
PostgreSQL central databases, `asb-sync-server serve` processes on loopback, officers with
enrolment tokens. The laptop side is the real thing: `create_store`, the unit of work, the
replica, `run_sync`.

Test modules import the fixtures they use from here (`from sync_e2e_support import ...`).
"""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest
from sqlmodel import select

from asb_tui.services.sync_run import SyncOutcome, enrol, run_sync
from asb_tui.store.commands.cases import refer_case
from asb_tui.store.core.models import CASE_TABLES, Case, ChangeRecord, Note, Person, SyncConflict
from asb_tui.store.core.serialize import row_to_dict
from asb_tui.store.core.store import Store, create_store

REPO = Path(__file__).resolve().parents[2]
PASSPHRASE = "correct horse battery staple"


import laptop_testkit as root_helpers  # noqa: E402
import sync_server_testkit as server_fixtures  # noqa: E402

run_cli = root_helpers.run_cli
cli_env = root_helpers.cli_env
assert_no_traceback = root_helpers.assert_no_traceback

ServerProcess = server_fixtures.ServerProcess
running_server = server_fixtures.running_server
fresh_database = server_fixtures.fresh_database
add_officer = server_fixtures.add_officer
unique_team = server_fixtures.unique_team
server_run_cli = server_fixtures.run_cli
free_port = server_fixtures.free_port


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def central_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh central database: SQLite, and PostgreSQL (skipped when unreachable, failed when
    ASB_REQUIRE_POSTGRES=1)."""
    with fresh_database(request.param, tmp_path_factory.mktemp("central")) as url:
        yield url


@pytest.fixture(scope="module")
def sqlite_central_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database("sqlite", tmp_path_factory.mktemp("central")) as url:
        yield url


@pytest.fixture(scope="module")
def central(
    central_db: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[server_fixtures.ServerProcess]:
    """`asb-sync-server serve` on loopback over `central_db`."""
    with running_server(central_db, tmp_path_factory.mktemp("server-log")) as process:
        yield process


# --- laptops ---------------------------------------------------------------------------------


@dataclass
class Laptop:
    """One officer's laptop: an open encrypted store enrolled with the server."""

    name: str
    team: str
    store: Store
    data_dir: Path
    sync_options: dict[str, Any] = field(default_factory=dict)

    def sync(self, **options: Any) -> SyncOutcome:
        return run_sync(self.store, **{"retry_delay": 0.1, **self.sync_options, **options})

    def new_case(self, summary: str = "Loud music every night", **extra: Any) -> str:
        return refer_case(
            self.store,
            category="nuisance",
            summary=summary,
            referred_on=date(2026, 1, 5),
            team=self.team,
            victim_name=extra.pop("victim_name", "Vic Tim"),
            **extra,
        ).id

    def edit_case(self, case_id: str, changes: dict[str, Any]) -> None:
        with self.store.write() as uow:
            case = uow.reads.get(Case, case_id)
            assert case is not None
            uow.update(case, changes, action="case.edit")

    def add_notes(self, case_id: str, count: int, *, per_transaction: int = 50) -> None:
        for start in range(0, count, per_transaction):
            with self.store.write() as uow:
                for n in range(start, min(count, start + per_transaction)):
                    uow.add(Note(case_id=case_id, body=f"note {n} [/"), action="note.add")

    def count(self, model: Any) -> int:
        with self.store.read() as session:
            return len(session.exec(select(model)).all())

    def case(self, case_id: str) -> Case | None:
        with self.store.read() as session:
            return session.get(Case, case_id)

    def held_case(self, case_id: str) -> Case:
        """The case, which the test knows this laptop holds (a plain failure when it does not)."""
        case = self.case(case_id)
        assert case is not None, f"{self.name}'s laptop does not hold case {case_id}"
        return case

    def snapshot(self) -> dict[tuple[str, str], dict[str, Any]]:
        """Every case row of the store: (table, id) -> all columns."""
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        with self.store.read() as session:
            for model in CASE_TABLES:
                for row in session.exec(select(model)):
                    rows[(str(model.__tablename__), str(row.id))] = row_to_dict(row)  # type: ignore[attr-defined]
        return rows

    def open_conflicts(self) -> list[SyncConflict]:
        with self.store.read() as session:
            return list(session.exec(select(SyncConflict).where(SyncConflict.status != "resolved")))

    def unsent(self) -> int:
        with self.store.read() as session:
            return len(
                session.exec(select(ChangeRecord).where(ChangeRecord.sent_at == None)).all()  # noqa: E711
            )


class LaptopFactory(Protocol):
    """The `laptops` fixture: an enrolled `Laptop` of the team (and agency) on the module's
    server; `sync_options` go to each of its syncs (`run_sync`)."""

    def __call__(
        self, *, team: str, agency: str | None = None, name: str | None = None, **sync_options: Any
    ) -> Laptop: ...


def make_laptop(
    server: server_fixtures.Service,
    directory: Path,
    *,
    team: str,
    agency: str | None = None,
    name: str | None = None,
    **sync_options: Any,
) -> Laptop:
    """An administrator adds the officer; the laptop creates its store and enrols."""
    name = name or f"officer-{uuid.uuid4().hex[:6]}"
    token = add_officer(server.db_url, name, team=team, agency=agency)
    data_dir = directory / f"{name}-{uuid.uuid4().hex[:6]}"
    store, _recovery = create_store(data_dir, PASSPHRASE, actor=name)
    enrol(store, server.url, token, device_name=f"{name}'s laptop")
    return Laptop(name=name, team=team, store=store, data_dir=data_dir, sync_options=sync_options)


@pytest.fixture
def laptops(central: server_fixtures.ServerProcess, tmp_path: Path) -> Iterator[LaptopFactory]:
    """`laptops(team=..., agency=..., name=...)` -> an enrolled `Laptop` on the module's server."""
    made: list[Laptop] = []

    def factory(**kwargs: Any) -> Laptop:
        laptop = make_laptop(central, tmp_path, **kwargs)
        made.append(laptop)
        return laptop

    yield factory
    for laptop in made:
        laptop.store.close()


def comparable(snapshot: dict[tuple[str, str], dict[str, Any]]) -> dict[Any, Any]:
    """Row contents two converged laptops must share."""
    return {key: dict(sorted(row.items())) for key, row in snapshot.items()}


class FaultyTransport(httpx.BaseTransport):
    """An httpx transport that lets a test interfere with chosen requests."""

    def __init__(
        self, hook: Callable[[httpx.Request, httpx.BaseTransport], httpx.Response]
    ) -> None:
        self.inner = httpx.HTTPTransport()
        self.hook = hook

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.hook(request, self.inner)

    def close(self) -> None:
        self.inner.close()


def request_body(request: httpx.Request) -> bytes:
    """The request's body as the service reads it (the client gzips a large one)."""
    content = request.content
    return (
        gzip.decompress(content) if request.headers.get("content-encoding") == "gzip" else content
    )


def is_data_push(request: httpx.Request) -> bool:
    """A request carrying changes: a push, or the exchange that opens a sync, with a batch."""
    pushes = request.url.path in {"/v1/push", "/v1/exchange"}
    return pushes and b'"batch":[]' not in request_body(request)


# --- a hostile peer -------------------------------------------------------------------------


class RawDevice:
    """An enrolled device that speaks raw HTTP (what a hostile peer sends)."""

    def __init__(self, server: Any, team: str) -> None:
        self.url = server.url
        self.device_id = str(uuid.uuid4())
        token = add_officer(server.db_url, "Mallory", team=team)
        reply = httpx.post(
            f"{self.url}/v1/enrol",
            json={"token": token, "device_id": self.device_id, "device_name": "m"},
        )
        assert reply.status_code == 200, reply.text
        self.headers = {
            "Authorization": f"Bearer {reply.json()['device_token']}",
            "Content-Type": "application/json",
        }
        self.counter = 0

    def push(self, changes: list[dict[str, Any]]) -> httpx.Response:
        batch = []
        for change in changes:
            self.counter += 1
            batch.append({"device_counter": self.counter, **change})
        body = {"device_id": self.device_id, "batch": batch,
                "audit_head": {"count": 0, "hash": "0" * 64}}  # fmt: skip
        # json.dumps escapes a lone surrogate as \\ud800, exactly as a hostile client may send it
        return httpx.post(f"{self.url}/v1/push", content=json.dumps(body), headers=self.headers)


def same_ref_case(laptop: Laptop, case_id: str) -> dict[str, Any]:
    """Another case under the reference `case_id` already has."""
    with laptop.store.read() as session:
        case = session.get(Case, case_id)
        assert case is not None
        fields = row_to_dict(case)
    new_id = str(uuid.uuid4())
    fields = {**fields, "id": new_id, "summary": "a second case, same reference"}
    fields.pop("version", None)
    return {"table": "asb_case", "row_id": new_id, "case_id": new_id, "op": "insert",
            "fields": fields}  # fmt: skip


# --- the fault tests' shared workload -------------------------------------------------------

NOTES = 150


def writer_and_reader(
    laptops: LaptopFactory, writer_hook: Any = None, reader_hook: Any = None
) -> tuple[Laptop, Laptop]:
    team = unique_team()
    writer_options: dict[str, Any] = {"retries": 12, "batch_size": 60}
    if writer_hook is not None:
        writer_options["transport"] = FaultyTransport(writer_hook)
    reader_options: dict[str, Any] = {"retries": 12, "page_size": 50}
    if reader_hook is not None:
        reader_options["transport"] = FaultyTransport(reader_hook)
    return (
        laptops(team=team, name="Writer", **writer_options),
        laptops(team=team, name="Reader", **reader_options),
    )


def fault_workload(writer: Laptop) -> str:
    case_id = writer.new_case("Repeated damage to cars", victim_name="Sam")
    writer.add_notes(case_id, NOTES)
    with writer.store.write() as uow:
        person = uow.reads.exec(select(Person).where(Person.case_id == case_id)).one()
        uow.update(person, {"name": "Sam Smith"}, action="person.edit")
    return case_id


def assert_like_a_fault_free_run(writer: Laptop, reader: Laptop, case_id: str) -> None:
    writer.sync()
    reader.sync()
    assert writer.unsent() == 0
    assert reader.count(Note) == writer.count(Note) == NOTES  # nothing lost, nothing doubled
    assert comparable(reader.snapshot()) == comparable(writer.snapshot())
    with reader.store.read() as session:
        assert session.exec(select(Person).where(Person.case_id == case_id)).one().name == (
            "Sam Smith"
        )
