"""The 50,000-case store of `bench_scale` (a large council after some years: 1,000,000 diary
entries), built once and kept in a cache directory so that `make bench` stays quick.

The store is the demo generator's bulk fill (`fill_demo(bulk=True)`), so the dashboard, the
deadlines and search see the same kinds of rows as in the app. Building it took 56 minutes on
a loaded 2-core machine (3.2 GB); it is kept under `$ASB_BENCH_CACHE` (default
`~/.cache/asb-tui-bench`) in a directory named by the generator's version: a hash of the demo
generator's source and of the sizes below. A change to the generator therefore builds a new
store; a change to the schema does not (opening the cached store upgrades it in place, once, as
the app would).

Each run works on a copy of the cached store (the app writes into a store it opens: the
dashboard's kept copy, the audit of an unlock), so every run starts from the same file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import time
from datetime import date
from pathlib import Path

PASSPHRASE = "benchmark passphrase for the 50,000-case store"  # noqa: S105 (a throwaway store)
ACTOR = "Benchmark Officer"
CASES = 50_000
QUICK_CASES = 2_000
INCIDENTS_PER_CASE = 20
SEED = 20
TODAY = date(2026, 11, 23)
BATCH = 1_000

ROOT = Path(__file__).resolve().parent.parent
_GENERATOR = sorted((ROOT / "asb_tui" / "store" / "demo").glob("*.py"))


def generator_version(cases: int) -> str:
    """The cache key: the generator's source, this module's sizes, and the number of cases."""
    digest = hashlib.sha256()
    for path in _GENERATOR:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    digest.update(f"{cases}:{INCIDENTS_PER_CASE}:{SEED}:{TODAY.isoformat()}".encode())
    return digest.hexdigest()[:16]


def cache_root() -> Path:
    configured = os.environ.get("ASB_BENCH_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "asb-tui-bench"


def _progress(message: str) -> None:
    print(f"  [scale] {message}", file=sys.stderr, flush=True)


def _build(data_dir: Path, cases: int) -> None:
    from asb_tui.store.core.store import create_store
    from asb_tui.store.demo.demo import fill_demo

    started = time.perf_counter()
    store, _recovery = create_store(data_dir, PASSPHRASE, actor=ACTOR)

    def progress(done: int, total: int) -> None:
        if done % 10_000 == 0 or done == total:
            _progress(f"{done:,} / {total:,} cases, {time.perf_counter() - started:.0f} s")

    try:
        fill_demo(
            store,
            cases=cases,
            seed=SEED,
            today=TODAY,
            incidents_per_case=INCIDENTS_PER_CASE,
            bulk=True,
            batch_size=BATCH,
            progress=progress,
        )
    finally:
        store.close()
    _progress(f"built {cases:,} cases in {time.perf_counter() - started:.0f} s")


def cached_store(cases: int = CASES) -> Path:
    """The cached store's data directory, built first when there is none for this version."""
    from asb_tui.store.core.store import open_store

    home = cache_root() / f"scale-{generator_version(cases)}"
    data_dir = home / "store"
    if not (home / "complete").exists():
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        _progress(f"no cached {cases:,}-case store: building it in {home} (once)")
        _build(data_dir, cases)
        (home / "complete").write_text(generator_version(cases), encoding="utf-8")
    # A schema newer than the cached store's: opening upgrades it, here once rather than per copy.
    open_store(data_dir, PASSPHRASE, actor=ACTOR).close()
    return data_dir


def working_copy(cases: int, target: Path) -> Path:
    """A copy of the cached store under `target` (the run may write into it)."""
    source = cached_store(cases)
    copy = target / "store"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("*.lock", "lock"))
    return copy


if __name__ == "__main__":
    print(cached_store(QUICK_CASES if "--quick" in sys.argv else CASES))
