"""A killed app keeps every diary row whose save had returned: SIGKILL at a random moment while
rows are being typed, then the store reopens with every reported row and a sound database."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import text
from sqlmodel import col, select

from asb_tui.store.commands import diary
from asb_tui.store.core.audit import verify_chain
from asb_tui.store.core.models import Incident
from asb_tui.store.core.store import Store, open_store

DRIVER = Path(__file__).with_name("diary_kill_driver.py")


def test_sigkill_keeps_every_saved_row(
    store: Store, case_id: str, data_dir: Path, passphrase: str
) -> None:
    sheet = diary.record_sheets_sent(store, case_id, sent_on=date(2026, 11, 1))
    store.close()
    env = {**os.environ, "ASB_PASSPHRASE": passphrase}
    child = subprocess.Popen(
        [sys.executable, str(DRIVER), str(data_dir), case_id, sheet.id],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    reported: list[str] = []
    wanted = random.randint(3, 6)
    try:
        assert child.stdout is not None
        while len(reported) < wanted:
            line = child.stdout.readline()
            assert line, f"driver ended early: {child.stderr.read() if child.stderr else ''}"
            assert line.strip() != "NOT SAVED"
            reported.append(line.strip())
        time.sleep(random.uniform(0, 0.4))  # mid-row, mid-save or between rows
        child.send_signal(signal.SIGKILL)
        rest, _err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    reported += [line.strip() for line in rest.splitlines() if line.strip()]
    assert child.returncode == -signal.SIGKILL

    reopened = open_store(data_dir, passphrase, actor="Test Officer")
    try:
        with reopened.read() as session:
            assert session.connection().execute(text("PRAGMA integrity_check")).one()[0] == "ok"
            assert verify_chain(session).ok
            stored = set(
                session.exec(
                    select(Incident.id).where(col(Incident.diary_sheet_id) == sheet.id)
                ).all()
            )
    finally:
        reopened.close()
    assert len(reported) >= wanted
    assert set(reported) <= stored
    assert len(stored) - len(reported) <= 1  # at most the row whose save was under way
