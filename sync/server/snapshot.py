"""A new laptop's first pull as a snapshot of the current rows (`GET /v1/snapshot`).

A laptop that has pulled nothing would otherwise replay the stream from its beginning: every
version of every row, each with its stream entry's envelope. The snapshot sends each row of the
cases the officer may see once, as it is now, in pages of whole cases, and the laptop then pulls
the stream after the snapshot's head `H` as any laptop does.

- `H` is the pull's own head (`db.stream_head`, the safe head: every change up to it has
  committed), read when the first page is asked for; the laptop keeps it with the last case it
  applied (the cursor), so an interrupted snapshot resumes at the next case, against the same
  `H`. A change above `H` (committed later, or still in flight) comes in the pull after it.
- A page is read after `H`, so a row written since may come in its newer state; the stream after
  `H` brings that change again and the laptop, holding the version already, skips it. A row
  deleted since is not in the snapshot and its delete finds nothing to delete. So the overlap is
  idempotent by version (tests/sync/test_sync_snapshot.py proves it).
- Access is the pull's: the cases of the officer's team and those shared with its agency
  (`access.visible_cases`), checked in the same transaction as the rows are read, so a case
  transferred or unshared between two pages is not sent. A destroyed case (its case row deleted)
  never appears. The cursor is a position in the order of case ids, nothing more: a forged one
  naming another team's case only moves where the officer's own cases are read from.
- Pages are whole cases, as many rows as asked (at least one case), read a few cases at a time
  (parents first, `schema.TABLE_NAMES`, within each group) and streamed as they are encoded, so
  the link carries one part while the next is read and compressed (the gzip middleware
  compresses a streamed body as it goes).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from sync import schema
from sync.batches import chunks
from sync.protocol import CASE_TABLE, SNAPSHOT_COLUMNS, snapshot_names_case
from sync.server import access, exchange, validation
from sync.server import db as tables
from sync.server.accounts import DeviceContext
from sync.server.db import Database
from sync.server.errors import ServiceError
from sync.snapshot_columns import encode_group

#: cases whose row counts one query reads while a page is filled
_CASE_WINDOW = 500
#: rows encoded per piece of the streamed body
_PIECE_ROWS = 300
#: cases whose rows one query reads while the body is sent (a page's parents come first within
#: each such group; the laptop applies the page in one transaction, references deferred)
_CASES_PER_READ = 40
_TABLE_ORDER = {name: i for i, name in enumerate(schema.TABLE_NAMES)}


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _live_visible_cases(context: DeviceContext, after_case: str | None) -> sa.Select[Any]:
    """The ids of the cases the officer may see whose case row is not deleted, after the cursor,
    in id order."""
    rs = tables.row_state
    where = [
        rs.c.table_name == CASE_TABLE,
        rs.c.deleted.is_(False),
        rs.c.row_id.in_(access.visible_cases(context.officer)),
    ]
    if after_case is not None:
        where.append(rs.c.row_id > after_case)
    return sa.select(rs.c.row_id).where(*where).order_by(rs.c.row_id)


def _row_counts(connection: sa.Connection, case_ids: list[str]) -> dict[str, int]:
    rs = tables.row_state
    return {
        r.case_id: int(r.n)
        for r in connection.execute(
            sa.select(rs.c.case_id, sa.func.count().label("n"))
            .where(rs.c.case_id.in_(case_ids), rs.c.deleted.is_(False))
            .group_by(rs.c.case_id)
        )
    }


def _page_cases(
    connection: sa.Connection, context: DeviceContext, after_case: str | None, limit: int
) -> tuple[list[str], bool]:
    """The whole cases of the next page (as many as fit in `limit` rows, at least one), and
    whether more cases follow."""
    picked: list[str] = []
    total = 0
    low = after_case
    while True:
        window = list(
            connection.execute(_live_visible_cases(context, low).limit(_CASE_WINDOW)).scalars()
        )
        if not window:
            return picked, False
        counts = _row_counts(connection, window)
        for case_id in window:
            n = counts.get(case_id, 0)
            if picked and total + n > limit:
                return picked, True
            picked.append(case_id)
            total += n
        low = window[-1]
        if len(window) < _CASE_WINDOW:
            return picked, False


def _rows_left(
    connection: sa.Connection, context: DeviceContext, after_case: str | None, own: bool
) -> int:
    """The rows the pages from `after_case` on will carry: without `own`, less those the device
    wrote whole (`_written_by`), which the pages leave out, so the laptop's progress ends at
    its total. Only rows whose writers name the device are read for that (on a new laptop,
    the few it pushed before its first pull)."""
    rs = tables.row_state
    cases = _live_visible_cases(context, after_case).order_by(None).subquery()
    where = (rs.c.case_id.in_(sa.select(cases.c.row_id)), rs.c.deleted.is_(False))
    total = int(connection.execute(sa.select(sa.func.count()).where(*where)).scalar_one())
    if own:
        return total
    writers = sa.cast(rs.c.field_versions, sa.Text)
    named = connection.execute(
        sa.select(writers).where(*where, writers.contains(context.device_id, autoescape=True))
    ).scalars()
    return total - sum(_written_by(text, context.device_id) for text in named)


def _snapshot_rows(table: str, rows: list[Any]) -> list[list[Any]]:
    """A table's rows as plain snapshot rows `[id, case, seq, version, fields]`, the fields
    without the `id` and `case_id` given in front. Each row's fields were decoded for this
    read alone, so they are trimmed in place (a copy a row cost the service ~5 % of a page)."""
    names_case = snapshot_names_case(table)
    out = []
    for r in rows:
        fields, row_id, case_id = r.fields, r.row_id, r.case_id
        if fields.get("id") == row_id:
            del fields["id"]
        if names_case and fields.get("case_id") == case_id:
            del fields["case_id"]
        out.append([row_id, case_id, max(1, int(r.created_seq)), int(r.version), fields])
    return out


def _written_by(field_versions_json: str | None, device_id: str) -> bool:
    """Whether the device wrote every field of the row as it stands (`field_versions` is
    {field: [version, device or null]}): it holds that state already, and learnt the version
    from its push reply. Read as text, so the rows that do not name the device at all (most,
    on a new laptop) cost a substring search, not a JSON decode."""
    if not field_versions_json or device_id not in field_versions_json:
        return False
    field_versions = json.loads(field_versions_json)
    return (
        isinstance(field_versions, dict)
        and bool(field_versions)
        and all(
            isinstance(w, list) and len(w) == 2 and w[1] == device_id
            for w in field_versions.values()
        )
    )


def _sections(
    connection: sa.Connection, context: DeviceContext, case_ids: list[str], own: bool = True
) -> dict[str, list[Any]]:
    """The current rows of these cases by table, parents first, the access rule applied to the
    rows themselves too; without `own`, not the rows this device wrote whole (see
    `_written_by`), as the pull leaves out its own changes."""
    rs = tables.row_state
    visible = access.visible_cases(context.officer)
    columns = (rs.c.table_name, rs.c.row_id, rs.c.case_id, rs.c.created_seq, rs.c.version)
    by_table: dict[str, list[Any]] = {}
    for r in connection.execute(
        sa.select(*columns, rs.c.fields, sa.cast(rs.c.field_versions, sa.Text).label("writers"))
        .where(rs.c.case_id.in_(case_ids), rs.c.case_id.in_(visible), rs.c.deleted.is_(False))
        .order_by(rs.c.case_id, rs.c.created_seq, rs.c.row_id)
    ):
        if not own and _written_by(r.writers, context.device_id):
            continue
        by_table.setdefault(r.table_name, []).append(r)
    order = sorted(by_table, key=lambda t: (_TABLE_ORDER.get(t, len(_TABLE_ORDER)), t))
    return {table: by_table[table] for table in order}


def _conflicts(connection: sa.Connection, context: DeviceContext, cases: set[str]) -> list[str]:
    c = tables.conflict
    out: list[str] = []
    for chunk in chunks(sorted(cases)):
        for row in connection.execute(
            sa.select(c).where(c.c.case_id.in_(chunk), c.c.status == "open").order_by(c.c.seq)
        ):
            view = exchange.conflict_view(row, context.device_id)
            out.append(view.model_dump_json())
    return out


def page(
    database: Database,
    context: DeviceContext,
    head: int | None,
    after_case: str | None,
    limit: int,
    *,
    count: bool = False,
    columnar: bool = False,
    own: bool = True,
) -> Iterator[bytes]:
    """The page after `after_case` of the snapshot at `head` (None: a new snapshot, at the
    pull's head now), as the pieces of a `SnapshotPage` body; with `count`, how many rows are
    left (the first page a laptop asks for in a sync: its progress and time left); with
    `columnar`, in the columnar coding (sync/snapshot_columns.py, `format` 2); without `own`,
    leaving out the rows the device wrote whole (`_written_by`). What can be
    refused is checked before the first piece (an error is then a JSON answer, not a cut-off
    body); the rows are read as the body is sent (`_body`)."""
    with database.read() as connection:
        now = tables.stream_head(connection)
        if head is not None and head > now:
            raise ServiceError(
                409,
                "snapshot_head",
                f"the snapshot's head {head} is past the stream's head {now}: "
                "start the first pull again",
            )
        taken_at = now if head is None else head
        cases, more = _page_cases(connection, context, after_case, limit)
        rows_left = _rows_left(connection, context, after_case, own) if count else None
    meta = {
        "head": taken_at,
        "after_case": after_case,
        "next_case": cases[-1] if cases else None,
        "more": more,
        "rows_left": rows_left,
    }
    if columnar:
        meta = {"format": SNAPSHOT_COLUMNS, **meta}
        return _columnar_body(database, context, meta, cases, own)
    return _body(database, context, meta, cases, own)


def _body(
    database: Database,
    context: DeviceContext,
    meta: dict[str, Any],
    cases: list[str],
    own: bool = True,
) -> Iterator[bytes]:
    """The page's JSON in pieces, read and encoded a few cases at a time as the body is sent,
    so its first bytes leave at once and the service holds a few cases' rows, not the page's.

    The rows are read in one transaction after the page's cases were chosen: a case that left
    the officer's sight or was destroyed in between is not sent (the rows' own access check),
    and a row changed in between comes newer, which the stream after the head repeats."""
    yield _dumps(meta)[:-1].encode() + b',"sections":['
    first = True
    held: set[str] = set()
    with database.read() as connection:
        for group in chunks(cases, _CASES_PER_READ):
            for table, rows in _sections(connection, context, group, own).items():
                held.update(r.case_id for r in rows)
                yield f'{"" if first else ","}{{"table":{_dumps(table)},"rows":['.encode()
                first = False
                plain = _snapshot_rows(table, rows)
                for start in range(0, len(plain), _PIECE_ROWS):
                    piece = ",".join(
                        _dumps(validation.storable(row))
                        for row in plain[start : start + _PIECE_ROWS]
                    )
                    yield (("," if start else "") + piece).encode()
                yield b"]}"
        conflicts = _conflicts(connection, context, held)
    yield b'],"conflicts":[' + ",".join(conflicts).encode() + b"]}"


def _columnar_body(
    database: Database,
    context: DeviceContext,
    meta: dict[str, Any],
    cases: list[str],
    own: bool = True,
) -> Iterator[bytes]:
    """`_body` in the columnar coding: one group of sections per `_CASES_PER_READ` cases,
    encoded and sent as it is read (the same transaction, the same checks)."""
    yield _dumps(meta)[:-1].encode() + b',"groups":['
    held: set[str] = set()
    with database.read() as connection:
        for n, group in enumerate(chunks(cases, _CASES_PER_READ)):
            sections = [
                (table, _snapshot_rows(table, rows))
                for table, rows in _sections(connection, context, group, own).items()
            ]
            held.update(row[1] for _table, rows in sections for row in rows)
            yield (b"," if n else b"") + _encoded_group(sections)
        conflicts = _conflicts(connection, context, held)
    yield b'],"conflicts":[' + ",".join(conflicts).encode() + b"]}"


def _encoded_group(sections: list[tuple[str, list[list[Any]]]]) -> bytes:
    """A group's columnar JSON as UTF-8. Stored rows passed the Unicode check when pushed, so
    `validation.storable` (which mends lone surrogates) is only paid for when one fails to
    encode."""
    try:
        return _dumps(encode_group(sections)).encode()
    except UnicodeEncodeError:
        mended = [(table, [validation.storable(row) for row in rows]) for table, rows in sections]
        return _dumps(encode_group(mended)).encode()
