"""Start to an interactive dashboard on a 5,000-case store (unlock excluded), against a bare
Textual app measured in the same run; and the memory with 5,000 cases open.

Each start runs in a fresh subprocess (imports included, as a person launching the app sees it),
several times, interleaved with the bare app's; medians are compared. The app's child opens the
store first and reports how long that took (Argon2id and the engine, and the imports that opening
needs), which is subtracted: unlock has its own target.

"Interactive" is the same test on both sides: the table shows its rows (300 rows of six columns,
as the dashboard shows at most), then a key press (`down`) is sent and the moment counts only
once the table has moved its cursor and the screen has been painted again. For asb-tui the rows
are real cases: the dashboard's copy of its last computation (kept in the encrypted store and
marked "refreshing…") when there is one, else the fresh computation. The time until the fresh
computation has replaced them is reported too, and so is a first start with no kept copy.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from benchmarks._report import Figure

CASES = 5_000
INCIDENTS_PER_CASE = 20
RUNS = 5
FIRST_START_RUNS = 3
TARGET_RATIO = 1.5
TARGET_RSS_MB = 200.0
PASSPHRASE = "benchmark passphrase for asb-tui"  # noqa: S105 - a throwaway benchmark store
TODAY = date(2026, 11, 23)

# Both children end the same way: rows shown -> press `down` -> cursor moved and painted -> READY.
KEY_CHECK = """
    def press_down(self):
        self.simulate_key("down")
        self.call_after_refresh(self.wait_for_cursor)

    def wait_for_cursor(self, tries=0):
        if self.screen.query_one(DataTable).cursor_row >= 1:
            self.call_after_refresh(self.interactive)
        elif tries > 20_000:
            self.exit(return_code=1, message="the key press never moved the cursor")
        else:
            self.set_timer(0.001, lambda: self.wait_for_cursor(tries + 1))
"""

BARE_CHILD = (
    """
from rich.text import Text
from textual.app import App
from textual.widgets import DataTable, Footer, Header

# What is due comes before who it is about, so that it shows at 80 columns.
COLUMNS = (("Due", 10), ("State", 9), ("Case", 18), ("Next", 30), ("Risk", 8), ("Victim", 18))

class Bare(App):
    def compose(self):
        yield Header()
        yield DataTable(cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self):
        table = self.query_one(DataTable)
        table.focus()
        for label, width in COLUMNS:
            table.add_column(label, width=width)
        for n in range(300):
            table.add_row(
                Text("23/11/2026"), Text("OVERDUE"), Text(f"ASB-2026-XXX-{n:05d}"), Text("high"),
                Text("Ann Lee"), Text("First home visit"), key=str(n),
            )
        self.call_after_refresh(self.press_down)
"""
    + KEY_CHECK
    + """
    def interactive(self):
        print("READY 0 fresh", flush=True)
        self.exit()

Bare().run(headless=True)
"""
)

APP_CHILD = (
    """
import time
started = time.perf_counter()
import resource, sys
from datetime import date
from pathlib import Path
from asb_tui.store.core.store import open_store

data_dir = Path(sys.argv[1])
store = open_store(data_dir, sys.argv[2], actor="Benchmark Officer")
# The unlock phase: the store's imports and opening it (Argon2id, engines). Excluded.
unlock = time.perf_counter() - started

from textual.widgets import DataTable
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
    first_rows = None
    fresh_seen = False
    ready_seen = False

    def on_dashboard_screen_populated(self, message):
        if self.first_rows is None:
            fresh = getattr(message, "fresh", True)
            self.first_rows = ("fresh" if fresh else "cached", message.rows)
            self.call_after_refresh(self.press_down)
        if getattr(message, "fresh", True) and not self.fresh_seen:
            self.fresh_seen = True
            self.call_after_refresh(self.fresh_painted, message.rows)
"""
    + KEY_CHECK
    + """
    def interactive(self):
        kind, rows = self.first_rows
        print(f"READY {unlock:.6f} {kind} {rows}", flush=True)
        self.ready_seen = True
        self.finish_when_done()

    def fresh_painted(self, rows):
        print(f"FRESH {rows}", flush=True)
        self.finish_when_done()

    def finish_when_done(self):
        if self.ready_seen and self.fresh_seen:
            # Let the dashboard keep its copy for the next start (as when an officer quits).
            self.call_later(self.finish)

    async def finish(self):
        await self.workers.wait_for_complete()
        print(f"DONE {peak_rss_mb():.1f}", flush=True)
        self.exit()

config = Config(data_dir=data_dir, officer="Benchmark Officer", auto_lock_minutes=0)
Timed(config, data_dir, today=date(2026, 11, 23), store=store).run(headless=True)
"""
)


def build_store(data_dir: Path) -> None:
    from asb_tui.store.core.store import create_store
    from asb_tui.store.demo.demo import fill_demo

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


def forget_dashboard_copies(data_dir: Path) -> None:
    """Remove the dashboard's kept copies, as on a first start."""
    from asb_tui.store.cache.local_cache import forget_snapshots
    from asb_tui.store.core.store import open_store

    store = open_store(data_dir, PASSPHRASE, actor="Benchmark Officer")
    try:
        forget_snapshots(store)
    finally:
        store.close()


@dataclass
class Start:
    ready: float  # launch to READY, seconds
    fields: list[str]  # READY's fields
    fresh: float | None = None  # launch to FRESH (the app only)
    rss_mb: float = 0.0


def _start(code: str, *args: str) -> Start:
    """Launch a child and time its READY (and FRESH) lines."""
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
    result: Start | None = None
    fresh: float | None = None
    rss = 0.0
    for line in child.stdout:
        now = time.perf_counter() - launched
        if line.startswith("READY"):
            result = Start(now, line.split()[1:])
        elif line.startswith("FRESH"):
            fresh = now
        elif line.startswith("DONE"):
            rss = float(line.split()[1])
    _out, err = child.communicate(timeout=60)
    if result is None or child.returncode != 0:
        raise RuntimeError(f"the child failed ({child.returncode}): {err[-2000:]}")
    result.fresh = fresh
    result.rss_mb = rss
    return result


def _app_seconds(start: Start) -> tuple[float, float]:
    """(to interactive, to fresh rows), unlock subtracted."""
    unlock = float(start.fields[0])
    assert start.fresh is not None, "the dashboard never showed its fresh computation"
    return start.ready - unlock, start.fresh - unlock


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="asb-bench-app-") as tmp:
        data_dir = Path(tmp) / "store"
        built = time.perf_counter()
        build_store(data_dir)
        build_seconds = time.perf_counter() - built
        bare: list[float] = []
        app: list[float] = []
        fresh: list[float] = []
        rss: list[float] = []
        kinds: list[str] = []
        rows = 0
        # Warm the OS file cache for both, so neither pays it alone. The app's first start also
        # leaves the dashboard's kept copy, as an officer's previous session would.
        _start(BARE_CHILD)
        _start(APP_CHILD, str(data_dir), PASSPHRASE)
        for _ in range(RUNS):
            bare.append(_start(BARE_CHILD).ready)
            start = _start(APP_CHILD, str(data_dir), PASSPHRASE)
            interactive, refreshed = _app_seconds(start)
            app.append(interactive)
            fresh.append(refreshed)
            rss.append(start.rss_mb)
            kinds.append(start.fields[1])
            rows = int(start.fields[2])
        first: list[float] = []
        for _ in range(FIRST_START_RUNS):
            forget_dashboard_copies(data_dir)
            start = _start(APP_CHILD, str(data_dir), PASSPHRASE)
            first.append(_app_seconds(start)[0])
            rss.append(start.rss_mb)
    bare_median = statistics.median(bare)
    app_median = statistics.median(app)
    fresh_median = statistics.median(fresh)
    first_median = statistics.median(first)
    detail = f"{CASES:,} cases, {CASES * INCIDENTS_PER_CASE:,} incidents, {RUNS} runs each"
    cached = kinds.count("cached")
    return [
        Figure(
            "bare Textual app: start to 300-row table + key (median)",
            bare_median,
            "s",
            detail=f"runs {', '.join(f'{s:.3f}' for s in bare)}",
        ),
        Figure(
            "asb-tui: start to interactive dashboard, unlock excl.",
            app_median,
            "s",
            detail=f"{rows:,} rows, from the kept copy in {cached} of {RUNS} runs; "
            f"runs {', '.join(f'{s:.3f}' for s in app)}; store built in {build_seconds:.0f} s",
        ),
        Figure(
            "dashboard start / bare Textual start",
            app_median / bare_median,
            "x",
            target=TARGET_RATIO,
            detail=detail,
        ),
        Figure(
            "asb-tui: start to freshly computed dashboard (info)",
            fresh_median,
            "s",
            detail=f"{fresh_median / bare_median:.2f} x bare; "
            f"runs {', '.join(f'{s:.3f}' for s in fresh)}",
        ),
        Figure(
            "asb-tui: first start, no kept copy (info)",
            first_median,
            "s",
            detail=f"{first_median / bare_median:.2f} x bare; {FIRST_START_RUNS} runs",
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
