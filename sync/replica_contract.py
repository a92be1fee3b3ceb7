"""What the laptop's store and the sync client agree on, with no HTTP in it: the sync errors, the
settings and results the replica keeps, and `LocalReplica`, the store as the client sees it.

The store implements `LocalReplica` and imports only this module and `sync.protocol`, never the
HTTP client (`sync.client`): import-linter holds that line (pyproject.toml).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

from sync.protocol import AuditHead, ChangeOut, PullPage, RefusedChange, RowVersion, SnapshotPage

# --- errors ------------------------------------------------------------------------------------


class SyncError(Exception):
    """Base of every sync failure. The message is meant for the officer. Local data is intact."""


class SyncNetworkError(SyncError):
    """The server could not be reached or the connection broke. Nothing is lost: retry later."""


class SyncAuthError(SyncError):
    """This laptop is not enrolled, or its device was revoked. Local data is kept as it is."""


class SyncServerError(SyncError):
    """The server refused the request or failed. Nothing was applied locally from it."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class SyncProtocolError(SyncError):
    """The server's reply was malformed or contradicts the protocol. Nothing of it was applied."""


# --- what the replica stores and returns --------------------------------------------------------


@dataclass(frozen=True)
class SyncSettings:
    """Where and as whom this laptop syncs. The device token is a secret: keep it encrypted."""

    server_url: str
    device_token: str
    officer_id: str = ""
    officer_name: str = ""
    team: str = ""
    agency: str | None = None
    #: the case-reference series the service allocated to this device ("" when it gave none)
    series: str = ""


@dataclass(frozen=True)
class RemovedCase:
    """A case this laptop no longer holds because the service said so: its share with the
    officer's agency was withdrawn, it was transferred to another team, or it was destroyed."""

    case_id: str
    #: the case reference as the laptop knew it ("" when it had none)
    ref: str
    reason: str


@dataclass(frozen=True)
class ApplySummary:
    """What `apply_pulled` did with one page (for progress and the sync screen)."""

    applied: int = 0
    skipped_echoes: int = 0
    conflicts_opened: int = 0
    conflicts_resolved: int = 0
    #: changes of the page the laptop could not apply: kept aside with their reason
    set_aside: int = 0
    #: cases removed from the laptop by this page (purges, and destroyed cases)
    removed: tuple[RemovedCase, ...] = ()


@dataclass(frozen=True)
class SnapshotCursor:
    """Where an unfinished first pull by snapshot stands: the snapshot's stream head and the
    last case whose rows the laptop holds (None: none yet)."""

    head: int
    after_case: str | None


@dataclass(frozen=True)
class SyncProgress:
    phase: Literal["push", "pull", "done"]
    #: changes pushed (push phase) or pulled (pull phase) so far in this sync
    done: int
    message: str
    #: what `done` is counting towards, when known (a first pull by snapshot knows its rows)
    total: int | None = None
    #: bytes received so far by this pull, and the seconds it should still take (snapshot)
    bytes_done: int = 0
    seconds_left: float | None = None


@dataclass(frozen=True)
class SyncResult:
    """The outcome of one `SyncClient.sync()`: recorded by the replica for the sync screen."""

    ok: bool
    started_at: datetime
    finished_at: datetime
    pushed: int = 0
    pulled: int = 0
    applied_up_to: int = 0
    cursor: int = 0
    refused: tuple[RefusedChange, ...] = ()
    new_conflicts: int = 0
    resolved_conflicts: int = 0
    warnings: tuple[str, ...] = ()
    error: str | None = None
    #: pulled changes this laptop could not apply (set aside with their reasons)
    set_aside_pulled: int = 0
    #: cases this sync removed from the laptop, and why
    removed: tuple[RemovedCase, ...] = ()
    #: the service said nothing that could change a blind-index answer reached it after the
    #: position the sync was given (`SyncClient.sync(elsewhere_since=...)`)
    elsewhere_unchanged: bool = False


@runtime_checkable
class LocalReplica(Protocol):
    """The laptop store as sync sees it. Every method is called from one worker thread at a time;
    methods that write must each be one transaction of the local database.

    Change records (the outbox) are written by the store itself, in the same transaction as the
    user's data and its audit event: device_counter 1, 2, 3... with no gap, and, for an update or
    delete of a mutable row, base_version = the row's synced version at the time of the edit
    (0 when never synced). Records are kept after they are pushed (see `outbox`).
    """

    def device_id(self) -> str:
        """This store's device id (a UUID string, fixed when the store was created)."""
        ...

    def last_counter(self) -> int:
        """The highest device counter this store has ever given a change record (0 when none);
        never lowered, even when old records are removed. Read-only."""
        ...

    def pushed_up_to(self) -> int:
        """The highest counter below which every change record is marked pushed (what this store
        believes the service has applied; `last_counter()` when nothing waits). Read-only."""
        ...

    def outbox(self, after_counter: int, limit: int, /) -> list[ChangeOut]:
        """Up to `limit` change records with device_counter > after_counter, in counter order,
        whether or not already marked pushed (the server may ask for a resend from any counter
        it has not applied). Read-only."""
        ...

    def mark_pushed(
        self,
        up_to_counter: int,
        versions: Sequence[RowVersion],
        refused: Sequence[RefusedChange],
        /,
    ) -> None:
        """ONE transaction, after the server committed: mark every change record with
        counter <= up_to_counter as pushed (idempotent; never unmark); for each RowVersion set
        that row's synced version (so later edits name it as base_version) — but only raise it,
        never lower it; store each refused change (with its reason) for the officer to see.
        """
        ...

    def pull_cursor(self) -> int:
        """The stream position (seq) this store has applied up to; 0 before the first pull."""
        ...

    def apply_pulled(self, page: PullPage, /) -> ApplySummary:
        """ONE transaction: apply the page and set the cursor to page.next_cursor, or, on any
        error, change nothing. Idempotent (a page may arrive twice). In page order:

        - change with origin_device_id == device_id(): an echo of this store's own push; skip its
          fields (they are already here) but raise the row's synced version to change.version.
        - other changes: "insert" = upsert of the whole row; "update" = set the given fields;
          "delete" = remove the row. Then raise the row's synced version to change.version.
          Skip a change whose version is not above the row's synced version (already applied),
          and an "update"/"delete" of a row this store does not hold (a case that became visible
          later: its rows follow whole, as "insert").
          Fields with change records not yet pushed keep their local value (the pending edit will
          be pushed with its old base_version, so the server can detect the conflict); a row with
          a pending local delete stays deleted.
        - conflicts: status "open" = store or update it by id (mine/theirs are this device's
          view); status "resolved" = mark it resolved (the resolving change is in the stream).
        """
        ...

    def snapshot_cursor(self) -> SnapshotCursor | None:
        """The cursor of a first pull by snapshot that has not finished (see `apply_snapshot`),
        or None. Read-only."""
        ...

    def apply_snapshot(self, page: SnapshotPage, /) -> ApplySummary:
        """ONE transaction: apply a snapshot page and keep its cursor, or, on any error, change
        nothing. Its rows (`page.changes()`) are applied exactly as pulled "insert" changes
        (checked and set aside as those are; a row whose version is not above the one held is
        skipped, so a page applied twice changes nothing), then its open conflicts. When
        `page.more`: keep `SnapshotCursor(page.head, page.next_case)`; else set the pull cursor
        to `page.head` and forget the snapshot cursor (the stream after the head follows)."""
        ...

    def audit_head(self) -> AuditHead:
        """The local audit chain's head: number of events and SHA-256 (hex) of the last one
        (count 0 and 64 zeros when empty), with the links of the events after the anchor last
        acknowledged (at most `MAX_AUDIT_LINKS`). Read-only."""
        ...

    def acknowledge_audit_anchor(self, anchor: AuditHead, /) -> None:
        """The service anchored this head: keep it when the local chain passes through it."""
        ...

    def sync_settings(self) -> SyncSettings | None:
        """The stored server URL and device token, or None when not enrolled."""
        ...

    def save_sync_settings(self, settings: SyncSettings, /) -> None:
        """Store the settings (inside the encrypted store: the token is a secret). One
        transaction."""
        ...

    def record_sync_result(self, result: SyncResult, /) -> None:
        """Keep the outcome of the last sync (success or failure) for the dashboard and the sync
        screen. One transaction. Must not raise for a failed sync's result."""
        ...


# --- evidence files (sync/files.py) ---------------------------------------------------------


@dataclass(frozen=True)
class FileWant:
    """One file to move: its blob id (`sha256-keyfp`) and its plaintext size."""

    blob_id: str
    size: int


@runtime_checkable
class LocalFiles(Protocol):
    """The laptop's blob store as the file transfer sees it (called from one worker thread)."""

    def to_upload(self) -> list[FileWant]:
        """Files the laptop holds whole, of cases its officer's team owns."""
        ...

    def to_download(self) -> list[FileWant]:
        """Files named by evidence items the laptop holds, which it does not hold whole."""
        ...

    def missing_chunks(self, blob_id: str, /) -> list[int]:
        """Chunk numbers of the file the laptop does not hold yet."""
        ...

    def read_sealed(self, blob_id: str, n: int, /) -> bytes:
        """Chunk `n` as sealed on the laptop (what the wire carries)."""
        ...

    def write_sealed(self, blob_id: str, n: int, sealed: bytes, /) -> None:
        """Keep chunk `n` after opening it under the file's key; raise `ValueError` if it does
        not open (nothing is kept)."""
        ...

    def finish(self, blob_id: str, /) -> None:
        """Every chunk is held: check the file's SHA-256; raise `ValueError` if it differs."""
        ...

    def mark_sent(self, blob_ids: Sequence[str], /) -> None:
        """The service holds these files whole: `to_upload` need not offer them again."""
        ...
