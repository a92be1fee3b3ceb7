"""Several demo stores on one service, the way a council tries the system on a few laptops: each
store fills its demo (the same seed, so the same case numbers) before it is enrolled, then all
enrol with one service on PostgreSQL and sync both ways. Each demo store numbers its cases in a
series of its own (`case_refs.demo_series`), so every case reaches every laptop that may see it,
nothing is set aside or refused, and references stay unique (the laptop's `asb_case.ref` is
unique: a shared series made the second store's cases fail to apply)."""

# ruff: noqa: F811  (the fixtures imported from sync_e2e_support are test arguments)

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select
from sync_e2e_support import (  # noqa: F401  (fixtures)
    PASSPHRASE,
    add_officer,
    central,
    fresh_database,
    unique_team,
)
from sync_server_testkit import ServerProcess

from asb_tui.config import Config
from asb_tui.services.sync_run import SyncOutcome, enrol, run_sync
from asb_tui.store.core.case_refs import demo_series
from asb_tui.store.core.models import Case
from asb_tui.store.core.store import Store, create_store
from asb_tui.store.demo.demo import fill_demo
from asb_tui.store.replica.sync_state import changes_waiting, set_aside_changes

pytestmark = pytest.mark.postgres
CASES = 5
TODAY = date(2026, 11, 24)


@pytest.fixture(scope="module")
def central_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database("postgres", tmp_path_factory.mktemp("central")) as url:
        yield url


@dataclass
class DemoLaptop:
    name: str
    team: str
    store: Store
    refs: set[str]

    def sync(self) -> SyncOutcome:
        outcome = run_sync(self.store, retry_delay=0.1)
        assert outcome.result.ok, outcome.result.error
        assert outcome.result.refused == (), outcome.result.refused
        assert outcome.result.set_aside_pulled == 0
        return outcome

    def held_refs(self) -> set[str]:
        with self.store.read() as session:
            return set(session.exec(select(Case.ref)).all())


@pytest.fixture
def demo_laptop(central: ServerProcess, tmp_path: Path) -> Iterator[object]:
    made: list[DemoLaptop] = []

    def factory(name: str, team: str) -> DemoLaptop:
        store, _ = create_store(tmp_path / name, PASSPHRASE, actor=name)
        summary = fill_demo(
            store,
            cases=CASES,
            seed=1,  # every laptop the same seed: the same numbers, the worst case
            today=TODAY,
            worked_cases=1,  # one in the store's own (not demo) series too
            config=Config(data_dir=tmp_path / name, officer=name, team="Made-up team"),
        )
        token = add_officer(central.db_url, name, team=team)
        enrol(store, central.url, token, device_name=f"{name}'s laptop")
        laptop = DemoLaptop(name, team, store, set(summary.refs) | set(summary.worked_refs))
        made.append(laptop)
        return laptop

    yield factory
    for laptop in made:
        laptop.store.close()


def _settled(*laptops: DemoLaptop) -> None:
    for _round in range(2):  # push, pull, and what the others pushed since
        for laptop in laptops:
            laptop.sync()
    for laptop in laptops:
        assert changes_waiting(laptop.store) == 0
        assert set_aside_changes(laptop.store) == []


def test_two_demo_stores_of_one_team_share_the_service(demo_laptop) -> None:  # type: ignore[no-untyped-def]
    team = unique_team()
    ann, bob = demo_laptop("Ann", team), demo_laptop("Bob", team)
    assert len(ann.refs) == len(bob.refs) == CASES + 1
    assert not ann.refs & bob.refs  # the same seed, each in its own series
    assert demo_series(ann.store.device_id) != demo_series(bob.store.device_id)
    _settled(ann, bob)
    every = ann.refs | bob.refs
    assert ann.held_refs() == bob.held_refs() == every  # every case arrived on both laptops


def test_demo_stores_of_two_teams_share_the_service(demo_laptop) -> None:  # type: ignore[no-untyped-def]
    east, west = unique_team(), unique_team()
    ann, bob = demo_laptop("Ann", east), demo_laptop("Bob", east)
    cy = demo_laptop("Cy", west)
    _settled(ann, bob, cy)
    assert ann.held_refs() == bob.held_refs() == ann.refs | bob.refs
    assert cy.held_refs() == cy.refs  # the other team's cases stay with that team
    assert len(ann.refs | bob.refs | cy.refs) == 3 * (CASES + 1)  # references stay unique
    # A second officer of the west team receives every west case (none refused centrally).
    dee = demo_laptop("Dee", west)
    _settled(cy, dee)
    assert dee.held_refs() == cy.refs | dee.refs
