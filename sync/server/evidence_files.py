"""Evidence files on the service: sealed chunks kept, counted and handed out, never opened.

A laptop seals each 1 MiB chunk of a file with AES-GCM under the file's own random key (the
laptop's blob store, asb_tui/store/core/evidence_blobs.py) and uploads the sealed bytes. The
service keeps them as they came (`evidence_chunk`), by blob id (the file's SHA-256 and the
fingerprint of its key), and checks only what it can without the plaintext: that an evidence
item of a case names the blob, the chunk's number against the chunk count and its length
against the size the item gives. A chunk already held is acknowledged and not rewritten, so a
resumed or repeated upload costs nothing, and a blob two cases name is held once.

Who may do what (on top of `access`): the case's own team uploads and downloads; an agency
whose share of the case includes its files (`case_share.includes_files`) downloads; anyone else,
including an agency whose share leaves the files out, is refused. Records come first: the
evidence item arrives by the ordinary push before its bytes, and a blob no item names is
unknown here (404), whatever its id.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from sync.protocol import (
    EVIDENCE_KEY_FIELD,
    EVIDENCE_SHA256_FIELD,
    EVIDENCE_SIZE_FIELD,
    EVIDENCE_TABLE,
    MAX_FILE_SIZE,
    MAX_SEALED_CHUNK,
    BlobRefusal,
    BlobStatus,
    BlobStatusReply,
    ChunkPutReply,
    chunk_count,
    sealed_chunk_size,
)
from sync.server import db as tables
from sync.server.accounts import Officer, utcnow
from sync.server.db import Database
from sync.server.errors import ServiceError

_SHA256 = re.compile(r"[0-9a-f]{64}")
_UNKNOWN = "no evidence item of a case you may see names this file"
_NOT_SHARED = "the case is shared with your agency without its files: ask its team to share them"
_NOT_OWNER = "only the case's own team uploads its files"


@dataclass(frozen=True)
class _Blob:
    blob_id: str
    sha256: str
    keyfp: str
    size: int
    chunks: int


def key_fingerprint(content_key_hex: str) -> str | None:
    """`sha256(key).hexdigest()[:16]` of an item's content key, or None when it is not hex."""
    try:
        key = bytes.fromhex(content_key_hex)
    except ValueError:
        return None
    return hashlib.sha256(key).hexdigest()[:16] if len(key) == 32 else None


def _items_naming(connection: sa.Connection, sha256: str) -> list[tuple[str, dict[str, Any]]]:
    """(case id, fields) of the live evidence items whose file has this SHA-256 (found through
    `evidence_name`, by index)."""
    r, names = tables.row_state, tables.evidence_name
    # two steps, each by index: a join let SQLite's planner (no statistics) walk every item
    row_ids = list(
        connection.execute(sa.select(names.c.row_id).where(names.c.sha256 == sha256)).scalars()
    )
    if not row_ids:
        return []
    rows = connection.execute(
        sa.select(r.c.case_id, r.c.fields).where(
            r.c.table_name == EVIDENCE_TABLE, r.c.row_id.in_(row_ids), r.c.deleted.is_(False)
        )
    )
    return [(row.case_id, dict(row.fields)) for row in rows]


def name_row(row_id: str, case_id: str, fields: dict[str, Any]) -> dict[str, Any] | None:
    """The `evidence_name` row of an evidence item being inserted, or None when it names no
    well-formed blob."""
    blob = _blob_of(fields)
    if blob is None:
        return None
    sha256, _, keyfp = blob.partition("-")
    return {"row_id": row_id, "case_id": case_id, "sha256": sha256, "keyfp": keyfp}


def _roles(
    connection: sa.Connection, officer: Officer, case_ids: set[str]
) -> tuple[set[str], set[str], set[str]]:
    """Of these cases: those of the officer's team, those shared with its agency with their files,
    and those shared with it without them."""
    owned = set(
        connection.execute(
            sa.select(tables.case_access.c.case_id).where(
                tables.case_access.c.case_id.in_(case_ids),
                tables.case_access.c.team == officer.team,
            )
        ).scalars()
    )
    with_files: set[str] = set()
    without_files: set[str] = set()
    if officer.agency:
        for row in connection.execute(
            sa.select(tables.case_share.c.case_id, tables.case_share.c.includes_files).where(
                tables.case_share.c.case_id.in_(case_ids),
                tables.case_share.c.agency == officer.agency,
            )
        ):
            (with_files if row.includes_files else without_files).add(row.case_id)
    return owned, with_files, without_files - with_files


def _resolve(connection: sa.Connection, officer: Officer, blob_id: str, *, upload: bool) -> _Blob:
    """The blob as an item the officer may use names it, or the refusal as a `ServiceError`."""
    sha256, keyfp = blob_id.split("-")
    items = [
        (case_id, fields)
        for case_id, fields in _items_naming(connection, sha256)
        if isinstance(fields.get(EVIDENCE_KEY_FIELD), str)
        and key_fingerprint(fields[EVIDENCE_KEY_FIELD]) == keyfp
    ]
    owned, with_files, without_files = _roles(connection, officer, {c for c, _ in items})
    allowed = owned if upload else owned | with_files
    usable = [fields for case_id, fields in items if case_id in allowed]
    if not usable:
        if not upload and without_files:
            raise ServiceError(403, "forbidden", _NOT_SHARED)
        if upload and (with_files or without_files):
            raise ServiceError(403, "forbidden", _NOT_OWNER)
        raise ServiceError(404, "not_found", _UNKNOWN)
    size = usable[0].get(EVIDENCE_SIZE_FIELD)
    if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= MAX_FILE_SIZE:
        raise ServiceError(422, "invalid", "the evidence item naming this file gives no valid size")
    return _Blob(blob_id, sha256, keyfp, size, chunk_count(size))


def _held(connection: sa.Connection, blob_id: str) -> list[int]:
    c = tables.evidence_chunk
    return list(
        connection.execute(sa.select(c.c.n).where(c.c.blob_id == blob_id).order_by(c.c.n)).scalars()
    )


def status(database: Database, officer: Officer, blob_ids: list[str]) -> BlobStatusReply:
    """Which chunks of each blob the service holds (for the team, or an agency with the files)."""
    blobs: list[BlobStatus] = []
    refused: list[BlobRefusal] = []
    with database.read() as connection:
        for blob_id in blob_ids:
            try:
                blob = _resolve(connection, officer, blob_id, upload=False)
            except ServiceError as err:
                if err.status == 422:
                    raise
                refused.append(
                    BlobRefusal(
                        blob_id=blob_id,
                        error="forbidden" if err.status == 403 else "not_found",
                        message=err.message,
                    )
                )
                continue
            held = _held(connection, blob_id)
            blobs.append(
                BlobStatus(
                    blob_id=blob_id,
                    size=blob.size,
                    chunks=blob.chunks,
                    held=held,
                    complete=len(held) == blob.chunks,
                )
            )
    return BlobStatusReply(blobs=blobs, refused=refused)


def put_chunk(
    database: Database, officer: Officer, blob_id: str, n: int, sealed: bytes
) -> ChunkPutReply:
    """Keep chunk `n` of a blob the officer's team's item names; a chunk already held is
    acknowledged without being rewritten. One transaction (it takes no stream number, so it does
    not wait for pushes on PostgreSQL)."""
    if len(sealed) > MAX_SEALED_CHUNK:
        raise ServiceError(413, "too_large", f"a sealed chunk is at most {MAX_SEALED_CHUNK} bytes")
    try:
        with database.write(ordered=False) as connection:
            blob = _resolve(connection, officer, blob_id, upload=True)
            _check_chunk(blob, n, sealed)
            stored = _store_chunk(connection, blob, n, sealed)
    except sa.exc.IntegrityError:  # the same chunk, stored meanwhile by another request
        with database.read() as connection:
            blob = _resolve(connection, officer, blob_id, upload=True)
            return ChunkPutReply(
                blob_id=blob_id, n=n, stored=False,
                complete=_held_count(connection, blob_id) == blob.chunks,
            )  # fmt: skip
    return ChunkPutReply(blob_id=blob_id, n=n, stored=stored.new, complete=stored.complete)


def _check_chunk(blob: _Blob, n: int, sealed: bytes) -> None:
    if n >= blob.chunks:
        raise ServiceError(
            422, "invalid", f"chunk {n} is beyond this file's {blob.chunks} chunk(s) (from 0)"
        )
    expected = sealed_chunk_size(blob.size, n)
    if len(sealed) != expected:
        raise ServiceError(
            422, "invalid", f"chunk {n} of this file is {expected} bytes sealed, not {len(sealed)}"
        )


@dataclass(frozen=True)
class _Stored:
    new: bool
    complete: bool


def _held_count(connection: sa.Connection, blob_id: str) -> int:
    c = tables.evidence_chunk
    query = sa.select(sa.func.count()).select_from(c).where(c.c.blob_id == blob_id)
    return int(connection.execute(query).scalar_one())


def _store_chunk(connection: sa.Connection, blob: _Blob, n: int, sealed: bytes) -> _Stored:
    c, b = tables.evidence_chunk, tables.evidence_blob
    known = connection.execute(sa.select(b.c.complete).where(b.c.blob_id == blob.blob_id)).first()
    if known is not None and known.complete:
        return _Stored(new=False, complete=True)
    if known is None:
        connection.execute(
            b.insert().values(
                blob_id=blob.blob_id, sha256=blob.sha256, keyfp=blob.keyfp, size=blob.size,
                chunk_count=blob.chunks, complete=False, created_at=utcnow(),
            )
        )  # fmt: skip
    held = connection.execute(
        sa.select(c.c.n).where(c.c.blob_id == blob.blob_id, c.c.n == n)
    ).first()
    if held is None:
        connection.execute(
            c.insert().values(blob_id=blob.blob_id, n=n, sealed=sealed, size=len(sealed))
        )
    complete = _held_count(connection, blob.blob_id) == blob.chunks
    if complete:
        connection.execute(b.update().where(b.c.blob_id == blob.blob_id).values(complete=True))
    return _Stored(new=held is None, complete=complete)


def get_chunk(database: Database, officer: Officer, blob_id: str, n: int) -> bytes:
    """Chunk `n` as it was uploaded (for the team, or an agency whose share has the files)."""
    with database.read() as connection:
        blob = _resolve(connection, officer, blob_id, upload=False)
        if n >= blob.chunks:
            raise ServiceError(
                422, "invalid", f"chunk {n} is beyond this file's {blob.chunks} chunk(s) (from 0)"
            )
        c = tables.evidence_chunk
        sealed = connection.execute(
            sa.select(c.c.sealed).where(c.c.blob_id == blob_id, c.c.n == n)
        ).scalar()
    if sealed is None:
        raise ServiceError(404, "not_found", f"chunk {n} of this file has not been uploaded yet")
    return bytes(sealed)


def _blob_of(fields: dict[str, Any]) -> str | None:
    sha256, key = fields.get(EVIDENCE_SHA256_FIELD), fields.get(EVIDENCE_KEY_FIELD)
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256) or not isinstance(key, str):
        return None
    keyfp = key_fingerprint(key)
    return f"{sha256}-{keyfp}" if keyfp else None


def blob_of_item(fields: dict[str, Any]) -> str | None:
    """The blob id an evidence item's fields name, or None."""
    return _blob_of(fields)


def blobs_of_case(connection: sa.Connection, case_id: str) -> set[str]:
    """The blobs the evidence items of a case name (read before a destroyed case loses its
    rows' fields)."""
    r = tables.row_state
    named = set()
    for row in connection.execute(
        sa.select(r.c.fields).where(r.c.table_name == EVIDENCE_TABLE, r.c.case_id == case_id)
    ):
        blob = _blob_of(dict(row.fields or {}))
        if blob is not None:
            named.add(blob)
    return named


def drop_unnamed(connection: sa.Connection, blob_ids: set[str]) -> int:
    """Remove the chunks of these blobs that no live evidence item names any more (its case
    destroyed, the item deleted). Returns the blobs removed."""
    removed = 0
    for blob_id in sorted(blob_ids):
        sha256 = blob_id.partition("-")[0]
        if any(_blob_of(fields) == blob_id for _case, fields in _items_naming(connection, sha256)):
            continue
        connection.execute(
            tables.evidence_chunk.delete().where(tables.evidence_chunk.c.blob_id == blob_id)
        )
        connection.execute(
            tables.evidence_blob.delete().where(tables.evidence_blob.c.blob_id == blob_id)
        )
        removed += 1
    return removed


def forget_names(
    connection: sa.Connection, *, case_id: str | None = None, row_ids: list[str] | None = None
) -> None:
    """Drop the names of a destroyed case's items, or of deleted items (a file's hash is not an
    id: it goes with them)."""
    names = tables.evidence_name
    if case_id is not None:
        connection.execute(names.delete().where(names.c.case_id == case_id))
    if row_ids:
        connection.execute(names.delete().where(names.c.row_id.in_(row_ids)))
