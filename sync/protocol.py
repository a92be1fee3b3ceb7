"""The sync wire contract, version "v1": the one source of truth for client and server.

Every message is a pydantic v2 model. The server validates what a device sends and the client
validates what the server replies, with the same models, so a malformed message is refused whole
and never half-applied.

Vocabulary:
- change record: one row written on a laptop (`ChangeOut`), numbered per device by
  `device_counter` (1, 2, 3, ... without gaps).
- server change: a change the central service stored (`ServerChange`), numbered by the global,
  gap-free and commit-ordered stream sequence `seq`; a pull cursor is the last `seq` applied.
- version: the server's version of one row, incremented by every change applied to it. An update or
  delete names the version it was based on (`base_version`), which is how conflicts are found.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    field_validator,
    model_validator,
)

from sync import schema

PROTOCOL_VERSION = "v1"
API_PREFIX = "/v1"

# --- the access scope the server understands --------------------------------------------------

#: The case row: its `row_id` is the case id, and its `team` field decides who may see the case.
CASE_TABLE = "asb_case"
CASE_TEAM_FIELD = "team"
#: A share grants the officers of `agency` access to the case when `legal_basis` is not blank.
SHARE_TABLE = "sharing_record"
SHARE_AGENCY_FIELD = "agency"
SHARE_LEGAL_BASIS_FIELD = "legal_basis"
#: Fields the server owns: a `version` sent in `fields` is ignored (the server's is authoritative).
SERVER_OWNED_FIELDS = frozenset({"version"})
#: Fields that place a row; an update may not change them (a row never moves between cases).
IDENTITY_FIELDS = frozenset({"id", "case_id"})
#: The field name of a whole-row conflict (a delete against an edit, or an edit of a deleted row).
ROW_CONFLICT_FIELD = "*"

# --- size limits (the server answers 413 or 422 beyond them, never 500) ------------------------

MAX_BATCH = 1_000
MAX_BODY_BYTES = 10 * 1024 * 1024
#: the most a laptop inflates one answer to (a compression bomb from a hostile service is refused
#: as it passes this): far above any honest page, whose rows each fit in a pushed body
MAX_REPLY_BYTES = 512 * 1024 * 1024
MAX_PULL_LIMIT = 1_000
DEFAULT_PULL_LIMIT = 500
MAX_FIELDS_PER_CHANGE = 200
#: the longest text value of any synced field (sync/schema.py); the service refuses a longer
#: value per change, with its reason, rather than the whole push
MAX_STRING_CHARS = schema.MAX_TEXT_CHARS
MAX_JSON_DEPTH = 8
MAX_JSON_ITEMS = 1_000
#: audit links sent per push (the events since the anchored head); more go in the next push
MAX_AUDIT_LINKS = 5_000

UUID_PATTERN = schema.ID_PATTERN
# Names are checked for shape here and against the schema's tables and fields by the service, per
# change: an unknown table or field is a refused change, not a refused push.
TABLE_PATTERN = schema.TABLE_NAME_PATTERN
FIELD_PATTERN = schema.FIELD_NAME_PATTERN
#: the longest reason a laptop gives for a change it set aside instead of sending
MAX_SET_ASIDE_REASON = 1_000
SHA256_HEX_PATTERN = r"^[0-9a-f]{64}$"
SERIES_PATTERN = r"^[0-9A-HJKMNP-TV-Z]{4}$"
SERIES_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32: no I, L, O, U


def series_tag(number: int) -> str:
    """The 4-character series tag of the service's `number`-th device (1 to 32**4 - 1)."""
    if not 0 < number < 32**4:
        raise ValueError("series number out of range")
    return "".join(SERIES_ALPHABET[(number >> shift) & 31] for shift in (15, 10, 5, 0))


Uuid = Annotated[str, StringConstraints(pattern=UUID_PATTERN)]
TableName = Annotated[str, StringConstraints(pattern=TABLE_PATTERN)]
FieldName = Annotated[str, StringConstraints(pattern=FIELD_PATTERN)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200)]
OptionalText = Annotated[str, StringConstraints(max_length=200)]
SetAsideReason = Annotated[str, StringConstraints(min_length=1, max_length=MAX_SET_ASIDE_REASON)]
Counter = Annotated[int, Field(ge=1, le=2**62)]
Version = Annotated[int, Field(ge=0, le=2**62)]
Seq = Annotated[int, Field(ge=0, le=2**62)]


def check_json_value(value: Any, depth: int = 0) -> Any:
    """Refuse JSON values that are too deep, too long or too large to be a form field."""
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"value nested deeper than {MAX_JSON_DEPTH} levels")
    if isinstance(value, str):
        pass  # length and Unicode: the sync schema's per-change check (sync/schema.py)
    elif isinstance(value, int) and not isinstance(value, bool):
        if abs(value) >= 2**63:
            raise ValueError("whole number out of range")
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("number is not finite")
    elif isinstance(value, list):
        if len(value) > MAX_JSON_ITEMS:
            raise ValueError(f"list longer than {MAX_JSON_ITEMS} items")
        for item in value:
            check_json_value(item, depth + 1)
    elif isinstance(value, dict):
        if len(value) > MAX_JSON_ITEMS:
            raise ValueError(f"object with more than {MAX_JSON_ITEMS} keys")
        for key, item in value.items():
            if len(key) > 200:
                raise ValueError("object key longer than 200 characters")
            check_json_value(item, depth + 1)
    return value


FieldValue = Annotated[JsonValue, AfterValidator(check_json_value)]
Fields = Annotated[dict[FieldName, FieldValue], Field(max_length=MAX_FIELDS_PER_CHANGE)]


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- push -------------------------------------------------------------------------------------


class ChangeOut(_Message):
    """One change record written on a laptop, exactly as the laptop stored it in its outbox."""

    device_counter: Counter
    table: TableName
    row_id: Uuid
    case_id: Uuid
    op: Literal["insert", "update", "delete"]
    #: insert: every column; update: only the fields written; delete: {}. JSON-safe values.
    fields: Fields = Field(default_factory=dict)
    #: update/delete of a mutable row: the server version the edit was based on (0 = never synced).
    base_version: Version | None = None
    #: incidents, notes, contacts, shares...: written once, never conflict, never updated.
    append_only: bool = False
    #: the laptop could not send this change (it does not fit the sync schema, or cannot be
    #: encoded): why. It carries no fields; the service records it as refused, so the counter is
    #: processed and the rest of the outbox goes on.
    set_aside: SetAsideReason | None = None

    @model_validator(mode="after")
    def _op_shape(self) -> ChangeOut:
        if self.set_aside is not None:
            if self.fields:
                raise ValueError("a change set aside carries no fields")
            return self
        if self.op == "delete" and self.fields:
            raise ValueError("a delete carries no fields")
        if self.op == "update" and not self.fields:
            raise ValueError("an update carries at least one field")
        if self.op == "insert" and self.base_version is not None:
            raise ValueError("an insert has no base_version")
        if self.op != "insert" and not self.append_only and self.base_version is None:
            raise ValueError(f"an {self.op} of a mutable row needs base_version")
        if self.table == CASE_TABLE and self.case_id != self.row_id:
            raise ValueError("an asb_case row is its own case: case_id must equal row_id")
        return self


Sha256Hex = Annotated[str, StringConstraints(pattern=SHA256_HEX_PATTERN)]


class AuditLink(_Message):
    """One audit event as a link of the chain: its number, the hash it follows, its own hash."""

    seq: Annotated[int, Field(ge=1, le=2**62)]
    prev_hash: Sha256Hex
    hash: Sha256Hex


class AuditHead(_Message):
    """The head of the device's audit chain: how many events, and the SHA-256 of the last one.

    `links` are the events after the head the service last anchored (as the laptop knows it),
    oldest first, so the service can check that the chain still passes through its anchor: a
    rewritten history is caught however many events were added after it."""

    count: Annotated[int, Field(ge=0, le=2**62)]
    hash: Sha256Hex
    links: Annotated[list[AuditLink], Field(max_length=MAX_AUDIT_LINKS)] = Field(
        default_factory=list
    )


class PushRequest(_Message):
    device_id: Uuid
    #: consecutive device counters; must start at or below the server's applied counter + 1.
    batch: Annotated[list[ChangeOut], Field(max_length=MAX_BATCH)]
    audit_head: AuditHead

    @field_validator("batch")
    @classmethod
    def _consecutive(cls, batch: list[ChangeOut]) -> list[ChangeOut]:
        for previous, current in itertools.pairwise(batch):
            if current.device_counter != previous.device_counter + 1:
                raise ValueError(
                    f"device counters must be consecutive: {previous.device_counter} is followed "
                    f"by {current.device_counter}"
                )
        return batch


class RowVersion(_Message):
    """The server version of a row after a push.

    Only returned where the server's row is now exactly the device's copy (no other writer since
    the device's base version, no conflicted field), so the device may base later edits on it.
    Other rows learn their version from the pull.
    """

    table: TableName
    row_id: Uuid
    version: Version


class RefusedChange(_Message):
    """A change the server will never apply (no access, unknown case, edit of an append-only
    row...). It counts as processed (the device must not resend it) and the server keeps a copy,
    so nothing is dropped silently: the officer should be shown `reason`."""

    device_counter: Counter
    table: TableName
    row_id: Uuid
    case_id: Uuid
    reason: str


class ConflictOut(_Message):
    """A field edited on two sides since the same version, as seen by the requesting device.

    `mine` is the value in the requesting device's copy and `theirs` the other side's: for the
    device whose edit was not applied (`device_id`), mine = `device_value`, theirs =
    `server_value`; for every other device, mine = `server_value`, theirs = `device_value`.
    For a whole-row conflict (`field == "*"`) a value is the row's fields, or null for deleted.
    """

    id: Uuid
    seq: Seq
    table: TableName
    row_id: Uuid
    case_id: Uuid
    field: str
    server_value: JsonValue
    device_value: JsonValue
    mine: JsonValue
    theirs: JsonValue
    #: the device whose pushed value was kept out, and the device that wrote the server value
    #: (None: the server itself, e.g. a resolution).
    device_id: Uuid
    server_device_id: Uuid | None
    status: Literal["open", "resolved"]
    resolution: Literal["mine", "theirs", "edit"] | None = None
    resolved_value: JsonValue = None
    resolved_by_device_id: Uuid | None = None


class PushReply(_Message):
    #: the highest device counter the server has applied (or refused) for this device, after commit
    applied_up_to: Annotated[int, Field(ge=0)]
    versions: list[RowVersion] = Field(default_factory=list)
    conflicts: list[ConflictOut] = Field(default_factory=list)
    refused: list[RefusedChange] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    #: the audit head the service has anchored for this device after this push (links omitted)
    audit_anchor: AuditHead | None = None


# --- pull -------------------------------------------------------------------------------------


class ServerChange(_Message):
    """A change as stored centrally, in the order every device must apply them (`seq`).

    op "insert" carries the whole row and must be applied as an upsert (a case that became visible
    later is re-sent this way); "update" carries only the fields applied; "delete" carries {}.
    `origin_device_id` is the device that pushed it (None: written by the server itself, e.g. a
    conflict resolution or a snapshot), `origin_counter` that device's counter.
    """

    seq: Annotated[int, Field(ge=1)]
    table: TableName
    row_id: Uuid
    case_id: Uuid
    op: Literal["insert", "update", "delete"]
    fields: dict[str, JsonValue] = Field(default_factory=dict)
    version: Version
    origin_device_id: Uuid | None = None
    origin_counter: Counter | None = None


class ServerPurge(_Message):
    """A case this officer may no longer see (its share with the agency was withdrawn, or it
    was transferred to another team): the laptop removes its local copy."""

    seq: Annotated[int, Field(ge=1)]
    case_id: Uuid
    reason: Annotated[str, StringConstraints(max_length=500)]


class PullPage(_Message):
    """One page of the stream after a cursor: only the cases the officer may see."""

    after: Seq
    changes: list[ServerChange] = Field(default_factory=list)
    #: conflicts created or resolved in this page's range (status tells which)
    conflicts: list[ConflictOut] = Field(default_factory=list)
    #: cases to remove from the laptop, applied after the page's changes
    purges: list[ServerPurge] = Field(default_factory=list)
    #: the cursor to store once this page is applied (>= every seq in the page)
    next_cursor: Seq
    #: True when more pages follow right now
    more: bool

    @model_validator(mode="after")
    def _ordered(self) -> PullPage:
        if self.next_cursor < self.after:
            raise ValueError("next_cursor is behind the requested cursor")
        seqs = [c.seq for c in self.changes]
        if any(b <= a for a, b in itertools.pairwise(seqs)):
            raise ValueError("changes are not in strictly increasing seq order")
        for seq in [*seqs, *(c.seq for c in self.conflicts), *(p.seq for p in self.purges)]:
            if not self.after < seq <= self.next_cursor:
                raise ValueError(f"seq {seq} lies outside the page's range")
        return self


# --- the first pull as a snapshot (sync/server/snapshot.py, sync/snapshot_client.py) -----------

#: rows one snapshot page holds at most (whole cases: a case larger than this comes alone)
MAX_SNAPSHOT_ROWS = 20_000
#: a snapshot page is this many times the pull's page (`SyncClient.page_size`, rows for changes):
#: a page of whole cases streams as the service encodes it, and each page costs a round trip and
#: the service's read before its first byte, so fewer, larger pages idle the link less
SNAPSHOT_PAGE_FACTOR = 20
#: `format=2` asks for a snapshot page in the columnar coding (sync/snapshot_columns.py); a
#: service that answers with it says `"format": 2`, one from before it answers plain rows
SNAPSHOT_COLUMNS = 2

#: one current row: row id, case id, the row's own stream number (when it was created: unique,
#: what a row set aside is kept under), its version, and its fields without `id` and `case_id`
#: (the row's and case's ids, given once in front)
RowSeq = Annotated[int, Field(ge=1, le=2**62)]
SnapshotRow = tuple[Uuid, Uuid, RowSeq, Version, dict[str, JsonValue]]


def snapshot_names_case(table: str) -> bool:
    """Whether a snapshot row of `table` leaves out its `case_id` field (the case id given in
    front): a case table of the schema other than the case itself. Both ends ask this."""
    spec = schema.TABLES.get(table)
    return table != CASE_TABLE and spec is not None and "case_id" in spec.fields


class SnapshotSection(_Message):
    """The rows of one table of a snapshot page (tables parents first, `schema.TABLE_NAMES`)."""

    table: TableName
    rows: list[SnapshotRow] = Field(default_factory=list)


class SnapshotPage(_Message):
    """One page of a snapshot: the current rows of whole cases the officer may see, the cases
    after `after_case` in the service's order, as of stream position `head` or later.

    After the last page (`more` False) the laptop pulls the stream after `head`: a row changed
    since `head` comes again there, and its version tells the laptop it holds it already."""

    head: Seq
    after_case: Uuid | None = None
    #: the last case of this page: the cursor to keep (with `head`) to resume after this page
    next_case: Uuid | None = None
    more: bool
    #: the rows of the cases after `after_case` (this page's included), when asked for
    #: (`count`): for progress and the time left
    rows_left: Annotated[int, Field(ge=0)] | None = None
    sections: list[SnapshotSection] = Field(default_factory=list)
    #: the open conflicts of this page's cases
    conflicts: list[ConflictOut] = Field(default_factory=list)

    @model_validator(mode="after")
    def _shape(self) -> SnapshotPage:
        cases = {row[1] for section in self.sections for row in section.rows}
        if self.more and self.next_case is None:
            raise ValueError("a snapshot page with more to come names its last case")
        if any(c.case_id not in cases for c in self.conflicts):
            raise ValueError("a snapshot page holds a conflict of a case it does not hold")
        return self

    def row_count(self) -> int:
        return sum(len(section.rows) for section in self.sections)

    def changes(self) -> list[ServerChange]:
        """The rows as the pull would bring them to a new laptop: whole-row inserts (upserts)
        written by the service, with their versions, in the page's order (parents first)."""
        out: list[ServerChange] = []
        for section in self.sections:
            for row_id, case_id, seq, version, fields in section.rows:
                whole: dict[str, JsonValue] = {"id": row_id}
                if snapshot_names_case(section.table):
                    whole["case_id"] = case_id
                whole.update(fields)
                # every part was checked as this page was (ids, table, numbers, JSON values)
                change = ServerChange.model_construct(
                    seq=seq, table=section.table, row_id=row_id, case_id=case_id,
                    op="insert", fields=whole, version=version, origin_device_id=None,
                    origin_counter=None,
                )  # fmt: skip
                out.append(change)
        return out


class SnapshotColumns(_Message):
    """One table's rows of a group in the columnar coding (sync/snapshot_columns.py)."""

    table: TableName
    #: (index into the group's `cases`, how many rows in a row)
    case_runs: list[tuple[int, int]]
    #: the row ids as 16 bytes each in base64, or as text when one is not in canonical form
    ids: str | list[Uuid]
    #: each row's seq less the one before (the first as it is)
    seqs: list[int]
    versions: list[Version]
    #: per field name its values in row order (strings as word codes when the group has a vocab)
    columns: dict[str, list[JsonValue]] = Field(default_factory=dict)
    #: per field name the rows whose fields lack it
    absent: dict[str, list[int]] = Field(default_factory=dict)


class SnapshotGroup(_Message):
    """The rows of a few cases in the columnar coding: their ids once, the words of their strings
    (null: the strings are as they are), their tables parents first."""

    cases: list[Uuid]
    vocab: list[str] | None = None
    sections: list[SnapshotColumns] = Field(default_factory=list)


class SnapshotColumnsPage(_Message):
    """A `SnapshotPage` in the columnar coding (`format=2`), as the service sends it; the laptop
    decodes it (sync/snapshot_columns.py, which checks this shape itself) into a `SnapshotPage`
    and validates that as it validates a plain page."""

    format: Literal[2]
    head: Seq
    after_case: Uuid | None = None
    next_case: Uuid | None = None
    more: bool
    rows_left: Annotated[int, Field(ge=0)] | None = None
    groups: list[SnapshotGroup] = Field(default_factory=list)
    conflicts: list[ConflictOut] = Field(default_factory=list)


# --- conflicts, enrolment, status -------------------------------------------------------------


class ResolveRequest(_Message):
    """Resolve a conflict: keep my value, keep theirs, or write `value` (choice "edit")."""

    choice: Literal["mine", "theirs", "edit"]
    value: FieldValue = None


class EnrolRequest(_Message):
    token: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    device_id: Uuid
    device_name: ShortText


class OfficerOut(_Message):
    id: Uuid
    name: str
    team: str
    agency: str | None = None


class EnrolReply(_Message):
    device_token: Annotated[str, StringConstraints(min_length=20, max_length=200)]
    device_id: Uuid
    officer: OfficerOut
    #: a case-reference series that the service gives no other device (four Crockford base32
    #: characters), so references made offline on two laptops never collide
    series: Annotated[str, StringConstraints(pattern=SERIES_PATTERN)] | None = None


class DeviceStatus(_Message):
    device_id: Uuid
    device_name: str
    officer: OfficerOut
    applied_up_to: Annotated[int, Field(ge=0)]
    audit_head: AuditHead | None = None
    audit_flag: str | None = None


class StatusReply(_Message):
    service: str = "asb-sync-server"
    protocol: str = PROTOCOL_VERSION
    ok: bool = True
    head: Seq = 0
    #: present when the request carried a valid device token
    device: DeviceStatus | None = None


# --- known elsewhere: the blind index (sync/server/blind.py) ------------------------------------

#: person rows one request may ask about (the client asks in pages of this size)
MAX_ELSEWHERE_ASK = 500


class ExchangeRequest(_Message):
    """A whole small sync in one round trip: a push (possibly empty), then the first page of the
    pull, and whether the blind index's answers may have changed since `elsewhere_since`.

    The push part is `PushRequest` exactly (same checks, same transaction); the page is read
    after the push commits, so it is what `GET /pull` would then return. A sync with nothing to
    do is this one request; a larger one continues with `/push` and `/pull` as before."""

    push: PushRequest
    after: Seq
    limit: Annotated[int, Field(ge=1, le=MAX_PULL_LIMIT)] = DEFAULT_PULL_LIMIT
    own: bool = False
    #: the `as_of` of the device's last full blind-index answer (see `ElsewhereRequest.since`)
    elsewhere_since: Seq | None = None


class ExchangeReply(_Message):
    push: PushReply
    page: PullPage
    #: nothing that could change a blind-index answer reached the service after
    #: `elsewhere_since` (False when it was not asked)
    elsewhere_unchanged: bool = False


class ElsewhereRequest(_Message):
    """Ask about person rows of cases this device may see: are they known to other teams?"""

    person_ids: Annotated[list[Uuid], Field(min_length=1, max_length=MAX_ELSEWHERE_ASK)]
    #: the `as_of` of the device's last full answer, for the same people: when nothing that
    #: could change an answer has reached the service since, it answers `unchanged` (and the
    #: device keeps what it was told) instead of computing the answer again
    since: Seq | None = None

    @field_validator("person_ids")
    @classmethod
    def _distinct(cls, ids: list[str]) -> list[str]:
        if len({i.lower() for i in ids}) != len(ids):
            raise ValueError("a person row is named twice")
        return ids


class KnownElsewhere(_Message):
    """One person row of this device's cases, also matched in cases of another team that this
    device may not see: how many, and whom to contact there. Nothing else of those cases."""

    person_id: Uuid
    team: ShortText
    matched_on: Literal["identity", "address"]
    cases: Annotated[int, Field(ge=1)]
    contact_officer: Annotated[str, StringConstraints(max_length=200)] = ""


class ElsewhereReply(_Message):
    known: list[KnownElsewhere] = Field(default_factory=list)
    #: the stream head the answer was computed at (what the device sends back as `since`)
    as_of: Seq | None = None
    #: nothing that could change an answer reached the service after `since`; `known` is empty
    unchanged: bool = False


# --- evidence files: sealed chunks (sync/server/evidence_files.py, docs/sync-wire.md) ----------

#: plaintext bytes of every chunk of a file but the last (the laptop's blob store seals each
#: chunk with AES-GCM, which adds a 16-byte tag; the service never opens one)
FILE_CHUNK_SIZE = 1024 * 1024
SEAL_OVERHEAD = 16
MAX_SEALED_CHUNK = FILE_CHUNK_SIZE + SEAL_OVERHEAD
#: the largest file an evidence item may name (the laptop's default intake limit is 500 MB)
MAX_FILE_SIZE = 4 * 1024**3
#: a blob is named by its content's SHA-256 and the fingerprint of the key that sealed it
#: (`sha256(key).hexdigest()[:16]`): the same file sealed under two keys is two blobs
KEY_FINGERPRINT_PATTERN = r"^[0-9a-f]{16}$"
BLOB_ID_PATTERN = r"^[0-9a-f]{64}-[0-9a-f]{16}$"
#: blobs one status request may ask about
MAX_BLOB_ASK = 200
#: the name of the evidence item table and the fields of it the service reads to know a blob
EVIDENCE_TABLE = "evidence_item"
EVIDENCE_SHA256_FIELD = "sha256"
EVIDENCE_SIZE_FIELD = "size"
EVIDENCE_KEY_FIELD = "content_key"
#: a share reaches the agency's laptops with the case's files only when this field is true
SHARE_INCLUDES_FILES_FIELD = "includes_files"

BlobId = Annotated[str, StringConstraints(pattern=BLOB_ID_PATTERN)]


def chunk_count(size: int) -> int:
    """Chunks of a file of `size` bytes: an empty file is one empty chunk."""
    return max(1, -(-size // FILE_CHUNK_SIZE))


def plain_chunk_size(size: int, n: int) -> int:
    """Plaintext bytes of chunk `n` (from 0) of a file of `size` bytes."""
    return min(FILE_CHUNK_SIZE, size - n * FILE_CHUNK_SIZE)


def sealed_chunk_size(size: int, n: int) -> int:
    return plain_chunk_size(size, n) + SEAL_OVERHEAD


def blob_id(sha256: str, key_fingerprint: str) -> str:
    return f"{sha256}-{key_fingerprint}"


class BlobStatusRequest(_Message):
    """Which chunks of these blobs does the service hold?"""

    blob_ids: Annotated[list[BlobId], Field(min_length=1, max_length=MAX_BLOB_ASK)]

    @field_validator("blob_ids")
    @classmethod
    def _distinct(cls, ids: list[str]) -> list[str]:
        if len(set(ids)) != len(ids):
            raise ValueError("a blob is named twice")
        return ids


class BlobStatus(_Message):
    """One blob as the service holds it: its size and chunk count (from the evidence item that
    names it), the chunks it holds, and whether it holds them all."""

    blob_id: BlobId
    size: Annotated[int, Field(ge=0, le=MAX_FILE_SIZE)]
    chunks: Annotated[int, Field(ge=1)]
    held: list[Annotated[int, Field(ge=0)]] = Field(default_factory=list)
    complete: bool = False


class BlobRefusal(_Message):
    """A blob of the request the device may not have (or that no item it may see names)."""

    blob_id: BlobId
    error: Literal["not_found", "forbidden"]
    message: str


class BlobStatusReply(_Message):
    blobs: list[BlobStatus] = Field(default_factory=list)
    refused: list[BlobRefusal] = Field(default_factory=list)


class ChunkPutReply(_Message):
    """A chunk kept (or already held: `stored` false, nothing rewritten)."""

    blob_id: BlobId
    n: Annotated[int, Field(ge=0)]
    stored: bool
    complete: bool


class ErrorReply(BaseModel):
    """Every 4xx/5xx body: a short code and a sentence a person can act on."""

    error: str
    message: str
    detail: Any = None
    #: on a 409 "counter gap": the device counter the server expects next
    expected_counter: int | None = None
