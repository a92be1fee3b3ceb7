"""The evidence locker's commands: attach a file to a case, and the continuity record of every
view, open, export and share of it (docs/evidence.md).

`attach_evidence` hashes and seals the file into the blob store (store/core/evidence_blobs.py)
first, then writes the `evidence_item` row and its audit event (naming the exhibit and its hash)
through the unit of work; a refusal there removes the chunks it had just written. A file whose
content is already held reuses that blob and its key. Each view, open, export or share is an
audit event on the item (`uow.audit_only`, entity evidence_item) naming exhibit and hash: the
item's history is read from those events (store/queries/evidence.py).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlmodel import Session

from asb_tui.domain.errors import DomainError
from asb_tui.domain.evidence import (
    EvidenceSource,
    check_exhibit_ref,
    kind_of,
    next_exhibit_ref,
)
from asb_tui.store.commands.fieldwork import get_case
from asb_tui.store.core.evidence_blobs import (
    DEFAULT_MAX_BYTES,
    BlobRef,
    EvidenceError,
    detect_media_type,
    new_key,
)
from asb_tui.store.core.models import EvidenceItem, Incident, Person, Visit
from asb_tui.store.core.store import Store
from asb_tui.store.queries.evidence import (
    EvidenceDetail,
    EvidenceRow,
    blob_ref,
    case_evidence,
    evidence_detail,
    exhibit_refs,
    find_exhibit,
    held_with_key,
    referenced_folders,
)

__all__ = [
    "Attached",
    "EvidenceError",
    "attach_evidence",
    "decrypt_to",
    "export_evidence",
    "item_for_exhibit",
    "item_for_screen",
    "read_preview",
    "reclaim_evidence_space",
    "record_evidence_act",
]


@dataclass(frozen=True)
class Attached:
    item: EvidenceRow
    reused: bool  # the content was already held: its blob was reused, nothing new written


def _refuse(exc: DomainError) -> EvidenceError:
    return EvidenceError(str(exc))


def attach_evidence(
    store: Store,
    case_id: str,
    path: Path,
    *,
    officer: str | None = None,
    description: str = "",
    source: str = EvidenceSource.OFFICER.value,
    exhibit_ref: str | None = None,
    obtained_on: date | None = None,
    incident_id: str | None = None,
    visit_id: str | None = None,
    person_id: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    today: date | None = None,
) -> Attached:
    """Hash, seal and record one file as an exhibit of the case (by `officer`, else the store's
    officer: their initials number it)."""
    officer = officer or store.actor
    if source not in {s.value for s in EvidenceSource}:
        raise EvidenceError(
            f"Source {source!r} is not one of {', '.join(s.value for s in EvidenceSource)}."
        )
    if exhibit_ref is not None:
        try:
            check_exhibit_ref(exhibit_ref)
        except DomainError as exc:
            raise _refuse(exc) from None
    if obtained_on is not None and today is not None and obtained_on > today:
        raise EvidenceError(f"Obtained on {obtained_on:%d/%m/%Y} is in the future.")
    with store.read() as session:
        get_case(session, case_id)  # before reading a large file for a case that is not here
        _check_links(session, case_id, incident_id, visit_id, person_id)
    blobs = store.blobs
    measured = blobs.measure(path, max_bytes=max_bytes)
    with store.read() as session:
        held = held_with_key(session, blobs, measured.sha256)
    ref = held or BlobRef(sha256=measured.sha256, key=new_key(), size=measured.size)
    if held is None:
        blobs.seal_file(path, ref)
    media_type = detect_media_type(measured.head)
    try:
        with store.write() as uow:
            case = get_case(uow.reads, case_id)
            _check_links(uow.reads, case_id, incident_id, visit_id, person_id)
            taken = exhibit_refs(uow.reads, case_id)
            chosen = exhibit_ref or next_exhibit_ref(officer, taken)
            if chosen in taken:
                raise EvidenceError(f"Case {case.ref} already has an exhibit {chosen}.")
            item = uow.add(
                EvidenceItem(
                    case_id=case_id,
                    exhibit_ref=chosen,
                    kind=kind_of(media_type).value,
                    description=description,
                    source=source,
                    original_name=Path(path).name,
                    media_type=media_type,
                    size=measured.size,
                    sha256=measured.sha256,
                    content_key=ref.key.hex(),
                    obtained_on=obtained_on or today or date.today(),
                    obtained_by=officer,
                    incident_id=incident_id,
                    visit_id=visit_id,
                    person_id=person_id,
                ),
                action="evidence.add",
                details={"exhibit_ref": chosen, "sha256": measured.sha256, "size": measured.size},
            )
            item_id = item.id
    except BaseException:
        if held is None:
            blobs.remove(ref)
        raise
    with store.read() as session:
        row = next(r for r in case_evidence(session, blobs, case_id) if r.id == item_id)
    return Attached(item=row, reused=held is not None)


def _check_links(
    session: Session,
    case_id: str,
    incident_id: str | None,
    visit_id: str | None,
    person_id: str | None,
) -> None:
    for model, row_id, what in (
        (Incident, incident_id, "incident"),
        (Visit, visit_id, "visit"),
        (Person, person_id, "person"),
    ):
        if row_id is None:
            continue
        row = session.get(model, row_id)
        if row is None or getattr(row, "case_id", None) != case_id:
            raise EvidenceError(
                f"That {what} ({row_id}) is not in this case; nothing was attached."
            )


def _item(session: Session, item_id: str) -> EvidenceItem:
    item = session.get(EvidenceItem, item_id)
    if item is None:
        raise EvidenceError("That exhibit is not on this laptop (its case may have been removed).")
    return item


def item_for_exhibit(store: Store, case_id: str, exhibit_ref: str) -> str:
    """The id of exhibit `exhibit_ref` of the case; a one-line refusal naming its exhibits."""
    exhibit_ref = exhibit_ref.strip().upper()
    with store.read() as session:
        case = get_case(session, case_id)
        item = find_exhibit(session, case_id, exhibit_ref)
        if item is None:
            refs = ", ".join(sorted(exhibit_refs(session, case_id))) or "none"
            raise EvidenceError(
                f"Case {case.ref} has no exhibit {exhibit_ref} (its exhibits: {refs})."
            )
        return item.id


def record_evidence_act(store: Store, item_id: str, act: str, **details: object) -> None:
    """One continuity event on the item: view, open, share (export writes its own)."""
    with store.write() as uow:
        item = _item(uow.reads, item_id)
        uow.audit_only(
            action=f"evidence.{act}",
            entity="evidence_item",
            entity_id=item.id,
            case_id=item.case_id,
            details={"exhibit_ref": item.exhibit_ref, "sha256": item.sha256, **details},
        )


def _blob(store: Store, item: EvidenceItem) -> BlobRef:
    ref = blob_ref(item)
    if ref is None:
        raise EvidenceError(f"Exhibit {item.exhibit_ref} is a record only: no file was attached.")
    if not store.blobs.has_complete(ref):
        raise EvidenceError(
            f"The file of exhibit {item.exhibit_ref} is not on this laptop yet (it comes with "
            "the next sync, or now with `asb-tui evidence fetch`)."
        )
    return ref


def export_evidence(
    store: Store, item_id: str, out: Path, *, force: bool = False, act: str = "export"
) -> str:
    """Write the exhibit's bytes to `out` (mode 0600), hashing them as they are written and
    comparing with the recorded SHA-256 before it takes its name; audited. Returns the hash."""
    out = Path(out)
    if out.is_dir():
        raise EvidenceError(f"{out} is a folder: give the path of the file to write.")
    if out.exists() and not force:
        raise EvidenceError(f"{out} already exists; nothing was written (--force to replace it).")
    if not out.parent.is_dir():
        raise EvidenceError(f"there is no folder {out.parent} to write {out.name} in.")
    with store.read() as session:
        item = _item(session, item_id)
    ref = _blob(store, item)
    temporary = out.with_name(f".{out.name}.{secrets.token_hex(4)}.part")
    digest = hashlib.sha256()
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as stream:
            for plain in store.blobs.iter_plain(ref):
                digest.update(plain)
                stream.write(plain)
            stream.flush()
            os.fsync(stream.fileno())
        if digest.hexdigest() != item.sha256:
            raise EvidenceError(
                f"exhibit {item.exhibit_ref} did not hash to its recorded SHA-256; nothing written"
            )
        os.replace(temporary, out)
    except PermissionError:
        temporary.unlink(missing_ok=True)
        raise EvidenceError(f"{out} cannot be written (permission denied).") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    record_evidence_act(store, item_id, act, verified=True)
    return digest.hexdigest()


def decrypt_to(store: Store, item_id: str, folder: Path) -> Path:
    """The exhibit decrypted into `folder` (the caller's private 0700 folder, which it removes
    afterwards) under its original name; audited as an open."""
    with store.read() as session:
        item = _item(session, item_id)
    name = Path(item.original_name).name or item.exhibit_ref.replace("/", "-")
    target = folder / name
    export_evidence(store, item_id, target, force=True, act="open")
    return target


def read_preview(store: Store, item_id: str, max_bytes: int) -> bytes | None:
    """The exhibit's first `max_bytes` bytes, in memory only, for showing a text inline or an
    image as a thumbnail; None when its file is not on this laptop. Audited as a view."""
    with store.read() as session:
        item = _item(session, item_id)
    ref = blob_ref(item)
    if ref is None or not store.blobs.has_complete(ref):
        record_evidence_act(store, item_id, "view")
        return None
    taken = bytearray()
    for plain in store.blobs.iter_plain(ref):
        taken += plain[: max_bytes - len(taken)]
        if len(taken) >= max_bytes:
            break
    record_evidence_act(store, item_id, "view")
    return bytes(taken)


def item_for_screen(
    store: Store, item_id: str, *, text_limit: int, image_limit: int
) -> tuple[EvidenceDetail | None, bytes | None]:
    """The exhibit's screen: its record and history, and the bytes to show inline (a text file's
    first `text_limit` bytes, an image up to `image_limit`; else None). Audited as a view."""
    with store.read() as session:
        detail = evidence_detail(session, store.blobs, item_id)
    if detail is None:
        return None, None
    item = detail.item
    limit = (
        text_limit if item.kind == "text"
        else image_limit if item.kind == "photo" and item.size <= image_limit
        else 0
    )  # fmt: skip
    if limit:
        preview = read_preview(store, item_id, limit)
    else:
        preview = None
        record_evidence_act(store, item_id, "view")
    with store.read() as session:  # the history with this view in it
        return evidence_detail(session, store.blobs, item_id), preview


def reclaim_evidence_space(store: Store) -> int:
    """Delete the chunk files no evidence_item row refers to any more (after retention, a pulled
    purge or a case destroyed elsewhere): the space is given back. Returns the folders removed."""
    blobs = store.blobs
    with store.read() as session:
        referenced = referenced_folders(session, blobs)
    removed = 0
    for _sha, _fp, folder in list(blobs.held()):
        if folder.name not in referenced:
            blobs.remove_folder(folder)
            removed += 1
    return removed
