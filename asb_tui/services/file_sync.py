"""Evidence files over sync, after the records: the app's file transfer (used by `asb-tui sync`,
`asb-tui evidence fetch` and the sync screen's worker).

Records go first (`sync_run.run_sync`): an evidence item reaches the service, and the laptops
that may read its case, by the ordinary push and pull; only then are its file's sealed chunks
sent and fetched here (`sync.files.FileTransfer` over the store's `StoreFiles`). A failure here
loses nothing: the chunks held on either side stay, and the next run sends or fetches only the
rest. Blocking: call these from a worker thread, never the UI loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from asb_tui.services.sync_run import client_for
from asb_tui.store.core.store import Store
from asb_tui.store.replica.files import StoreFiles, downloads_mode
from asb_tui.store.replica.replica import StoreReplica
from sync.files import FileProgress, FileSyncResult, FileTransfer


@dataclass(frozen=True)
class FileSyncOutcome:
    sent: FileSyncResult
    received: FileSyncResult
    #: "auto": files were fetched; "on-demand": this laptop fetches a file only when asked
    downloads: str
    #: files items on this laptop name that it does not hold whole after this run
    lacking: int

    def says_anything(self) -> bool:
        """Whether a file moved, waits or was refused: a sync of records alone says nothing more."""
        return bool(
            self.sent.files_uploaded
            or self.sent.chunks_sent
            or self.received.files_downloaded
            or self.received.chunks_received
            or self.received.files_waiting
            or self.received.files_refused
            or (self.downloads != "auto" and self.lacking)
        )

    def summary(self) -> str:
        parts = [
            f"files sent {self.sent.files_uploaded} ({self.sent.chunks_sent} chunks)",
            f"received {self.received.files_downloaded} ({self.received.chunks_received} chunks)",
        ]
        if self.received.files_waiting:
            parts.append(f"{self.received.files_waiting} not yet on the service")
        if self.received.files_refused:
            parts.append(f"{self.received.files_refused} not shared with your agency")
        if self.downloads != "auto" and self.lacking:
            parts.append(f"{self.lacking} left to fetch on demand")
        return ", ".join(parts)


def run_file_sync(
    store: Store,
    *,
    server_url: str | None = None,
    progress: Callable[[FileProgress], None] | None = None,
    transport: httpx.BaseTransport | None = None,
    **options: Any,
) -> FileSyncOutcome:
    """Send this laptop's team's files the service lacks, then fetch the files the laptop's
    items name and it lacks (unless downloads are on demand). Raises `SyncError`."""
    files = StoreFiles(store)
    mode = downloads_mode(store)
    with client_for(StoreReplica(store), server_url, transport, options) as client:
        transfer = FileTransfer(client, files)
        sent = transfer.upload(progress)
        received = transfer.download(progress)
    return FileSyncOutcome(
        sent=sent, received=received, downloads=mode, lacking=len(files.lacking())
    )


def fetch_item_file(
    store: Store,
    case_ref: str,
    exhibit: str,
    *,
    server_url: str | None = None,
    progress: Callable[[FileProgress], None] | None = None,
    transport: httpx.BaseTransport | None = None,
    **options: Any,
) -> FileSyncResult:
    """Fetch one item's file now (whatever the downloads setting). Raises the store's
    `RecordNotFound` for an unknown case or exhibit, `SyncError` for the service's refusal."""
    files = StoreFiles(store)
    want, held = files.item_file(case_ref, exhibit)
    if held:
        return FileSyncResult()
    with client_for(StoreReplica(store), server_url, transport, options) as client:
        return FileTransfer(client, files).download(progress, only=[want])
