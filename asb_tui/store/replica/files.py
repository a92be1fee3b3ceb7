"""The laptop side of evidence file sync, without HTTP: which files to send and fetch, and the
blob store's sealed chunks in and out (`sync.replica_contract.LocalFiles`, used by
`sync.files.FileTransfer` through asb_tui/services/file_sync.py).

- Sent: the files of the evidence items of the cases of the officer's team (the team the
  service has this laptop in) that the laptop holds whole. The service answers which chunks it
  holds, so an item sent before costs one line of one status request.
- Fetched: the files of every evidence item the laptop holds but lacks, unless downloads are
  deferred on this laptop (a slow link: `evidence.downloads` = "on-demand"); then only the one
  file an officer asks for (`asb-tui evidence fetch REF EXHIBIT`).

A chunk is kept only after it opens under the item's key (`BlobStore.write_sealed`), a file only
after its SHA-256 is the item's (`BlobStore.finish`); either failure is a `ValueError` for the
transfer, and nothing of the chunk is kept.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlmodel import col, func, or_, select

from asb_tui.store.core import settings
from asb_tui.store.core.errors import CaseNotFound, RecordNotFound, StoreError
from asb_tui.store.core.evidence_blobs import BlobRef, EvidenceError
from asb_tui.store.core.models import Case, EvidenceItem, SharingRecord
from asb_tui.store.core.store import Store
from asb_tui.store.queries.case_queries import find_case
from asb_tui.store.queries.evidence import blob_ref
from sync.protocol import blob_id
from sync.replica_contract import FileWant

#: the blobs the service said it holds whole, with its address: not asked about again
SENT_SETTING = "evidence.sent"
#: the store setting saying whether this laptop fetches files at each sync ("auto", the default)
#: or only when asked ("on-demand")
DOWNLOADS_SETTING = "evidence.downloads"
DOWNLOAD_MODES = ("auto", "on-demand")


def downloads_mode(store: Store) -> str:
    with store.read() as session:
        mode = settings.get(session, DOWNLOADS_SETTING, "auto")
    return mode if mode in DOWNLOAD_MODES else "auto"


def set_downloads_mode(store: Store, mode: str) -> None:
    if mode not in DOWNLOAD_MODES:
        raise StoreError(f"file downloads are {' or '.join(DOWNLOAD_MODES)}, not {mode!r}")
    with store.write() as uow:
        uow.put_setting(DOWNLOADS_SETTING, mode)


def _ref(item: EvidenceItem) -> BlobRef | None:
    """The item's blob, or None for an item that names no file (or a pulled row whose hash or
    key is malformed: the transfer leaves it alone)."""
    try:
        return blob_ref(item)
    except EvidenceError:
        return None


class StoreFiles:
    """`LocalFiles` over an open store's blob store. Build one per transfer (it remembers the
    keys of the items it listed)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._refs: dict[str, BlobRef] = {}

    def _items(self, *, own_team: bool, readable: bool = False) -> list[BlobRef]:
        """The blobs of the items of the officer's team's cases (`own_team`), of the cases whose
        files this laptop may receive (`readable`: its team's, and those shared with its agency
        with the files), or of every item it holds."""
        with self.store.read() as session:
            enrolled = settings.get_json(session, settings.SYNC_SETTINGS, {})
            enrolled = enrolled if isinstance(enrolled, dict) else {}
            team, agency = str(enrolled.get("team") or ""), enrolled.get("agency")
            query = select(EvidenceItem)
            if own_team or readable:
                query = query.join(Case, col(Case.id) == col(EvidenceItem.case_id))
                mine = col(Case.team) == team
                if readable and isinstance(agency, str) and agency:
                    with_files = select(SharingRecord.case_id).where(
                        SharingRecord.agency == agency, col(SharingRecord.includes_files)
                    )
                    mine = or_(mine, col(EvidenceItem.case_id).in_(with_files))
                query = query.where(mine)
            items = list(session.exec(query))
        refs = []
        for item in items:
            ref = _ref(item)
            if ref is not None:
                self._refs[blob_id(ref.sha256, ref.keyfp)] = ref
                refs.append(ref)
        return refs

    def _want(self, ref: BlobRef) -> FileWant:
        return FileWant(blob_id(ref.sha256, ref.keyfp), ref.size)

    def to_upload(self) -> list[FileWant]:
        blobs, sent = self.store.blobs, self._sent()
        wants = {
            want
            for r in self._items(own_team=True)
            if (want := self._want(r)).blob_id not in sent and blobs.has_complete(r)
        }
        return sorted(wants, key=lambda w: w.blob_id)

    def _sent(self) -> set[str]:
        """The blobs the service this laptop is enrolled with said it holds whole."""
        with self.store.read() as session:
            kept = settings.get_json(session, SENT_SETTING, {})
            server = settings.get_json(session, settings.SYNC_SETTINGS, {}).get("server_url")
        if not isinstance(kept, dict) or kept.get("server") != server:
            return set()
        return {b for b in kept.get("blobs", []) if isinstance(b, str)}

    def mark_sent(self, blob_ids: Sequence[str]) -> None:
        if not blob_ids:
            return
        sent = self._sent() | set(blob_ids)
        with self.store.write() as uow:
            server = settings.get_json(uow.reads, settings.SYNC_SETTINGS, {}).get("server_url")
            uow.put_setting(SENT_SETTING, json.dumps({"server": server, "blobs": sorted(sent)}))

    def to_download(self) -> list[FileWant]:
        if downloads_mode(self.store) != "auto":
            return []
        return self.lacking(readable=True)

    def lacking(self, *, readable: bool = False) -> list[FileWant]:
        """The files items on this laptop name that it does not hold whole (`readable`: only
        those of cases it may receive the files of, so a share without the files costs no
        request at each sync)."""
        blobs = self.store.blobs
        wants = {
            self._want(r)
            for r in self._items(own_team=False, readable=readable)
            if not blobs.has_complete(r)
        }
        return sorted(wants, key=lambda w: w.blob_id)

    def item_file(self, case_ref: str, exhibit: str) -> tuple[FileWant, bool]:
        """The file of one item (by case reference and exhibit reference), and whether the
        laptop holds it whole already."""
        with self.store.read() as session:
            case_id = find_case(session, case_ref)
            if case_id is None:
                raise CaseNotFound(case_ref)
            item = session.exec(
                select(EvidenceItem).where(
                    EvidenceItem.case_id == case_id,
                    func.upper(EvidenceItem.exhibit_ref) == exhibit.strip().upper(),
                )
            ).first()
        if item is None:
            raise RecordNotFound(f"case {case_ref} has no exhibit {exhibit}")
        ref = _ref(item)
        if ref is None:
            raise RecordNotFound(f"exhibit {exhibit} of case {case_ref} has no file")
        want = self._want(ref)
        self._refs[want.blob_id] = ref
        return want, self.store.blobs.has_complete(ref)

    def _blob(self, blob: str) -> BlobRef:
        ref = self._refs.get(blob)
        if ref is None:
            raise ValueError("no evidence item on this laptop names this file")
        return ref

    def missing_chunks(self, blob: str) -> list[int]:
        return self.store.blobs.missing_chunks(self._blob(blob))

    def read_sealed(self, blob: str, n: int) -> bytes:
        return self.store.blobs.read_sealed(self._blob(blob), n)

    def write_sealed(self, blob: str, n: int, sealed: bytes) -> None:
        try:
            self.store.blobs.write_sealed(self._blob(blob), n, sealed)
        except EvidenceError as exc:
            raise ValueError(str(exc)) from exc

    def finish(self, blob: str) -> None:
        ref = self._blob(blob)
        try:
            self.store.blobs.finish(ref)
        except EvidenceError as exc:
            self.store.blobs.remove(ref)  # a file that is not the item's is not kept
            raise ValueError(str(exc)) from exc
