"""The blind index: which teams hold the same person, without any personal data crossing teams.

For every person row the service holds with a name and a date of birth, and for every address
row (its UPRN, and its postcode with its first line), the service keeps an HMAC-SHA256 of the
normalised value under a key of its own, with the row's table, id, case and kind, and nothing
else (table `blind_index`, migration 0005; the team is the case's, read from `case_access`, so a
transfer moves it). The index is kept current in the transaction that writes the rows: a push,
a conflict resolution, a row removed by an administrator, a case destroyed by retention.

A device asks about the person rows of cases it may see (`known_elsewhere`); it learns, per row,
team and kind of match, how many cases of that team it may not see match, and the case officer to
contact there (the officer of the most recent such case). No case id or reference, no name,
address, date or note of the other team is ever in the answer, and a device that names a row of
a case it may not see is refused (`access.visible_cases` decides which it may see).

The key: `ASB_SERVER_INDEX_KEY` (any text of 32 characters or more) or the file named by
`ASB_SERVER_INDEX_KEY_FILE`; without either, 32 random bytes generated once and kept in the
central database (`service_secret`). The key is never sent, printed or logged. The database
keeps a check value of the key the index was built under (an HMAC of a fixed label, not the
key): a service started with another key refuses to serve until `asb-sync-server index rebuild`
recomputes the index under it (which is how the key is rotated; `--new-key` replaces a key kept
in the database).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import threading
import unicodedata
import weakref
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from sync.batches import chunks
from sync.protocol import CASE_TABLE, SHARE_TABLE, ElsewhereReply, KnownElsewhere
from sync.server import access
from sync.server import db as tables
from sync.server.accounts import Officer
from sync.server.db import Database
from sync.server.errors import ServiceError

PERSON_TABLE = "person"
ADDRESS_TABLE = "address"
INDEXED_TABLES = (PERSON_TABLE, ADDRESS_TABLE)

#: kinds of digest: a person's name and date of birth; an address's UPRN; its postcode and line 1
IDENTITY = "identity"
UPRN = "uprn"
PLACE = "place"
MATCHED_ON = {IDENTITY: "identity", UPRN: "address", PLACE: "address"}

KEY_ENV = "ASB_SERVER_INDEX_KEY"
KEY_FILE_ENV = "ASB_SERVER_INDEX_KEY_FILE"
MIN_KEY_CHARS = 32
_KEY_NAME = "blind_index_key"
_CHECK_NAME = "blind_index_check"
_CHECK_LABEL = b"asb-sync-server blind index key check"


class IndexKeyError(Exception):
    """The key cannot be had, or the index was built under another key (an administrator's fix)."""


# --- normalising --------------------------------------------------------------------------------

_NOT_ALNUM = re.compile(r"[\W_]+", re.UNICODE)


def fold_name(text: str) -> str:
    """A name as compared: Unicode NFKD, combining marks removed, casefolded, punctuation and
    spaces dropped ("Síobhán Ó Súilleabháin" = "Siobhan O Suilleabhain"; "O'Neil" = "ONeil")."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_ALNUM.sub("", bare.casefold())


def fold_postcode(text: str) -> str:
    return re.sub(r"\s+", "", text).upper()


def fold_uprn(text: str) -> str:
    digits = re.sub(r"\s+", "", text)
    return digits.lstrip("0") or digits if digits.isdigit() else ""


def _text(fields: dict[str, Any], name: str) -> str:
    value = fields.get(name)
    return value if isinstance(value, str) else ""


def identity_value(fields: dict[str, Any]) -> str | None:
    """The folded name and date of birth of a person row, or None when either is missing."""
    name = fold_name(_text(fields, "name"))
    born = _text(fields, "date_of_birth").strip()
    if not name or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", born):
        return None
    return f"{IDENTITY}\x1f{name}\x1f{born}"


def address_values(fields: dict[str, Any]) -> dict[str, str]:
    """The folded UPRN, and the folded postcode with the first line, of an address row."""
    values: dict[str, str] = {}
    uprn = fold_uprn(_text(fields, "uprn"))
    if uprn:
        values[UPRN] = f"{UPRN}\x1f{uprn}"
    postcode = fold_postcode(_text(fields, "postcode"))
    line1 = fold_name(_text(fields, "line1"))
    if postcode and line1:
        values[PLACE] = f"{PLACE}\x1f{postcode}\x1f{line1}"
    return values


def digest(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def row_digests(key: bytes, table: str, fields: dict[str, Any]) -> dict[str, str]:
    """kind -> digest for one row's current fields (none for a row without what is indexed)."""
    if table == PERSON_TABLE:
        value = identity_value(fields)
        return {IDENTITY: digest(key, value)} if value is not None else {}
    if table == ADDRESS_TABLE:
        return {kind: digest(key, value) for kind, value in address_values(fields).items()}
    return {}


# --- the key ------------------------------------------------------------------------------------


def _configured_key() -> bytes | None:
    text = os.environ.get(KEY_ENV)
    source = KEY_ENV
    if not text and os.environ.get(KEY_FILE_ENV):
        path = Path(os.environ[KEY_FILE_ENV])
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise IndexKeyError(
                f"cannot read the blind index key file {path} ({exc.strerror})"
            ) from None
    if not text:
        return None
    if len(text) < MIN_KEY_CHARS:
        raise IndexKeyError(
            f"the blind index key in {source} is too short: give {MIN_KEY_CHARS} characters or more"
        )
    return text.encode("utf-8")


def _secret(connection: sa.Connection, name: str) -> str | None:
    s = tables.service_secret
    value = connection.execute(sa.select(s.c.value).where(s.c.name == name)).scalar()
    return str(value) if value is not None else None


def _put_secret(connection: sa.Connection, name: str, value: str) -> None:
    s = tables.service_secret
    if _secret(connection, name) is None:
        connection.execute(s.insert().values(name=name, value=value))
    else:
        connection.execute(s.update().where(s.c.name == name).values(value=value))


def _check_value(key: bytes) -> str:
    return hmac.new(key, _CHECK_LABEL, hashlib.sha256).hexdigest()


def _stored_or_new_key(connection: sa.Connection) -> bytes:
    kept = _secret(connection, _KEY_NAME)
    if kept is None:
        kept = secrets.token_hex(32)
        _put_secret(connection, _KEY_NAME, kept)
    return bytes.fromhex(kept)


def _built_key(database: Database, configured: bytes | None) -> bytes | None:
    """The key, when the index is built under it already: read only, so an instance's first
    request need not take the global write lock (which waits for every push in flight)."""
    with database.read() as connection:
        kept = _secret(connection, _KEY_NAME)
        key = configured if configured is not None else bytes.fromhex(kept) if kept else None
        check = _secret(connection, _CHECK_NAME)
    if key is None or check is None or not hmac.compare_digest(check, _check_value(key)):
        return None  # to build, or a mismatch: decided under the write lock, as before
    return key


_keys: weakref.WeakKeyDictionary[Database, bytes] = weakref.WeakKeyDictionary()
_keys_lock = threading.Lock()


def index_key(database: Database) -> bytes:
    """The key of this database's index, checked against the one it was built under; an index
    never built (a new or upgraded database) is built now. Cached for the process."""
    cached = _keys.get(database)
    if cached is not None:
        return cached
    with _keys_lock:
        cached = _keys.get(database)
        if cached is not None:
            return cached
        configured = _configured_key()
        key = _built_key(database, configured)
        if key is not None:
            _keys[database] = key
            return key
        with database.write() as connection:
            key = configured if configured is not None else _stored_or_new_key(connection)
            check = _secret(connection, _CHECK_NAME)
            if check is None:
                _rebuild(connection, key)
            elif not hmac.compare_digest(check, _check_value(key)):
                raise IndexKeyError(
                    "the blind index was built under another key than the one configured: "
                    "configure the same key on every instance, or run "
                    "`asb-sync-server index rebuild` to recompute it under this one"
                )
        _keys[database] = key
        return key


def key_for_request(database: Database) -> bytes:
    """`index_key` for a request: a misconfigured key is a clear 503, never a 500."""
    try:
        return index_key(database)
    except IndexKeyError as exc:
        raise ServiceError(503, "index_key", str(exc)) from None


def forget_cached_key(database: Database) -> None:
    with _keys_lock:
        _keys.pop(database, None)


# --- keeping the index current ------------------------------------------------------------------


@dataclass(frozen=True)
class IndexUpdate:
    """The index entries to drop (rows by table and id) and to write, for rows one write changed."""

    cleared: tuple[tuple[str, str], ...] = ()
    entries: tuple[dict[str, Any], ...] = ()


def update_for(
    key: bytes, rows: Iterable[tuple[str, str, str, dict[str, Any], bool]]
) -> IndexUpdate:
    """(table, row id, case id, fields, deleted) of changed rows -> the index's update."""
    cleared: list[tuple[str, str]] = []
    entries: list[dict[str, Any]] = []
    for table, row_id, case_id, fields, deleted in rows:
        if table not in INDEXED_TABLES:
            continue
        cleared.append((table, row_id))
        if deleted:
            continue
        for kind, value in row_digests(key, table, fields).items():
            entries.append(
                {"digest": value, "kind": kind, "table_name": table, "row_id": row_id,
                 "case_id": case_id}
            )  # fmt: skip
    return IndexUpdate(tuple(cleared), tuple(entries))


def write_update(connection: sa.Connection, update: IndexUpdate) -> None:
    """Apply an update (no statement reads anything back, so it may run pipelined)."""
    b = tables.blind_index
    by_table: dict[str, list[str]] = defaultdict(list)
    for table, row_id in update.cleared:
        by_table[table].append(row_id)
    for table, row_ids in sorted(by_table.items()):
        for chunk in chunks(sorted(set(row_ids))):
            connection.execute(b.delete().where(b.c.table_name == table, b.c.row_id.in_(chunk)))
    if update.entries:
        connection.execute(b.insert(), list(update.entries))


def drop_row(connection: sa.Connection, table: str, row_id: str) -> None:
    b = tables.blind_index
    connection.execute(b.delete().where(b.c.table_name == table, b.c.row_id == row_id))


def drop_case(connection: sa.Connection, case_id: str) -> None:
    """A destroyed case leaves nothing in the index."""
    connection.execute(tables.blind_index.delete().where(tables.blind_index.c.case_id == case_id))


def _rebuild(connection: sa.Connection, key: bytes) -> int:
    connection.execute(tables.blind_index.delete())
    t = tables.row_state
    result = connection.execute(
        sa.select(t.c.table_name, t.c.row_id, t.c.case_id, t.c.fields).where(
            t.c.table_name.in_(INDEXED_TABLES), t.c.deleted.is_(False)
        )
    )
    written = 0
    while True:
        batch = result.fetchmany(1_000)
        if not batch:
            break
        update = update_for(
            key, ((r.table_name, r.row_id, r.case_id, dict(r.fields), False) for r in batch)
        )
        if update.entries:
            connection.execute(tables.blind_index.insert(), list(update.entries))
        written += len(update.entries)
    _put_secret(connection, _CHECK_NAME, _check_value(key))
    return written


def rebuild(database: Database, *, new_key: bool = False) -> int:
    """Recompute the whole index under the configured key (after a rotation); `new_key` first
    replaces a key kept in the database by a new random one. The digests written."""
    configured = _configured_key()
    if new_key and configured is not None:
        raise IndexKeyError(
            f"the key comes from {KEY_ENV} or {KEY_FILE_ENV}: rotate it there, then rebuild"
        )
    with database.write() as connection:
        if configured is not None:
            key = configured
        else:
            if new_key:
                _put_secret(connection, _KEY_NAME, secrets.token_hex(32))
            key = _stored_or_new_key(connection)
        written = _rebuild(connection, key)
    forget_cached_key(database)
    return written


# --- what a device learns -----------------------------------------------------------------------


def _case_order(fields: dict[str, Any]) -> tuple[str, str]:
    return (_text(fields, "referred_on"), _text(fields, "created_at"))


#: the synced tables whose rows can change an answer: the people and addresses matched, the
#: case (its officer is the one to contact; its deletion or transfer moves the match), a share
#: (it makes another team's case visible, so no longer "elsewhere")
ANSWER_TABLES = (PERSON_TABLE, ADDRESS_TABLE, CASE_TABLE, SHARE_TABLE)


def _head(connection: sa.Connection) -> int:
    return tables.stream_head(connection)  # the safe head: nothing below it commits later


def changed_since(connection: sa.Connection, since: int, head: int) -> bool:
    """Whether anything that could change any device's answer reached the service after stream
    position `since`. Every write that moves an answer (a push, a share or its withdrawal, a
    transfer, a removal, a destroyed case) appends to the stream in the transaction that makes
    it, so the entries after `since` (a range of the primary key) tell: a row of `ANSWER_TABLES`,
    an event that is not a plain change, or a purge notice. A `since` beyond the head (a device
    remembering another database) counts as changed."""
    if since > head:
        return True
    if since == head:
        return False
    s = tables.stream
    moved = connection.execute(
        sa.select(s.c.seq)
        .where(
            s.c.seq > since,
            sa.or_(s.c.table_name.in_(ANSWER_TABLES), s.c.kind != "change"),
        )
        .limit(1)
    ).first()
    if moved is not None:
        return True
    notices = tables.purge_notice
    return (
        connection.execute(sa.select(notices.c.seq).where(notices.c.seq > since).limit(1)).first()
        is not None
    )


def unchanged_since(database: Database, since: int) -> bool:
    """`changed_since`'s answer, negated, at the current head (the exchange's blind-index bit)."""
    with database.read() as connection:
        return not changed_since(connection, since, _head(connection))


def known_elsewhere(
    database: Database, officer: Officer, person_ids: list[str], since: int | None = None
) -> ElsewhereReply:
    """Per asked person row (of a case the officer may see): the other teams whose cases, that
    the officer may not see, hold a matching digest; how many cases and whom to contact.

    With `since` (the `as_of` of the device's last answer for the same people) and nothing
    changed after it, the answer is `unchanged`: a sync with nothing to do then costs one
    indexed range read instead of the whole computation (which grows with the device's people)."""
    key = key_for_request(database)
    t = tables.row_state
    wanted = sorted(set(person_ids))
    with database.read() as connection:
        head = _head(connection)  # read first: a change committed while answering is newer
        visible = set(connection.execute(access.visible_cases(officer)).scalars())
        people: dict[str, Any] = {}
        for chunk in chunks(wanted):
            for r in connection.execute(
                sa.select(t.c.row_id, t.c.case_id, t.c.fields, t.c.deleted).where(
                    t.c.table_name == PERSON_TABLE, t.c.row_id.in_(chunk)
                )
            ):
                if r.case_id not in visible:
                    raise ServiceError(
                        403,
                        "not_visible",
                        "you may ask only about the people of cases you may see",
                    )
                if not r.deleted:
                    people[r.row_id] = r
        # Checked after the rows asked about are found visible: `unchanged` tells nothing of
        # rows the device may not see.
        if since is not None and not changed_since(connection, since, head):
            return ElsewhereReply(as_of=since, unchanged=True)
        # person row -> the kinds of match and their digests
        asked: dict[str, dict[str, str]] = {
            row_id: dict(row_digests(key, PERSON_TABLE, dict(r.fields)))
            for row_id, r in people.items()
        }
        case_ids = sorted({r.case_id for r in people.values()})
        for chunk in chunks(case_ids):
            for a in connection.execute(
                sa.select(t.c.fields).where(
                    t.c.table_name == ADDRESS_TABLE,
                    t.c.case_id.in_(chunk),
                    t.c.deleted.is_(False),
                )
            ):
                fields = dict(a.fields)
                owner = _text(fields, "person_id")
                if owner in asked:
                    for kind, value in row_digests(key, ADDRESS_TABLE, fields).items():
                        asked[owner][f"{kind}:{value}"] = value
        by_digest: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for row_id, kinds in asked.items():
            for kind, value in kinds.items():
                by_digest[value].append((row_id, MATCHED_ON[kind.split(":")[0]]))
        b, held_by = tables.blind_index, tables.case_access
        # (person row, team, matched on) -> the other team's cases that match
        found: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        for chunk in chunks(sorted(by_digest)):
            for m in connection.execute(
                sa.select(b.c.digest, b.c.case_id, held_by.c.team)
                .join(held_by, held_by.c.case_id == b.c.case_id)
                .where(b.c.digest.in_(chunk))
            ):
                if m.case_id in visible:
                    continue
                for row_id, matched_on in by_digest[m.digest]:
                    found[(row_id, m.team, matched_on)].add(m.case_id)
        officers: dict[str, tuple[tuple[str, str], str]] = {}
        other_cases = sorted({c for cases in found.values() for c in cases})
        for chunk in chunks(other_cases):
            for c in connection.execute(
                sa.select(t.c.row_id, t.c.fields).where(
                    t.c.table_name == CASE_TABLE, t.c.row_id.in_(chunk)
                )
            ):
                fields = dict(c.fields)
                officers[c.row_id] = (_case_order(fields), _text(fields, "officer")[:200])
    known: list[KnownElsewhere] = []
    for (row_id, team, matched_on), cases in sorted(found.items()):
        # the officer of the most recent of those cases that names one
        latest = sorted(
            (officers[c] for c in cases if c in officers and officers[c][1]), reverse=True
        )
        known.append(
            KnownElsewhere(
                person_id=row_id,
                team=team[:200],
                matched_on=matched_on,  # type: ignore[arg-type]
                cases=len(cases),
                contact_officer=latest[0][1] if latest else "",
            )
        )
    return ElsewhereReply(known=known, as_of=head)
