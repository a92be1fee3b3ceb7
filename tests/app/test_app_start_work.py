"""What a start does before the dashboard is shown: the kept copy is read while the UI thread
imports the dashboard's screen, and neither the `holidays` package, the date parser nor the
editing screens' form helpers are loaded on the way to the fresh dashboard."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from app_testkit import OFFICER, accepted_case, make_app, wait_for
from textual.message import Message

from asb_tui.app import AsbApp, KeptCopyReading
from asb_tui.screens import dashboard_copy
from asb_tui.screens.dashboard import DashboardScreen
from asb_tui.store.core.store import Store, open_store

REPO = Path(__file__).resolve().parents[2]


async def test_the_dashboard_is_imported_while_the_kept_copy_is_read(
    store: Store, data_dir: Path, passphrase: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    accepted_case(store, data_dir, "Ann Lee")
    read = dashboard_copy.load_kept_copy
    import_turn = threading.Event()
    overlapped: list[bool] = []

    def slow_read(app: AsbApp) -> object:
        # The read holds on until the UI thread has taken its turn to import the screen (or
        # 10 s): it must have, while the read was still under way.
        overlapped.append(import_turn.wait(timeout=10))
        return read(app)

    monkeypatch.setattr(dashboard_copy, "load_kept_copy", slow_read)
    seen: list[DashboardScreen.Populated] = []

    def record(message: Message) -> None:
        # Called on the UI thread as each message is handled.
        if isinstance(message, KeptCopyReading):
            import_turn.set()
        elif isinstance(message, DashboardScreen.Populated):
            seen.append(message)

    app = make_app(data_dir, open_store(data_dir, passphrase, actor=OFFICER))
    async with app.run_test(size=(120, 30), message_hook=record) as pilot:
        await wait_for(pilot, lambda: any(m.fresh for m in seen))
        await app.workers.wait_for_complete()
    assert overlapped == [True]


PROBE = """
import sys
from datetime import date
from pathlib import Path
from asb_tui.store.core.store import open_store
from asb_tui.app import AsbApp, KeptCopyReading
from asb_tui.config import Config
from asb_tui.screens.dashboard import DashboardScreen

data_dir = Path(sys.argv[1])
store = open_store(data_dir, sys.argv[2], actor=sys.argv[3])

class Probe(AsbApp):
    def on_dashboard_screen_populated(self, message):
        if message.fresh:
            self.call_after_refresh(self.exit)

config = Config(data_dir=data_dir, officer=sys.argv[3], auto_lock_minutes=0)
Probe(config, data_dir, today=date(2026, 11, 20), store=store).run(headless=True)
print("loaded:", sorted(
    name for name in ("holidays", "dateutil.parser", "asb_tui.widgets.form_state")
    if name in sys.modules
))
"""


def test_a_start_to_the_fresh_dashboard_loads_no_more_than_it_needs(
    store: Store, data_dir: Path, passphrase: str
) -> None:
    accepted_case(store, data_dir, "Ann Lee")
    store.close()
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(data_dir), passphrase, OFFICER],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "loaded: []" in result.stdout, result.stdout + result.stderr[-2000:]
    # And the store is still whole for the test's fixture to close.
    open_store(data_dir, passphrase, actor=OFFICER).close()
