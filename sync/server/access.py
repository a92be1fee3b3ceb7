"""The access matrix: who may do what to a case, decided here and nowhere else.

- The owning team (the case's `team` on the service) reads and writes its cases: inserts,
  updates and deletes. It does not move a case by editing its `team` field: a transfer to another
  team is an explicit, audited act on the service (`asb-sync-server case transfer`).
- An agency the case is shared with (a share row with a legal basis) reads the case and may add
  its own notes and agency contacts. Nothing else: it never changes the case's team, status or
  sharing, never edits or deletes a row (not even its own: they are evidence), never shares the
  case onward.
- Anyone else sees nothing of the case and writes nothing to it.

`exchange.push` asks `refusal()` for every change after its own structural checks; a reason means
the change is refused, recorded and never applied.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import sqlalchemy as sa

from sync.protocol import CASE_TABLE, CASE_TEAM_FIELD, ChangeOut
from sync.server import db as tables
from sync.server.accounts import Officer

#: What an agency with a share may add to a case it does not own.
PARTNER_ADDABLE_TABLES = frozenset({"note", "agency_contact"})

TRANSFER_HINT = (
    "a case moves to another team only by a transfer on the service "
    "(`asb-sync-server case transfer`), never by editing its team"
)


class Role(Enum):
    OWNER = "owner"
    PARTNER = "partner"
    NONE = "none"


def role(officer_team: str, case_team: str | None, shared_with_agency: bool) -> Role:
    """The officer's role on one case: its team's member, an agency it is shared with, or none."""
    if case_team is not None and case_team == officer_team:
        return Role.OWNER
    if shared_with_agency:
        return Role.PARTNER
    return Role.NONE


def team_cases(team: str) -> sa.Select[Any]:
    """The ids of the cases the team owns now."""
    return sa.select(tables.case_access.c.case_id).where(tables.case_access.c.team == team)


def agency_cases(agency: str) -> sa.Select[Any]:
    """The ids of the cases shared with the agency."""
    return sa.select(tables.case_share.c.case_id).where(tables.case_share.c.agency == agency)


def owning_team(case_id: sa.ColumnElement[str]) -> sa.ScalarSelect[Any]:
    """The team that owns the case `case_id` (a column of the outer query) now, as a scalar
    subquery: PostgreSQL runs it as one primary-key lookup per row it checks, never flattened
    into a join whose plan would hang on statistics."""
    access_table = tables.case_access
    return sa.select(access_table.c.team).where(access_table.c.case_id == case_id).scalar_subquery()


def case_team(connection: sa.Connection, case_id: str) -> str | None:
    """The team that owns the case now (what its stream entries are labelled with)."""
    access_team = tables.case_access.c.team
    return connection.execute(
        sa.select(access_team).where(tables.case_access.c.case_id == case_id)
    ).scalar_one_or_none()


def visible_cases(officer: Officer) -> sa.Select[Any]:
    """The ids of the cases the officer may read: its team's, and those shared with its agency
    (what a pull returns, and what the blind index never counts as "elsewhere")."""
    by_team = team_cases(officer.team)
    if not officer.agency:
        return by_team
    return sa.select(sa.union(by_team, agency_cases(officer.agency)).subquery().c.case_id)


def refusal(who: Role, change: ChangeOut, current_team: str | None) -> str | None:
    """Why `change` to an existing case is refused for an officer in role `who`, or None."""
    if who is Role.NONE:
        return "you have no access to this case (not your team's, and not shared with you)"
    if who is Role.PARTNER:
        if change.op != "insert":
            verb = "change" if change.op == "update" else "delete"
            return (
                f"the case is shared with your agency: you may read it and add notes and "
                f"contacts, but not {verb} its records"
            )
        if change.table not in PARTNER_ADDABLE_TABLES:
            if change.table == "sharing_record":
                return "the case is shared with your agency: only its own team may share it onward"
            return (
                "the case is shared with your agency: you may add notes and contacts only, "
                f"not {change.table} records"
            )
        return None
    if (
        change.table == CASE_TABLE
        and change.op == "update"
        and CASE_TEAM_FIELD in change.fields
        and change.fields[CASE_TEAM_FIELD] != current_team
    ):
        return TRANSFER_HINT
    return None
