"""Chunk files vs chunked blobs inside SQLCipher, for the evidence locker's choice.

Writes the same random file (default 64 MiB) both ways, in 1 MiB chunks: (a) the blob store of
store/core/evidence_blobs.py (AES-GCM chunk files, fsync per chunk); (b) a table
(sha256, n, data BLOB) in a SQLCipher database opened as the store opens its own (WAL,
synchronous FULL), one transaction. Prints MB/s to write and to read back, the disk used, and
what deleting the file gives back (a database file does not shrink without a VACUUM).

    .venv/bin/python scripts/measure_evidence_storage.py [MiB]
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

from sqlcipher3 import dbapi2 as sqlcipher

from asb_tui.store.core.evidence_blobs import CHUNK_SIZE, BlobRef, BlobStore, new_key


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _files(root: Path, source: Path) -> dict[str, float]:
    blobs = BlobStore(root)
    t = time.perf_counter()
    measured = blobs.measure(source)
    ref = BlobRef(measured.sha256, new_key(), measured.size)
    blobs.seal_file(source, ref)
    write = time.perf_counter() - t
    t = time.perf_counter()
    for _ in blobs.iter_plain(ref):
        pass
    read = time.perf_counter() - t
    used = _du(root)
    blobs.remove(ref)
    return {"write_s": write, "read_s": read, "used": used, "after_delete": _du(root)}


def _sqlcipher(root: Path, source: Path) -> dict[str, float]:
    db = root / "blobs.db"
    conn = sqlcipher.connect(str(db), isolation_level=None)
    conn.executescript(f"PRAGMA key = \"x'{secrets.token_hex(32)}'\";")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE chunk (sha256 TEXT, n INTEGER, data BLOB, PRIMARY KEY (sha256, n))")
    t = time.perf_counter()
    digest = hashlib.sha256()
    conn.execute("BEGIN IMMEDIATE")
    with open(source, "rb") as stream:
        n = 0
        while chunk := stream.read(CHUNK_SIZE):
            digest.update(chunk)
            conn.execute("INSERT INTO chunk VALUES ('x', ?, ?)", (n, chunk))
            n += 1
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    write = time.perf_counter() - t
    t = time.perf_counter()
    for (data,) in conn.execute("SELECT data FROM chunk ORDER BY n"):
        hashlib.sha256(data)
    read = time.perf_counter() - t
    used = _du(root)
    conn.execute("DELETE FROM chunk")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    after = _du(root)
    t = time.perf_counter()
    conn.execute("VACUUM")
    vacuum = time.perf_counter() - t
    conn.close()
    return {"write_s": write, "read_s": read, "used": used, "after_delete": after,
            "after_vacuum": _du(root), "vacuum_s": vacuum}  # fmt: skip


def main() -> None:
    mib = int(sys.argv[1]) if len(sys.argv) > 1 else 64
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "source.bin"
        with open(source, "wb") as out:
            for _ in range(mib):
                out.write(os.urandom(CHUNK_SIZE))
        for name, run in (("chunk files", _files), ("SQLCipher blobs", _sqlcipher)):
            root = Path(tmp) / name.replace(" ", "_")
            root.mkdir()
            r = run(root, source)
            vacuum = (
                f"  after VACUUM {r['after_vacuum'] / 2**20:.1f} MiB ({r['vacuum_s']:.2f} s)"
                if "after_vacuum" in r
                else ""
            )
            print(
                f"{name:16} write {mib / r['write_s']:7.1f} MiB/s  read {mib / r['read_s']:7.1f}"
                f" MiB/s  on disk {r['used'] / 2**20:6.1f} MiB  after delete"
                f" {r['after_delete'] / 2**20:6.1f} MiB{vacuum}"
            )


if __name__ == "__main__":
    main()
