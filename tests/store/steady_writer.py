"""Helper for test_store_rekey_faults.py, run as a subprocess: keeps the store open and saves
diary entries (Incident rows through the unit of work) one after another until a line arrives on
stdin, then reports and exits.

Usage: python steady_writer.py DATA_DIR CASE_ID   (passphrase in ASB_PASSPHRASE)

Prints "ready <monotonic time of the first save>" after its first entry is saved, and at the end
one JSON line: {"saved": [ids], "failed": [messages], "first": t0, "last": t1}. The times are
CLOCK_MONOTONIC, shared by every process of the machine, so the test can tell whether the writes
went on while something else ran.
"""

from __future__ import annotations

import json
import os
import select
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from asb_tui.store.core.models import Incident
from asb_tui.store.core.store import open_store


def _stop_requested() -> bool:
    ready, _, _ = select.select([sys.stdin], [], [], 0)
    return bool(ready)


def main(data_dir: str, case_id: str) -> None:
    store = open_store(Path(data_dir), os.environ["ASB_PASSPHRASE"], actor="Steady Writer")
    saved: list[str] = []
    failed: list[str] = []
    first = last = 0.0
    with store:
        n = 0
        while n == 0 or not _stop_requested():
            n += 1
            try:
                with store.write() as uow:
                    incident = uow.add(
                        Incident(
                            case_id=case_id,
                            occurred_on=date(2026, 1, 1) + timedelta(days=n % 300),
                            description=f"Entry {n} written while the store is open",
                        ),
                        action="incident.add",
                    )
                saved.append(incident.id)
            except Exception as exc:  # every failure is the finding: report it, carry on
                failed.append(f"{type(exc).__name__}: {exc}")
            last = time.monotonic()
            if n == 1:
                first = last
                print(f"ready {first}", flush=True)
    print(json.dumps({"saved": saved, "failed": failed, "first": first, "last": last}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
