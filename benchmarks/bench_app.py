"""Start to an interactive dashboard on a 5,000-case store (unlock excluded), against a bare
Textual app measured in the same run; and the memory with 5,000 cases open.

Each start runs in a fresh subprocess (imports included, as a person launching the app sees it),
several times, interleaved; medians are compared. "Interactive" means the dashboard's table is
populated. The app's child opens the store first and reports how long that took (Argon2id and
the engine, and the imports that opening needs), which is subtracted: unlock has its own target.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from benchmarks._report import Figure

CASES = 5_000
INCIDENTS_PER_CASE = 20
RUNS = 5
TARGET_RATIO = 1.5
TARGET_RSS_MB = 200.0
PASSPHRASE = "benchmark passphrase for asb-tui"  # noqa: S105 - a throwaway benchmark store
TODAY = date(2026, 11, 23)

BARE_CHILD = """
import time
from textual.app import App
from textual.widgets import DataTable, Footer, Header

class Bare(App):
    def compose(self):
        yield Header()
        yield DataTable()
        yield Footer()

    def on_mount(self):
        table = self.query_one(DataTable)
        table.add_columns("Due", "Case")
        table.add_row("23/11/2026", "ASB-2026-XXX-00001")
        self.call_after_refresh(self.ready)

    def ready(self):
        print("READY 0", flush=True)
        self.exit()

Bare().run(headless=True)
"""

APP_CHILD = """
import time
started = time.perf_counter()
import resource, sys
from datetime import date
from pathlib import Path
from asb_tui.store.store import open_store

data_dir = Path(sys.argv[1])
store = open_store(data_dir, sys.argv[2], actor="Benchmark Officer")
# The unlock phase: the store's imports and opening it (Argon2id, engines). Excluded.
unlock = time.perf_counter() - started

from asb_tui.app import AsbApp
from asb_tui.config import Config

def peak_rss_mb():
    # VmHWM belongs to this process image; ru_maxrss would include the parent's peak at fork
    # (a Linux quirk), i.e. the memory the benchmark used to build the store.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Timed(AsbApp):
    def on_dashboard_screen_populated(self, message):
        self.call_after_refresh(self.ready, message.rows)

    def ready(self, rows):
        rss_mb = peak_rss_mb()
        print(f"READY {unlock:.6f} {rss_mb:.1f} {rows}", flush=True)
        self.exit()

config = Config(data_dir=data_dir, officer="Benchmark Officer", auto_lock_minutes=0)
Timed(config, data_dir, today=date(2026, 11, 23), store=store).run(headless=True)
"""


def build_store(data_dir: Path) -> None:
    from asb_tui.store.demo import fill_demo
    from asb_tui.store.store import create_store

    store, _recovery = create_store(data_dir, PASSPHRASE, actor="Benchmark Officer")
    try:
        fill_demo(
            store,
            cases=CASES,
            seed=7,
            today=TODAY,
            incidents_per_case=INCIDENTS_PER_CASE,
            bulk=True,
            batch_size=500,
        )
    finally:
        store.close()


def _start(code: str, *args: str) -> tuple[float, list[str]]:
    """Seconds from launching the child to its READY line, and the line's fields."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASB_")}
    env["TEXTUAL"] = ""
    launched = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert child.stdout is not None
    fields: list[str] = []
    for line in child.stdout:
        if line.startswith("READY"):
            elapsed = time.perf_counter() - launched
            fields = line.split()[1:]
            break
    else:
        _out, err = child.communicate(timeout=60)
        raise RuntimeError(f"the child never became ready: {err[-2000:]}")
    child.communicate(timeout=60)
    return elapsed, fields


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="asb-bench-app-") as tmp:
        data_dir = Path(tmp) / "store"
        built = time.perf_counter()
        build_store(data_dir)
        build_seconds = time.perf_counter() - built
        bare: list[float] = []
        app: list[float] = []
        rss: list[float] = []
        rows = 0
        _start(BARE_CHILD)  # warm the OS file cache for both, so neither pays it alone
        _start(APP_CHILD, str(data_dir), PASSPHRASE)
        for _ in range(RUNS):
            seconds, _fields = _start(BARE_CHILD)
            bare.append(seconds)
            seconds, fields = _start(APP_CHILD, str(data_dir), PASSPHRASE)
            unlock, peak, rows = float(fields[0]), float(fields[1]), int(fields[2])
            app.append(seconds - unlock)
            rss.append(peak)
    bare_median = statistics.median(bare)
    app_median = statistics.median(app)
    detail = f"{CASES:,} cases, {CASES * INCIDENTS_PER_CASE:,} incidents, {RUNS} runs each"
    return [
        Figure("bare Textual app: start to first frame (median)", bare_median, "s"),
        Figure(
            "asb-tui: start to populated dashboard, unlock excluded (median)",
            app_median,
            "s",
            detail=f"{rows:,} dashboard rows; store built in {build_seconds:.0f} s",
        ),
        Figure(
            "dashboard start / bare Textual start",
            app_median / bare_median,
            "x",
            target=TARGET_RATIO,
            detail=detail,
        ),
        Figure(
            "peak RSS with 5,000 cases open (dashboard shown)",
            max(rss),
            "MB",
            target=TARGET_RSS_MB,
        ),
    ]


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
