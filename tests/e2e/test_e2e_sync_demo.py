"""The way an office first meets the system, through the real CLI: a demo store (every kind of
record, house-to-house runs included) made on laptop A before it is enrolled, laptop B fresh, both
enrolled to one team on a loopback service. After syncing, nothing is left in either outbox and
both `export json` agree record for record.

The demo's cases carry made-up teams; at enrolment the never-synced cases are adopted into the
officer's team (audited, and said by `enrol`), or the service would refuse every one of them."""

# ruff: noqa: F811  (the fixtures imported from sync_e2e_support are test arguments)

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sync_e2e_support import (  # noqa: F401  (fixtures)
    PASSPHRASE,
    LaptopFactory,
    add_officer,
    assert_no_traceback,
    central,
    laptops,
    run_cli,
    sqlite_central_db,
    unique_team,
)
from sync_server_testkit import ServerProcess

from asb_tui.store.commands.cases import refer_case
from asb_tui.store.core.models import CASE_TABLES
from asb_tui.store.core.store import open_store
from asb_tui.store.replica.sync_state import changes_waiting, set_aside_changes


@pytest.fixture(scope="module")
def central_db(sqlite_central_db: str) -> str:
    return sqlite_central_db


def _cli(data_dir: Path, *args: str) -> str:
    done = run_cli(*args, data_dir=data_dir)
    assert_no_traceback(done)
    assert done.returncode == 0, f"asb-tui {' '.join(args)}: {done.stderr}{done.stdout}"
    return done.stdout


def _records(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    document = json.loads(path.read_text(encoding="utf-8"))
    records: dict[tuple[str, str], dict[str, Any]] = {}
    for case in document["cases"]:
        for table, rows in case.items():
            for row in rows if isinstance(rows, list) else [rows]:
                records[(table, row["id"])] = row
    return records


def test_a_demo_store_syncs_whole_to_a_second_laptop_of_the_team(
    central: ServerProcess, tmp_path: Path
) -> None:
    team = unique_team()
    a, b = tmp_path / "a", tmp_path / "b"
    _cli(a, "demo", "--cases", "6", "--seed", "5")
    _cli(b, "init")
    made = len(json.loads(_cli(a, "case", "list", "--json")))  # the demo adds worked cases too
    assert made >= 6
    enrolled = _cli(a, "enrol", "--server", central.url,
                    "--token", add_officer(central.db_url, "Ann", team=team))  # fmt: skip
    adopted = re.search(r"(\d+) cases made on this laptop before it was enrolled now belong to "
                        rf"team '{team}'", enrolled)  # fmt: skip
    assert adopted and int(adopted.group(1)) == made, enrolled
    _cli(b, "enrol", "--server", central.url,
         "--token", add_officer(central.db_url, "Bob", team=team))  # fmt: skip

    first = _cli(a, "sync")
    assert "not sent" not in first and "not applied" not in first, first
    received = _cli(b, "sync")
    assert "not applied" not in received and "conflicts 0" in received, received
    for laptop in (a, b):  # nothing waits in either outbox, nothing was set aside
        with open_store(laptop, PASSPHRASE, actor="Test Officer") as store:
            assert changes_waiting(store) == 0
            assert set_aside_changes(store) == []

    _cli(a, "export", "json", "--out", str(tmp_path / "a.json"))
    _cli(b, "export", "json", "--out", str(tmp_path / "b.json"))
    on_a, on_b = _records(tmp_path / "a.json"), _records(tmp_path / "b.json")
    kinds = {table for table, _id in on_a}
    every_kind = {"case" if m.__tablename__ == "asb_case" else str(m.__tablename__)
                  for m in CASE_TABLES}  # fmt: skip
    # The demo makes every kind of record the app's commands make; no command (and so no
    # screen) records an evidence item yet, so the demo, made by the commands, has none.
    assert kinds == every_kind - {"evidence_item"}, every_kind - kinds
    assert on_b == on_a  # record for record, field for field
    assert {row["team"] for (table, _id), row in on_b.items() if table == "case"} == {team}


def test_a_case_made_after_enrolment_is_the_officers_teams_and_syncs(
    central: ServerProcess, laptops: LaptopFactory
) -> None:
    team = unique_team()
    ann, bob = laptops(team=team, name="Ann"), laptops(team=team, name="Bob")
    # The app's referral form passes the configured team, which may still be the default.
    case_id = refer_case(ann.store, category="nuisance", summary="Bins set alight",
                         referred_on=date(2026, 3, 2), team="default").id  # fmt: skip
    made = ann.case(case_id)
    assert made is not None and made.team == team
    assert ann.sync().result.refused == ()
    bob.sync()
    assert bob.case(case_id) is not None
