"""`asb-tui deadlines` on a demo store: soonest first, one line each, JSON for scripts."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from laptop_testkit import assert_no_traceback, run_cli

from asb_tui.domain.labels import label
from asb_tui.domain.types import DeadlineState
from asb_tui.store.core.store import Store
from asb_tui.store.demo.demo import fill_demo

TODAY = date(2026, 11, 20)


def test_deadlines_json_and_lines_on_a_demo_store(store: Store, data_dir: Path) -> None:
    fill_demo(store, cases=12, seed=3, today=TODAY)
    store.close()

    result = run_cli("deadlines", "--json", "--today", "20/11/2026", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    due = json.loads(result.stdout)
    assert due, "a demo store always has something due"
    assert {d["state"] for d in due} <= {"overdue", "due-today", "due-soon"}
    assert [d["due_on"] for d in due] == sorted(d["due_on"] for d in due)
    first = due[0]
    assert first["case_ref"].startswith("ASB-") and first["what"]
    assert date.fromisoformat(first["due_on"]).strftime("%d/%m/%Y") == first["due"]

    everything = json.loads(
        run_cli("deadlines", "--all", "--json", "--today", "20/11/2026", data_dir=data_dir).stdout
    )
    assert len(everything) > len(due)
    assert "not-due" in {d["state"] for d in everything}

    lines = run_cli("deadlines", "--today", "20/11/2026", data_dir=data_dir)
    assert lines.returncode == 0
    rows = lines.stdout.splitlines()
    assert len(rows) == len(due)
    assert rows[0].startswith(first["case_ref"])
    assert first["due"] in rows[0] and rows[0].rstrip().endswith(
        label(DeadlineState(first["state"]))
    )


def test_deadlines_refuses_a_bad_date_without_a_traceback(store: Store, data_dir: Path) -> None:
    store.close()
    result = run_cli("deadlines", "--today", "31/02/2026", data_dir=data_dir)
    assert result.returncode == 2
    assert "not a real date" in result.stderr
    assert_no_traceback(result)
