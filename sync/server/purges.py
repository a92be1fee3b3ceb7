"""Purge notices: when officers lose sight of a case, their laptops are told to drop it.

An agency loses a case when its last share with the agency is withdrawn (the owning team
deletes the share row); a team loses a case when it is transferred away (`transfer`). The
notice names the case, the agency or team, and why; it is numbered from the stream counter, so
a pull delivers it in order with the changes, once, to the officers it concerns who still
cannot see the case (a case shared again meanwhile is not purged).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from sync.protocol import ServerPurge
from sync.server import db as tables
from sync.server.accounts import Officer, utcnow
from sync.server.admin_log import record_admin_event


def add_notice(
    connection: sa.Connection,
    seq: int,
    case_id: str,
    *,
    reason: str,
    team: str | None = None,
    agency: str | None = None,
) -> None:
    connection.execute(
        tables.purge_notice.insert().values(
            seq=seq,
            case_id=case_id,
            team=team,
            agency=agency,
            reason=reason,
            created_at=utcnow(),
        )
    )


def withdraw(
    connection: sa.Connection,
    next_seq: Callable[[], int],
    case_id: str,
    agency: str,
    officer_name: str,
) -> None:
    """A share row was deleted: purge the agency's copies unless another share still holds."""
    still_shared = connection.execute(
        sa.select(tables.case_share.c.share_row_id).where(
            tables.case_share.c.case_id == case_id, tables.case_share.c.agency == agency
        )
    ).first()
    if still_shared is not None:
        return
    add_notice(
        connection, next_seq(), case_id, agency=agency,
        reason="the case's share with your agency was withdrawn",
    )  # fmt: skip
    record_admin_event(
        connection, actor=officer_name, action="share.withdraw", case_id=case_id,
        details={"agency": agency},
    )  # fmt: skip


def for_officer(
    connection: sa.Connection,
    officer: Officer,
    after: int,
    up_to: int,
    visible_cases: sa.Select[Any],
) -> list[ServerPurge]:
    """The notices in (after, up_to] for the officer's team or agency, of cases it cannot see."""
    n = tables.purge_notice
    audience = n.c.team == officer.team
    if officer.agency:
        audience = sa.or_(audience, n.c.agency == officer.agency)
    rows = connection.execute(
        sa.select(n.c.seq, n.c.case_id, n.c.reason)
        .where(n.c.seq > after, n.c.seq <= up_to, audience, n.c.case_id.not_in(visible_cases))
        .order_by(n.c.seq)
    )
    return [ServerPurge(seq=r.seq, case_id=r.case_id, reason=r.reason) for r in rows]
