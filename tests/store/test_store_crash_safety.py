"""Crash safety: a process saving diary entries is killed with SIGKILL at random moments, again
and again on the same store; every entry it reported as saved is there, the database is intact,
the audit chain verifies and the per-device change counters have no gap."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from sqlmodel import col, select

from asb_tui.store.core import settings
from asb_tui.store.core.audit import verify_chain
from asb_tui.store.core.models import AuditEvent, Case, ChangeRecord, Incident
from asb_tui.store.core.store import Store, open_store

WRITER = Path(__file__).with_name("crash_writer.py")
KILLS = 24
PASSPHRASE = "correct horse battery staple"


def _one_run(data_dir: Path, case_id: str, rng: random.Random, kill_during_open: bool) -> list[str]:
    """Start the writer, SIGKILL it at a random moment, return the ids it reported as saved."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASB_")}
    env["ASB_PASSPHRASE"] = PASSPHRASE
    process = subprocess.Popen(
        [sys.executable, str(WRITER), str(data_dir), case_id],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        assert process.stdout is not None
        if kill_during_open:
            # Anywhere from the imports to unlock, migration check and the first saves.
            time.sleep(rng.uniform(0.3, 0.9))
        else:
            first = process.stdout.readline()
            assert first == b"ready\n", (first, process.stderr.read() if process.stderr else b"")
            time.sleep(rng.uniform(0.0, 0.25))
        process.send_signal(signal.SIGKILL)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == -signal.SIGKILL, (process.returncode, err.decode())
    # Only whole lines count: a line cut by the kill was never fully reported.
    return [
        line.removeprefix("saved ")
        for line in out.decode().split("\n")[:-1]
        if line.startswith("saved ")
    ]


def test_entries_reported_saved_survive_sigkill(store: Store) -> None:
    with store.write() as uow:
        case = uow.add(
            Case(
                ref="ASB-2026-00007",
                category="personal",
                status="accepted",
                referred_on=date(2026, 1, 1),
            ),
            action="case.refer",
        )
    data_dir = store.paths.data_dir
    store.close()

    rng = random.Random()  # a fresh moment each run; the seed is in the failure message
    seed = rng.randrange(2**32)
    rng.seed(seed)
    reported: list[str] = []
    runs_with_saves = 0
    for run in range(KILLS):
        saved = _one_run(data_dir, case.id, rng, kill_during_open=run % 4 == 3)
        runs_with_saves += bool(saved)
        reported.extend(saved)
    assert runs_with_saves >= KILLS // 2, f"too few runs got to save (seed {seed})"
    print(f"{len(reported)} entries reported over {KILLS} kills, {runs_with_saves} runs saved")

    reopened = open_store(data_dir, PASSPHRASE, actor="Checker")
    with reopened, reopened.read() as session:
        conn = session.connection()
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalars().all() == ["ok"]

        stored = set(session.exec(select(Incident.id)).all())
        missing = [i for i in reported if i not in stored]
        assert missing == [], f"{len(missing)} reported entries lost (seed {seed})"
        assert len(reported) == len(set(reported))

        result = verify_chain(session)
        assert result.ok, f"{result.problem} (seed {seed})"
        # One audit event per write (store.create, case.refer, every incident and case edit).
        edits = session.exec(select(AuditEvent).where(AuditEvent.action == "case.edit")).all()
        assert result.count == 2 + len(stored) + len(edits)

        counters = session.exec(
            select(ChangeRecord.counter)
            .where(ChangeRecord.device_id == reopened.device_id)
            .order_by(col(ChangeRecord.counter))
        ).all()
        assert counters == list(range(1, len(counters) + 1)), f"gap in counters (seed {seed})"
        assert settings.get(session, settings.DEVICE_COUNTER) == str(len(counters))
        assert len(counters) == 1 + len(stored) + len(edits)
