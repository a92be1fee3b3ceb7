"""What opening a case reads, part by part, over many cases of one store (issue 19).

`python -m benchmarks.case_reads DATA_DIR PASSPHRASE [--sample N]` opens the store and, for a
fixed sample of its cases (every k-th by reference, N of them, default 2,000; `--sample 0` for
every case), times `read_case_detail` whole and then each of its parts in one read:

- records: `load_case_records` (the case's own rows);
- facts: `load_case_facts` for the case and its deadlines;
- detail: `case_detail_from` (the read model built from the two above, no SQL);
- linked: `linked_cases`; repeat: `case_repeat_flags`; elsewhere: `people_known_elsewhere`.

It prints p50/p95/max per part (ms) and the 10 slowest cases with their sizes: the case's own
rows, its people, the linked cases and repeat lines shown. Not part of `make bench` (no target):
it is for finding which cases are slow and why, and for comparing a change with the code before
it on the same store (run it with PYTHONPATH pointing at the other code).
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks import scale_store

PARTS = ("total", "records", "facts", "detail", "linked", "repeat", "elsewhere")


@dataclass
class CaseTiming:
    ref: str
    ms: dict[str, float] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)


def _timed(timing: CaseTiming, part: str, call: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    result = call()
    timing.ms[part] = (time.perf_counter() - started) * 1000
    return result


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _sample(case_ids: list[str], wanted: int) -> list[str]:
    if wanted <= 0 or wanted >= len(case_ids):
        return case_ids
    step = len(case_ids) / wanted
    return [case_ids[int(index * step)] for index in range(wanted)]


def measure(data_dir: Path, passphrase: str, wanted: int) -> list[CaseTiming]:
    from sqlmodel import col, select

    from asb_tui.config import Config
    from asb_tui.store.core.models import Case
    from asb_tui.store.core.store import open_store
    from asb_tui.store.queries.deadline_facts import deadline_rules

    today = scale_store.TODAY
    rules = deadline_rules(Config(data_dir=Path(".")), today)
    store = open_store(data_dir, passphrase, actor=scale_store.ACTOR)
    try:
        with store.read() as session:
            cases = list(session.exec(select(Case.id, Case.ref).order_by(col(Case.ref))).all())
        refs = dict(cases)
        chosen = _sample([case_id for case_id, _ref in cases], wanted)
        # The app freezes its long-lived objects out of the collector; so does this run.
        gc.collect()
        gc.freeze()
        out: list[CaseTiming] = []
        for number, case_id in enumerate(chosen, 1):
            out.append(_time_case(store, case_id, refs[case_id], today, rules))
            if number % 500 == 0:
                print(f"  [case_reads] {number:,} / {len(chosen):,} cases", file=sys.stderr)
        return out
    finally:
        store.close()


def _time_case(store: Any, case_id: str, ref: str, today: date, rules: Any) -> CaseTiming:
    """The whole read (its own read, as the screen runs it), then each part in one read."""
    from asb_tui.domain.case_deadlines import deadlines_for_case
    from asb_tui.store.queries.case_queries import case_detail_from
    from asb_tui.store.queries.case_records import load_case_records
    from asb_tui.store.queries.deadline_facts import FactsFilter, load_case_facts
    from asb_tui.store.queries.known_elsewhere import people_known_elsewhere
    from asb_tui.store.queries.people import case_repeat_flags, linked_cases
    from asb_tui.store.queries.screen_reads import read_case_detail

    timing = CaseTiming(ref)
    _timed(timing, "total", lambda: read_case_detail(store, case_id, today=today, rules=rules))
    with store.read() as session:
        records = _timed(timing, "records", lambda: load_case_records(session, case_id))
        assert records is not None

        def facts() -> tuple[Any, ...]:
            own = load_case_facts(session, FactsFilter(open_only=False, case_id=case_id))
            return tuple(deadlines_for_case(own[0], today, rules)) if own else ()

        deadlines = _timed(timing, "facts", facts)
        _timed(timing, "detail", lambda: case_detail_from(records, deadlines))
        linked = _timed(timing, "linked", lambda: linked_cases(session, case_id))
        repeat = _timed(
            timing, "repeat", lambda: case_repeat_flags(session, case_id, today=today, rules=rules)
        )
        _timed(timing, "elsewhere", lambda: people_known_elsewhere(session, case_id))
    timing.sizes = {
        "rows": records.row_count(),
        "people": len(records.rows("person")),
        "addresses": len(records.rows("address")),
        "linked": len(linked),
        "repeat": len(repeat.lines),
    }
    return timing


def report(timings: list[CaseTiming]) -> list[str]:
    lines = [
        f"{len(timings):,} cases; ms per part",
        f"{'part':<10} {'p50':>8} {'p95':>8} {'max':>8}",
    ]
    for part in PARTS:
        values = [t.ms[part] for t in timings]
        lines.append(
            f"{part:<10} {_percentile(values, 0.5):8.2f} {_percentile(values, 0.95):8.2f} "
            f"{max(values):8.2f}"
        )
    lines.append("10 slowest (total ms; parts; sizes):")
    for t in sorted(timings, key=lambda t: t.ms["total"], reverse=True)[:10]:
        parts = " ".join(f"{p}={t.ms[p]:.1f}" for p in PARTS[1:])
        sizes = " ".join(f"{k}={v}" for k, v in t.sizes.items())
        lines.append(f"  {t.ref} {t.ms['total']:.1f}: {parts}; {sizes}")
    return lines


def _main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.case_reads")
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("passphrase")
    parser.add_argument("--sample", type=int, default=2_000, help="cases to time (0: all)")
    args = parser.parse_args(argv)
    import asb_tui

    print(f"code: {Path(asb_tui.__file__).parent}", file=sys.stderr)
    for line in report(measure(args.data_dir, args.passphrase, args.sample)):
        print(line)


if __name__ == "__main__":
    _main(sys.argv[1:])
