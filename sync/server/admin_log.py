"""What administrators did on the service (transfers, flags cleared), kept in `admin_action`."""

from __future__ import annotations

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
    table_name: str | None = None,
    row_id: str | None = None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """One row: who, what, on which case or device; ids, names and reasons only."""
    connection.execute(
        tables.admin_action.insert().values(
            at=utcnow(),
            actor=actor,
            action=action,
            case_id=case_id,
            device_id=device_id,
            table_name=table_name,
            row_id=row_id,
            reason=reason,
            details=details or {},
        )
    )
