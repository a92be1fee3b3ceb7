"""What administrators did on the service (transfers, flags cleared), kept in `admin_event`."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from sync.server import db as tables
from sync.server.accounts import utcnow


def record_admin_event(
    connection: sa.Connection,
    *,
    actor: str,
    action: str,
    case_id: str | None = None,
    device_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """One row: who, what, on which case or device; ids, names and reasons only."""
    connection.execute(
        tables.admin_event.insert().values(
            id=str(uuid.uuid4()),
            at=utcnow(),
            actor=actor,
            action=action,
            case_id=case_id,
            device_id=device_id,
            details=details or {},
        )
    )
