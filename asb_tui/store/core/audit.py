"""The audit chain: each event holds the SHA-256 of the previous event's hash and its own
canonical JSON, so altering, inserting or deleting an event breaks every later link.

The store also keeps the head the sync service last acknowledged (its anchor). The chain must
still pass through it: `verify_chain` says so when it does not (a case erased and the chain
re-hashed on this laptop), and the events after it are what a push shows the service
(`links_since`), so the service can check the same link.

Events name what happened (action, entity, row id, field names), never the values, so they hold no
personal data and survive the destruction of a case under the retention rule.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from asb_tui.store.core import settings
from asb_tui.store.core.models import AuditEvent
from asb_tui.store.core.serialize import canonical_json, to_json_value

GENESIS = "0" * 64
ANCHOR_KEY = "sync.audit_anchor"


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    body = {
        "seq": event.seq,
        "at": to_json_value(event.at),
        "actor": event.actor,
        "device_id": event.device_id,
        "action": event.action,
        "entity": event.entity,
        "entity_id": event.entity_id,
        "case_id": event.case_id,
        "details": event.details,
    }
    return hashlib.sha256((prev_hash + canonical_json(body)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainHead:
    count: int
    hash: str


def chain_head(session: Session) -> ChainHead:
    # Two columns, no ORM row and no autoflush: the head is read on every save, and loading an
    # entity (after flushing what the save had pending) was a fifth of a diary entry's time.
    with session.no_autoflush:
        last = session.execute(
            select(AuditEvent.seq, AuditEvent.hash).order_by(col(AuditEvent.seq).desc()).limit(1)
        ).first()
    if last is None or last.seq is None:
        return ChainHead(0, GENESIS)
    return ChainHead(last.seq, last.hash)


def append_event(
    session: Session,
    *,
    actor: str,
    device_id: str,
    action: str,
    entity: str,
    entity_id: str,
    case_id: str | None,
    details: dict[str, Any] | None = None,
    head: ChainHead | None = None,
) -> AuditEvent:
    """Append one event; the caller's transaction holds the write lock, so the head is stable.

    `head` is the chain's head when the caller knows it (the unit of work keeps it from its
    last event: an event still pending in the session is not yet in the table)."""
    if head is None:
        head = chain_head(session)
    event = AuditEvent(
        seq=head.count + 1,
        actor=actor,
        device_id=device_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        case_id=case_id,
        details=details or {},
        prev_hash=head.hash,
        hash="",
    )
    event.hash = event_hash(head.hash, event)
    session.add(event)
    return event


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int
    head: str
    problem: str = ""
    broken_seq: int | None = None


def acknowledged_anchor(session: Session) -> ChainHead | None:
    """The audit head the sync service last acknowledged for this laptop, if any."""
    raw = settings.get(session, ANCHOR_KEY)
    if not raw:
        return None
    count, _, digest = raw.partition(":")
    if not count.isdigit() or len(digest) != 64:
        return None
    return ChainHead(int(count), digest)


def _hash_at(session: Session, seq: int) -> str | None:
    if seq == 0:
        return GENESIS
    event = session.exec(select(AuditEvent).where(AuditEvent.seq == seq)).first()
    return None if event is None else event.hash


def acknowledge_anchor(session: Session, anchor: ChainHead) -> bool:
    """Keep `anchor` as the acknowledged head when the local chain passes through it and
    through the one kept before; otherwise keep the old one (so `verify_chain` still reports
    the rewrite). True when it was kept."""
    if _hash_at(session, anchor.count) != anchor.hash:
        return False
    current = acknowledged_anchor(session)
    if current is not None and (
        anchor.count < current.count or _hash_at(session, current.count) != current.hash
    ):
        return False
    settings.put(session, ANCHOR_KEY, f"{anchor.count}:{anchor.hash}")
    return True


@dataclass(frozen=True)
class Link:
    seq: int
    prev_hash: str
    hash: str


def links_since(session: Session, after: int, limit: int) -> list[Link]:
    """The events after event `after`, oldest first, as chain links (at most `limit`)."""
    events = session.exec(
        select(AuditEvent.seq, AuditEvent.prev_hash, AuditEvent.hash)
        .where(col(AuditEvent.seq) > after)
        .order_by(col(AuditEvent.seq))
        .limit(limit)
    )
    return [Link(int(seq), prev, digest) for seq, prev, digest in events if seq is not None]


def verify_chain(session: Session) -> VerifyResult:
    """Walk the chain in order; name the first event that does not follow from the one before,
    or the acknowledged anchor the chain no longer passes through."""
    result = _walk(session)
    anchor = acknowledged_anchor(session)
    if not result.ok or anchor is None or anchor.count == 0:
        return result
    if anchor.count > result.count:
        return VerifyResult(
            False,
            result.count,
            result.head,
            f"the chain has {result.count} events but the sync service acknowledged "
            f"{anchor.count}: events were removed and the chain re-hashed",
            result.count + 1,
        )
    if _hash_at(session, anchor.count) != anchor.hash:
        return VerifyResult(
            False,
            result.count,
            result.head,
            f"event {anchor.count} is not the one the sync service acknowledged: the history "
            "up to it was rewritten and re-hashed",
            anchor.count,
        )
    return result


def _walk(session: Session) -> VerifyResult:
    prev = GENESIS
    expected_seq = 1
    count = 0
    for event in session.exec(select(AuditEvent).order_by(col(AuditEvent.seq))):
        if event.seq != expected_seq:
            return VerifyResult(
                False,
                count,
                prev,
                f"event {expected_seq} is missing (next found is {event.seq})",
                expected_seq,
            )
        if event.prev_hash != prev:
            return VerifyResult(
                False,
                count,
                prev,
                f"event {event.seq} does not link to the event before it",
                event.seq,
            )
        if event_hash(prev, event) != event.hash:
            return VerifyResult(
                False,
                count,
                prev,
                f"event {event.seq} was altered (its hash does not match)",
                event.seq,
            )
        prev = event.hash
        expected_seq += 1
        count += 1
    return VerifyResult(True, count, prev)
