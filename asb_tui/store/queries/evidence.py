"""Read models of the evidence locker: a case's exhibits, one exhibit with its history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from asb_tui.store.core.evidence_blobs import BlobRef, BlobStore
from asb_tui.store.core.models import AuditEvent, EvidenceItem


@dataclass(frozen=True)
class EvidenceRow:
    id: str
    case_id: str
    exhibit_ref: str
    kind: str
    description: str
    source: str
    original_name: str
    media_type: str
    size: int
    sha256: str
    obtained_on: date | None
    obtained_by: str
    incident_id: str | None
    visit_id: str | None
    person_id: str | None
    created_at: datetime
    #: the file itself is on this laptop, whole and checked (a record alone otherwise)
    held: bool


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    actor: str
    action: str  # evidence.add / view / open / export / share / destroy ...
    detail: str


@dataclass(frozen=True)
class EvidenceDetail:
    item: EvidenceRow
    history: tuple[HistoryLine, ...]


def blob_ref(item: EvidenceItem) -> BlobRef | None:
    """The blob of an item, or None for a record without a file (demo data, an old import)."""
    if not item.content_key or not item.sha256:
        return None
    return BlobRef.from_hex(item.sha256, item.content_key, item.size)


def _row(item: EvidenceItem, blobs: BlobStore) -> EvidenceRow:
    ref = blob_ref(item)
    return EvidenceRow(
        id=item.id,
        case_id=item.case_id,
        exhibit_ref=item.exhibit_ref,
        kind=item.kind,
        description=item.description,
        source=item.source,
        original_name=item.original_name,
        media_type=item.media_type,
        size=item.size,
        sha256=item.sha256,
        obtained_on=item.obtained_on,
        obtained_by=item.obtained_by,
        incident_id=item.incident_id,
        visit_id=item.visit_id,
        person_id=item.person_id,
        created_at=item.created_at,
        held=ref is not None and blobs.has_complete(ref),
    )


def exhibit_sort_key(ref: str) -> tuple[str, int, str]:
    initials, _, number = ref.partition("/")
    return (initials, int(number) if number.isdigit() else 0, ref)


def case_evidence(session: Session, blobs: BlobStore, case_id: str) -> list[EvidenceRow]:
    items = session.exec(select(EvidenceItem).where(EvidenceItem.case_id == case_id)).all()
    rows = [_row(item, blobs) for item in items]
    return sorted(rows, key=lambda r: exhibit_sort_key(r.exhibit_ref))


def find_exhibit(session: Session, case_id: str, exhibit_ref: str) -> EvidenceItem | None:
    return session.exec(
        select(EvidenceItem).where(
            EvidenceItem.case_id == case_id, EvidenceItem.exhibit_ref == exhibit_ref
        )
    ).first()


def exhibit_refs(session: Session, case_id: str) -> list[str]:
    return list(
        session.exec(select(EvidenceItem.exhibit_ref).where(EvidenceItem.case_id == case_id))
    )


def evidence_detail(session: Session, blobs: BlobStore, item_id: str) -> EvidenceDetail | None:
    item = session.get(EvidenceItem, item_id)
    if item is None:
        return None
    events = session.exec(
        select(AuditEvent)
        .where(AuditEvent.entity == "evidence_item", AuditEvent.entity_id == item_id)
        .order_by(col(AuditEvent.seq))
    ).all()
    history = tuple(
        HistoryLine(at=e.at, actor=e.actor, action=e.action, detail=_detail(e.details))
        for e in events
    )
    return EvidenceDetail(item=_row(item, blobs), history=history)


def _detail(details: dict[str, object]) -> str:
    shown = {k: v for k, v in details.items() if k not in {"fields", "sha256", "exhibit_ref"}}
    return ", ".join(f"{k} {v}" for k, v in shown.items())


def held_with_key(session: Session, blobs: BlobStore, sha256: str) -> BlobRef | None:
    """A blob of this content already whole on this laptop (any case), to attach it again."""
    for item in session.exec(
        select(EvidenceItem).where(EvidenceItem.sha256 == sha256, EvidenceItem.content_key != "")
    ):
        ref = blob_ref(item)
        if ref is not None and blobs.has_complete(ref):
            return ref
    return None


def referenced_folders(session: Session, blobs: BlobStore) -> set[str]:
    """The blob folder names some evidence_item row refers to."""
    names: set[str] = set()
    for item in session.exec(select(EvidenceItem).where(EvidenceItem.content_key != "")):
        ref = blob_ref(item)
        if ref is not None:
            names.add(blobs.folder(ref).name)
    return names
