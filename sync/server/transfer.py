"""Moving a case to another team: an explicit, audited act of the service's administrator.

A pushed `team` field never moves a case (see `access`). A transfer hands a victim's and a
perpetrator's personal data to other officers, so it is decided on the service, where the
council manages its teams, and it works while the owning team's laptops are offline. In one
write transaction it:
- writes the case row's new team as a server change (every device of the new team pulls it);
- re-sends the case's rows to the new team (their cursors passed its history long ago), and its
  open conflicts: the new team's laptops receive them and resolve them (the old team's drop
  them with the case); they are named in the record of the transfer and in its output;
- leaves a purge notice for the old team: their laptops drop the case at their next pull;
- records an `admin_event` naming who did it, on whose request and why (ids and names only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from sync.protocol import CASE_TABLE, CASE_TEAM_FIELD
from sync.server import db as tables
from sync.server import names
from sync.server.admin_log import record_admin_event
from sync.server.db import Database
from sync.server.errors import ServiceError
from sync.server.exchange import reveal_case
from sync.server.purges import add_notice


@dataclass(frozen=True)
class Transferred:
    case_id: str
    ref: str
    old_team: str
    new_team: str
    #: the ids of the case's open conflicts, now the new team's to resolve
    open_conflicts: list[str]


def find_case(connection: sa.Connection, case: str) -> Any:
    """The live case row named by its id or its reference (e.g. ASB-2026-0001)."""
    t = tables.row_state
    live = sa.and_(t.c.table_name == CASE_TABLE, t.c.deleted.is_(False))
    row = connection.execute(sa.select(t).where(live, t.c.row_id == case)).first()
    if row is not None:
        return row
    for candidate in connection.execute(sa.select(t).where(live)):
        if candidate.fields.get("ref") == case:
            return candidate
    raise ServiceError(
        404, "not_found", f"no case {case!r} on the service (give its id or reference)"
    )


def transfer_case(
    database: Database, case: str, team: str, *, by: str, requested_by: str, reason: str
) -> Transferred:
    team = names.name("the team the case moves to", team)
    by = names.name("who makes the transfer (--by)", by)
    requested_by = names.name("who asked for it (--requested-by)", requested_by)
    reason = names.reason("why the case moves (--reason)", reason)
    with database.write() as connection:
        row = find_case(connection, case)
        old_team = connection.execute(
            sa.select(tables.case_access.c.team).where(tables.case_access.c.case_id == row.row_id)
        ).scalar_one()
        if old_team == team:
            raise ServiceError(409, "unchanged", f"the case already belongs to team {team!r}")
        seq = tables.stream_last(connection)
        stream_rows: list[dict[str, Any]] = []

        def next_seq() -> int:
            nonlocal seq
            seq += 1
            return seq

        version = int(row.version) + 1
        fields = {**row.fields, CASE_TEAM_FIELD: team}
        field_versions = {**row.field_versions, CASE_TEAM_FIELD: [version, None]}
        connection.execute(
            tables.row_state.update()
            .where(
                tables.row_state.c.table_name == CASE_TABLE,
                tables.row_state.c.row_id == row.row_id,
            )
            .values(version=version, fields=fields, field_versions=field_versions)
        )
        connection.execute(
            tables.case_access.update()
            .where(tables.case_access.c.case_id == row.row_id)
            .values(team=team)
        )
        # The new team may already hold old copies: the re-sent rows are upserts.
        open_conflicts = reveal_case(connection, next_seq, stream_rows, row.row_id)
        add_notice(
            connection, next_seq(), row.row_id, team=old_team,
            reason=f"the case was transferred to team {team}",
        )  # fmt: skip
        if stream_rows:
            connection.execute(tables.stream.insert(), stream_rows)
        tables.set_stream_last(connection, seq)
        ref = str(row.fields.get("ref") or row.row_id)
        record_admin_event(
            connection,
            actor=by,
            action="case.transfer",
            case_id=row.row_id,
            reason=reason,
            details={
                "ref": ref,
                "from_team": old_team,
                "to_team": team,
                "requested_by": requested_by,
                "open_conflicts": open_conflicts,
            },
        )
    return Transferred(row.row_id, ref, old_team, team, open_conflicts)
