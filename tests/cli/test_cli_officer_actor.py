"""The CLI works as the officer the store keeps (asked on the app's first run), not as the login
name: its audit events and the demo cases it makes name that officer. A store that names none
falls back to the configured or login name, and the command says so (after its work, so a
refusal stays one line)."""

from __future__ import annotations

import getpass
from pathlib import Path

from laptop_testkit import PASSPHRASE, assert_no_traceback, run_cli
from sqlmodel import col, select

from asb_tui.store.commands.officer import Officer, save_officer
from asb_tui.store.core.models import AuditEvent, Case
from asb_tui.store.core.store import create_store, open_store

NOTE = "does not name its officer"


def _events_and_cases(data_dir: Path, after: int) -> tuple[set[str], set[tuple[str, str]]]:
    with open_store(data_dir, PASSPHRASE, actor="reader") as store, store.read() as session:
        actors = set(
            session.exec(select(AuditEvent.actor).where(col(AuditEvent.seq) > after)).all()
        )
        cases = {(c.officer, c.team) for c in session.exec(select(Case)).all()}
    return actors, cases


def test_cli_audit_events_and_demo_cases_name_the_stored_officer(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    store, _ = create_store(data_dir, PASSPHRASE, actor="login-name")
    save_officer(store, Officer("Jo Officer", "Safer Communities East"))
    with store.read() as session:
        last = max(session.exec(select(AuditEvent.seq)).all(), default=0) or 0
    store.close()

    result = run_cli("demo", "--cases", "3", "--seed", "4", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert_no_traceback(result)
    assert NOTE not in result.stderr
    actors, cases = _events_and_cases(data_dir, last)
    assert actors == {"Jo Officer"}
    # Every case (the seeded ones and the two worked through the procedure) is the officer's.
    assert cases == {("Jo Officer", "Safer Communities East")}


def test_without_a_stored_officer_the_cli_falls_back_to_the_login_and_says_so(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    assert run_cli("init", data_dir=data_dir).returncode == 0
    result = run_cli("demo", "--cases", "1", "--seed", "4", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert NOTE in result.stderr and repr(getpass.getuser()) in result.stderr
    actors, cases = _events_and_cases(data_dir, 0)
    assert actors == {getpass.getuser()}
    assert {officer for officer, _team in cases} == {getpass.getuser()}

    refused = run_cli(
        "export", "vvc", "--case", "ASB-NOPE", "--out", str(tmp_path / "p.pdf"), "--no-encrypt",
        data_dir=data_dir,
    )  # fmt: skip
    assert refused.returncode == 2
    assert_no_traceback(refused)
    assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert NOTE not in refused.stderr
    # A command that only reads records no work, so it names nobody.
    listed = run_cli("case", "list", data_dir=data_dir)
    assert listed.returncode == 0 and listed.stderr == "", listed.stderr
