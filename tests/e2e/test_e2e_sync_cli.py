"""`asb-tui enrol` and `asb-tui sync` in subprocesses against a real server (SQLite).

Exit status of `sync`: 0 done, 3 conflicts wait for the officer, 1 network or server error (nothing
lost), 2 user errors: not enrolled, wrong passphrase, revoked device (an administrator must act;
retrying cannot help). Every failure is a clear message, never a traceback.
"""

# ruff: noqa: F811  (the fixtures imported from sync_e2e_support are test arguments)

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sync_e2e_support import (  # noqa: F401  (fixtures)
    PASSPHRASE,
    add_officer,
    assert_no_traceback,
    central,
    cli_env,
    free_port,
    run_cli,
    sqlite_central_db,
    unique_team,
)
from sync_server_testkit import ServerProcess

from asb_tui.store.commands.cases import refer_case
from asb_tui.store.core.models import Case, Note
from asb_tui.store.core.store import Store, create_store, open_store
from asb_tui.store.replica.sync_state import changes_waiting, open_conflicts
from sync.server.accounts import revoke_device
from sync.server.db import open_database


@pytest.fixture(scope="module")
def central_db(sqlite_central_db: str) -> str:
    return sqlite_central_db


def _new_store(directory: Path) -> Store:
    store, _recovery = create_store(directory, PASSPHRASE, actor="Officer")
    return store


def _edit_summary(data_dir: Path, case_id: str, summary: str) -> None:
    with open_store(data_dir, PASSPHRASE, actor="Officer") as store, store.write() as uow:
        case = uow.reads.get(Case, case_id)
        assert case is not None
        uow.update(case, {"summary": summary}, action="case.edit")


def _sync(data_dir: Path, *extra: str, env: dict[str, str] | None = None) -> Any:
    done = run_cli("sync", *extra, data_dir=data_dir, env=env)
    assert_no_traceback(done)
    return done


def test_enrol_then_sync_exit_0_then_conflicts_exit_3(
    central: ServerProcess, tmp_path: Path
) -> None:
    team = unique_team()
    one_dir, two_dir = tmp_path / "one", tmp_path / "two"
    with _new_store(one_dir) as one:
        case_id = refer_case(one, category="nuisance", summary="Dogs barking",
                             referred_on=_day(), team=team, victim_name="Vic").id  # fmt: skip
    _new_store(two_dir).close()

    token = add_officer(central.db_url, "One", team=team)
    enrolled = run_cli("enrol", "--server", central.url, f"--token={token}", data_dir=one_dir)
    assert enrolled.returncode == 0, enrolled.stderr
    assert f"enrolled with {central.url} as One (team {team})" in enrolled.stdout
    # The other laptop gives its token in the environment instead of argv.
    env = cli_env(two_dir, ASB_ENROL_TOKEN=add_officer(central.db_url, "Two", team=team))
    enrolled = run_cli("enrol", "--server", central.url, data_dir=two_dir, env=env)
    assert enrolled.returncode == 0, enrolled.stderr

    first = _sync(one_dir)
    assert first.returncode == 0, first.stderr
    assert "3 changes waiting to be sent" in first.stdout
    assert "pushed 3 changes" in first.stdout
    assert "done: pushed 3, pulled 0, conflicts 0" in first.stdout  # not its own back
    second = _sync(two_dir)
    assert second.returncode == 0, second.stderr
    assert "done: pushed 0, pulled 3, conflicts 0" in second.stdout

    _edit_summary(one_dir, case_id, "Dogs barking all night")
    _edit_summary(two_dir, case_id, "Dogs barking at 6am")
    assert _sync(one_dir).returncode == 0
    clash = _sync(two_dir)
    assert clash.returncode == 3, clash.stdout + clash.stderr
    assert "conflicts 1" in clash.stdout
    assert "1 conflicts wait for you" in clash.stdout
    with open_store(two_dir, PASSPHRASE, actor="Two") as two:
        [conflict] = open_conflicts(two)
        assert (conflict.mine, conflict.theirs) == ("Dogs barking at 6am", "Dogs barking all night")


def test_user_errors_exit_2_with_a_clear_message(central: ServerProcess, tmp_path: Path) -> None:
    data_dir = tmp_path / "lonely"
    _new_store(data_dir).close()

    not_enrolled = _sync(data_dir)
    assert not_enrolled.returncode == 2
    assert "not enrolled" in not_enrolled.stderr and "asb-tui enrol" in not_enrolled.stderr

    wrong = _sync(data_dir, env=cli_env(data_dir, ASB_PASSPHRASE="not the passphrase at all"))
    assert wrong.returncode == 2
    assert "passphrase" in wrong.stderr.lower()

    bad_token = run_cli("enrol", "--server", central.url, "--token=made-up", data_dir=data_dir)
    assert_no_traceback(bad_token)
    assert bad_token.returncode == 2
    assert "enrolment refused" in bad_token.stderr and "token" in bad_token.stderr

    no_token = run_cli("enrol", "--server", central.url, data_dir=data_dir)
    assert no_token.returncode == 2
    assert "no enrolment token" in no_token.stderr


def test_server_down_exits_1_and_a_revoked_laptop_exits_2_with_its_data(
    central: ServerProcess, tmp_path: Path
) -> None:
    team = unique_team()
    data_dir = tmp_path / "laptop"
    with _new_store(data_dir) as store:
        device_id = store.device_id
        case_id = refer_case(store, category="personal", summary="Threats at the door",
                             referred_on=_day(), team=team).id  # fmt: skip
    token = add_officer(central.db_url, "Rev", team=team)
    enrolled = run_cli("enrol", "--server", central.url, f"--token={token}", data_dir=data_dir)
    assert enrolled.returncode == 0, enrolled.stderr

    down = _sync(data_dir, "--server", f"http://127.0.0.1:{free_port()}")  # nobody listens
    assert down.returncode == 1, down.stdout + down.stderr
    assert "could not reach the sync server" in down.stderr
    assert "nothing was lost" in down.stderr and "asb-tui sync" in down.stderr

    database = open_database(central.db_url)
    try:
        assert revoke_device(database, device_id)
    finally:
        database.dispose()
    _edit_summary(data_dir, case_id, "Threats at the door, twice")
    revoked = _sync(data_dir)
    assert revoked.returncode == 2, revoked.stdout + revoked.stderr
    assert "revoked" in revoked.stderr
    assert "local data is intact" in revoked.stderr

    with open_store(data_dir, PASSPHRASE, actor="Rev") as store:
        with store.read() as session:
            case = session.get(Case, case_id)
            assert case is not None and case.summary == "Threats at the door, twice"
        assert changes_waiting(store) == 2  # the case and the edit: nothing sent, nothing dropped


def _day() -> date:
    from datetime import date

    return date(2026, 3, 2)


def test_a_new_laptops_first_sync_prints_the_snapshot_progress(
    central: ServerProcess, tmp_path: Path
) -> None:
    team = unique_team()
    one_dir, two_dir = tmp_path / "one", tmp_path / "two"
    with _new_store(one_dir) as one:
        case_id = refer_case(one, category="nuisance", summary="Dogs barking",
                             referred_on=_day(), team=team, victim_name="Vic").id  # fmt: skip
        with one.write() as uow:  # more than the exchange's one page: a snapshot
            for n in range(600):
                uow.add(Note(case_id=case_id, body=f"note {n}"), action="note.add")
    _new_store(two_dir).close()
    for name, data_dir in (("One", one_dir), ("Two", two_dir)):
        token = add_officer(central.db_url, name, team=team)
        enrolled = run_cli("enrol", "--server", central.url, f"--token={token}", data_dir=data_dir)
        assert enrolled.returncode == 0, enrolled.stderr
    assert _sync(one_dir).returncode == 0
    second = _sync(two_dir)
    assert second.returncode == 0, second.stderr
    rows = 600 + 3  # the notes, the case, its victim and their party
    assert f"first pull (snapshot): {rows:,} of {rows:,} rows, " in second.stdout
    assert " MB" in second.stdout
    assert f"done: pushed 0, pulled {rows}, conflicts 0" in second.stdout
