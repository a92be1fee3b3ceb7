"""The evidence locker: attach (hash, seal, write chunk files, record) and export throughput
against a plain `sha256sum` of the same file in the same run (docs/performance.md).

The file is random data (200 MB; 32 MB with --quick) written once, so it is in the page cache for
both; `sha256sum` reads and hashes it once, the intake reads it twice (hash, then seal) and
writes it encrypted with an fsync per 1 MiB chunk, reading each chunk back to open it and hash
its plaintext again. The target: attach at least a third of sha256sum's speed. The process's
peak RSS is reported beside it (the memory the intake itself allocates is measured by
tests/evidence/test_evidence_store.py with tracemalloc).
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import tempfile
import time
from datetime import date
from pathlib import Path

from benchmarks._report import Figure

PASSPHRASE = "benchmark passphrase for the evidence locker"  # noqa: S105 (a throwaway store)
FULL_MB = 200
QUICK_MB = 32
TARGET_RATIO = 1 / 3


def _write(path: Path, megabytes: int) -> None:
    with open(path, "wb") as out:
        for _ in range(megabytes):
            out.write(os.urandom(1_000_000))


def run(quick: bool = False) -> list[Figure]:
    from asb_tui.store.commands.cases import refer_case
    from asb_tui.store.commands.evidence import attach_evidence, export_evidence
    from asb_tui.store.core.store import create_store

    megabytes = QUICK_MB if quick else FULL_MB
    with tempfile.TemporaryDirectory(prefix="asb-bench-evidence-") as tmp:
        source = Path(tmp) / "video.mp4"
        _write(source, megabytes)
        store, _recovery = create_store(Path(tmp) / "store", PASSPHRASE, actor="Gwen Davies")
        try:
            case = refer_case(
                store, category="personal", summary="Noise", referred_on=_today(),
                location="1 High Street", officer="Gwen Davies", victim_name="Ann Lee",
            )  # fmt: skip
            sha_tool = shutil.which("sha256sum")
            started = time.perf_counter()
            if sha_tool:
                subprocess.run([sha_tool, str(source)], check=True, capture_output=True)
            plain = time.perf_counter() - started
            started = time.perf_counter()
            item = attach_evidence(store, case.id, source, officer="Gwen Davies").item
            attach = time.perf_counter() - started
            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            out = Path(tmp) / "exported.mp4"
            started = time.perf_counter()
            export_evidence(store, item.id, out)
            export = time.perf_counter() - started
        finally:
            store.close()
    size = f"{megabytes} MB file"
    figures = [
        Figure("evidence attach (hash, seal, write, record)", megabytes / attach, "MB/s",
               lower_is_better=False, detail=size),
        Figure("evidence export (open, write, re-hash)", megabytes / export, "MB/s",
               lower_is_better=False, detail=size),
        Figure("evidence attach: the process's peak RSS (Argon2id's included)", peak_mb, "MB",
               detail=size),
    ]  # fmt: skip
    if sha_tool:
        figures.insert(
            0,
            Figure("sha256sum of the same file", megabytes / plain, "MB/s",
                   lower_is_better=False, detail=size),
        )  # fmt: skip
        figures.append(
            Figure("evidence attach / sha256sum speed", plain / attach, "ratio", TARGET_RATIO,
                   lower_is_better=False, detail="attach at least a third of sha256sum"),
        )  # fmt: skip
    return figures


def _today() -> date:
    return date.today()
