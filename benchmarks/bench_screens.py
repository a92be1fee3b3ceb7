"""Keypress to screen drawn, on the case screens, at 5,000 and at 50,000 cases (issue 19).

The real AsbApp runs headless (`run_test`) over a real encrypted store: the 5,000-case store of
bench_app (built here) and the cached 50,000-case store of bench_scale (a working copy). Each
action is timed from the moment its key is sent to the first paint of the screen with its data:

- open a case: `enter` on a dashboard row -> the case detail posts `Loaded` (its tables filled)
  -> the next refresh (`call_after_refresh`, i.e. after the compositor has drawn it);
- switch tabs: `2`..`9`, `1` on the case detail -> `TabActivated` -> the next refresh;
- back to the dashboard: `escape` -> the dashboard resumed (its rows are there) -> the next
  refresh; the time until its incremental recomputation is shown is reported too (info);
- a keypress echo while the dashboard refreshes whole (`r`, then `down` at once): `down` -> the
  cursor moved -> the next refresh;
- start to the fresh dashboard (the app mounted over the open store, unlock excluded) -> the
  freshly computed rows drawn: at the first start (nothing kept: every case computed, for
  information) and at the next start the same day (the board the first run kept brought up to
  date, the target).

p50/p95 per action; a p95 over its target is a MISSED figure (exit non-zero). The figures are
noisy on a loaded machine: compare them with one another rather than across runs.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import scale_store
from benchmarks._report import Figure
from benchmarks.bench_store import _percentile

SCREEN_TARGET_MS = 100.0
ECHO_TARGET_MS = 30.0
FRESH_TARGET_S = 1.0
OPENS = 12
ECHOES = 8
SMALL_CASES = 5_000
QUICK_SMALL_CASES = 300
PASSPHRASE = "benchmark passphrase for asb-tui screens"  # noqa: S105 - a throwaway store
OFFICER = "Benchmark Officer"
SIZE = (120, 40)


def _progress(message: str) -> None:
    print(f"  [screens] {message}", file=sys.stderr, flush=True)


def build_small(data_dir: Path, cases: int) -> None:
    from asb_tui.store.core.store import create_store
    from asb_tui.store.demo.demo import fill_demo

    store, _recovery = create_store(data_dir, PASSPHRASE, actor=OFFICER)
    try:
        fill_demo(
            store,
            cases=cases,
            seed=7,
            today=scale_store.TODAY,
            incidents_per_case=20,
            bulk=True,
            batch_size=500,
        )
    finally:
        store.close()


@dataclass
class Timings:
    start_fresh: float = 0.0  # seconds
    start_rows: int = 0
    # The next start, on the board the first run kept (nothing written since)
    start_kept: float = 0.0
    open_case: list[float] = field(default_factory=list)  # ms
    tab: list[float] = field(default_factory=list)
    back: list[float] = field(default_factory=list)
    back_fresh: list[float] = field(default_factory=list)
    echo: list[float] = field(default_factory=list)


def _timed_app(data_dir: Path, store: Any) -> Any:
    from textual import on

    from asb_tui.app import AsbApp
    from asb_tui.config import Config
    from asb_tui.screens.case_detail import CaseDetailScreen
    from asb_tui.screens.dashboard import DashboardScreen

    class Timed(AsbApp):
        """Marks the moments the benchmark waits for: `expect(kind)` then the event is set once
        the screen has been drawn after that kind of message."""

        def __init__(self) -> None:
            config = Config(data_dir=data_dir, officer=OFFICER, auto_lock_minutes=0)
            super().__init__(config, data_dir, today=scale_store.TODAY, store=store)
            self.started = time.perf_counter()
            self.waits: dict[str, tuple[asyncio.Event, list[float]]] = {}
            self.fresh_at: float | None = None
            self.fresh_rows = 0

        def expect(self, kind: str) -> tuple[asyncio.Event, list[float]]:
            mark: tuple[asyncio.Event, list[float]] = (asyncio.Event(), [])
            self.waits[kind] = mark
            return mark

        def seen(self, kind: str) -> None:
            mark = self.waits.pop(kind, None)
            if mark is None:
                return

            def drawn() -> None:
                mark[1].append(time.perf_counter())
                mark[0].set()

            self.call_after_refresh(drawn)

        @on(DashboardScreen.Populated)
        def _populated(self, message: DashboardScreen.Populated) -> None:
            if message.fresh:
                if self.fresh_at is None:
                    self.fresh_rows = message.rows

                    def drawn() -> None:
                        self.fresh_at = time.perf_counter()

                    self.call_after_refresh(drawn)
                self.seen("dashboard-fresh")

        @on(CaseDetailScreen.Loaded)
        def _loaded(self) -> None:
            self.seen("case")

    return Timed()


async def _until_fresh(app: Any) -> float:
    """Seconds from the app's start to its first fresh board drawn."""
    deadline = time.perf_counter() + 300
    while app.fresh_at is None:
        assert time.perf_counter() < deadline, "the dashboard never showed fresh rows"
        await asyncio.sleep(0.005)
    return float(app.fresh_at - app.started)


async def _start_only(app: Any, timings: Timings) -> None:
    async with app.run_test(size=SIZE):
        timings.start_kept = await _until_fresh(app)
        await app.workers.wait_for_complete()


async def _drive(app: Any, timings: Timings, opens: int, echoes: int) -> None:
    from textual import events
    from textual.widgets import DataTable, TabbedContent

    from asb_tui.screens.case_detail import TABS

    def hook(message: object) -> None:
        if isinstance(message, events.ScreenResume) and type(app.screen).__name__ == (
            "DashboardScreen"
        ):
            app.seen("dashboard")
        elif isinstance(message, TabbedContent.TabActivated):
            app.seen("tab")
        elif isinstance(message, DataTable.RowHighlighted):
            app.seen("cursor")

    async def timed(keys: list[str], *kinds: str) -> list[float]:
        marks = [app.expect(kind) for kind in kinds]
        sent = time.perf_counter()
        for key in keys:
            await pilot.press(key)
        for event, _ in marks:
            await asyncio.wait_for(event.wait(), timeout=120)
        return [(when[0] - sent) * 1000 for _, when in marks]

    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        timings.start_fresh = await _until_fresh(app)
        timings.start_rows = app.fresh_rows
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert table.row_count > 0, "the dashboard shows no cases to open"
        rows = table.row_count
        for n in range(opens):
            await app.workers.wait_for_complete()
            await pilot.pause()
            app.screen.query_one(DataTable).move_cursor(row=(n * 37) % rows, animate=False)
            await pilot.pause()
            (opened,) = await timed(["enter"], "case")
            timings.open_case.append(opened)
            await pilot.pause()
            for number in [*range(2, len(TABS) + 1), 1]:
                (switched,) = await timed([str(number)], "tab")
                timings.tab.append(switched)
            back, fresh = await timed(["escape"], "dashboard", "dashboard-fresh")
            timings.back.append(back)
            timings.back_fresh.append(fresh)
        # Keys typed while one whole refresh runs (a new `r` only once it is shown).
        fresh_mark: tuple[asyncio.Event, list[float]] | None = None
        while len(timings.echo) < echoes:
            if fresh_mark is None or fresh_mark[0].is_set():
                await app.workers.wait_for_complete()
                await pilot.pause()
                fresh_mark = app.expect("dashboard-fresh")
                await pilot.press("r")
            app.screen.query_one(DataTable).move_cursor(row=0, animate=False)
            await pilot.pause()
            (echo,) = await timed(["down"], "cursor")
            timings.echo.append(echo)
            await asyncio.sleep(0.05)
        assert fresh_mark is not None
        await asyncio.wait_for(fresh_mark[0].wait(), timeout=300)
        await app.workers.wait_for_complete()


def measure(data_dir: Path, passphrase: str, opens: int, echoes: int) -> Timings:
    from asb_tui.store.core.store import open_store

    store = open_store(data_dir, passphrase, actor=OFFICER)
    timings = Timings()
    app = _timed_app(data_dir, store)
    try:
        asyncio.run(_drive(app, timings, opens, echoes))
    finally:
        store.close()
    # The officer starts the app again the same day: the board the first run kept is used.
    store = open_store(data_dir, passphrase, actor=OFFICER)
    try:
        asyncio.run(_start_only(_timed_app(data_dir, store), timings))
    finally:
        store.close()
    return timings


def figures(label: str, timings: Timings) -> list[Figure]:
    def p(values: list[float], q: float) -> float:
        return _percentile(values, q)

    out = [
        Figure(
            f"start to fresh dashboard drawn, nothing kept (info), {label}",
            timings.start_fresh,
            "s",
            None,
            detail=f"{timings.start_rows} rows; unlock excluded; the first start of a day",
        ),
        Figure(
            f"start to fresh dashboard drawn, {label}",
            timings.start_kept,
            "s",
            FRESH_TARGET_S,
            detail="the board kept by the last run of the day (store/cache/board_cache.py)",
        ),
    ]
    for name, values, target in (
        ("open a case (enter -> detail drawn) p95", timings.open_case, SCREEN_TARGET_MS),
        ("switch tab on the case detail p95", timings.tab, SCREEN_TARGET_MS),
        ("back to the dashboard (escape -> drawn) p95", timings.back, SCREEN_TARGET_MS),
        ("back, until the recomputed rows drawn p95 (info)", timings.back_fresh, None),
        ("key echo while the dashboard refreshes p95", timings.echo, ECHO_TARGET_MS),
    ):
        out.append(
            Figure(
                f"{name}, {label}",
                p(values, 0.95),
                "ms",
                target,
                detail=f"p50 {p(values, 0.5):.0f} ms, max {max(values):.0f} ms, n={len(values)}",
            )
        )
    return out


def run(quick: bool = False) -> list[Figure]:
    results: list[Figure] = []
    small = QUICK_SMALL_CASES if quick else SMALL_CASES
    opens = 3 if quick else OPENS
    echoes = 2 if quick else ECHOES
    with tempfile.TemporaryDirectory(prefix="asb-bench-screens-") as tmp:
        data_dir = Path(tmp) / "small"
        built = time.perf_counter()
        build_small(data_dir, small)
        _progress(f"{small:,}-case store built in {time.perf_counter() - built:.0f} s")
        results += figures(f"{small:,} cases", measure(data_dir, PASSPHRASE, opens, echoes))
        shutil.rmtree(data_dir)
        big = scale_store.QUICK_CASES if quick else scale_store.CASES
        started = time.perf_counter()
        big_dir = scale_store.working_copy(big, Path(tmp))
        copied = time.perf_counter() - started
        _progress(f"working copy of the {big:,}-case store in {copied:.0f} s")
        results += figures(
            f"{big:,} cases", measure(big_dir, scale_store.PASSPHRASE, opens, echoes)
        )
    return results


def _main(argv: list[str]) -> None:
    """`python -m benchmarks.bench_screens [DATA_DIR PASSPHRASE]`: one store, for profiling."""
    if len(argv) == 2:
        for figure in figures(argv[0], measure(Path(argv[0]), argv[1], OPENS, ECHOES)):
            print(figure.line())
        return
    for figure in run(quick="--quick" in argv):
        print(figure.line())


if __name__ == "__main__":
    _main(sys.argv[1:])
