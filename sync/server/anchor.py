"""The audit anchor: the service keeps, per device, the head of its audit chain that it last
checked, and every push must show that the chain still passes through it.

A count and a last hash alone can be padded past: rewrite a case out of the history, re-hash,
add a few events and the count grows again. So the laptop sends the links (number, previous
hash, own hash) of every event after the anchor it knows, and the service checks that they
form one chain starting from its anchored hash. A chain that does not is flagged, whatever
follows. The data is still accepted (refusing it would lose an officer's work); a flag is an
alert for an administrator, listed by `asb-sync-server audit flags` and cleared only with a
reason, which is recorded with it.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from sync.protocol import AuditHead, AuditLink
from sync.server import db as tables
from sync.server import names
from sync.server.accounts import utcnow
from sync.server.admin_log import record_admin_event
from sync.server.db import Database
from sync.server.errors import ServiceError


@dataclass(frozen=True)
class Checked:
    """The anchor to keep after a push, and the flag raised by it (or None)."""

    count: int
    hash: str
    flag: str | None


def _reach(head: AuditHead) -> tuple[int, str]:
    """How far the links show the chain (the head, or the last link when they stop short)."""
    if head.links and head.links[-1].seq < head.count:
        return head.links[-1].seq, head.links[-1].hash
    return head.count, head.hash


def _inconsistent(head: AuditHead) -> str | None:
    for a, b in itertools.pairwise(head.links):
        if b.seq != a.seq + 1 or b.prev_hash != a.hash:
            return f"audit chain broken: event {b.seq} does not follow from event {a.seq}"
    if head.links:
        last = head.links[-1]
        if last.seq > head.count or (last.seq == head.count and last.hash != head.hash):
            return "audit chain broken: the events sent do not end at the head reported"
    return None


def _link(head: AuditHead, seq: int) -> AuditLink | None:
    if not head.links:
        return None
    index = seq - head.links[0].seq
    return head.links[index] if 0 <= index < len(head.links) else None


def check(anchored_count: int | None, anchored_hash: str | None, head: AuditHead) -> Checked:
    broken = _inconsistent(head)
    if broken:
        return Checked(head.count, head.hash, broken)
    reach_count, reach_hash = _reach(head)
    if anchored_count is None or anchored_hash is None:
        return Checked(reach_count, reach_hash, None)  # first push: nothing to compare yet
    if head.count < anchored_count:
        return Checked(
            head.count,
            head.hash,
            f"audit chain rewritten: the head went back from {anchored_count} "
            f"to {head.count} events",
        )
    if head.count == anchored_count:
        if head.hash != anchored_hash:
            return Checked(
                head.count,
                head.hash,
                f"audit chain rewritten: event {head.count} now has a different hash "
                "than the one anchored before",
            )
        return Checked(head.count, head.hash, None)
    at, after = _link(head, anchored_count), _link(head, anchored_count + 1)
    if at is not None:
        follows = at.hash == anchored_hash
    elif after is not None:
        follows = after.prev_hash == anchored_hash
    else:
        # The laptop's links start elsewhere (it does not know this anchor yet): nothing is
        # flagged, the anchor stays, and the reply tells the laptop where to send links from.
        return Checked(anchored_count, anchored_hash, None)
    if not follows:
        return Checked(
            reach_count,
            reach_hash,
            f"audit chain rewritten: the events after event {anchored_count} (anchored) do not "
            f"follow from it, although the chain now has {head.count} events",
        )
    return Checked(reach_count, reach_hash, None)


def settle(
    connection: sa.Connection, device_row: Any, head: AuditHead, checked: Checked | None = None
) -> tuple[dict[str, Any], list[str], AuditHead]:
    """Check the pushed head against the device's anchor (or take `checked`, the check already
    made against that same anchor) and store any flag; the device row's new anchor values (the
    caller writes them with its own update of that row), the reply's warnings and the anchor."""
    if checked is None:
        checked = check(device_row.audit_count, device_row.audit_hash, head)
    values: dict[str, Any] = {"audit_count": checked.count, "audit_hash": checked.hash}
    if checked.flag:
        connection.execute(
            tables.audit_flag.insert().values(
                id=str(uuid.uuid4()),
                device_id=device_row.id,
                flagged_at=utcnow(),
                reason=checked.flag,
                anchored_count=device_row.audit_count,
                reported_count=head.count,
            )
        )
        if not device_row.audit_flag:
            values.update(audit_flag=checked.flag, audit_flagged_at=utcnow())
    anchor = AuditHead(count=checked.count, hash=checked.hash)
    current_flag = device_row.audit_flag or checked.flag
    warnings = (
        [
            f"{current_flag}. The changes were accepted; an administrator has been alerted "
            "(see `asb-sync-server audit flags`)."
        ]
        if current_flag
        else []
    )
    return values, warnings, anchor


@dataclass(frozen=True)
class FlagView:
    device_id: str
    device_name: str
    officer_name: str
    flagged_at: datetime
    reason: str
    cleared_at: datetime | None
    cleared_by: str | None
    cleared_reason: str | None


def list_flags(database: Database, *, include_cleared: bool = False) -> list[FlagView]:
    f, d, o = tables.audit_flag, tables.device, tables.officer
    query = (
        sa.select(f, d.c.name.label("device_name"), o.c.name.label("officer_name"))
        .join(d, d.c.id == f.c.device_id)
        .join(o, o.c.id == d.c.officer_id)
        .order_by(f.c.flagged_at, f.c.id)
    )
    if not include_cleared:
        query = query.where(f.c.cleared_at.is_(None))
    with database.read() as connection:
        return [
            FlagView(
                device_id=r.device_id,
                device_name=r.device_name,
                officer_name=r.officer_name,
                flagged_at=r.flagged_at,
                reason=r.reason,
                cleared_at=r.cleared_at,
                cleared_by=r.cleared_by,
                cleared_reason=r.cleared_reason,
            )
            for r in connection.execute(query)
        ]


def clear_flags(database: Database, device_id: str, *, by: str, reason: str) -> int:
    """Clear a device's open flags; the reason and the administrator are kept with each flag."""
    by = names.name("who clears the flag (--by)", by)
    reason = names.reason("why the flag is cleared (--reason)", reason)
    with database.write() as connection:
        f = tables.audit_flag
        open_flags = sa.and_(f.c.device_id == device_id, f.c.cleared_at.is_(None))
        count = len(connection.execute(sa.select(f.c.id).where(open_flags)).all())
        if count == 0:
            raise ServiceError(404, "not_found", f"device {device_id} has no open audit flag")
        now = utcnow()
        connection.execute(
            f.update()
            .where(open_flags)
            .values(cleared_at=now, cleared_by=by, cleared_reason=reason)
        )
        connection.execute(
            tables.device.update()
            .where(tables.device.c.id == device_id)
            .values(audit_flag=None, audit_flagged_at=None)
        )
        record_admin_event(
            connection, actor=by, action="audit.clear", device_id=device_id, reason=reason,
            details={"flags": count},
        )  # fmt: skip
    return count
