"""Helper for test_store_crash_safety.py, run as a subprocess: saves diary entries (Incident rows
through the unit of work) in a loop until it is killed.

Usage: python crash_writer.py DATA_DIR CASE_ID   (passphrase in ASB_PASSPHRASE)

Prints "ready" once the store is open, then one line "saved <incident id>" per entry, each written
and flushed only AFTER its transaction committed: every id it printed must survive a SIGKILL.
Every tenth entry also edits the case (an update, with a base version) in the same transaction.
"""

from __future__ import annotations

import gc
import os
import sys
from datetime import date, timedelta
from pathlib import Path

from asb_tui.store.core.models import Case, Incident
from asb_tui.store.core.store import open_store


def main(data_dir: str, case_id: str) -> None:
    store = open_store(Path(data_dir), os.environ["ASB_PASSPHRASE"], actor="Crash Writer")
    # The objects made by the imports and the open are collected now, so a full collection
    # (a pause of a few hundred milliseconds on a loaded machine) does not fall in the short
    # window after "ready" that the test gives the writes.
    gc.collect()
    print("ready", flush=True)
    n = 0
    while True:
        n += 1
        with store.write() as uow:
            incident = uow.add(
                Incident(
                    case_id=case_id,
                    occurred_on=date(2026, 1, 1) + timedelta(days=n % 300),
                    description=f"Entry {n} from process {os.getpid()}: shouting and banging",
                    location="Stairwell, Block C",
                ),
                action="incident.add",
            )
            if n % 10 == 0:
                case = uow.reads.get(Case, case_id)
                assert case is not None
                uow.update(case, {"summary": f"{n} entries so far"}, action="case.edit")
        print(f"saved {incident.id}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
