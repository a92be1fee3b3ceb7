"""The audit chain: each event holds the SHA-256 of the previous event's hash and its own
canonical JSON, so altering, inserting or deleting an event breaks every later link.

Events name what happened (action, entity, row id, field names), never the values, so they hold no
personal data and survive the destruction of a case under the retention rule.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from asb_tui.store.models import AuditEvent
from asb_tui.store.serialize import canonical_json, to_json_value

GENESIS = "0" * 64


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
    last = session.exec(select(AuditEvent).order_by(col(AuditEvent.seq).desc()).limit(1)).first()
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
) -> AuditEvent:
    """Append one event; the caller's transaction holds the write lock, so the head is stable."""
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


def verify_chain(session: Session) -> VerifyResult:
    """Walk the chain in order; name the first event that does not follow from the one before."""
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
