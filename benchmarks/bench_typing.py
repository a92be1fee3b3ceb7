"""A diary sheet typed into the real app in a real terminal (tmux) at one key every 30 ms, then
pasted: every row must be in the store exactly as typed (docs/performance.md). Also reports
Enter-to-saved (p50/p95): from the moment the app takes the Enter key to the moment the grid
shows the row saved, measured inside the app.

The app runs in a tmux session of its own (a private tmux server, 120x40) over an encrypted
store with one case and its diary sheet; `tmux send-keys` types each key as a terminal does and
`tmux paste-buffer -p` pastes as a terminal's bracketed paste. The typing is paced from one clock,
so a slow `send-keys` does not stretch the gaps after it.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from benchmarks._report import Figure

PASSPHRASE = "benchmark passphrase for asb-tui"  # noqa: S105 - a throwaway benchmark store
TODAY = date(2026, 11, 23)
KEY_GAP = 0.030
ROWS, QUICK_ROWS = 30, 8
TARGET_WRONG = 1  # rows lost or wrong: fewer than one
TARGET_ENTER_TO_SAVED_P95_MS = 100.0  # as a keypress-to-screen figure (docs/performance.md)

# The app in the terminal: the real AsbApp over the store, opened on the case's diary sheet. The
# two wrappers only note times: when Enter reached the grid, and when the row showed as saved.
CHILD = """
import json, sys, time
from datetime import date
from pathlib import Path
from asb_tui.store.core.store import open_store
from asb_tui.app import AsbApp
from asb_tui.config import Config
from asb_tui.screens.diary_sheet import DiarySheetScreen
from asb_tui.widgets.diary_grid import DiaryGrid

data_dir, case_id, sheet_id, times_path = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
entered = {}
times = open(times_path, "a", buffering=1)

submit = DiaryGrid.action_submit_row
def timed_submit(self):
    entered[self.current_row.id] = time.perf_counter()
    submit(self)
DiaryGrid.action_submit_row = timed_submit

# The screen's RowSaved handler marks the row saved in the grid: the time ends there (an @on
# handler is registered when its class is made, so the grid's method is the one to wrap).
mark_saved = DiaryGrid.mark_saved
def timed_mark_saved(self, row_id, shown):
    mark_saved(self, row_id, shown)
    started = entered.get(row_id)
    if started is not None:
        times.write(json.dumps({"ms": (time.perf_counter() - started) * 1000}) + "\\n")
DiaryGrid.mark_saved = timed_mark_saved

class OnTheSheet(AsbApp):
    def _push_dashboard(self, kept_copy):
        super()._push_dashboard(kept_copy)
        self.push_screen(DiarySheetScreen(case_id, sheet_id))

store = open_store(data_dir, sys.argv[5], actor="Benchmark Officer")
config = Config(data_dir=data_dir, officer="Benchmark Officer", auto_lock_minutes=0)
OnTheSheet(config, data_dir, today=date(2026, 11, 23), store=store).run()
"""


@dataclass(frozen=True)
class Row:
    cells: tuple[str, str, str, str, str, str, str]
    stored: tuple[date, str, str, str, str, bool, str]


_SHAPES = [
    ("{d}/11/2026", "21:30", "21:30", "Loud music until late", "Flat 4", "Kept awake", "n", ""),
    ("", "2305", "23:05", "Shouting on the stairs", "Two men", "Scared", "y", "CAD 1234"),
    ("{d}/11/26", "7am", "07:00", "Bins set alight; smoke", "Unknown", "Afraid", "y", "CR/55"),
    ("{d}.11.2026", "9.15pm", "21:15", "Eggs thrown [/] at window", "Teens", "Upset", "", ""),
    ("{d}/11/2026", "", "", "Siobhán's door kicked", "Ó Súilleabháin", "Shaken", "N", ""),
    ("", "18:00", "18:00", "Car blocking the drive #[x]", "Flat 4", "Late", "no", ""),
]


def sheet(rows: int, first_day: int) -> list[Row]:
    made: list[Row] = []
    day = first_day
    for number in range(rows):
        typed_date, typed_time, stored_time, what, who, effect, police, ref = _SHAPES[
            number % len(_SHAPES)
        ]
        if typed_date:
            day = first_day + number % 9
            typed_date = typed_date.format(d=f"{day:02d}")
        what = f"{what} ({number + 1})"
        reported = police.lower() in {"y", "yes"}
        made.append(
            Row(
                (typed_date, typed_time, what, who, effect, police, ref),
                (date(2026, 11, day), stored_time, what, who, effect, reported, ref),
            )
        )
    return made


class Terminal:
    """One tmux session on a private tmux server."""

    def __init__(self, socket: str, width: int = 120, height: int = 40) -> None:
        self.socket, self.width, self.height = socket, width, height

    def _env(self) -> dict[str, str]:
        # The private server (and so the app) starts with no ASB_ settings and a UTF-8 locale.
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASB_")}
        env.update(LANG="C.UTF-8", LC_ALL="C.UTF-8")
        return env

    def tmux(self, *args: str, check: bool = True) -> str:
        return subprocess.run(
            ["tmux", "-u", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            check=check,
            env=self._env(),
        ).stdout

    def start(self, command: list[str]) -> None:
        self.tmux(
            "new-session", "-d", "-s", "app", "-x", str(self.width), "-y", str(self.height),
            " ".join(_quote(part) for part in command),
        )  # fmt: skip

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "app", check=False)

    def wait_for(self, text: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.screen():
            if time.monotonic() > deadline:
                raise RuntimeError(f"{text!r} never showed; the screen:\n{self.screen()}")
            time.sleep(0.05)

    def type_keys(self, keys: list[str], gap: float) -> None:
        """One key every `gap` seconds, paced from one clock."""
        started = time.perf_counter()
        for index, key in enumerate(keys):
            wait = started + index * gap - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            if key in ("Tab", "Enter"):
                self.tmux("send-keys", "-t", "app", key)
            else:
                # A lone ";" separates tmux commands: escaped, it is the character.
                self.tmux("send-keys", "-t", "app", "-l", "\\;" if key == ";" else key)

    def paste(self, text: str) -> None:
        self.tmux("set-buffer", "-b", "sheet", text)
        self.tmux("paste-buffer", "-p", "-d", "-b", "sheet", "-t", "app")

    def alive(self) -> bool:
        found = subprocess.run(
            ["tmux", "-L", self.socket, "has-session", "-t", "app"],
            check=False,
            capture_output=True,
        )
        return found.returncode == 0

    def stop(self) -> None:
        self.tmux("kill-server", check=False)


def _quote(part: str) -> str:
    return "'" + part.replace("'", "'\"'\"'") + "'"


def keys_of(rows: list[Row]) -> list[str]:
    keys: list[str] = []
    for row in rows:
        for index, cell in enumerate(row.cells):
            keys.extend(cell)
            keys.append("Enter" if index == len(row.cells) - 1 else "Tab")
    return keys


def _prepare(data_dir: Path) -> tuple[str, str]:
    from asb_tui.store.commands import diary
    from asb_tui.store.commands.cases import refer_case
    from asb_tui.store.core.store import create_store

    store, _recovery = create_store(data_dir, PASSPHRASE, actor="Benchmark Officer")
    try:
        case = refer_case(
            store,
            category="personal",
            summary="Music and shouting at night",
            referred_on=date(2026, 10, 26),
            officer="Benchmark Officer",
            team="north",
            victim_name="Ann Victim",
        )
        sent = diary.record_sheets_sent(store, case.id, sent_on=date(2026, 10, 30))
        return case.id, sent.id
    finally:
        store.close()


def _stored(data_dir: Path, sheet_id: str) -> list[tuple[object, ...]]:
    from asb_tui.store.commands import diary
    from asb_tui.store.core.store import open_store

    store = open_store(data_dir, PASSPHRASE, actor="Benchmark Officer")
    try:
        return [
            (
                i.occurred_on,
                i.occurred_time,
                i.description,
                i.who_involved,
                i.impact,
                i.reported_to_police,
                i.police_ref,
            )
            for i in diary.sheet_entries(store, sheet_id)
        ]
    finally:
        store.close()


def _wait_for_lines(path: Path, count: int, timeout: float) -> list[float]:
    deadline = time.monotonic() + timeout
    while True:
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        if len(lines) >= count or time.monotonic() > deadline:
            return [json.loads(line)["ms"] for line in lines]
        time.sleep(0.05)


def _wrong(what: str, expected: list[Row], got: list[tuple[object, ...]]) -> int:
    """Rows lost or not as typed (position by position, plus any extra); each one is printed."""
    wrong = 0
    for index, row in enumerate(expected):
        stored = got[index] if index < len(got) else None
        if stored != row.stored:
            wrong += 1
            print(f"{what} row {index + 1}: typed {row.stored!r}, stored {stored!r}", flush=True)
    return wrong + max(0, len(got) - len(expected))


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run(quick: bool = False) -> list[Figure]:
    if shutil.which("tmux") is None:
        raise RuntimeError("tmux is needed for this benchmark (apt-get install tmux)")
    count = QUICK_ROWS if quick else ROWS
    typed, pasted = sheet(count, 1), sheet(count, 12)
    with tempfile.TemporaryDirectory(prefix="asb-bench-typing-") as tmp:
        data_dir = Path(tmp) / "store"
        case_id, sheet_id = _prepare(data_dir)
        times_path = Path(tmp) / "times.jsonl"
        terminal = Terminal(f"asb-bench-{os.getpid()}")
        command = [sys.executable, "-c", CHILD, str(data_dir), case_id, sheet_id,
                   str(times_path), PASSPHRASE]  # fmt: skip
        try:
            terminal.start(command)
            terminal.wait_for("Diary sheet entry")
            terminal.wait_for("Sheet 1 of 1")
            started = time.perf_counter()
            terminal.type_keys(keys_of(typed), KEY_GAP)
            typing_seconds = time.perf_counter() - started
            typed_ms = _wait_for_lines(times_path, count, timeout=30)
            terminal.paste("\n".join("\t".join(row.cells) for row in pasted) + "\n")
            all_ms = _wait_for_lines(times_path, 2 * count, timeout=30)
            terminal.tmux("send-keys", "-t", "app", "C-q")
            deadline = time.monotonic() + 20
            while terminal.alive() and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            terminal.stop()
        got = _stored(data_dir, sheet_id)
    wrong_typed = _wrong("typed", typed, got[:count])
    wrong_pasted = _wrong("pasted", pasted, got[count:])
    keys = len(keys_of(typed))
    detail = f"{count} rows, {keys} keys in {typing_seconds:.1f} s, tmux 120x40"
    figures = [
        Figure(
            "diary sheet typed at 1 key / 30 ms: rows lost or wrong",
            wrong_typed,
            "rows",
            TARGET_WRONG,
            detail=detail,
        ),
        Figure(
            "diary sheet pasted: rows lost or wrong",
            wrong_pasted,
            "rows",
            TARGET_WRONG,
            detail=f"{count} rows, one bracketed paste",
        ),
    ]
    if typed_ms:
        figures += [
            Figure("diary typed: Enter to saved p50", statistics.median(typed_ms), "ms"),
            Figure(
                "diary typed: Enter to saved p95",
                _percentile(typed_ms, 0.95),
                "ms",
                TARGET_ENTER_TO_SAVED_P95_MS,
                detail=f"{len(typed_ms)} rows; in the app, key taken to row shown saved",
            ),
        ]
    pasted_ms = all_ms[len(typed_ms) :]
    if pasted_ms:
        figures.append(
            Figure(
                "diary pasted: Enter to saved p95 (rows queued at once)",
                _percentile(pasted_ms, 0.95),
                "ms",
                detail=f"{len(pasted_ms)} rows saved one after another",
            )
        )
    return figures


if __name__ == "__main__":
    for figure in run(quick="--quick" in sys.argv):
        print(figure.line())
