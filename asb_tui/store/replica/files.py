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

from sqlmodel import col, func, select

from asb_tui.store.core import settings
from asb_tui.store.core.errors import CaseNotFound, RecordNotFound, StoreError
from asb_tui.store.core.evidence_blobs import BlobRef, EvidenceError
from asb_tui.store.core.models import Case, EvidenceItem
from asb_tui.store.core.store import Store
from asb_tui.store.queries.case_queries import find_case
from asb_tui.store.queries.evidence import blob_ref
from sync.protocol import blob_id
from sync.replica_contract import FileWant

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

    def _items(self, *, own_team: bool) -> list[BlobRef]:
        with self.store.read() as session:
            query = select(EvidenceItem)
            if own_team:
                team = settings.enrolled_team(session)
                query = query.join(Case, col(Case.id) == col(EvidenceItem.case_id)).where(
                    col(Case.team) == team
                )
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
        blobs = self.store.blobs
        wants = {self._want(r) for r in self._items(own_team=True) if blobs.has_complete(r)}
        return sorted(wants, key=lambda w: w.blob_id)

    def to_download(self) -> list[FileWant]:
        if downloads_mode(self.store) != "auto":
            return []
        return self.lacking()

    def lacking(self) -> list[FileWant]:
        """Every file an item on this laptop names that the laptop does not hold whole."""
        blobs = self.store.blobs
        wants = {self._want(r) for r in self._items(own_team=False) if not blobs.has_complete(r)}
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
