"""`asb-sync-server report`: the management report over every team the service holds, for the
Community Safety Partnership, with the laptop's definitions (docs/reports.md).

The figures are asb_tui/domain/report_figures.py's: this module only reads the input from
`row_state` (the rows' synced fields, deleted rows left out) for the cases of the chosen teams
(`case_access.team`, the service's own record of whose a case is) and hands it over. This is the
one place `sync` imports `asb_tui`: the pure domain layer, so that the figures are written once
(docs/architecture.md, "The sync boundary"; an import-linter contract allows exactly this).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from asb_tui.domain.report_figures import REPORT_TABLES, ReportPeriod, compute_report
from sync.server.db import Database, case_access, row_state


def report_rows(
    database: Database, teams: Sequence[str] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """The report's input from the central store: per table, each live row's fields."""
    query = (
        sa.select(
            row_state.c.table_name, row_state.c.row_id, row_state.c.case_id, row_state.c.fields
        )
        .join(case_access, case_access.c.case_id == row_state.c.case_id)
        .where(row_state.c.deleted.is_(False))
        .where(row_state.c.table_name.in_(list(REPORT_TABLES)))
    )
    if teams:
        query = query.where(case_access.c.team.in_(list(teams)))
    rows: dict[str, list[dict[str, Any]]] = {table: [] for table in REPORT_TABLES}
    with database.read() as connection:
        for table, row_id, case_id, fields in connection.execute(query):
            # Every field the report reads, None where a row synced before the field existed.
            row = {name: fields.get(name) for name in REPORT_TABLES[table]}
            row["id"] = row_id
            if table != "asb_case":
                row["case_id"] = case_id
            rows[table].append(row)
    # The figures read every row given as a row of a case given: rows of a case whose own row
    # is gone (deleted) are left out, as the laptop, which holds no such rows, leaves them.
    held = {row["id"] for row in rows["asb_case"]}
    return {
        table: found if table == "asb_case" else [r for r in found if r["case_id"] in held]
        for table, found in rows.items()
    }


def team_names(database: Database) -> list[str]:
    with database.read() as connection:
        return sorted(connection.execute(sa.select(case_access.c.team).distinct()).scalars())


def partnership_report(
    database: Database, period: ReportPeriod, teams: Sequence[str] | None = None
) -> dict[str, Any]:
    """The report over the cases of `teams` (every team when None or empty)."""
    report = compute_report(report_rows(database, teams), period)
    report["teams"] = sorted(teams) if teams else team_names(database)
    return report
